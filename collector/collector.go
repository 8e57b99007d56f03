// Package collector turns a target's inventory snapshot and upgrade check
// into Prometheus metrics. Like node_exporter, it is a registry of small
// collectors, one file per area, each enabled or disabled with
// --[no-]collector.<name> and each reporting its own success and duration.
package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// Namespace is the metric name prefix.
const Namespace = "vcf"

var (
	upDesc = newDesc("", "up",
		"1 when the last inventory refresh of this SDDC Manager succeeded, 0 otherwise.")
	scrapeDurationDesc = newDesc("scrape", "collector_duration_seconds",
		"vcf_exporter: duration of a collector scrape.", "collector")
	scrapeSuccessDesc = newDesc("scrape", "collector_success",
		"vcf_exporter: whether a collector succeeded.", "collector")
	refreshDurationDesc = newDesc("inventory", "refresh_duration_seconds",
		"Duration of the last inventory refresh (domains, clusters, hosts, SDDC Managers) of this SDDC Manager.")
	refreshTimestampDesc = newDesc("inventory", "refresh_timestamp_seconds",
		"Unix time of the inventory served (a recent one is reused instead of asking SDDC Manager again).")
	targetScrapeDurationDesc = newDesc("scrape", "duration_seconds",
		"Duration of this scrape of the SDDC Manager: inventory fetch (or reuse) and every collector.")
)

// ErrTargetDown is returned by collectors that need the inventory when the
// SDDC Manager could not be reached; they emit nothing else.
var ErrTargetDown = errors.New("SDDC Manager unreachable")

// Collector is one area of metrics.
type Collector interface {
	// Describe sends every descriptor Update may use.
	Describe(ch chan<- *prometheus.Desc)
	// Update sends the metrics of one scrape of one target to ch.
	Update(ctx context.Context, s *Scrape, ch chan<- prometheus.Metric) error
}

// Options are passed to every collector factory.
type Options struct {
	Logger *slog.Logger
}

type factory func(Options) (Collector, error)

var (
	factories      = map[string]factory{}
	defaultEnabled = map[string]bool{}
	collectorState = map[string]*bool{}
	// forcedCollectors are the collectors named on the command line.
	forcedCollectors = map[string]bool{}
)

// registerCollector is called from each collector file's init. It defines
// the --[no-]collector.<name> flag on kingpin.CommandLine.
func registerCollector(name string, enabled bool, f factory) {
	state := "disabled"
	if enabled {
		state = "enabled"
	}
	flag := kingpin.Flag("collector."+name, fmt.Sprintf("Enable the %s collector (default: %s).", name, state)).
		Default(fmt.Sprint(enabled)).Action(func(*kingpin.ParseContext) error {
		forcedCollectors[name] = true
		return nil
	}).Bool()
	factories[name] = f
	defaultEnabled[name] = enabled
	collectorState[name] = flag
}

// Available returns every collector name, sorted.
func Available() []string {
	names := make([]string, 0, len(factories))
	for n := range factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// DefaultEnabled returns the collectors enabled by default, sorted.
func DefaultEnabled() []string {
	var names []string
	for _, n := range Available() {
		if defaultEnabled[n] {
			names = append(names, n)
		}
	}
	return names
}

// DisableDefaultCollectors turns off every collector not named on the
// command line (--collector.disable-defaults).
func DisableDefaultCollectors() {
	for n := range factories {
		if !forcedCollectors[n] {
			*collectorState[n] = false
		}
	}
}

// EnabledByFlags returns the collectors enabled on the command line (after
// kingpin has parsed it), sorted.
func EnabledByFlags() []string {
	var names []string
	for _, n := range Available() {
		if *collectorState[n] {
			names = append(names, n)
		}
	}
	return names
}

// Set is an instantiated group of collectors, shared by every target.
type Set struct {
	names      []string
	collectors map[string]Collector
	logger     *slog.Logger
	// errors counts failed collector runs per target (shared with the sets
	// Filter makes); served with the exporter's own metrics, see Metrics.
	errors *prometheus.CounterVec

	// labelled caches, per set of constant labels, the descriptors of every
	// collector with those labels added (map[*Desc]*Desc, read-only).
	labelled sync.Map
}

// NewSet builds the named collectors.
func NewSet(opts Options, names ...string) (*Set, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Set{collectors: map[string]Collector{}, logger: opts.Logger,
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vcf_exporter_scrape_errors_total",
			Help: "Collector runs that failed, by target and collector; an unreachable SDDC Manager is not counted here (see vcf_up).",
		}, []string{"target", "collector"}),
	}
	for _, n := range names {
		f, ok := factories[n]
		if !ok {
			return nil, fmt.Errorf("unknown collector %q (available: %v)", n, Available())
		}
		if _, dup := s.collectors[n]; dup {
			continue
		}
		c, err := f(Options{Logger: opts.Logger.With("collector", n)})
		if err != nil {
			return nil, fmt.Errorf("collector %q: %w", n, err)
		}
		s.collectors[n] = c
		s.names = append(s.names, n)
	}
	slices.Sort(s.names)
	return s, nil
}

