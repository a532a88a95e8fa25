package policies

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dozen-dev/dozen/diag"
	"github.com/dozen-dev/dozen/manifest"
)

// ConfigFile is the name of dozen's configuration file, looked up from the
// working directory upward.
const ConfigFile = ".dozen.yaml"

// Config is the policy part of .dozen.yaml:
//
//	rules:
//	  unpinned-image:
//	    severity: warning          # error, warning or info
//	  host-network:
//	    disabled: true
//	  alpine-image:
//	    params: {allowed_families: [alpine, scratch]}
//	  min-replicas:                # at least 2 replicas, 1 in namespaces *-dev
//	    params: {min_replicas: 2, environments: {"*-dev": 1}}
//	images:
//	  own: [ghcr.io/acme/*]        # images the team builds (glob patterns)
//	  alpine: own                  # own (the default) or all: what the Alpine rules judge
//	external:                      # what exists outside the linted files
//	  configmaps: [kube-root-ca.crt]
//	  secrets: [registry-credentials, argocd/argocd-secret]
//	  services: [monitoring/prometheus]
//	  pods:                        # pods a Service or budget may select
//	    - {namespace: kube-system, labels: {k8s-app: kube-dns}}
//	exceptions:
//	  - rule: host-path
//	    match: {kind: DaemonSet, namespace: kube-system, name: "log-*"}
//	    container: shipper         # optional
//	    reason: the node agent reads the host's logs   # required
//	    expires: 2026-12-31        # optional, YYYY-MM-DD, inclusive
//	policies:                      # custom Rego every lint and render runs
//	  paths: [policy/]             # as --policy; relative to this file
//	  namespaces: [main, acme]     # as --namespace (default main)
//	  rego_version: v0             # as --rego-version (default v1)
//
// Rule ids are checked against the rules that run (built-in and custom)
// when an Engine is built, and so are the parameter names of built-in rules,
// against those the rule declares (Rule.Params; dozen explain RULE lists
// them). The zero Config changes nothing.
type Config struct {
	File       string
	Rules      map[string]RuleConfig
	Images     Images
	External   External
	Exceptions []Exception
	Policies   CustomPolicies
}

// CustomPolicies is the policies section: custom Rego policies that run
// in every lint and render under the file, as the command-line flags
// --policy, --namespace and --rego-version would load them. --policy
// replaces the section (its namespaces and version describe its own
// paths); the other two flags replace those settings. The CLI reads the
// files.
type CustomPolicies struct {
	Paths       []string   // as written: relative to the file's directory
	PathPos     []diag.Pos // each path's position in the file
	Namespaces  []string
	RegoVersion RegoVersion // "" is v1
}

// RuleConfig changes one rule.
type RuleConfig struct {
	Disabled bool
	Severity Severity            // "" keeps the rule's own
	Params   map[string]any      // data.dozen.config.params["<rule-id>"]
	Pos      diag.Pos            // the rule's key in the file
	ParamPos map[string]diag.Pos // each parameter's key in the file
}

// Images is the images section: which images the team builds, and so which
// images the Alpine rules (alpine-image, digest-base-image,
// base-image-annotation, base-image-mismatch) judge.
//
// An image is the team's own when its name (registry and repository, no tag
// or digest) matches a pattern of Own, or when it runs in a pod template
// dozen rendered from a service file (labelled app.kubernetes.io/managed-by:
// dozen) or one that declares its base in the dozen.dev/base-image
// annotation. In a pattern, * matches any run of characters within one path
// component (not /), ** any run across components, ? one character; every
// other character matches itself. An image written without a registry is
// matched as written and as Docker Hub names it (nginx is also
// docker.io/library/nginx, acme/web also docker.io/acme/web).
type Images struct {
	Own    []string   // glob patterns of image names
	OwnPos []diag.Pos // each pattern's position in the file
	// Alpine says which images the Alpine rules judge: AlpineOwn ("" is
	// AlpineOwn) or AlpineAll.
	Alpine string
}

// The values of Images.Alpine.
const (
	AlpineOwn = "own" // the team's own images (the default)
	AlpineAll = "all" // every image
)

