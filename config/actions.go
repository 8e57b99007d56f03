package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	promcfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	yaml "go.yaml.in/yaml/v2"
)

// ActionsConfig is the "actions:" section: who may call the /actions API and
// how the upgrade workflow talks to SDDC Manager. Everything is optional; the
// defaults are the safe ones. Example:
//
//	actions:
//	  tokens:
//	    - name: home-assistant
//	      token_file: /etc/vcf_exporter/ha.token
//	  timeouts:
//	    nsx: 12h
//	  nsx:
//	    host_clusters_parallel: false
//	  vcenter:
//	    upgrade_mechanism: InPlace
//	  esx:
//	    enable_quickboot: false
type ActionsConfig struct {
	// Tokens are named bearer tokens accepted by /actions (besides the one
	// given with --actions.token-file). The name appears in the audit log.
	Tokens []ActionsToken `yaml:"tokens,omitempty"`
	// Timeouts bound every step of the upgrade workflow.
	Timeouts ActionsTimeouts `yaml:"timeouts,omitempty"`
	// NSX are the options of the NSX upgrade request.
	NSX NSXUpgradeOptions `yaml:"nsx,omitempty"`
	// VCenter are the options of the vCenter upgrade request.
	VCenter VCenterUpgradeOptions `yaml:"vcenter,omitempty"`
	// ESX are the options of the ESXi cluster upgrade request.
	ESX ESXUpgradeOptions `yaml:"esx,omitempty"`
}

// ActionsToken is one named bearer token; exactly one of Token and TokenFile.
type ActionsToken struct {
	Name      string         `yaml:"name"`
	Token     promcfg.Secret `yaml:"token,omitempty"`
	TokenFile string         `yaml:"token_file,omitempty"`
}

// ActionsTimeouts are the per-step limits of the upgrade workflow, keyed by
// the step's name (e.g. "nsx", "api_outage"). The names and their defaults
// belong to the workflow's state table (package actions), which also
// rejects names it does not know; a missing or zero value means the default.
type ActionsTimeouts map[string]model.Duration

// NSXUpgradeOptions become nsxtUpgradeUserInputSpecs of the NSX upgrade.
type NSXUpgradeOptions struct {
	// HostClustersParallel upgrades the NSX host clusters in parallel [false].
	HostClustersParallel bool `yaml:"host_clusters_parallel,omitempty"`
	// HostParallelUpgrade upgrades the hosts of a cluster in parallel [false].
	HostParallelUpgrade bool `yaml:"host_parallel_upgrade,omitempty"`
	// LiveUpgrade uses NSX live upgrade for host clusters [false].
	LiveUpgrade bool `yaml:"live_upgrade,omitempty"`
	// EdgeClustersParallel upgrades the edge clusters in parallel [true].
	EdgeClustersParallel *bool `yaml:"edge_clusters_parallel,omitempty"`
	// EdgeParallelUpgrade upgrades the edges of a cluster in parallel [true].
	EdgeParallelUpgrade *bool `yaml:"edge_parallel_upgrade,omitempty"`
	// EdgeOnly upgrades only the edges [false].
	EdgeOnly bool `yaml:"edge_only,omitempty"`
}

// VCenterUpgradeOptions become vcenterUpgradeUserInputSpecs.
type VCenterUpgradeOptions struct {
	// UpgradeMechanism is "InPlace" [default] or "Migration".
	UpgradeMechanism string `yaml:"upgrade_mechanism,omitempty"`
}

