// Package collector turns a target's inventory snapshot and upgrade check
// into metric families (model.go): rendered as exposition text, kept per
// snapshot (cache.go), or converted to client_golang's families (Gather).
// It knows no HTTP: package exposition serves what it produces. Like
// node_exporter, it is a registry of small collectors, one file per area,
// each enabled or disabled with --[no-]collector.<name> and each reporting
// its own success and duration.
package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
)

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
	// Describe lists every family Update may write.
	Describe() []*Desc
	// Update writes the samples of one scrape of one target to out.
	Update(ctx context.Context, s *Scrape, out Out) error
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

// Logger is the set's logger.
func (s *Set) Logger() *slog.Logger { return s.logger }

// Describe lists every family of the set, the common ones included.
func (s *Set) Describe() []*Desc {
	out := []*Desc{upDesc, scrapeDurationDesc, scrapeSuccessDesc, refreshDurationDesc, refreshTimestampDesc, targetScrapeDurationDesc}
	seen := map[*Desc]bool{} // shared by several collectors, listed once
	for _, name := range s.names {
		for _, d := range s.collectors[name].Describe() {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return out
}

// Metrics is the set's own metrics (vcf_exporter_scrape_errors_total), for
// the exporter's registry: they carry their own target label and must not be
// scraped once per target.
func (s *Set) Metrics() prometheus.Collector { return s.errors }

// ForgetTarget drops the error counters of a target no longer configured.
func (s *Set) ForgetTarget(name string) {
	s.errors.DeletePartialMatch(prometheus.Labels{"target": name})
}

// Scrape is what the collectors of one scrape of one target see.