// Filter returns a set with only the named collectors of s (the collect[]
// URL parameter). Naming one that is not in s is an error.
func (s *Set) Filter(names ...string) (*Set, error) {
	f := &Set{collectors: map[string]Collector{}, logger: s.logger, errors: s.errors}
	for _, n := range names {
		c, ok := s.collectors[n]
		if !ok {
			return nil, fmt.Errorf("collector %q is unknown or disabled (enabled: %s)", n, strings.Join(s.names, ", "))
		}
		if _, dup := f.collectors[n]; !dup {
			f.collectors[n] = c
			f.names = append(f.names, n)
		}
	}
	slices.Sort(f.names)
	return f, nil
}

// Names returns the collectors of the set, sorted.
func (s *Set) Names() []string { return slices.Clone(s.names) }

// Metrics is the set's own metrics (vcf_exporter_scrape_errors_total), for
// the exporter's registry: they carry their own target label and must not be
// scraped once per target.
func (s *Set) Metrics() prometheus.Collector { return s.errors }

// ForgetTarget drops the error counters of a target no longer configured.
func (s *Set) ForgetTarget(name string) {
	s.errors.DeletePartialMatch(prometheus.Labels{"target": name})
}

// Scrape is what the collectors of one scrape of one target see.
type Scrape struct {
	Target   *targets.Target
	Snapshot *targets.Snapshot

	descs map[*prometheus.Desc]*prometheus.Desc // nil: no constant labels
	// render: the metrics go to the render cache's encoder (see renderGauge).
	render bool

	upgradeOnce sync.Once
	upgrades    targets.UpgradeStatus

	healthMu       sync.Mutex
	healthReadings map[targets.HealthKind]targets.HealthReading

	once          sync.Once
	domainName    map[string]string // id -> name
	cluster       map[string]*vcfclient.Cluster
	clusterDomain map[string]string // cluster id -> domain id
	clusterHosts  map[string]int    // cluster id -> hosts pointing at it
}

// gauge builds a gauge sample of desc, with the scrape's constant labels.
func (s *Scrape) gauge(desc *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	if d, ok := s.descs[desc]; ok {
		desc = d
	}
	if s.render {
		// The label pairs of a const metric are most of a render's
		// garbage; the render cache's encoder reads the values as they are.
		return &renderGauge{desc: desc, value: v, labels: slices.Clone(labels)}
	}
	return prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
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

// TargetCollector is the prometheus.Collector for one scrape of one target:
// it fetches (or reuses) the snapshot once and runs every collector of the
// set on it concurrently. Build one per scrape, with the scrape's context.
type TargetCollector struct {
	ctx    context.Context
	target *targets.Target
	set    *Set
	descs  map[*prometheus.Desc]*prometheus.Desc
}

// NewTargetCollector returns the collector for one scrape of t. ctx carries
// the scrape's deadline. constLabels (e.g. target="<name>" on /metrics) are
// added to every series; building them into the descriptors is much cheaper
// than prometheus.WrapRegistererWith for 100k series.
func (s *Set) NewTargetCollector(ctx context.Context, t *targets.Target, constLabels prometheus.Labels) *TargetCollector {
	return &TargetCollector{ctx: ctx, target: t, set: s, descs: s.labelledDescs(constLabels)}
}

// labelledDescs returns (and caches) the set's descriptors with constLabels.
func (s *Set) labelledDescs(constLabels prometheus.Labels) map[*prometheus.Desc]*prometheus.Desc {
	if len(constLabels) == 0 {
		return nil
	}
	key := labelsKey(constLabels)
	if m, ok := s.labelled.Load(key); ok {
		return m.(map[*prometheus.Desc]*prometheus.Desc)
	}
	m := map[*prometheus.Desc]*prometheus.Desc{}
	for _, d := range s.describe() {
		spec, ok := lookupSpec(d)
		if !ok {
			panic(fmt.Sprintf("collector: descriptor not made by newDesc: %s", d))
		}
		m[d] = prometheus.NewDesc(spec.fqName, spec.help, spec.labels, constLabels)
		spec.constLabels = constLabels
		setSpec(m[d], spec) // the render cache looks up name, help and labels
	}
	s.labelled.Store(key, m)
	return m
}

func labelsKey(l prometheus.Labels) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(l[k])
		b.WriteByte(0)
	}
	return b.String()
}

