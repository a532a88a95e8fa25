package policies

import (
	"reflect"
	"testing"
	"time"

	"github.com/dozen-dev/dozen/diag"
)

func TestLoadConfig(t *testing.T) {
	in := `# dozen configuration
rules:
  unpinned-image:
    severity: warning
  host-network:
    disabled: true
  alpine-image:
    params:
      allowed_families: [alpine, scratch]
images:
  own: [ghcr.io/acme/*, "registry.example.com:5000/**"]
  alpine: all
external:
  configmaps: [kube-root-ca.crt]
  secrets: [registry, argocd/argocd-redis]
  services: [monitoring/prometheus]
  pods:
  - {namespace: kube-system, labels: {k8s-app: kube-dns}}
exceptions:
- rule: host-path
  match: {kind: DaemonSet, namespace: kube-system, name: "log-*"}
  container: shipper
  reason: the node agent reads the host's logs
  expires: 2026-12-31
- rule: privileged
  reason: "  CNI plugin  "
policies:
  paths: [policy/, ../shared/acme.rego]
  namespaces: [main, acme]
  rego_version: V0
`
	cfg, err := LoadConfig("dir/.dozen.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		File: "dir/.dozen.yaml",
		Rules: map[string]RuleConfig{
			"unpinned-image": {Severity: SeverityWarning, Pos: diag.Pos{File: "dir/.dozen.yaml", Line: 3, Col: 3}},
			"host-network":   {Disabled: true, Pos: diag.Pos{File: "dir/.dozen.yaml", Line: 5, Col: 3}},
			"alpine-image": {
				Params:   map[string]any{"allowed_families": []any{"alpine", "scratch"}},
				Pos:      diag.Pos{File: "dir/.dozen.yaml", Line: 7, Col: 3},
				ParamPos: map[string]diag.Pos{"allowed_families": {File: "dir/.dozen.yaml", Line: 9, Col: 7}},
			},
		},
		Images: Images{
			Own:    []string{"ghcr.io/acme/*", "registry.example.com:5000/**"},
			OwnPos: []diag.Pos{{File: "dir/.dozen.yaml", Line: 11, Col: 9}, {File: "dir/.dozen.yaml", Line: 11, Col: 25}},
			Alpine: AlpineAll,
		},
		External: External{
			ConfigMaps: []string{"kube-root-ca.crt"},
			Secrets:    []string{"registry", "argocd/argocd-redis"},
			Objects: []ExternalObject{
				{Kind: "ConfigMap", Name: "kube-root-ca.crt", Pos: diag.Pos{File: "dir/.dozen.yaml", Line: 14, Col: 16}},
				{Kind: "Secret", Name: "registry", Pos: diag.Pos{File: "dir/.dozen.yaml", Line: 15, Col: 13}},
				{Kind: "Secret", Namespace: "argocd", Name: "argocd-redis", Pos: diag.Pos{File: "dir/.dozen.yaml", Line: 15, Col: 23}},
				{Kind: "Service", Namespace: "monitoring", Name: "prometheus", Pos: diag.Pos{File: "dir/.dozen.yaml", Line: 16, Col: 14}},
			},
			Pods: []ExternalPods{{Namespace: "kube-system", Labels: map[string]string{"k8s-app": "kube-dns"}, Pos: diag.Pos{File: "dir/.dozen.yaml", Line: 18, Col: 5}}},
		},
		Exceptions: []Exception{{
			Rule: "host-path", Kind: "DaemonSet", Namespace: "kube-system", Name: "log-*", Container: "shipper",
			Reason: "the node agent reads the host's logs", Expires: "2026-12-31",
			Pos:     diag.Pos{File: "dir/.dozen.yaml", Line: 20, Col: 3},
			expires: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
		}, {
			Rule: "privileged", Reason: "CNI plugin",
			Pos: diag.Pos{File: "dir/.dozen.yaml", Line: 25, Col: 3},
		}},
		Policies: CustomPolicies{
			Paths:       []string{"policy/", "../shared/acme.rego"},
			PathPos:     []diag.Pos{{File: "dir/.dozen.yaml", Line: 28, Col: 11}, {File: "dir/.dozen.yaml", Line: 28, Col: 20}},
			Namespaces:  []string{"main", "acme"},
			RegoVersion: RegoV0,
		},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}

	empty, err := LoadConfig("c.yaml", []byte("# nothing yet\n"))
	if err != nil || len(empty.Rules) != 0 || len(empty.Exceptions) != 0 {
		t.Errorf("empty config: %+v, %v", empty, err)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{{
		name: "unknown top-level key",
		in:   "rule:\n  x: {}\n",
		want: `c.yaml:1:1: rule: unknown key "rule" (known keys: rules, images, external, exceptions, policies)`,
	}, {
		name: "unknown rule key",
		in:   "rules:\n  x:\n    level: warning\n",
		want: `c.yaml:3:5: rules.x.level: unknown key "level" (known keys: disabled, severity, params)`,
	}, {
		name: "bad severity",
		in:   "rules:\n  x: {severity: fatal}\n",
		want: `c.yaml:2:7: rules.x.severity: unknown severity "fatal" (want error, warning or info)`,
	}, {
		name: "wrong types",
		in:   "rules:\n  x: {disabled: yes, params: [1]}\nexternal:\n  configmaps: a\n  secrets: [1]\n",
		want: "c.yaml:2:7: rules.x.disabled: want true or false, not a string\n" +
			"c.yaml:2:22: rules.x.params: want a mapping, not a list\n" +
			"c.yaml:4:3: external.configmaps: want a list, not a string\n" +
			"c.yaml:5:13: external.secrets[0]: want a string, not a number",
	}, {
		name: "external names",
		in:   "external:\n  secrets: [ok, argocd/x, a/b/c, Bad, \"\"]\n  configmap: [x]\n  pods:\n  - {labels: {app: 1}}\n  - {namespace: Kube, labels: {}}\n  - ~\n",
		want: "c.yaml:2:27: external.secrets[2]: want a name or namespace/name, not \"a/b/c\"\n" +
			"c.yaml:2:34: external.secrets[3]: want a name or namespace/name, not \"Bad\"\n" +
			"c.yaml:2:39: external.secrets[4]: want a name or namespace/name, not \"\"\n" +
			`c.yaml:3:3: external.configmap: unknown key "configmap" (known keys: configmaps, secrets, services, serviceaccounts, persistentvolumeclaims, deployments, statefulsets, replicasets, replicationcontrollers, pods)` + "\n" +
			"c.yaml:5:15: external.pods[0].labels.app: want a string, not a number\n" +
			"c.yaml:6:5: external.pods[1]: want labels: a mapping of the pods' labels\n" +
			"c.yaml:6:6: external.pods[1].namespace: want a namespace name, not \"Kube\"\n" +
			"c.yaml:7:5: external.pods[2]: want a mapping with labels, not null",
	}, {
		name: "images",
		in:   "images:\n  own: [ghcr.io/acme/*, \"ghcr.io/acme/web:1.2\", \"x@sha256:1\", \"ghcr.io/[ab]/*\", \"\", 3]\n  alpine: some\n  mine: []\n",
		want: "c.yaml:2:25: images.own[1]: image pattern \"ghcr.io/acme/web:1.2\" names a tag or digest; patterns match the registry and repository only, such as ghcr.io/acme/*\n" +
			"c.yaml:2:49: images.own[2]: image pattern \"x@sha256:1\" names a tag or digest; patterns match the registry and repository only, such as ghcr.io/acme/*\n" +
			"c.yaml:2:63: images.own[3]: image pattern \"ghcr.io/[ab]/*\" uses a wildcard other than *, ** and ?\n" +
			"c.yaml:2:81: images.own[4]: want an image pattern such as ghcr.io/acme/*, not an empty string\n" +
			"c.yaml:2:85: images.own[5]: want a string, not a number\n" +
			"c.yaml:3:3: images.alpine: want own or all, not \"some\"\n" +
			`c.yaml:4:3: images.mine: unknown key "mine" (known keys: own, alpine)`,
	}, {
		name: "exception without reason",
		in:   "exceptions:\n- rule: host-path\n  match: {kind: DaemonSet}\n",
		want: `c.yaml:2:3: exceptions[0]: exception for "host-path" needs a reason`,
	}, {
		name: "exception with an empty reason and no rule",
		in:   "exceptions:\n- reason: \"  \"\n",
		want: "c.yaml:2:3: exceptions[0]: exception needs a reason\n" +
			"c.yaml:2:3: exceptions[0]: exception needs a rule",
	}, {
		name: "exception with a bad date",
		in:   "exceptions:\n- rule: x\n  reason: r\n  expires: 31/12/2026\n",
		want: `c.yaml:4:3: exceptions[0].expires: expires must be a date, YYYY-MM-DD, not "31/12/2026"`,
	}, {
		name: "exception with unknown keys",
		in:   "exceptions:\n- rule: x\n  reason: r\n  match: {kind: A, labels: {a: b}}\n  until: 2026-01-01\n",
		want: `c.yaml:4:20: exceptions[0].match.labels: unknown key "labels" (known keys: kind, namespace, name)` + "\n" +
			`c.yaml:5:3: exceptions[0].until: unknown key "until" (known keys: rule, match, container, reason, expires)`,
	}, {
		name: "policies with an empty path and an unknown key",
		in:   "policies:\n  paths: [policy/, \"\"]\n  namespace: [acme]\n",
		want: `c.yaml:2:20: policies.paths[1]: want a directory or file, not an empty string` + "\n" +
			`c.yaml:3:3: policies.namespace: unknown key "namespace" (known keys: paths, namespaces, rego_version)`,
	}, {
		name: "policies with paths that are not strings",
		in:   "policies:\n  paths: [1, \"\", ~]\n",
		want: `c.yaml:2:11: policies.paths[0]: want a string, not a number` + "\n" +
			`c.yaml:2:14: policies.paths[1]: want a directory or file, not an empty string` + "\n" +
			`c.yaml:2:18: policies.paths[2]: want a directory or file, not null`,
	}, {
		name: "bad glob",
		in:   "exceptions:\n- rule: x\n  reason: r\n  match: {name: \"[\"}\n",
		want: `c.yaml:4:11: exceptions[0].match.name: bad pattern "[": syntax error in pattern`,
	}, {
		name: "exceptions not a list",
		in:   "exceptions: {rule: x}\n",
		want: "c.yaml:1:1: exceptions: want a list, not a mapping",
	}, {
		name: "several documents",
		in:   "rules: {}\n---\nrules: {}\n",
		want: "c.yaml:3:1: configuration must be a single YAML document",
	}, {
		name: "not a mapping",
		in:   "- rules\n",
		want: "c.yaml:1:1: document is a list, not a mapping",
	}, {
		name: "duplicate key",
		in:   "rules: {}\nrules: {}\n",
		want: `c.yaml:2:1: duplicate key "rules" (first at line 1)`,
	}, {
		name: "invalid YAML",
		in:   "rules: [\n",
		want: "c.yaml:1:8: invalid YAML: did not find expected node content",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig("c.yaml", []byte(tc.in))
			if err == nil {
				t.Fatalf("no error; config %+v", cfg)
			}
			if !diag.IsUserError(err) {
				t.Errorf("error %T is not positioned", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tc.want)
			}
		})
	}
}

