package generate

import "testing"

// TestEnvironmentOnlyAutoscaling: a process without autoscaling that
// autoscales in one environment gets a HorizontalPodAutoscaler there (its
// min and cpu defaulted as in the base), a Deployment without replicas of
// its own, and a PodDisruptionBudget when min is 2 or more; the base and
// the other environments keep their replicas and have no autoscaler.
func TestEnvironmentOnlyAutoscaling(t *testing.T) {
	const src = `
name:  "shop"
image: "ghcr.io/acme/shop:1.0.0"
processes: {
	web: {port: 8080, replicas: 1}
	worker: replicas: 1
	admin: {port: 9090, replicas: 2}
}
environments: {
	dev: replicas: web: 1
	prod: {
		namePrefix: "p-"
		autoscaling: {
			web: {min: 2, max: 10, cpu: 70}
			worker: {min: 1, max: 4}
			admin: max: 3
		}
	}
}
`
	type want struct {
		replicas      any // nil: no spec.replicas
		min, max, cpu any // nil: no HPA
		pdb           bool
	}
	for env, cases := range map[string]map[string]want{
		"": {
			"shop":        {replicas: 1},
			"shop-worker": {replicas: 1},
			"shop-admin":  {replicas: 2, pdb: true},
		},
		"dev": {
			"shop":        {replicas: 1},
			"shop-worker": {replicas: 1},
			"shop-admin":  {replicas: 2, pdb: true},
		},
		"prod": {
			"p-shop":        {min: 2, max: 10, cpu: 70, pdb: true},
			"p-shop-worker": {min: 1, max: 4, cpu: 80},
			"p-shop-admin":  {min: 2, max: 3, cpu: 80, pdb: true},
		},
	} {
		objs := renderSource(t, src, env)
		for name, w := range cases {
			d, ok := objs["Deployment/"+name]
			if !ok {
				t.Fatalf("env %q: no Deployment %s in %v", env, name, objectKeys(objs))
			}
			replicas, _ := fieldAt(d.Data, "spec", "replicas")
			if wholeNumber(replicas) != w.replicas {
				t.Errorf("env %q: Deployment %s: replicas %v (%T), want %v", env, name, replicas, replicas, w.replicas)
			}
			hpa, hasHPA := objs["HorizontalPodAutoscaler/"+name]
			if hasHPA != (w.max != nil) {
				t.Errorf("env %q: HPA %s exists: %v, want %v", env, name, hasHPA, w.max != nil)
			}
			if hasHPA {
				spec := hpa.Data["spec"].(map[string]any)
				cpu, _ := fieldAt(spec, "metrics")
				got := []any{spec["minReplicas"], spec["maxReplicas"], cpu.([]any)[0].(map[string]any)["resource"].(map[string]any)["target"].(map[string]any)["averageUtilization"]}
				for i, v := range []any{w.min, w.max, w.cpu} {
					if wholeNumber(got[i]) != v {
						t.Errorf("env %q: HPA %s: min, max, cpu %v, want %v %v %v", env, name, got, w.min, w.max, w.cpu)
						break
					}
				}
				if target, _ := fieldAt(spec, "scaleTargetRef", "name"); target != name {
					t.Errorf("env %q: HPA %s scales %v", env, name, target)
				}
			}
			if _, ok := objs["PodDisruptionBudget/"+name]; ok != w.pdb {
				t.Errorf("env %q: PDB %s exists: %v, want %v", env, name, ok, w.pdb)
			}
		}
	}
}

func fieldAt(v any, keys ...string) (any, bool) {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// wholeNumber returns n as an int when it is a whole number of any Go type the
// decoders produce.
func wholeNumber(n any) any {
	switch n := n.(type) {
	case int64:
		return int(n)
	case float64:
		return int(n)
	case int32:
		return int(n)
	}
	return n
}

// TestEnvironmentAutoscalingMemoryAndSpread: an environment that makes a
// process autoscale gives its autoscaler the memory target and behavior it
// declares, and spreads the process's replicas there only; an
// environment's memory target replaces the base's metrics with CPU and
// memory.
func TestEnvironmentAutoscalingMemoryAndSpread(t *testing.T) {
	const src = `
name:  "shop"
image: "ghcr.io/acme/shop:1.0.0"
processes: {
	web: {port: 8080, replicas: 1}
	api: {port: 9090, autoscaling: {max: 5, cpu: 60}}
}
environments: prod: autoscaling: {
	web: {min: 2, max: 10, memory: 75, behavior: scaleDown: stabilizationWindowSeconds: 900}
	api: memory: 70
}
`
	for env, want := range map[string]struct {
		webSpread bool
		webHPA    bool
	}{"": {}, "prod": {webSpread: true, webHPA: true}} {
		objs := renderSource(t, src, env)
		_, spread := fieldAt(objs["Deployment/shop"].Data, "spec", "template", "spec", "topologySpreadConstraints")
		if spread != want.webSpread {
			t.Errorf("env %q: web spread %v, want %v", env, spread, want.webSpread)
		}
		hpa, ok := objs["HorizontalPodAutoscaler/shop"]
		if ok != want.webHPA {
			t.Fatalf("env %q: web HPA %v, want %v", env, ok, want.webHPA)
		}
		if ok {
			metrics, _ := fieldAt(hpa.Data, "spec", "metrics")
			if got := len(metrics.([]any)); got != 2 {
				t.Errorf("env %q: web HPA has %d metrics, want cpu and memory", env, got)
			}
			if w, _ := fieldAt(hpa.Data, "spec", "behavior", "scaleDown", "stabilizationWindowSeconds"); wholeNumber(w) != 900 {
				t.Errorf("env %q: web HPA scale-down window %v, want 900", env, w)
			}
		}
		metrics, _ := fieldAt(objs["HorizontalPodAutoscaler/shop-api"].Data, "spec", "metrics")
		if got, want := len(metrics.([]any)), map[string]int{"": 1, "prod": 2}[env]; got != want {
			t.Errorf("env %q: api HPA has %d metrics, want %d", env, got, want)
		}
	}
}