// External lists what exists in the cluster but not in the linted files, so
// that references to it resolve: objects by kind and name, and pods by
// their labels. A name may be namespace/name, which resolves references
// from that namespace only (and from objects without a namespace); a plain
// name resolves references from every namespace.
type External struct {
	ConfigMaps []string // external.configmaps as written
	Secrets    []string // external.secrets as written
	// Objects are the entries of every kind's list, ConfigMaps and Secrets
	// included, in the order of the file.
	Objects []ExternalObject
	Pods    []ExternalPods
}

// ExternalObject is an object of an external list.
type ExternalObject struct {
	Kind      string
	Namespace string // "": any namespace
	Name      string
	Pos       diag.Pos
}

// ExternalPods are pods, by their labels, that run outside the linted
// files: a Service or PodDisruptionBudget whose selector matches them
// selects pods.
type ExternalPods struct {
	Namespace string // "": any namespace
	Labels    map[string]string
	Pos       diag.Pos
}

// ExternalKinds maps each key of the external section that lists objects
// by name to the kind it names, in the order errors list them: the kinds
// the library's lookups (data.dozen.lib.k8s.provided) resolve by name.
var ExternalKinds = []struct{ Key, Kind string }{
	{"configmaps", "ConfigMap"},
	{"secrets", "Secret"},
	{"services", "Service"},
	{"serviceaccounts", "ServiceAccount"},
	{"persistentvolumeclaims", "PersistentVolumeClaim"},
	{"deployments", "Deployment"},
	{"statefulsets", "StatefulSet"},
	{"replicasets", "ReplicaSet"},
	{"replicationcontrollers", "ReplicationController"},
}

// Exception silences a rule on matching objects. Kind, Namespace, Name and
// Container are glob patterns (path.Match); empty matches anything.
type Exception struct {
	Rule      string
	Kind      string
	Namespace string
	Name      string
	Container string
	Reason    string
	Expires   string   // YYYY-MM-DD; "" never expires
	Pos       diag.Pos // the exception's entry in the file

	expires time.Time
}

// expired reports whether the exception no longer applies on today: it
// holds through its expiry date.
func (x *Exception) expired(today time.Time) bool {
	if x.expires.IsZero() {
		return false
	}
	y, m, d := today.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).After(x.expires)
}

// LoadConfig reads a .dozen.yaml from data; file names it in errors. An
// empty file is an empty Config. Unknown keys, wrong types, a missing
// reason or a malformed date are positioned errors.
func LoadConfig(file string, data []byte) (*Config, error) {
	cfg := &Config{File: file, Rules: map[string]RuleConfig{}}
	docs, err := manifest.Limits{}.ParseMappings(file, data)
	if err != nil {
		return nil, err
	}
	switch len(docs) {
	case 0:
		return cfg, nil
	case 1:
	default:
		return nil, diag.Errorf(docs[1].Pos(nil), "", "configuration must be a single YAML document")
	}
	r := &configReader{doc: &docs[0]}
	root := r.object(nil, docs[0].Object, "rules", "images", "external", "exceptions", "policies")
	if rules, ok := r.mapping([]any{"rules"}, root["rules"]); ok {
		for _, id := range slices.Sorted(maps.Keys(rules)) {
			p := []any{"rules", id}
			m, ok := r.mapping(p, rules[id])
			if !ok {
				continue
			}
			m = r.object(p, m, "disabled", "severity", "params")
			rc := RuleConfig{Pos: r.pos(p)}
			rc.Disabled, _ = r.boolean(at(p, "disabled"), m["disabled"])
			if s, ok := r.str(at(p, "severity"), m["severity"]); ok && s != "" {
				sev, err := ParseSeverity(s)
				if err != nil {
					r.errorf(at(p, "severity"), "%v", err)
				}
				rc.Severity = sev
			}
			if rc.Params, _ = r.mapping(at(p, "params"), m["params"]); len(rc.Params) > 0 {
				rc.ParamPos = make(map[string]diag.Pos, len(rc.Params))
				for k := range rc.Params {
					rc.ParamPos[k] = r.pos(at(at(p, "params"), k))
				}
			}
			cfg.Rules[id] = rc
		}
	}
	if img, ok := r.mapping([]any{"images"}, root["images"]); ok {
		cfg.Images = r.images([]any{"images"}, img)
	}
	if ext, ok := r.mapping([]any{"external"}, root["external"]); ok {
		cfg.External = r.external([]any{"external"}, ext)
	}
	if list, ok := r.list([]any{"exceptions"}, root["exceptions"]); ok {
		for i, v := range list {
			if x, ok := r.exception([]any{"exceptions", i}, v); ok {
				cfg.Exceptions = append(cfg.Exceptions, x)
			}
		}
	}
	if pol, ok := r.mapping([]any{"policies"}, root["policies"]); ok {
		p := []any{"policies"}
		pol = r.object(p, pol, "paths", "namespaces", "rego_version")
		list, _ := r.list(at(p, "paths"), pol["paths"])
		for i, e := range list {
			ep := at(at(p, "paths"), i)
			v, ok := r.str(ep, e)
			switch {
			case !ok:
				if e == nil {
					r.errorf(ep, "want a directory or file, not null")
				}
				continue
			case v == "":
				r.errorf(ep, "want a directory or file, not an empty string")
				continue
			}
			cfg.Policies.Paths = append(cfg.Policies.Paths, v)
			cfg.Policies.PathPos = append(cfg.Policies.PathPos, r.pos(ep))
		}
		cfg.Policies.Namespaces = r.strings(at(p, "namespaces"), pol["namespaces"])
		if s, ok := r.str(at(p, "rego_version"), pol["rego_version"]); ok {
			v, err := ParseRegoVersion(s)
			if err != nil {
				r.errorf(at(p, "rego_version"), "want v0 or v1, not %q", s)
			}
			cfg.Policies.RegoVersion = v
		}
	}
	if len(r.errs) > 0 {
		return nil, r.errs.Sort()
	}
	return cfg, nil
}

