package generate

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// renderSource renders one inline service file for env ("" for the base)
// and returns its objects by kind and name.
func renderSource(t *testing.T, src, env string) map[string]Object {
	t.Helper()
	opts := Options{}
	if env != "" {
		opts.Env = env
	}
	results, err := Run([]Source{{File: "service.cue", Data: []byte(src)}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Object{}
	for _, o := range results[0].Objects {
		out[o.Kind+"/"+o.Name] = o
	}
	return out
}

// onlyObject returns the one object of kind in objs.
func onlyObject(t *testing.T, objs map[string]Object, kind string) Object {
	t.Helper()
	var found []Object
	for _, o := range objs {
		if o.Kind == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d objects of kind %s, want 1: %v", len(found), kind, objectKeys(objs))
	}
	return found[0]
}

func objectKeys(objs map[string]Object) []string {
	return slices.Sorted(maps.Keys(objs))
}

const jobService = `
name:  "shop"
image: "ghcr.io/acme/shop:1.0.0"
processes: web: port: 8080
config: LOG_LEVEL: "info"
jobs: migrate: {args: ["migrate"], backoffLimit: 1}
schedules: report: {schedule: "0 3 * * *"}
environments: prod: {
	namespace: "shop-prod"
	nameSuffix: "-blue"
	image: tag: "1.0.1"
	config: LOG_LEVEL: "warn"
}
`

var hashedJobName = regexp.MustCompile(`^(.+)-([a-z0-9]{10})$`)

// TestJobNameCarriesTemplateHash: a Job's name is its object name and the
// hash of its pod template as built, in every environment; the mark that
// asks for it (#JobNameHash in schema/render.cue, jobNameHash here) never
// reaches the output, so the two spellings cannot drift apart unseen;
// CronJobs keep their names.
func TestJobNameCarriesTemplateHash(t *testing.T) {
	for env, prefix := range map[string]string{"": "shop-migrate", "prod": "shop-migrate-blue"} {
		objs := renderSource(t, jobService, env)
		job := onlyObject(t, objs, "Job")
		m := hashedJobName.FindStringSubmatch(job.Name)
		if m == nil || m[1] != prefix {
			t.Fatalf("env %q: Job %q, want %s-<hash>", env, job.Name, prefix)
		}
		spec, _ := job.Data["spec"].(map[string]any)
		if want, _ := templateHash(spec["template"]); m[2] != want {
			t.Errorf("env %q: Job %s: hash %s, the pod template's is %s", env, job.Name, m[2], want)
		}
		if name := job.Data["metadata"].(map[string]any)["name"]; name != job.Name {
			t.Errorf("env %q: metadata.name %v, object name %s", env, name, job.Name)
		}
		for _, o := range objs {
			meta, _ := o.Data["metadata"].(map[string]any)
			if a, _ := meta["annotations"].(map[string]any); a != nil {
				if _, ok := a[jobNameHash]; ok {
					t.Errorf("env %q: %s/%s carries %s", env, o.Kind, o.Name, jobNameHash)
				}
			}
		}
		cron := onlyObject(t, objs, "CronJob")
		if want := strings.Replace(prefix, "migrate", "report", 1); cron.Name != want {
			t.Errorf("env %q: CronJob %s, want %s", env, cron.Name, want)
		}
	}
}

// TestJobNameFollowsRelease: what a release changes in the pod template
// (image, config, through the ConfigMap's hashed name; command) gives the
// Job a new name; what it can change on a Job in place
// (backoffLimit, ttlSecondsAfterFinished) and the same release again keep
// it.
func TestJobNameFollowsRelease(t *testing.T) {
	name := func(src string) string {
		return onlyObject(t, renderSource(t, src, "prod"), "Job").Name
	}
	base := name(jobService)
	if again := name(jobService); again != base {
		t.Fatalf("the same release named the Job %s, then %s", base, again)
	}
	for _, tc := range []struct {
		what, old, new string
		renamed        bool
	}{
		{"image tag", `tag: "1.0.1"`, `tag: "1.0.2"`, true},
		{"config value", `LOG_LEVEL: "warn"`, `LOG_LEVEL: "error"`, true},
		{"command", `args: ["migrate"]`, `args: ["migrate", "up"]`, true},
		{"backoffLimit", `backoffLimit: 1`, `backoffLimit: 2`, false},
		{"ttlSecondsAfterFinished", `backoffLimit: 1`, `backoffLimit: 1, ttlSecondsAfterFinished: 600`, false},
	} {
		src := strings.Replace(jobService, tc.old, tc.new, 1)
		if src == jobService {
			t.Fatalf("%s: %q is not in the service", tc.what, tc.old)
		}
		got := name(src)
		if renamed := got != base; renamed != tc.renamed {
			t.Errorf("%s changed: Job %s, before %s (want renamed: %v)", tc.what, got, base, tc.renamed)
		}
	}
}

// TestJobNameLength: a long service, job and suffix are cut to keep the
// name a valid Job name of at most 63 characters, the hash kept whole.
func TestJobNameLength(t *testing.T) {
	src := `
name:  "a-service-name-of-thirty-chars"
image: "ghcr.io/acme/shop:1.0.0"
jobs: "migrate-the-databases": {}
environments: prod: nameSuffix: "-a-twenty-char-suffx"
`
	job := onlyObject(t, renderSource(t, src, "prod"), "Job")
	valid := regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	if len(job.Name) > maxJobName || !valid.MatchString(job.Name) || !strings.HasPrefix(job.Name, "a-service-name-of-thirty-chars-migrate-the-") {
		t.Errorf("Job name %q (%d characters): want a valid name of at most %d", job.Name, len(job.Name), maxJobName)
	}
	for _, tc := range []struct{ name, want string }{
		{"short", "short-hhhhhhhhhh"},
		{strings.Repeat("a", 52), strings.Repeat("a", 52) + "-hhhhhhhhhh"},
		{strings.Repeat("a", 51) + "-b", strings.Repeat("a", 51) + "-hhhhhhhhhh"},
		{strings.Repeat("a", 60), strings.Repeat("a", 52) + "-hhhhhhhhhh"},
	} {
		if got := hashedName(tc.name, "hhhhhhhhhh"); got != tc.want {
			t.Errorf("hashedName(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestJobOrderAnnotations: a Job that runs before the rollout is in Argo
// CD's sync wave -1 and the ConfigMaps it reads in wave -2; beforeRollout:
// false leaves both unannotated.
func TestJobOrderAnnotations(t *testing.T) {
	src := jobService + `configFiles: "/etc/shop.conf": "x"` + "\n"
	wave := func(o Object) any {
		a, _ := o.Data["metadata"].(map[string]any)["annotations"].(map[string]any)
		return a["argocd.argoproj.io/sync-wave"]
	}
	for _, env := range []string{"", "prod"} {
		objs := renderSource(t, src, env)
		if w := wave(onlyObject(t, objs, "Job")); w != "-1" {
			t.Errorf("env %q: Job in wave %v, want -1", env, w)
		}
		n := 0
		for _, o := range objs {
			switch o.Kind {
			case "ConfigMap":
				n++
				if w := wave(o); w != "-2" {
					t.Errorf("env %q: ConfigMap %s in wave %v, want -2", env, o.Name, w)
				}
			case "Job":
			default:
				if w := wave(o); w != nil {
					t.Errorf("env %q: %s %s in wave %v, want none", env, o.Kind, o.Name, w)
				}
			}
		}
		if n != 2 {
			t.Errorf("env %q: %d ConfigMaps, want 2", env, n)
		}
	}
	objs := renderSource(t, strings.Replace(src, "backoffLimit: 1", "backoffLimit: 1, beforeRollout: false", 1), "prod")
	for _, o := range objs {
		if w := wave(o); w != nil {
			t.Errorf("beforeRollout: false: %s %s in wave %v, want none", o.Kind, o.Name, w)
		}
	}
}
