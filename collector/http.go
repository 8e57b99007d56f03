package collector

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// ScrapeTimeout is the time a scrape may take: Prometheus'
// X-Prometheus-Scrape-Timeout-Seconds minus offset, or def without header.
func ScrapeTimeout(r *http.Request, def, offset time.Duration) time.Duration {
	v := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds")
	if v == "" {
		return def
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || secs <= 0 {
		return def
	}
	timeout := time.Duration(secs*float64(time.Second)) - offset
	if timeout < time.Duration(secs*float64(time.Second))/2 {
		// A huge offset must not leave nothing: keep at least half.
		timeout = time.Duration(secs*float64(time.Second)) / 2
	}
	return timeout
}

func (o *HandlerOpts) serve(w http.ResponseWriter, r *http.Request, g prometheus.Gatherer) {
	promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelError),
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true, // negotiated: only when the scraper asks for it
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
	cache := NewCache()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set, ok := o.setFor(w, r)
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), ScrapeTimeout(r, o.DefaultTimeout, o.TimeoutOffset))
		defer cancel()
		ts := o.Registry.Targets()
		if format, tf := negotiate(r); tf != nil {
			cache.retain(func(t *targets.Target) bool { return slices.Contains(ts, t) })
			outs := make([]cachedOutput, len(ts))
			var wg sync.WaitGroup
			for i, t := range ts {
				wg.Go(func() {
					outs[i].parts = set.NewTargetCollector(ctx, t, prometheus.Labels{"target": t.Name}).renderings(cache, tf)
				})
			}
			wg.Wait()
			// The API clients' metrics, after the scrape's requests.
			clients := prometheus.NewRegistry()
			for _, t := range ts {
				if t.Client != nil {
					if err := clients.Register(prometheus.WrapCollectorWith(prometheus.Labels{"target": t.Name}, t.Client)); err != nil {
						o.Logger.Error("registering target client collector", "target", t.Name, "err", err)
					}
				}
			}
			o.serveCached(w, r, format, tf, outs, prometheus.Gatherers{o.Self, clients})
			return
		}
		reg := prometheus.NewRegistry()
		for _, t := range ts {
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
	cache := NewCache()
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
		if format, tf := negotiate(r); tf != nil {
			cache.retain(func(c *targets.Target) bool { cur, ok := o.Registry.Get(c.Name); return ok && cur == c })
			o.serveCached(w, r, format, tf, []cachedOutput{{parts: set.NewTargetCollector(ctx, t, nil).renderings(cache, tf)}}, nil)
			return
		}
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