func (r *configReader) images(p []any, m map[string]any) Images {
	m = r.object(p, m, "own", "alpine")
	var img Images
	list, _ := r.list(at(p, "own"), m["own"])
	for i, e := range list {
		ep := at(at(p, "own"), i)
		s, ok := r.str(ep, e)
		if !ok {
			continue
		}
		if msg := imagePatternProblem(s); msg != "" {
			r.errorf(ep, "%s", msg)
			continue
		}
		img.Own = append(img.Own, s)
		img.OwnPos = append(img.OwnPos, r.pos(ep))
	}
	if s, ok := r.str(at(p, "alpine"), m["alpine"]); ok {
		switch s {
		case AlpineOwn, AlpineAll:
			img.Alpine = s
		default:
			r.errorf(at(p, "alpine"), "want %s or %s, not %q", AlpineOwn, AlpineAll, s)
		}
	}
	return img
}

// imagePatternProblem says what is wrong with a pattern of images.own, ""
// when nothing is. A pattern names images without their tag or digest, and
// takes only the wildcards * and ?, so that every pattern the file accepts
// is one the Rego glob matcher compiles.
func imagePatternProblem(s string) string {
	last := s[strings.LastIndex(s, "/")+1:]
	switch {
	case s == "":
		return "want an image pattern such as ghcr.io/acme/*, not an empty string"
	case strings.ContainsAny(s, " \t\n"):
		return fmt.Sprintf("image pattern %q has white space", s)
	case strings.Contains(s, "@") || strings.Contains(last, ":"):
		return fmt.Sprintf("image pattern %q names a tag or digest; patterns match the registry and repository only, such as ghcr.io/acme/*", s)
	case strings.ContainsAny(s, "[]{}!\\"):
		return fmt.Sprintf("image pattern %q uses a wildcard other than *, ** and ?", s)
	}
	return ""
}

