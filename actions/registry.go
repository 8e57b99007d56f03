package actions

import (
	"context"
	"errors"

	"github.com/vcf-exporter/vcf_exporter/targets"
)

// registryTargets adapts the exporter's target registry.
type registryTargets struct{ r *targets.Registry }

// RegistryTargets gives the engine the exporter's SDDC Managers.
func RegistryTargets(r *targets.Registry) Targets { return registryTargets{r} }

func (t registryTargets) Names() []string { return t.r.Names() }

func (t registryTargets) Client(name string) (Client, bool) {
	tg, ok := t.r.Get(name)
	if !ok || tg.Client == nil {
		return nil, false
	}
	return tg.Client, true
}

func (t registryTargets) CheckUpdates(ctx context.Context, name string) error {
	tg, ok := t.r.Get(name)
	if !ok {
		return errors.New("unknown target " + name)
	}
	return tg.CheckUpdates(ctx)
}

func (t registryTargets) KnownDomains(name string) []string {
	tg, ok := t.r.Get(name)
	if !ok {
		return nil
	}
	var out []string
	for _, d := range tg.UpgradeStatus().Domains {
		out = append(out, d.DomainName)
	}
	return out
}

func (t registryTargets) URL(name string) string {
	if tg, ok := t.r.Get(name); ok {
		return tg.URL()
	}
	return ""
}
