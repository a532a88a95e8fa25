package adopt

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var procfileLine = regexp.MustCompile(`^([A-Za-z0-9_-]+):[ \t]*(\S.*)$`)

// isProcfile reports whether data reads as a Procfile: lines of
// "name: command", comments and blank lines, and nothing else.
func isProcfile(data []byte) bool {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := procfileLine.FindStringSubmatch(line)
		if m == nil || m[1] == "apiVersion" || m[1] == "kind" || m[1] == "services" || m[1] == "version" {
			return false
		}
		n++
	}
	return n > 0 && sc.Err() == nil
}

// appJSON is the part of a Heroku app.json an import reads.
type appJSON struct {
	Name      string                     `json:"name"`
	Env       map[string]json.RawMessage `json:"env"`
	Formation map[string]struct {
		Quantity *int `json:"quantity"`
	} `json:"formation"`
	Addons  []json.RawMessage `json:"addons"`
	Scripts map[string]string `json:"scripts"`
}

// appEnv is one entry of app.json's env: a value, or an object.
type appEnv struct {
	Value     *string `json:"value"`
	Required  *bool   `json:"required"`
	Generator string  `json:"generator"`
}

// listenFlag finds a flag of a command line that says where its process
// listens: a listen, port, bind or address flag, and its value.
var listenFlag = regexp.MustCompile(`(--?[A-Za-z0-9.-]*(listen|port|bind|addr)[A-Za-z0-9.-]*)[= ]['"]?([^\s'"]+)`)

// listenPort returns the port a command line says its process listens
// on, and the flag that says so.
func listenPort(command string) (int64, string) {
	for _, m := range listenFlag.FindAllStringSubmatch(command, -1) {
		v := m[3]
		if i := strings.LastIndex(v, ":"); i >= 0 {
			v = v[i+1:]
		}
		if p, err := strconv.ParseInt(v, 10, 64); err == nil && p > 0 && p < 65536 {
			return p, m[1] + "=" + m[3]
		}
	}
	return 0, ""
}

// shellVar finds the variables a shell command line reads.
var shellVar = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// shellish matches command lines that need a shell: variables, quotes,
// globs, pipes, redirections and lists.
var shellish = regexp.MustCompile("[$`'\"\\\\|&;<>*?(){}~]")