func (r *configReader) external(p []any, m map[string]any) External {
	known := make([]string, 0, len(ExternalKinds)+1)
	for _, k := range ExternalKinds {
		known = append(known, k.Key)
	}
	m = r.object(p, m, append(known, "pods")...)
	var ext External
	for _, k := range ExternalKinds {
		kp := at(p, k.Key)
		list, _ := r.list(kp, m[k.Key])
		var written []string
		for i, e := range list {
			ep := at(kp, i)
			s, ok := r.str(ep, e)
			if !ok {
				continue
			}
			written = append(written, s)
			ns, name, ok := splitExternalName(s)
			if !ok {
				r.errorf(ep, "want a name or namespace/name, not %q", s)
				continue
			}
			ext.Objects = append(ext.Objects, ExternalObject{Kind: k.Kind, Namespace: ns, Name: name, Pos: r.pos(ep)})
		}
		switch k.Kind {
		case "ConfigMap":
			ext.ConfigMaps = written
		case "Secret":
			ext.Secrets = written
		}
	}
	pods, _ := r.list(at(p, "pods"), m["pods"])
	for i, e := range pods {
		ep := at(at(p, "pods"), i)
		pm, ok := r.mapping(ep, e)
		if !ok {
			if e == nil {
				r.errorf(ep, "want a mapping with labels, not null")
			}
			continue
		}
		pm = r.object(ep, pm, "namespace", "labels")
		pods := ExternalPods{Pos: r.pos(ep)}
		if ns, ok := r.str(at(ep, "namespace"), pm["namespace"]); ok {
			if !dnsLabel().MatchString(ns) {
				r.errorf(at(ep, "namespace"), "want a namespace name, not %q", ns)
			}
			pods.Namespace = ns
		}
		labels, _ := r.mapping(at(ep, "labels"), pm["labels"])
		if len(labels) == 0 {
			r.errorf(ep, "want labels: a mapping of the pods' labels")
			continue
		}
		pods.Labels = make(map[string]string, len(labels))
		for _, k := range slices.Sorted(maps.Keys(labels)) {
			if v, ok := r.str(at(at(ep, "labels"), k), labels[k]); ok {
				pods.Labels[k] = v
			}
		}
		ext.Pods = append(ext.Pods, pods)
	}
	return ext
}

var (
	// dnsLabel is a namespace name; dnsSubdomain the name of most objects.
	dnsLabel     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`) })
	dnsSubdomain = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`) })
)

// splitExternalName reads an entry of an external list: name or
// namespace/name.
func splitExternalName(s string) (namespace, name string, ok bool) {
	namespace, name, found := strings.Cut(s, "/")
	if !found {
		namespace, name = "", s
	} else if !dnsLabel().MatchString(namespace) {
		return "", "", false
	}
	return namespace, name, dnsSubdomain().MatchString(name)
}

func (r *configReader) exception(p []any, v any) (Exception, bool) {
	m, ok := r.mapping(p, v)
	if !ok {
		return Exception{}, false
	}
	before := len(r.errs)
	m = r.object(p, m, "rule", "match", "container", "reason", "expires")
	x := Exception{Pos: r.pos(p)}
	x.Rule, _ = r.str(at(p, "rule"), m["rule"])
	if x.Rule == "" {
		r.errorf(p, "exception needs a rule")
	}
	if match, ok := r.mapping(at(p, "match"), m["match"]); ok {
		mp := at(p, "match")
		match = r.object(mp, match, "kind", "namespace", "name")
		x.Kind, _ = r.glob(at(mp, "kind"), match["kind"])
		x.Namespace, _ = r.glob(at(mp, "namespace"), match["namespace"])
		x.Name, _ = r.glob(at(mp, "name"), match["name"])
	}
	x.Container, _ = r.glob(at(p, "container"), m["container"])
	x.Reason, _ = r.str(at(p, "reason"), m["reason"])
	x.Reason = strings.TrimSpace(x.Reason)
	switch {
	case x.Reason == "" && x.Rule == "":
		r.errorf(p, "exception needs a reason")
	case x.Reason == "":
		r.errorf(p, "exception for %q needs a reason", x.Rule)
	}
	x.Expires, _ = r.str(at(p, "expires"), m["expires"])
	if x.Expires != "" {
		t, err := time.Parse(time.DateOnly, x.Expires)
		if err != nil {
			r.errorf(at(p, "expires"), "expires must be a date, YYYY-MM-DD, not %q", x.Expires)
		}
		x.expires = t
	}
	return x, len(r.errs) == before
}

// configReader reads typed values out of the decoded file, reporting
// errors at the position of the offending key.
type configReader struct {
	doc  *manifest.Document
	errs diag.List
}

func (r *configReader) pos(p []any) diag.Pos { return r.doc.Pos(p) }

func (r *configReader) errorf(p []any, format string, args ...any) {
	r.errs = append(r.errs, diag.Errorf(r.pos(p), manifest.FormatPath(p), format, args...))
}

