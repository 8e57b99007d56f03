package collector

import (
	"context"
	"fmt"
	"time"

	"github.com/vcf-exporter/vcf_exporter/targets"
)

func init() {
	registerCollector("upgrade", true, newUpgradeCollector)
}

// upgradeCollector exposes the cached upgrade check of the target ("Detecting
// an update"): current version, whether an applicable newer release exists,
// and which one is next.
type upgradeCollector struct{}

func newUpgradeCollector(Options) (Collector, error) { return upgradeCollector{}, nil }

// The HELP texts say the values are cached but not for how long: a HELP
// text must not change with a flag (--vcf.upgrade-check-interval).
const cached = "from the upgrade check, cached and refreshed in the background"

// upgradeCheckFamilies are the check's own, per target.
var upgradeCheckFamilies = []Family[targets.UpgradeStatus]{
	gauge(newDesc("upgrade_check", "success",
		"1 when the last upgrade check succeeded, 0 when it failed (the last good result is still served); "+cached+"."),
		func(st *targets.UpgradeStatus, emit Emit) { emit(boolValue(st.HasRun() && st.Err == nil)) }),
	gauge(newDesc("upgrade_check", "timestamp_seconds", "Unix time of the last successful upgrade check; "+cached+"."),
		func(st *targets.UpgradeStatus, emit Emit) {
			if !st.LastSuccess.IsZero() {
				emit(float64(st.LastSuccess.UnixNano()) / 1e9)
			}
		}),
}

// domainUpgradeRow is a domain's check result under the domain's current
// name.
type domainUpgradeRow struct {
	*targets.DomainUpgrade
	name string
}

func (d *domainUpgradeRow) lv() []string { return []string{d.name} }

var domainUpgradeFamilies = []Family[domainUpgradeRow]{
	gauge(newDesc("domain", "version_info",
		"Current VCF version of the domain (first of GET /v1/releases?domainId=); always 1; "+cached+".",
		"domain", "version"),
		func(d *domainUpgradeRow, emit Emit) { emit(1, d.name, d.CurrentVersion) }),
	number(newDesc("domain", "update_available",
		"1 when an applicable newer VCF release exists for the domain, else 0; "+cached+".",
		"domain"),
		(*domainUpgradeRow).lv, func(d *domainUpgradeRow) float64 { return boolValue(d.UpdateAvailable()) }),
	gauge(newDesc("domain", "next_version_info",
		"Lowest applicable newer VCF release of the domain, only while an update is available; always 1; "+cached+".",
		"domain", "version"),
		func(d *domainUpgradeRow, emit Emit) {
			if d.Next != nil {
				emit(1, d.name, d.Next.Version)
			}
		}),
	number(newDesc("domain", "future_releases",
		"Number of future releases SDDC Manager lists for the domain, applicable or not; "+cached+".",
		"domain"),
		(*domainUpgradeRow).lv, func(d *domainUpgradeRow) float64 { return float64(len(d.FutureReleases)) }),
}

func (upgradeCollector) Describe() []*Desc {
	return append(descs(upgradeCheckFamilies), descs(domainUpgradeFamilies)...)
}

// checkVersion identifies an upgrade check result (each successful check
// stores a new Domains slice).
type checkVersion struct {
	attempt, success time.Time
	domains          *targets.DomainUpgrade
	err              string
}

// version keys the render cache: the output changes with the check result.
func (upgradeCollector) version(ctx context.Context, s *Scrape) any {
	st := s.upgradeStatus(ctx)
	v := checkVersion{attempt: st.LastAttempt, success: st.LastSuccess}
	if len(st.Domains) > 0 {
		v.domains = &st.Domains[0]
	}
	if st.Err != nil {
		v.err = st.Err.Error()
	}
	return v
}

func (upgradeCollector) Update(ctx context.Context, s *Scrape, out Out) error {
	st := s.upgradeStatus(ctx)
	generate(out, upgradeCheckFamilies, &st)
	if !s.Snapshot.Up() {
		// No per-domain series while the SDDC Manager is unreachable.
		return ErrTargetDown
	}
	if !st.HasRun() {
		return fmt.Errorf("first upgrade check did not finish in time: %w", ctx.Err())
	}
	for i := range st.Domains {
		d := &st.Domains[i]
		// The check may be up to an interval old: follow the current
		// inventory (domain deleted: no series; renamed: new name).
		if name, ok := s.domainByID(d.DomainID); ok {
			generate(out, domainUpgradeFamilies, &domainUpgradeRow{DomainUpgrade: d, name: name})
		}
	}
	return nil
}
