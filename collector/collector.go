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
	"slices"
	"sort"
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
	upDesc = prometheus.NewDesc(
		prometheus.BuildFQName(Namespace, "", "up"),
		"1 when the last inventory refresh of this SDDC Manager succeeded, 0 otherwise.",
		nil, nil)
	scrapeDurationDesc = prometheus.NewDesc(
		prometheus.BuildFQName(Namespace, "scrape", "collector_duration_seconds"),
		"vcf_exporter: duration of a collector scrape.",
		[]string{"collector"}, nil)
	scrapeSuccessDesc = prometheus.NewDesc(
		prometheus.BuildFQName(Namespace, "scrape", "collector_success"),
		"vcf_exporter: whether a collector succeeded.",
		[]string{"collector"}, nil)
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
	// UpgradeCheckInterval is only used to document the cache in HELP texts.
	UpgradeCheckInterval time.Duration
}

type factory func(Options) (Collector, error)

var (
	factories      = map[string]factory{}
	defaultEnabled = map[string]bool{}
	collectorState = map[string]*bool{}
)

// registerCollector is called from each collector file's init. It defines
// the --[no-]collector.<name> flag on kingpin.CommandLine.
func registerCollector(name string, enabled bool, f factory) {
	state := "disabled"
	if enabled {
		state = "enabled"
	}
	flag := kingpin.Flag("collector."+name, fmt.Sprintf("Enable the %s collector (default: %s).", name, state)).
		Default(fmt.Sprint(enabled)).Bool()
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
}

// NewSet builds the named collectors.
func NewSet(opts Options, names ...string) (*Set, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Set{collectors: map[string]Collector{}, logger: opts.Logger}
	for _, n := range names {
		f, ok := factories[n]
		if !ok {
			return nil, fmt.Errorf("unknown collector %q (available: %v)", n, Available())
		}
		if _, dup := s.collectors[n]; dup {
			continue
		}
		c, err := f(Options{Logger: opts.Logger.With("collector", n), UpgradeCheckInterval: opts.UpgradeCheckInterval})
		if err != nil {
			return nil, fmt.Errorf("collector %q: %w", n, err)
		}
		s.collectors[n] = c
		s.names = append(s.names, n)
	}
	slices.Sort(s.names)
	return s, nil
}

// Names returns the collectors of the set, sorted.
func (s *Set) Names() []string { return slices.Clone(s.names) }

// Scrape is what the collectors of one scrape of one target see.
type Scrape struct {
	Target   *targets.Target
	Snapshot *targets.Snapshot

	once       sync.Once
	domainName map[string]string // id -> name
	cluster    map[string]*vcfclient.Cluster
}

func (s *Scrape) index() {
	s.once.Do(func() {
		s.domainName = map[string]string{}
		s.cluster = map[string]*vcfclient.Cluster{}
		if !s.Snapshot.Up() {
			return
		}
		inv := s.Snapshot.Inventory
		for _, d := range inv.Domains {
			s.domainName[d.ID] = d.Name
		}
		for i := range inv.Clusters {
			s.cluster[inv.Clusters[i].ID] = &inv.Clusters[i]
		}
	})
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
}

// NewTargetCollector returns the collector for one scrape of t. ctx carries
// the scrape's deadline.
func (s *Set) NewTargetCollector(ctx context.Context, t *targets.Target) *TargetCollector {
	return &TargetCollector{ctx: ctx, target: t, set: s}
}

// Describe implements prometheus.Collector.
func (c *TargetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- upDesc
	ch <- scrapeDurationDesc
	ch <- scrapeSuccessDesc
	for _, name := range c.set.names {
		c.set.collectors[name].Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (c *TargetCollector) Collect(ch chan<- prometheus.Metric) {
	snap := c.target.Snapshot(c.ctx)
	up := 0.0
	if snap.Up() {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, up)

	s := &Scrape{Target: c.target, Snapshot: snap}
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

func (c *TargetCollector) execute(name string, col Collector, s *Scrape, ch chan<- prometheus.Metric) {
	begin := time.Now()
	err := col.Update(c.ctx, s, ch)
	duration := time.Since(begin)
	success := 1.0
	if err != nil {
		success = 0
		if !errors.Is(err, ErrTargetDown) { // that one is logged once per state change by the target
			c.set.logger.Error("collector failed", "target", c.target.Name, "collector", name, "duration_seconds", duration.Seconds(), "err", err)
		}
	}
	ch <- prometheus.MustNewConstMetric(scrapeDurationDesc, prometheus.GaugeValue, duration.Seconds(), name)
	ch <- prometheus.MustNewConstMetric(scrapeSuccessDesc, prometheus.GaugeValue, success, name)
}

// metricDef is one table-driven metric: a descriptor and how to read its
// value from an object of type T.
type metricDef[T any] struct {
	desc  *prometheus.Desc
	value func(*T) float64
}

func describeDefs[T any](ch chan<- *prometheus.Desc, defs []metricDef[T]) {
	for _, d := range defs {
		ch <- d.desc
	}
}

func newDesc(subsystem, name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(Namespace, subsystem, name), help, labels, nil)
}

func gauge(desc *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
}
