package collector

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// Scrape is what the collectors of one scrape of one target see.
type Scrape struct {
	Target   *targets.Target
	Snapshot *targets.Snapshot

	upgradeOnce sync.Once
	upgrades    targets.UpgradeStatus

	healthMu       sync.Mutex
	healthReadings map[targets.HealthKind]targets.HealthReading

	once          sync.Once
	domainName    map[string]string // id -> name
	cluster       map[string]*vcfclient.Cluster
	clusterDomain map[string]string // cluster id -> domain id
	clusterHosts  map[string]int    // cluster id -> hosts pointing at it

	domainsOnce sync.Once
	domains     string // see domainsKey
}

// domainsKey is the domains' ids and names ("" when the SDDC Manager is
// down), made once per scrape: the key of what the health collectors read
// of the inventory.
func (s *Scrape) domainsKey() string {
	s.domainsOnce.Do(func() {
		if !s.Snapshot.Up() {
			return
		}
		key := []byte("up")
		for _, d := range s.Snapshot.Inventory.Domains {
			key = strconv.AppendQuote(strconv.AppendQuote(key, d.ID), d.Name)
		}
		s.domains = string(key)
	})
	return s.domains
}

func (s *Scrape) index() {
	s.once.Do(func() {
		s.domainName = map[string]string{}
		s.cluster = map[string]*vcfclient.Cluster{}
		s.clusterDomain = map[string]string{}
		s.clusterHosts = map[string]int{}
		if !s.Snapshot.Up() {
			return
		}
		// One pass over each list, so that the fallbacks for references
		// the API left out cost no scan per cluster or per host.
		inv := s.Snapshot.Inventory
		for _, d := range inv.Domains {
			s.domainName[d.ID] = d.Name
			for _, id := range d.ClusterIDs {
				s.clusterDomain[id] = d.ID
			}
		}
		for i := range inv.Clusters {
			c := &inv.Clusters[i]
			s.cluster[c.ID] = c
			if c.DomainID != "" {
				s.clusterDomain[c.ID] = c.DomainID
			}
		}
		for i := range inv.Hosts {
			s.clusterHosts[inv.Hosts[i].ClusterID]++
		}
	})
}

// clusterDomainID is the cluster's domain, from the cluster itself or else
// from the domain listing it.
func (s *Scrape) clusterDomainID(c *vcfclient.Cluster) string {
	s.index()
	return s.clusterDomain[c.ID]
}

// clusterHostCount is the length of the cluster's host list, or else the
// number of hosts pointing at the cluster.
func (s *Scrape) clusterHostCount(c *vcfclient.Cluster) int {
	if c.HostIDs != nil {
		return len(c.HostIDs)
	}
	s.index()
	return s.clusterHosts[c.ID]
}

// sddcManagerMajor is the highest major version of the target's SDDC
// Managers (0 when unknown): what the API offers depends on it.
func (s *Scrape) sddcManagerMajor() int {
	major := 0
	if s.Snapshot.Up() {
		for _, m := range s.Snapshot.Inventory.SddcManagers {
			if n, err := strconv.Atoi(vcfclient.MajorVersion(m.Version)); err == nil {
				major = max(major, n)
			}
		}
	}
	return major
}

// upgradeStatus is the target's upgrade check as this scrape sees it, the
// same for the render cache's key and for the upgrade collector. It waits
// only for the very first check, and not at all while the SDDC Manager is
// unreachable (a check would fail).
func (s *Scrape) upgradeStatus(ctx context.Context) targets.UpgradeStatus {
	s.upgradeOnce.Do(func() {
		if s.Snapshot.Up() {
			s.upgrades = s.Target.Upgrades(ctx)
		} else {
			s.upgrades = s.Target.UpgradeStatus()
		}
	})
	return s.upgrades
}

// Inventory returns the snapshot's inventory or ErrTargetDown.
func (s *Scrape) Inventory() (*vcfclient.Inventory, error) {
	if !s.Snapshot.Up() {
		return nil, ErrTargetDown
	}
	s.index()
	return s.Snapshot.Inventory, nil
}

