package collector

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/targets"
)

func init() {
	registerCollector("upgrade", true, newUpgradeCollector)
}

// upgradeCollector exposes the cached upgrade check of the target ("Detecting
// an update"): current version, whether an applicable newer release exists,
// and which one is next.
type upgradeCollector struct {
	versionInfo, updateAvailable, nextVersionInfo, futureReleases *prometheus.Desc
	checkSuccess, checkTimestamp                                  *prometheus.Desc
}

func newUpgradeCollector(Options) (Collector, error) {
	// The HELP texts say the values are cached but not for how long: a HELP
	// text must not change with a flag (--vcf.upgrade-check-interval).
	const cached = "from the upgrade check, cached and refreshed in the background"
	return &upgradeCollector{
		versionInfo: newDesc("domain", "version_info",
			"Current VCF version of the domain (first of GET /v1/releases?domainId=); always 1; "+cached+".",
			"domain", "version"),
		updateAvailable: newDesc("domain", "update_available",
			"1 when an applicable newer VCF release exists for the domain, else 0; "+cached+".",
			"domain"),
		nextVersionInfo: newDesc("domain", "next_version_info",
			"Lowest applicable newer VCF release of the domain, only while an update is available; always 1; "+cached+".",
			"domain", "version"),
		futureReleases: newDesc("domain", "future_releases",
			"Number of future releases SDDC Manager lists for the domain, applicable or not; "+cached+".",
			"domain"),
		checkSuccess: newDesc("upgrade_check", "success",
			"1 when the last upgrade check succeeded, 0 when it failed (the last good result is still served); "+cached+"."),
		checkTimestamp: newDesc("upgrade_check", "timestamp_seconds",
			"Unix time of the last successful upgrade check; "+cached+"."),
	}, nil
}

func (c *upgradeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.versionInfo, c.updateAvailable, c.nextVersionInfo, c.futureReleases, c.checkSuccess, c.checkTimestamp} {
		ch <- d
	}
}

// checkVersion identifies an upgrade check result (each successful check
// stores a new Domains slice).
type checkVersion struct {
	attempt, success time.Time
	domains          *targets.DomainUpgrade
	err              string
}

// version keys the render cache: the output changes with the check result.
func (c *upgradeCollector) version(ctx context.Context, s *Scrape) any {
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

func (c *upgradeCollector) Update(ctx context.Context, s *Scrape, ch chan<- prometheus.Metric) error {
	st := s.upgradeStatus(ctx)
	ch <- s.gauge(c.checkSuccess, boolValue(st.HasRun() && st.Err == nil))
	if !st.LastSuccess.IsZero() {
		ch <- s.gauge(c.checkTimestamp, float64(st.LastSuccess.UnixNano())/1e9)
	}
	if !s.Snapshot.Up() {
		// No per-domain series while the SDDC Manager is unreachable.
		return ErrTargetDown
	}
	if !st.HasRun() {
		return fmt.Errorf("first upgrade check did not finish in time: %w", ctx.Err())
	}
	for _, d := range st.Domains {
		// The check may be up to an interval old: follow the current
		// inventory (domain deleted: no series; renamed: new name).
		name, ok := s.domainByID(d.DomainID)
		if !ok {
			continue
		}
		ch <- s.gauge(c.versionInfo, 1, name, d.CurrentVersion)
		ch <- s.gauge(c.updateAvailable, boolValue(d.UpdateAvailable()), name)
		if d.Next != nil {
			ch <- s.gauge(c.nextVersionInfo, 1, name, d.Next.Version)
		}
		ch <- s.gauge(c.futureReleases, float64(len(d.FutureReleases)), name)
	}
	return nil
}
