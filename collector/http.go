package collector

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vcf-exporter/vcf_exporter/targets"
)

// HandlerOpts configure MetricsHandler and ProbeHandler.
type HandlerOpts struct {
	Registry *targets.Registry
	Set      *Set
	// Self gathers the exporter's own metrics (build info, process, ...);
	// served by /metrics only.
	Self   prometheus.Gatherer
	Logger *slog.Logger
	// DefaultTimeout applies when Prometheus sends no
	// X-Prometheus-Scrape-Timeout-Seconds header (default 30s).
	DefaultTimeout time.Duration
	// TimeoutOffset is subtracted from Prometheus' timeout so that we answer
	// before it gives up (default 500ms).
	TimeoutOffset time.Duration
}

func (o *HandlerOpts) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.DefaultTimeout <= 0 {
		o.DefaultTimeout = 30 * time.Second
	}
	if o.TimeoutOffset < 0 {
		o.TimeoutOffset = 0
	} else if o.TimeoutOffset == 0 {
		o.TimeoutOffset = 500 * time.Millisecond
	}
	if o.Self == nil {
		o.Self = prometheus.NewRegistry()
	}
}

// Bounds of the scrape timeout taken from Prometheus' header. Below
// minScrapeTimeout not even a cached inventory can be rendered; above
// maxScrapeTimeout a header is a mistake (and would overflow a Duration).
const (
	minScrapeTimeout = 100 * time.Millisecond
	maxScrapeTimeout = 10 * time.Minute
)

// ScrapeTimeout is the time a scrape may take: Prometheus'
// X-Prometheus-Scrape-Timeout-Seconds minus offset (never less than half of
// it), or def without a usable header, clamped to [100ms, 10m].
func ScrapeTimeout(r *http.Request, def, offset time.Duration) time.Duration {
	v := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds")
	if v == "" {
		return def
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || !(secs > 0) || math.IsInf(secs, 0) {
		return def
	}
	header := time.Duration(min(secs, maxScrapeTimeout.Seconds()) * float64(time.Second))
	// A huge offset must not leave nothing: keep at least half.
	timeout := max(header-offset, header/2)
	return min(max(timeout, minScrapeTimeout), maxScrapeTimeout)
}

func (o *HandlerOpts) serve(w http.ResponseWriter, r *http.Request, g prometheus.Gatherer) {
	promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(o.Logger.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
	}).ServeHTTP(w, r)
}

// setFor applies the collect[] URL parameters (node_exporter's filter):
// /metrics?collect[]=domain&collect[]=upgrade runs only those collectors.
func (o *HandlerOpts) setFor(w http.ResponseWriter, r *http.Request) (*Set, bool) {
	names := r.URL.Query()["collect[]"]
	if len(names) == 0 {
		return o.Set, true
	}
	set, err := o.Set.Filter(names...)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return set, true
}

// MetricsHandler serves every target, each series labelled target="<name>",
// plus the exporter's own metrics and each API client's metrics.
func MetricsHandler(o HandlerOpts) http.Handler {
	o.defaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set, ok := o.setFor(w, r)
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), ScrapeTimeout(r, o.DefaultTimeout, o.TimeoutOffset))
		defer cancel()
		reg := prometheus.NewRegistry()
		for _, t := range o.Registry.Targets() {
			labels := prometheus.Labels{"target": t.Name}
			var c prometheus.Collector = set.NewTargetCollector(ctx, t, labels)
			if t.Client != nil {
				c = sequence{c, prometheus.WrapCollectorWith(labels, t.Client)}
			}
			if err := reg.Register(c); err != nil {
				o.Logger.Error("registering target collector", "target", t.Name, "err", err)
			}
		}
		o.serve(w, r, prometheus.Gatherers{o.Self, reg})
	})
}

// ProbeHandler serves /probe?target=<name>: one target's metrics, without a
// target label (multi-target exporter pattern). Unknown or missing target:
// 400.
func ProbeHandler(o HandlerOpts) http.Handler {
	o.defaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("target")
		if name == "" {
			http.Error(w, fmt.Sprintf("'target' parameter is missing; known targets: %s", strings.Join(o.Registry.Names(), ", ")), http.StatusBadRequest)
			return
		}
		t, ok := o.Registry.Get(name)
		if !ok {
			http.Error(w, fmt.Sprintf("unknown target %q; known targets: %s", name, strings.Join(o.Registry.Names(), ", ")), http.StatusBadRequest)
			return
		}
		set, ok := o.setFor(w, r)
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), ScrapeTimeout(r, o.DefaultTimeout, o.TimeoutOffset))
		defer cancel()
		reg := prometheus.NewRegistry()
		reg.MustRegister(set.NewTargetCollector(ctx, t, nil))
		o.serve(w, r, reg)
	})
}

// sequence collects its collectors one after the other, so that the API
// client's metrics include the requests of the scrape that precedes them.
type sequence []prometheus.Collector

func (s sequence) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range s {
		c.Describe(ch)
	}
}

func (s sequence) Collect(ch chan<- prometheus.Metric) {
	for _, c := range s {
		c.Collect(ch)
	}
}