// ESXUpgradeOptions become the ESXi cluster upgrade request's options.
type ESXUpgradeOptions struct {
	EnableQuickboot        bool `yaml:"enable_quickboot,omitempty"`         // [false]
	EvacuateOfflineVMs     bool `yaml:"evacuate_offline_vms,omitempty"`     // [false]
	ParallelClusterUpgrade bool `yaml:"parallel_cluster_upgrade,omitempty"` // [false]
	EnforceHCLValidation   bool `yaml:"enforce_hcl_validation,omitempty"`   // [false]
	DisableHAC             bool `yaml:"disable_hac,omitempty"`              // [false]
	DisableDPM             bool `yaml:"disable_dpm,omitempty"`              // [false]
	// Personalities maps a vLCM image-based cluster (name or id) to the
	// personality (image) id to upgrade it to; such clusters need one.
	Personalities map[string]string `yaml:"personalities,omitempty"`
}

// EdgeClustersParallelOrDefault returns the option, true when unset.
func (o NSXUpgradeOptions) EdgeClustersParallelOrDefault() bool {
	return o.EdgeClustersParallel == nil || *o.EdgeClustersParallel
}

// EdgeParallelUpgradeOrDefault returns the option, true when unset.
func (o NSXUpgradeOptions) EdgeParallelUpgradeOrDefault() bool {
	return o.EdgeParallelUpgrade == nil || *o.EdgeParallelUpgrade
}

// UpgradeMechanismOrDefault returns the mechanism, "InPlace" when unset.
func (o VCenterUpgradeOptions) UpgradeMechanismOrDefault() string {
	if o.UpgradeMechanism == "" {
		return "InPlace"
	}
	return o.UpgradeMechanism
}

// Validate checks the actions section.
func (a *ActionsConfig) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for i, t := range a.Tokens {
		switch {
		case t.Name == "":
			errs = append(errs, fmt.Errorf("actions.tokens[%d]: name is required", i))
		case seen[t.Name]:
			errs = append(errs, fmt.Errorf("actions.tokens[%d]: duplicate name %q", i, t.Name))
		}
		seen[t.Name] = true
		if (t.Token == "") == (t.TokenFile == "") {
			errs = append(errs, fmt.Errorf("actions.tokens[%d]: exactly one of token and token_file is required", i))
		}
		if t.Token != "" && len(t.Token) < MinActionsTokenLength {
			errs = append(errs, fmt.Errorf("actions.tokens[%d]: %w", i, errShortToken))
		}
	}
	switch a.VCenter.UpgradeMechanism {
	case "", "InPlace", "Migration":
	default:
		errs = append(errs, fmt.Errorf("actions.vcenter.upgrade_mechanism: %q is not InPlace or Migration", a.VCenter.UpgradeMechanism))
	}
	for _, name := range slices.Sorted(maps.Keys(a.Timeouts)) {
		if a.Timeouts[name] < 0 {
			errs = append(errs, fmt.Errorf("actions.timeouts.%s must not be negative", name))
		}
	}
	return errors.Join(errs...)
}

// SetDirectory makes relative token files relative to dir.
func (a *ActionsConfig) SetDirectory(dir string) {
	for i := range a.Tokens {
		a.Tokens[i].TokenFile = promcfg.JoinDir(dir, a.Tokens[i].TokenFile)
	}
}

// Resolve returns the token, reading TokenFile (trailing newline stripped).
func (t ActionsToken) Resolve() (string, error) {
	if t.TokenFile == "" {
		if len(t.Token) < MinActionsTokenLength {
			return "", errShortToken
		}
		return string(t.Token), nil
	}
	return ReadActionsTokenFile(t.TokenFile)
}

// UnmarshalYAML names the key of a duration that does not parse (the
// duration's own error names none).
func (t *ActionsTimeouts) UnmarshalYAML(unmarshal func(any) error) error {
	var raw yaml.MapSlice
	if err := unmarshal(&raw); err != nil {
		return fmt.Errorf("actions.timeouts: %w", err)
	}
	*t = make(ActionsTimeouts, len(raw))
	for _, kv := range raw {
		key := fmt.Sprint(kv.Key)
		d, err := model.ParseDuration(fmt.Sprint(kv.Value))
		if err != nil {
			return fmt.Errorf("actions.timeouts.%s: %w", key, err)
		}
		(*t)[key] = d
	}
	return nil
}