// DomainName maps a domain id to its name ("" when unknown or empty).
func (s *Scrape) DomainName(id string) string {
	s.index()
	return s.domainName[id]
}

// domainByID returns the name of a domain of the inventory by id.
func (s *Scrape) domainByID(id string) (string, bool) {
	s.index()
	name, ok := s.domainName[id]
	return name, ok
}

// Cluster returns a cluster by id.
func (s *Scrape) Cluster(id string) (*vcfclient.Cluster, bool) {
	s.index()
	c, ok := s.cluster[id]
	return c, ok
}

// Gather runs every collector of the set on t's snapshot (fetched or
// reused, as a scrape does) and returns the families, constLabels (e.g.
// target="<name>") added to every series: the entry point for whatever
// reads values rather than text (protobuf scrapes, the InfluxDB sink). A
// failing collector leaves the others' series; the error says what failed.
func (s *Set) Gather(ctx context.Context, t *targets.Target, constLabels map[string]string) ([]*dto.MetricFamily, error) {
	begin := time.Now()
	snap := t.Snapshot(ctx)
	sc := &Scrape{Target: t, Snapshot: snap}
	outs := make([]*dtoOut, len(s.names)+1)
	outs[0] = newDtoOut(constLabels)
	snapshotSamples(outs[0], snap)
	var wg sync.WaitGroup
	for i, name := range s.names {
		outs[i+1] = newDtoOut(constLabels)
		wg.Go(func() { s.execute(ctx, name, sc, outs[i+1]) })
	}
	wg.Wait()
	outs[0].Sample(targetScrapeDurationDesc, time.Since(begin).Seconds(), nil)
	// One family may come from several collectors (the scrape's own).
	all := newDtoOut(nil)
	for _, o := range outs {
		for d, mf := range o.fams {
			if prev := all.fams[d]; prev != nil {
				prev.Metric = append(prev.Metric, mf.Metric...)
			} else {
				all.fams[d] = mf
			}
		}
		all.errs = append(all.errs, o.errs...)
	}
	return all.families()
}

// Gatherer is Gather as a prometheus.Gatherer, for one scrape.
func (s *Set) Gatherer(ctx context.Context, t *targets.Target, constLabels map[string]string) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return s.Gather(ctx, t, constLabels) })
}

// snapshotSamples writes the samples of the snapshot itself: vcf_up and
// the inventory refresh.
func snapshotSamples(out Out, snap *targets.Snapshot) {
	out.Sample(upDesc, boolValue(snap.Up()), nil)
	if !snap.Time.IsZero() { // a fetch ended (not a scrape that gave up waiting)
		out.Sample(refreshDurationDesc, snap.Duration.Seconds(), nil)
	}
	if snap.Up() {
		out.Sample(refreshTimestampDesc, float64(snap.Time.UnixNano())/1e9, nil)
	}
}

// execute runs one collector and writes its samples, its duration and
// success to out.
func (s *Set) execute(ctx context.Context, name string, sc *Scrape, out Out) {
	failures := s.errors.WithLabelValues(sc.Target.Name, name) // 0 from the first scrape on
	begin := time.Now()
	err := s.collectors[name].Update(ctx, sc, out)
	duration := time.Since(begin)
	// The target logs these once per state change, not every scrape.
	switch {
	case err == nil, errors.Is(err, ErrTargetDown):
	case errors.Is(err, errHealthLogged):
		failures.Inc()
	default:
		failures.Inc()
		s.logger.Error("collector failed", "target", sc.Target.Name, "collector", name, "duration_seconds", duration.Seconds(), "err", err)
	}
	if l := vcfclient.RequestLog(ctx); l != nil { // /probe?debug=true
		l.Info("collector done", "collector", name, "success", err == nil, "duration_seconds", duration.Seconds(), "err", err)
	}
	lv := []string{name}
	out.Sample(scrapeDurationDesc, duration.Seconds(), lv)
	out.Sample(scrapeSuccessDesc, boolValue(err == nil), lv)
}