// describe lists every descriptor of the set, the common ones included.
func (s *Set) describe() []*prometheus.Desc {
	ch := make(chan *prometheus.Desc)
	go func() {
		ch <- upDesc
		ch <- scrapeDurationDesc
		ch <- scrapeSuccessDesc
		ch <- refreshDurationDesc
		ch <- refreshTimestampDesc
		ch <- targetScrapeDurationDesc
		for _, name := range s.names {
			s.collectors[name].Describe(ch)
		}
		close(ch)
	}()
	var out []*prometheus.Desc
	seen := map[*prometheus.Desc]bool{} // shared by several collectors, described once
	for d := range ch {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

func (c *TargetCollector) desc(d *prometheus.Desc) *prometheus.Desc {
	if l, ok := c.descs[d]; ok {
		return l
	}
	return d
}

// Describe implements prometheus.Collector.
func (c *TargetCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.set.describe() {
		ch <- c.desc(d)
	}
}

// Collect implements prometheus.Collector.
func (c *TargetCollector) Collect(ch chan<- prometheus.Metric) {
	begin := time.Now()
	defer func() { ch <- c.scrapeDuration(begin) }()
	snap := c.target.Snapshot(c.ctx)
	c.collectSnapshot(snap, ch)
	s := &Scrape{Target: c.target, Snapshot: snap, descs: c.descs}
	var wg sync.WaitGroup
	for _, name := range c.set.names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.execute(name, c.set.collectors[name], s, ch)
		}()
	}
	wg.Wait()
}

// scrapeDuration is vcf_scrape_duration_seconds of a scrape that began at
// begin (never cached: one per scrape).
func (c *TargetCollector) scrapeDuration(begin time.Time) prometheus.Metric {
	return prometheus.MustNewConstMetric(c.desc(targetScrapeDurationDesc), prometheus.GaugeValue, time.Since(begin).Seconds())
}

