//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"sigs.k8s.io/yaml"
)

// A release is a copy of examples/ whose service files a release changed.
type release struct {
	name string // "1", "2", ...
	dir  string
	// changes says, per example directory, what this release changed.
	changes map[string][]string
	// removed lists, per example directory, the processes this release
	// removed.
	removed map[string][]string
	// examples maps service names to their example directories.
	examples map[string]string
}

// A releaseChange changes one service, given as the JSON of its service
// file, and returns what it changed, in words.
type releaseChange func(svc map[string]any) []string

// The process release 2 adds and release 3 removes again.
const addedProcess = "added"

// writeReleases writes into dir the releases the upgrade test applies, one
// after another, to every example:
//
//  1. the examples as they are;
//  2. what a release changes: a config value, the image tag, a replica
//     count, a process added, a process removed (one that no ingress path
//     routes to), every schedule;
//  3. the process release 2 added removed again (so every example loses
//     one), and every job's backoffLimit raised, which changes a Job in
//     place.
//
// Releases 2 and 3 are written as service.json, the service file exported
// to JSON and changed; "export" is release 1 exported to JSON unchanged,
// which must render exactly as release 1 does, so that the export itself
// changes nothing.
func writeReleases(t *testing.T, dir string) (export release, releases []release) {
	t.Helper()
	first := release{name: "1", dir: filepath.Join(dir, "release-1")}
	if err := os.CopyFS(first.dir, os.DirFS(filepath.Join(repoRoot, "examples"))); err != nil {
		t.Fatal(err)
	}
	export = derive(t, first, "export", filepath.Join(dir, "release-1-json"), nil)
	second := derive(t, export, "2", filepath.Join(dir, "release-2"), []releaseChange{
		changeConfig, changeImageTag, removeProcess, changeReplicas, addProcess, changeSchedules,
	})
	third := derive(t, second, "3", filepath.Join(dir, "release-3"), []releaseChange{
		removeAddedProcess, raiseBackoffLimits,
	})
	return export, []release{first, second, third}
}

