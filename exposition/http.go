// Package exposition serves what package collector produces: /metrics
// (every target, labelled target="<name>", with the exporter's own metrics)
// and /probe (one target), negotiating the format (text, OpenMetrics from
// the render cache; protobuf converted from the same families), gzip, and
// the scrape limiter.
package exposition

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	yaml "go.yaml.in/yaml/v2"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/internal/syncbuf"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// HandlerOpts configure MetricsHandler and ProbeHandler.
type HandlerOpts struct {
	Registry *targets.Registry
	Set      *collector.Set
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
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelError),
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true, // negotiated: only when the scraper asks for it
	}).ServeHTTP(w, r)
}

// ExporterMetrics is the collect[] value that selects the exporter's own
// metrics on /metrics: /metrics?collect[]=exporter serves only those (and
// the API client's), without scraping any SDDC Manager, for users who
// scrape the SDDC Managers through /probe.
const ExporterMetrics = "exporter"

// setFor applies the collect[] URL parameters (node_exporter's filter):
// /metrics?collect[]=domain&collect[]=upgrade runs only those collectors.
// exporter reports whether collect[]=exporter was given (see ExporterMetrics).
func (o *HandlerOpts) setFor(w http.ResponseWriter, r *http.Request, allowExporter bool) (set *collector.Set, exporter, ok bool) {
	names := r.URL.Query()["collect[]"]
	if len(names) == 0 {
		return o.Set, false, true
	}
	if allowExporter && slices.Contains(names, ExporterMetrics) {
		exporter = true
		names = slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == ExporterMetrics })
	}
	set, err := o.Set.Filter(names...)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false, false
	}
	return set, exporter, true
}

// MetricsHandler serves every target, each series labelled target="<name>",
// plus the exporter's own metrics and each API client's metrics.
func MetricsHandler(o HandlerOpts) http.Handler {
	o.defaults()
	cache := collector.NewCache()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set, exporter, ok := o.setFor(w, r, true)
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), ScrapeTimeout(r, o.DefaultTimeout, o.TimeoutOffset))
		defer cancel()
		ts := o.Registry.Targets()
		// collect[]=exporter alone: no SDDC Manager is scraped.
		scrape := !exporter || len(set.Names()) > 0
		format, tf := negotiate(r)
		if tf != nil {
			cache.Retain(func(t *targets.Target) bool { return slices.Contains(ts, t) })
		}
		outs := make([][]collector.Rendering, len(ts))
		fams := make([]prometheus.Gatherer, len(ts))
		var wg sync.WaitGroup
		for i, t := range ts {
			if !scrape {
				break
			}
			labels := map[string]string{"target": t.Name}
			wg.Go(func() {
				if tf != nil {
					outs[i] = cache.Render(ctx, set, t, tf, labels)
				} else {
					fams[i] = gathered1(set.Gather(ctx, t, labels))
				}
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
		if tf != nil {
			o.serveCached(w, r, format, tf, outs, prometheus.Gatherers{o.Self, clients})
			return
		}
		var gathered prometheus.Gatherers
		for _, g := range fams {
			if g != nil {
				gathered = append(gathered, g)
			}
		}
		// The targets first: their scrape creates the per-target self-metrics series.
		o.serve(w, r, append(gathered, clients, o.Self))
	})
}

// gathered1 is a Gatherer of families already gathered.
func gathered1(mfs []*dto.MetricFamily, err error) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return mfs, err })
}

// ProbeHandler serves /probe?target=<name>: one target's metrics, without a
// target label (multi-target exporter pattern). Unknown or missing target:
// 400.
func ProbeHandler(o HandlerOpts) http.Handler {
	o.defaults()
	cache := collector.NewCache()
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
		set, _, ok := o.setFor(w, r, false)
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), ScrapeTimeout(r, o.DefaultTimeout, o.TimeoutOffset))
		defer cancel()
		if r.URL.Query().Get("debug") == "true" {
			debugProbe(ctx, w, t, set)
			return
		}
		if format, tf := negotiate(r); tf != nil {
			cache.Retain(func(c *targets.Target) bool { cur, ok := o.Registry.Get(c.Name); return ok && cur == c })
			o.serveCached(w, r, format, tf, [][]collector.Rendering{cache.Render(ctx, set, t, tf, nil)}, nil)
			return
		}
		o.serve(w, r, set.Gatherer(ctx, t, nil))
	})
}

// debugProbe answers /probe?target=...&debug=true as the blackbox exporter
// does: the log of this probe (API requests of a fetch it started, each
// collector's outcome, the inventory served), the metrics it would have
// returned, and the target's configuration with secrets as <secret>.
func debugProbe(ctx context.Context, w http.ResponseWriter, t *targets.Target, set *collector.Set) {
	// A fetch this probe started may outlive it (it is shared and detached)
	// and keep logging: the buffer must be safe for that.
	logs := &syncbuf.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	logger.Info("Beginning probe", "target", t.Name, "url", t.URL(), "collectors", strings.Join(set.Names(), ","))
	mfs, gatherErr := set.Gather(vcfclient.WithRequestLog(ctx, logger), t, nil)
	if s := t.LastSnapshot(); s == nil {
		logger.Error("no inventory fetch has finished", "err", ctx.Err())
	} else if s.Up() {
		logger.Info("inventory served", "fetched_at", s.Time.UTC().Format(time.RFC3339Nano), "fetch_duration_seconds", s.Duration.Seconds(),
			"domains", len(s.Inventory.Domains), "clusters", len(s.Inventory.Clusters), "hosts", len(s.Inventory.Hosts),
			"sddc_managers", len(s.Inventory.SddcManagers), "note", "an inventory younger than --vcf.min-refresh-interval is reused without API requests")
	} else {
		logger.Error("inventory fetch failed", "fetched_at", s.Time.UTC().Format(time.RFC3339Nano), "err", s.Err)
	}
	if gatherErr != nil {
		logger.Error("gathering metrics", "err", gatherErr)
	}

	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = fmt.Fprintf(w, "Logs for the probe:\n%s\n\nMetrics that would have been returned:\n", logs.String())
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return
		}
	}
	cfg := t.Config()
	b, err := yaml.Marshal(&cfg) // promcfg.Secret marshals as <secret>
	if err != nil {
		b = []byte(err.Error())
	}
	_, _ = fmt.Fprintf(w, "\n\nTarget configuration:\n%s", b)
}