// collectSnapshot sends the metrics of the snapshot itself: vcf_up and the
// inventory refresh.
func (c *TargetCollector) collectSnapshot(snap *targets.Snapshot, ch chan<- prometheus.Metric) {
	up := 0.0
	if snap.Up() {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(c.desc(upDesc), prometheus.GaugeValue, up)
	if !snap.Time.IsZero() { // a fetch ended (not a scrape that gave up waiting)
		ch <- prometheus.MustNewConstMetric(c.desc(refreshDurationDesc), prometheus.GaugeValue, snap.Duration.Seconds())
	}
	if snap.Up() {
		ch <- prometheus.MustNewConstMetric(c.desc(refreshTimestampDesc), prometheus.GaugeValue, float64(snap.Time.UnixNano())/1e9)
	}
}

func (c *TargetCollector) execute(name string, col Collector, s *Scrape, ch chan<- prometheus.Metric) {
	failures := c.set.errors.WithLabelValues(c.target.Name, name) // 0 from the first scrape on
	begin := time.Now()
	err := col.Update(c.ctx, s, ch)
	duration := time.Since(begin)
	success := 1.0
	if err != nil {
		success = 0
		// The target logs these once per state change, not every scrape.
		switch {
		case errors.Is(err, ErrTargetDown):
		case errors.Is(err, errHealthLogged):
			failures.Inc()
		default:
			failures.Inc()
			c.set.logger.Error("collector failed", "target", c.target.Name, "collector", name, "duration_seconds", duration.Seconds(), "err", err)
		}
	}
	if l := vcfclient.RequestLog(c.ctx); l != nil { // /probe?debug=true
		l.Info("collector done", "collector", name, "success", err == nil, "duration_seconds", duration.Seconds(), "err", err)
	}
	ch <- prometheus.MustNewConstMetric(c.desc(scrapeDurationDesc), prometheus.GaugeValue, duration.Seconds(), name)
	ch <- prometheus.MustNewConstMetric(c.desc(scrapeSuccessDesc), prometheus.GaugeValue, success, name)
}

// metricDef is one table-driven metric: a descriptor and how to read its
// value from an object of type T.
type metricDef[T any] struct {
	desc  *prometheus.Desc
	value func(*T) float64
}

// emitDefs sends obj's value of each def, leaving out NaN: a number
// vcfclient dropped as unusable (counted in vcf_api_values_dropped_total).
func emitDefs[T any](s *Scrape, ch chan<- prometheus.Metric, defs []metricDef[T], obj *T, labels ...string) {
	for _, m := range defs {
		if v := m.value(obj); !math.IsNaN(v) {
			ch <- s.gauge(m.desc, v, labels...)
		}
	}
}

func (d metricDef[T]) descriptor() *prometheus.Desc { return d.desc }

// describeDefs sends the descriptors of a metric table.
func describeDefs[D interface{ descriptor() *prometheus.Desc }](ch chan<- *prometheus.Desc, defs []D) {
	for _, d := range defs {
		ch <- d.descriptor()
	}
}

// resourceStates are the states of a domain, a cluster and a host's
// configuration: the OpenAPI files of VCF 5.2.1 and 9.0.2 list the same ten
// ("One among: ...") for Domain.status, Cluster.status and
// Host.configurationStatus.
var resourceStates = []string{"ACTIVE", "ACTIVATING", "UPGRADING", "DISABLED", "ERROR",
	"SKIPPED", "DEACTIVATING", "EXPANDING", "SHRINKING", "CREATING"}

// stateSetDef is one table-driven state set: a descriptor whose last label
// is "state", the states the API documents, and how to read the current one.
type stateSetDef[T any] struct {
	desc  *prometheus.Desc
	known []string
	value func(*T) string
}

func (d stateSetDef[T]) descriptor() *prometheus.Desc { return d.desc }

// stateSets sends, for each state set of obj, one series per known state (1
// for the current one, 0 for the others), so that alerts need no regex over
// _info labels. A current state the API does not document gets its own
// series with 1, so nothing is lost; an empty one sets no state.
func stateSets[T any](s *Scrape, ch chan<- prometheus.Metric, defs []stateSetDef[T], obj *T, labels ...string) {
	// One label slice for every series: the metric copies the values.
	lv := make([]string, len(labels)+1)
	copy(lv, labels)
	last := len(lv) - 1
	for _, d := range defs {
		current := d.value(obj)
		for _, st := range d.known {
			lv[last] = st
			ch <- s.gauge(d.desc, boolValue(st == current), lv...)
		}
		if current != "" && !slices.Contains(d.known, current) {
			lv[last] = current
			ch <- s.gauge(d.desc, 1, lv...)
		}
	}
}

// descSpec is what newDesc was given, to rebuild a descriptor with
// constant labels.
type descSpec struct {
	fqName, help string
	labels       []string
	constLabels  prometheus.Labels // of a descriptor made by labelledDescs
}

var (
	specsMu sync.RWMutex
	specs   = map[*prometheus.Desc]descSpec{}
)

func lookupSpec(d *prometheus.Desc) (descSpec, bool) {
	specsMu.RLock()
	defer specsMu.RUnlock()
	s, ok := specs[d]
	return s, ok
}

// newDesc makes every descriptor of this package (so that constant labels
// can be added to it later).
func newDesc(subsystem, name, help string, labels ...string) *prometheus.Desc {
	fq := prometheus.BuildFQName(Namespace, subsystem, name)
	d := prometheus.NewDesc(fq, help, labels, nil)
	setSpec(d, descSpec{fqName: fq, help: help, labels: labels})
	return d
}

func setSpec(d *prometheus.Desc, s descSpec) {
	specsMu.Lock()
	specs[d] = s
	specsMu.Unlock()
}