// derive copies prev into dir as release name, each service file as
// service.json with changes made to it.
func derive(t *testing.T, prev release, name, dir string, changes []releaseChange) release {
	t.Helper()
	if err := os.CopyFS(dir, os.DirFS(prev.dir)); err != nil {
		t.Fatal(err)
	}
	r := release{name: name, dir: dir, changes: map[string][]string{}, removed: map[string][]string{}, examples: map[string]string{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		file := serviceFile(filepath.Join(dir, e.Name()))
		if file == "" {
			continue
		}
		svc := serviceJSON(t, file)
		name, _ := svc["name"].(string)
		r.examples[name] = e.Name()
		before := deepCopy(t, svc)
		for _, change := range changes {
			r.changes[e.Name()] = append(r.changes[e.Name()], change(svc)...)
		}
		for _, p := range sortedKeys(mapAt(before, "processes")) {
			if _, ok := mapAt(svc, "processes")[p]; !ok {
				r.removed[e.Name()] = append(r.removed[e.Name()], p)
			}
		}
		out, err := json.MarshalIndent(svc, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name(), "service.json"), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// serviceFile returns the service file in dir, or "".
func serviceFile(dir string) string {
	for _, name := range []string{"service.cue", "service.yaml", "service.yml", "service.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return filepath.Join(dir, name)
		}
	}
	return ""
}

// serviceJSON returns a service file's data as JSON values, the CUE of a
// service.cue evaluated on its own (without the schema, so no defaults).
func serviceJSON(t *testing.T, file string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var js []byte
	switch filepath.Ext(file) {
	case ".cue":
		v := cuecontext.New().CompileBytes(data, cue.Filename(file))
		if js, err = v.MarshalJSON(); err != nil {
			t.Fatalf("%s: export: %v", file, err)
		}
	case ".json":
		js = data
	default:
		if js, err = yaml.YAMLToJSON(data); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	var svc map[string]any
	if err := json.Unmarshal(js, &svc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return svc
}

// mapAt returns svc[keys...] as a map, creating the maps on the way.
func mapAt(svc map[string]any, keys ...string) map[string]any {
	m := svc
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	return m
}

// environmentsSet returns whether any environment sets field.key (a config
// key, a process's replicas).
func environmentsSet(svc map[string]any, field, key string) bool {
	for _, env := range mapAt(svc, "environments") {
		if e, ok := env.(map[string]any); ok {
			if f, ok := e[field].(map[string]any); ok {
				if _, ok := f[key]; ok {
					return true
				}
			}
		}
	}
	return false
}

// changeConfig changes a config value no environment overrides, or adds
// one to a service without config.
func changeConfig(svc map[string]any) []string {
	config := mapAt(svc, "config")
	for _, k := range sortedKeys(config) {
		if !environmentsSet(svc, "config", k) {
			config[k] = fmt.Sprint(config[k]) + "-next"
			return []string{"config " + k}
		}
	}
	config["RELEASE"] = "2"
	return []string{"config RELEASE added"}
}

// changeImageTag moves the image to the next tag.
func changeImageTag(svc map[string]any) []string {
	image, _ := svc["image"].(string)
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") && !strings.Contains(image, "@") {
		svc["image"] = image + "-next"
		return []string{"image " + image[i+1:] + " to " + image[i+1:] + "-next"}
	}
	return nil
}

// processNames returns the service's processes, with the "port" shorthand's
// web process.
func processNames(svc map[string]any) []string {
	names := sortedKeys(mapAt(svc, "processes"))
	if _, ok := svc["port"]; ok && !slices.Contains(names, "web") {
		names = append(names, "web")
		slices.Sort(names)
	}
	return names
}

// changeReplicas changes the replica count of a process without
// autoscaling, or else the lower bound of an autoscaled one.
func changeReplicas(svc map[string]any) []string {
	procs := mapAt(svc, "processes")
	names := processNames(svc)
	for _, p := range names {
		proc := mapAt(procs, p)
		if _, auto := proc["autoscaling"]; auto || p == addedProcess {
			continue
		}
		n := 1.0
		if r, ok := proc["replicas"].(float64); ok {
			n = r
		}
		proc["replicas"] = n + 1
		return []string{fmt.Sprintf("replicas of %s to %v", p, n+1)}
	}
	for _, p := range names {
		if a, ok := mapAt(procs, p)["autoscaling"].(map[string]any); ok {
			min := 2.0
			if m, ok := a["min"].(float64); ok {
				min = m
			}
			if max, _ := a["max"].(float64); min+1 <= max {
				a["min"] = min + 1
				return []string{fmt.Sprintf("autoscaling min of %s to %v", p, min+1)}
			}
		}
	}
	return nil
}

// addProcess adds a process with a port: a Deployment and a Service more.
func addProcess(svc map[string]any) []string {
	mapAt(svc, "processes")[addedProcess] = map[string]any{
		"port": 7070,
		"args": []any{"serve", "--port", "7070"},
	}
	return []string{"process " + addedProcess + " added"}
}

// removeProcess removes the first process other than web that no ingress
// path routes to, with every environment's setting for it.
func removeProcess(svc map[string]any) []string {
	routed := map[string]bool{}
	if ingress, ok := svc["ingress"].(map[string]any); ok {
		paths, _ := ingress["paths"].([]any)
		for _, p := range paths {
			if p, ok := p.(map[string]any); ok {
				name, _ := p["process"].(string)
				routed[name] = true
			}
		}
	}
	for _, p := range sortedKeys(mapAt(svc, "processes")) {
		if p != "web" && !routed[p] {
			dropProcess(svc, p)
			return []string{"process " + p + " removed"}
		}
	}
	return nil
}

func removeAddedProcess(svc map[string]any) []string {
	dropProcess(svc, addedProcess)
	return []string{"process " + addedProcess + " removed"}
}

func dropProcess(svc map[string]any, p string) {
	delete(mapAt(svc, "processes"), p)
	for _, env := range mapAt(svc, "environments") {
		if e, ok := env.(map[string]any); ok {
			for _, field := range []string{"replicas", "autoscaling", "nodePorts", "resources"} {
				if f, ok := e[field].(map[string]any); ok {
					delete(f, p)
				}
			}
		}
	}
}

// changeSchedules moves every schedule to another time.
func changeSchedules(svc map[string]any) []string {
	var changed []string
	for _, name := range sortedKeys(mapAt(svc, "schedules")) {
		s := mapAt(svc, "schedules", name)
		s["schedule"] = "17 4 * * 1-5"
		changed = append(changed, "schedule of "+name)
	}
	return changed
}

// raiseBackoffLimits raises every job's backoffLimit: a field a Job may
// change in place, outside its pod template.
func raiseBackoffLimits(svc map[string]any) []string {
	var changed []string
	for _, name := range sortedKeys(mapAt(svc, "jobs")) {
		j := mapAt(svc, "jobs", name)
		n := 3.0
		if b, ok := j["backoffLimit"].(float64); ok {
			n = b
		}
		j["backoffLimit"] = n + 1
		changed = append(changed, "backoffLimit of job "+name)
	}
	return changed
}