// object reports keys of m that are not in known and returns m.
func (r *configReader) object(p []any, m map[string]any, known ...string) map[string]any {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(known, k) {
			r.errorf(at(p, k), "unknown key %q (known keys: %s)", k, strings.Join(known, ", "))
		}
	}
	return m
}

// mapping reads an optional mapping: absent or null is (nil, false).
func (r *configReader) mapping(p []any, v any) (map[string]any, bool) {
	switch v := v.(type) {
	case nil:
		return nil, false
	case map[string]any:
		return v, true
	}
	r.errorf(p, "want a mapping, not %s", typeName(v))
	return nil, false
}

func (r *configReader) list(p []any, v any) ([]any, bool) {
	switch v := v.(type) {
	case nil:
		return nil, false
	case []any:
		return v, true
	}
	r.errorf(p, "want a list, not %s", typeName(v))
	return nil, false
}

func (r *configReader) str(p []any, v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	}
	r.errorf(p, "want a string, not %s", typeName(v))
	return "", false
}

func (r *configReader) boolean(p []any, v any) (bool, bool) {
	switch v := v.(type) {
	case nil:
		return false, false
	case bool:
		return v, true
	}
	r.errorf(p, "want true or false, not %s", typeName(v))
	return false, false
}

func (r *configReader) strings(p []any, v any) []string {
	list, ok := r.list(p, v)
	if !ok {
		return nil
	}
	var out []string
	for i, e := range list {
		if s, ok := r.str(at(p, i), e); ok {
			out = append(out, s)
		}
	}
	return out
}

func (r *configReader) glob(p []any, v any) (string, bool) {
	s, ok := r.str(p, v)
	if !ok {
		return "", false
	}
	if _, err := path.Match(s, ""); err != nil {
		r.errorf(p, "bad pattern %q: %v", s, err)
		return "", false
	}
	return s, true
}

// at returns path p extended by seg, never sharing p's backing array.
func at(p []any, seg any) []any {
	return append(slices.Clip(p), seg)
}

func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// globMatch matches s against a glob pattern; an empty pattern matches
// anything.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	ok, _ := path.Match(pattern, s)
	return ok
}

// check reports rule ids in the configuration that are not those of rules,
// and parameters of built-in rules that the rule does not declare. Custom
// rules declare no parameters, so theirs are not checked.
func (c *Config) check(rules []Rule) error {
	if c == nil {
		return nil
	}
	ids := make([]string, len(rules))
	byID := make(map[string]Rule, len(rules))
	for i, r := range rules {
		ids[i] = r.ID
		byID[r.ID] = r
	}
	slices.Sort(ids)
	unknown := func(id string) string {
		msg := fmt.Sprintf("unknown rule %q", id)
		if s := diag.Closest(id, ids); s != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
		return msg + "; 'dozen rules' lists them"
	}
	var errs diag.List
	for _, id := range slices.Sorted(maps.Keys(c.Rules)) {
		rc := c.Rules[id]
		r, ok := byID[id]
		if !ok {
			errs = append(errs, diag.Errorf(rc.Pos, manifest.FormatPath([]any{"rules", id}), "%s", unknown(id)))
			continue
		}
		if r.Category == CustomCategory {
			continue
		}
		names := make([]string, len(r.Params))
		for i, p := range r.Params {
			names[i] = p.Name
		}
		for _, k := range slices.Sorted(maps.Keys(rc.Params)) {
			if slices.Contains(names, k) {
				continue
			}
			msg := fmt.Sprintf("unknown parameter %q for %s", k, id)
			if s := diag.Closest(k, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			if len(names) == 0 {
				msg += "; it takes no parameters"
			} else {
				msg += "; parameters: " + strings.Join(names, ", ")
			}
			errs = append(errs, diag.Errorf(rc.ParamPos[k], manifest.FormatPath([]any{"rules", id, "params", k}), "%s", msg))
		}
	}
	for i, x := range c.Exceptions {
		if _, ok := byID[x.Rule]; !ok {
			errs = append(errs, diag.Errorf(x.Pos, fmt.Sprintf("exceptions[%d].rule", i), "%s", unknown(x.Rule)))
		}
	}
	return errs.Sort().Err()
}