// procfile converts a Procfile (and app.json beside it) to the objects it
// stands for: a Deployment per process (the web process named after the
// application, listening on $PORT), a Job for release.
func (l *fileSource) procfile(arg, display string, data, appData []byte, dirName string) {
	var app appJSON
	if appData != nil {
		if err := json.Unmarshal(appData, &app); err != nil {
			l.fail(strings.TrimSuffix(display, "Procfile")+"app.json", "invalid JSON: %v", err)
			return
		}
	}
	name := l.options.Name
	if name == "" {
		name = sanitize(app.Name, 30)
	}
	if name == "" {
		name = sanitize(dirName, 30)
	}
	if name == "" {
		name = "app"
	}
	from := func(line int) string { return fmt.Sprintf("%s:%d", display, line) }
	appFile := strings.TrimSuffix(display, "Procfile") + "app.json"
	h := &hint{service: name, from: display, file: display, inferred: map[string]string{}, secretName: name + "-secrets"}
	image, ok := l.options.Images[name]
	if !ok {
		image, ok = l.options.Images[""]
	}
	if !ok {
		h.placeholder = "<fill in: the image of this application>"
		image = placeholderImage(name)
	}
	// app.json's env: config, and secrets refused.
	var env []any
	port := int64(5000)
	for _, k := range sortedKeys(app.Env) {
		var e appEnv
		var s string
		if json.Unmarshal(app.Env[k], &s) == nil {
			e.Value = &s
		} else if err := json.Unmarshal(app.Env[k], &e); err != nil {
			l.fail(strings.TrimSuffix(display, "Procfile")+"app.json", "env.%s: %v", k, err)
			continue
		}
		switch {
		case e.Generator == "secret" || e.Value != nil && secretive(k, *e.Value):
			env = append(env, secretEnv(k, h.secretName))
			what := fmt.Sprintf("app.json env %s is a secret: its value was not copied; create Secret %s with key %s", k, h.secretName, k)
			if e.Generator == "secret" {
				what = fmt.Sprintf("app.json env %s is generated as a secret on Heroku: create Secret %s with key %s holding a random value", k, h.secretName, k)
			}
			l.app.notes = append(l.app.notes, Decision{Topic: "secret", Subject: appFile, What: what})
		case e.Value != nil:
			if k == "PORT" {
				if p, err := strconv.ParseInt(*e.Value, 10, 64); err == nil && p > 0 && p < 65536 {
					port = p
				}
			}
			env = append(env, map[string]any{"name": k, "value": *e.Value})
		case e.Required == nil || *e.Required:
			l.app.notes = append(l.app.notes, Decision{Topic: "config", Subject: appFile, What: fmt.Sprintf("app.json env %s is required and has no value: set it under config (or secrets)", k)})
		}
	}
	for _, raw := range app.Addons {
		var plan string
		if json.Unmarshal(raw, &plan) != nil {
			var a struct {
				Plan string `json:"plan"`
			}
			json.Unmarshal(raw, &a)
			plan = a.Plan
		}
		addon, _, _ := strings.Cut(plan, ":")
		var b backingHint
		switch addon {
		case "heroku-postgresql":
			b = backingHint{name: "database", kind: backingKind{"database", "postgres", 5432}, env: "DATABASE_URL"}
		case "heroku-redis":
			b = backingHint{name: "redis", kind: backingKind{"cache", "redis", 6379}, env: "REDIS_URL"}
		default:
			l.app.notes = append(l.app.notes, Decision{Topic: "backing", Subject: appFile, What: fmt.Sprintf("app.json add-on %s: attach the resource it provides as a backing service (backing:), with its URL from a Secret", plan)})
			continue
		}
		b.from = "app.json add-on " + plan
		h.backing = append(h.backing, b)
		env = append(env, secretEnv(b.env, h.secretName))
		l.app.notes = append(l.app.notes, Decision{Topic: "secret", Subject: appFile, What: fmt.Sprintf("add-on %s provides %s on Heroku: create Secret %s with key %s holding its URL", plan, b.env, h.secretName, b.env)})
	}
	if s := app.Scripts["postdeploy"]; s != "" {
		l.app.notes = append(l.app.notes, Decision{Topic: "not-carried", Subject: appFile, What: fmt.Sprintf("app.json's postdeploy script (%s) runs once when a Heroku app is created: run it by hand, or add it as a job if it is safe to run on every release", s)})
	}

	seen := map[string]bool{}
	added := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		m := procfileLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		proc, command := m[1], strings.TrimSpace(m[2])
		pname := sanitize(strings.ReplaceAll(proc, "_", "-"), 21)
		if pname == "" {
			l.fail(from(n), "process type %q: no name dozen can use (a DNS-1035 label of at most 21 characters)", proc)
			continue
		}
		if seen[pname] {
			l.fail(from(n), "process type %q is declared twice", proc)
			continue
		}
		seen[pname] = true
		ph := *h
		ph.from = from(n)
		ph.inferred = map[string]string{}
		container := map[string]any{"name": pname, "image": image}
		if shellish.MatchString(command) {
			container["command"] = []any{"/bin/sh", "-c", command}
		} else {
			container["command"] = strings2any(strings.Fields(command))
		}
		cenv := slices.Clone(env)
		if pname == "release" {
			ph.job = "release"
			container["name"] = "release"
			if len(cenv) > 0 {
				container["env"] = cenv
			}
			job := &object{apiVersion: "batch/v1", kind: "Job", name: name + "-release", source: from(n), hint: &ph, data: map[string]any{
				"apiVersion": "batch/v1", "kind": "Job",
				"metadata": map[string]any{"name": name + "-release"},
				"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
					"restartPolicy": "Never", "containers": []any{container}}}},
			}}
			if l.add(job) {
				added++
			}
			continue
		}
		ph.process = pname
		var p int64
		switch {
		case pname == "web":
			p = port
			cenv = append(cenv, map[string]any{"name": "PORT", "value": strconv.FormatInt(port, 10)})
			ph.inferred["processes.web.port"] = fmt.Sprintf("inferred: a Procfile's web process listens on $PORT, which env sets to %d, the port heroku local gives it (app.json's PORT where it sets one)", port)
		default:
			if v, flag := listenPort(command); v > 0 {
				p = v
				ph.inferred["processes."+pname+".port"] = fmt.Sprintf("inferred from its command line (%s)", flag)
			}
		}
		for _, v := range shellVar.FindAllStringSubmatch(command, -1) {
			if v[1] == "PORT" && pname == "web" || slices.ContainsFunc(cenv, func(e any) bool { return e.(map[string]any)["name"] == v[1] }) || knownShellVars[v[1]] {
				continue
			}
			l.app.notes = append(l.app.notes, Decision{Topic: "config", Subject: from(n), What: fmt.Sprintf("process %s reads $%s, which the platform set and nothing sets in a container: set it under config (or the process's env)", pname, v[1])})
		}
		slices.SortFunc(cenv, func(a, b any) int {
			return strings.Compare(a.(map[string]any)["name"].(string), b.(map[string]any)["name"].(string))
		})
		if len(cenv) > 0 {
			container["env"] = cenv
		}
		objName := name
		if pname != "web" {
			objName = name + "-" + pname
		}
		replicas := int64(1)
		if f, ok := app.Formation[proc]; ok && f.Quantity != nil {
			replicas = int64(*f.Quantity)
		}
		if p > 0 {
			container["ports"] = []any{map[string]any{"containerPort": p}}
		}
		d := &object{apiVersion: "apps/v1", kind: "Deployment", name: objName, source: from(n), hint: &ph, data: map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": objName},
			"spec": map[string]any{
				"replicas": replicas,
				"template": map[string]any{"spec": map[string]any{"containers": []any{container}}},
			},
		}}
		if l.add(d) {
			added++
		}
		if p > 0 {
			// The router's port for web, as on Heroku; the process's own
			// for the others.
			sp := p
			if pname == "web" {
				sp = 80
			}
			svc := &object{apiVersion: "v1", kind: "Service", name: objName, source: from(n), hint: &ph, data: map[string]any{
				"apiVersion": "v1", "kind": "Service",
				"metadata": map[string]any{"name": objName},
				"spec":     map[string]any{"ports": []any{map[string]any{"port": sp, "targetPort": p}}},
			}}
			if l.add(svc) {
				added++
			}
		}
	}
	l.app.Inputs = append(l.app.Inputs, Input{Path: arg, Kind: "procfile", Objects: added})
}

// knownShellVars are variables every container has.
var knownShellVars = map[string]bool{"HOME": true, "PATH": true, "HOSTNAME": true, "PWD": true}

func secretEnv(name, secret string) map[string]any {
	return map[string]any{"name": name, "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": secret, "key": secretKeyName(name)}}}
}
