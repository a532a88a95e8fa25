package cli

import (
	"github.com/spf13/cobra"

	"github.com/dozen-dev/dozen/load"
	"github.com/dozen-dev/dozen/policies"
)

// customPolicies are the flags that load custom Rego policies, the same
// for lint and render: --policy, --namespace and --rego-version.
type customPolicies struct {
	paths      []string
	namespaces []string
	rego       regoVersion
}

// addPolicyFlags adds --policy, --namespace and --rego-version.
func addPolicyFlags(cmd *cobra.Command, p *customPolicies) {
	f := cmd.Flags()
	f.StringArrayVar(&p.paths, "policy", nil, "custom Rego policy `DIR` or file (repeatable)")
	f.StringArrayVar(&p.namespaces, "namespace", nil, "`PACKAGE` of custom policies whose rules run (repeatable; default main)")
	addRegoVersionFlag(cmd, &p.rego)
}

// resolve returns the paths of the custom policies, the packages whose
// rules run and the policies' syntax version. Without --policy, the
// policies section of cfg (.dozen.yaml) names them, with its namespaces
// and rego_version unless --namespace or --rego-version is given. With
// --policy the section is not used: its namespaces and version describe
// its own paths.
func (p *customPolicies) resolve(ld *load.Loader, cfg *policies.Config) (paths, namespaces []string, version policies.RegoVersion, err error) {
	paths, namespaces, version = p.paths, p.namespaces, p.rego.v
	if len(paths) == 0 && cfg != nil && len(cfg.Policies.Paths) > 0 {
		if paths, err = ld.PolicyPaths(cfg); err != nil {
			return nil, nil, "", err
		}
		if len(namespaces) == 0 {
			namespaces = cfg.Policies.Namespaces
		}
		if version == "" {
			version = cfg.Policies.RegoVersion
		}
	}
	return paths, namespaces, version, nil
}

// load reads the custom policies' Rego files (not their tests) and
// returns them with the packages whose rules run (see resolve).
func (p *customPolicies) load(ld *load.Loader, cfg *policies.Config) ([]policies.Module, []string, error) {
	paths, namespaces, version, err := p.resolve(ld, cfg)
	if err != nil {
		return nil, nil, err
	}
	mods, err := ld.Policies(paths, false, version)
	if err != nil {
		return nil, nil, err
	}
	return mods, namespaces, nil
}
