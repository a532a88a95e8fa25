// Package adopt turns an application that already runs somewhere into
// dozen service files: Kubernetes manifests (files, directories, a stream,
// a kustomize directory, built hermetically first), a Compose file (read
// with the Compose specification's own loader) or a Procfile (with its
// app.json).
//
// Load reads and recognises the inputs; Import groups their objects into
// services the way a person would (a workload with the Services that
// select it, the ConfigMaps and Secrets it reads, its autoscaler, its
// Ingress, its ServiceAccount; workloads of one application that run one
// image as processes of one service; Jobs and CronJobs that run a
// service's image as its jobs and schedules) and returns the files to
// write: DIR/<service>/service.cue for what the schema expresses, and an
// overlay directory (overlays/<env>/) with kustomize patches and resources
// for everything it cannot, so that nothing is silently dropped. Import
// renders what it wrote (generate.Run, as dozen render does) and compares
// it with the input object by object: the Report says what became a field,
// a patch or a kept resource, what dozen adds by its defaults, what was
// renamed and why, what the user must decide, and every difference the
// round trip found. Check compares service files written earlier, and
// edited since, with the input in the same way.
//
// Secret values are never copied: a secret written in a manifest, a
// Compose file or an app.json becomes a reference to a Secret the report
// names, and Secret objects are not written anywhere.
package adopt

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/dozen-dev/dozen/manifest"
)

// Options steer an import.
type Options struct {
	// Env names the environment the input describes: its namespace and
	// the patches and resources the schema cannot express go there.
	// Default: "prod".
	Env string
	// GroupBy overrides the grouping: "" infers it, "none" makes every
	// workload a service of its own, and a label key groups the workloads
	// that carry the same value of that label.
	GroupBy string
	// Name names the service of a Procfile application (default: app.json's
	// name, else the directory's).
	Name string
	// Images gives the images of services the input names none for (a
	// Procfile application, a Compose service with only build:), by
	// service name; "" applies to the only such service.
	Images map[string]string
	// Profiles are the Compose profiles to enable; none means those in
	// COMPOSE_PROFILES, as Docker Compose does.
	Profiles []string
	// Environ is the environment Compose files are interpolated with, as
	// Docker Compose takes it from the shell (the .env file beside the
	// Compose file adds what it does not set).
	Environ map[string]string
	// Limits bound the manifests read.
	Limits manifest.Limits
	// Skip are directories (slash-separated absolute paths) a directory's
	// walk leaves out: the output directory, which may be inside the input.
	Skip []string
}

// defaultEnv is the environment an import describes unless told.
const defaultEnv = "prod"

func (o Options) env() string {
	if o.Env == "" {
		return defaultEnv
	}
	return o.Env
}

var labelRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Validate checks the options a user gave.
func (o Options) Validate() error {
	if e := o.env(); !labelRE.MatchString(e) || len(e) > 63 {
		return fmt.Errorf("--env %q: must be an environment name: lower-case letters, digits and '-', starting and ending with a letter or digit", e)
	}
	if o.Name != "" && !validName(o.Name) {
		return fmt.Errorf("--name %q: must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter, at most 30 characters", o.Name)
	}
	for svc, img := range o.Images {
		if svc != "" && !validName(svc) {
			return fmt.Errorf("--image %s=%s: %q is not a service name", svc, img, svc)
		}
		if !imageRE().MatchString(img) || strings.HasSuffix(img, ":latest") || !pinnedRE().MatchString(img) {
			return fmt.Errorf("--image %s: must be an image pinned to a version tag or digest, such as ghcr.io/acme/app:1.4.2", img)
		}
	}
	return nil
}

var (
	nameRE  = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	imageRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^([A-Za-z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)
	})
	pinnedRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$`)
	})
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// validName reports whether s is a service name (#Name).
func validName(s string) bool { return nameRE.MatchString(s) && len(s) <= 30 }

// validProcess reports whether s names a process, job or schedule
// (#ProcessName).
func validProcess(s string) bool { return nameRE.MatchString(s) && len(s) <= 21 }

// pinned reports whether image satisfies the schema's #Image.
func pinned(image string) bool {
	return imageRE().MatchString(image) && pinnedRE().MatchString(image) && !strings.HasSuffix(image, ":latest")
}

// sanitize makes s a DNS-1035 label of at most n characters, or "" when
// nothing of it is left.
func sanitize(s string, n int) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	out := strings.TrimLeft(b.String(), "0123456789-")
	if len(out) > n {
		out = out[:n]
	}
	return strings.TrimRight(out, "-")
}