// TestConfigUnknownParam checks that a parameter a built-in rule does not
// declare is an error at its key, and that declared ones and those of
// custom rules are not.
func TestConfigUnknownParam(t *testing.T) {
	in := `rules:
  base-image-annotation:
    params: {families: [scratch], allowed_families: [alpine]}
  min-replicas:
    params:
      min_replicas: 2
      environment: {dev: 1}
  unpinned-image:
    params: {allow_latest: true}
`
	cfg, err := LoadConfig(".dozen.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(Options{Config: cfg})
	want := `.dozen.yaml:3:14: rules.base-image-annotation.params.families: unknown parameter "families" for base-image-annotation; parameters: allowed_families
.dozen.yaml:7:7: rules.min-replicas.params.environment: unknown parameter "environment" for min-replicas (did you mean environments?); parameters: environments, min_replicas, unserved
.dozen.yaml:9:14: rules.unpinned-image.params.allow_latest: unknown parameter "allow_latest" for unpinned-image; it takes no parameters`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}

	rules := []Rule{{ID: "acme.warn", Category: CustomCategory}, {ID: "min-replicas", Params: []Param{{Name: "min_replicas"}}}}
	ok := &Config{Rules: map[string]RuleConfig{
		"acme.warn":    {Params: map[string]any{"max": 1}},
		"min-replicas": {Params: map[string]any{"min_replicas": 3}},
	}}
	if err := ok.check(rules); err != nil {
		t.Errorf("declared and custom parameters: %v", err)
	}
}
