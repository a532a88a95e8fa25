package adopt

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/dozen-dev/dozen/generate"
	"github.com/dozen-dev/dozen/schema"
)

// serviceFileNames are the names a service file may have.
var serviceFileNames = []string{"service.cue", "service.yaml", "service.yml", "service.json"}

// Check compares service files written by an earlier import, and edited
// since, with the input, as the import's own round trip does: dir is the
// output directory in fsys (slash-separated, rooted as Load's), shown as
// display. For each service the input stands for it renders
// <service>/service.cue (or .yaml, .json) in the environment (when the
// file declares it or <service>/overlays/<env>/ exists; the base
// otherwise) and lists every difference beyond dozen's documented
// additions and the renames the import makes.
func Check(app *App, opts Options, fsys fs.FS, dir, display string) (*Report, error) {
	env := opts.env()
	p, err := newPlan(app, opts)
	if err != nil {
		return nil, err
	}
	rep := &Report{Env: env, Dir: display, Checked: true, Inputs: app.Inputs, Check: CheckReport{Differences: []Difference{}}}
	sch, err := schema.Compile()
	if err != nil {
		return nil, err
	}
	var withEnv, base []*unit
	for _, g := range p.groups {
		md := newModeller(app, g, opts)
		u := &unit{g: g, s: md.build()}
		g.dropConsumed()
		for _, n := range serviceFileNames {
			data, err := fs.ReadFile(fsys, path.Join(dir, g.name, n))
			if err == nil {
				u.file, u.render = path.Join(g.name, n), data
				break
			}
		}
		if u.file == "" {
			rep.Services = append(rep.Services, ServiceReport{Name: g.name, File: path.Join(display, g.name, "service.cue"), Grouping: g.why})
			rep.Check.Objects += len(u.inputsOf())
			rep.Check.Differences = append(rep.Check.Differences, Difference{Object: "service " + g.name, Field: "(file)", Input: fmt.Sprintf("%d objects", len(u.inputsOf())), Rendered: "(no service file in " + path.Join(display, g.name) + ")"})
			continue
		}
		overlayDir := path.Join(dir, g.name, "overlays", env)
		if files, err := readTree(fsys, overlayDir); err == nil && len(files) > 0 {
			u.overlay = files
		}
		svc, err := sch.Load(path.Join(display, u.file), u.render)
		if err != nil {
			return nil, err
		}
		declared := false
		for _, e := range generate.Environments(svc, nil) {
			declared = declared || e == env
		}
		if declared || len(u.overlay) > 0 {
			withEnv = append(withEnv, u)
		} else {
			base = append(base, u)
		}
		rep.Services = append(rep.Services, ServiceReport{Name: g.name, File: path.Join(display, u.file), Grouping: g.why})
	}
	for _, run := range []struct {
		units []*unit
		env   string
	}{{withEnv, env}, {base, ""}} {
		if len(run.units) == 0 {
			continue
		}
		var sources []generate.Source
		for _, u := range run.units {
			src := generate.Source{File: path.Join(display, u.file), Data: u.render}
			if u.overlay != nil {
				src.Overlays = map[string]*generate.Overlay{env: {Dir: path.Join(display, u.g.name, "overlays", env), Files: u.overlay}}
			}
			sources = append(sources, src)
		}
		results, err := generate.Run(sources, generate.Options{Env: run.env})
		if err != nil {
			return nil, err
		}
		for i, r := range results {
			run.units[i].rendered = r.Objects
		}
		for _, u := range run.units {
			c := u.compare(app, env)
			rep.Check.Objects += c.objects
			rep.Check.Differences = append(rep.Check.Differences, c.diffs...)
		}
	}
	return rep, nil
}

// readTree reads every regular file under dir in fsys, by path relative
// to dir.
func readTree(fsys fs.FS, dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files[strings.TrimPrefix(p, dir+"/")] = data
		return nil
	})
	return files, err
}
