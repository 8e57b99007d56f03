package main

import (
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	yaml "go.yaml.in/yaml/v2"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/exposition"
	"github.com/vcf-exporter/vcf_exporter/targets"
)

// newMux wires the exporter's HTTP endpoints; run() adds /actions/.
func newMux(f *flags, logger *slog.Logger, registry *targets.Registry, set *collector.Set, self *prometheus.Registry, sc *config.SafeConfig) *http.ServeMux {
	opts := exposition.HandlerOpts{
		Registry:       registry,
		Set:            set,
		Self:           self,
		Logger:         logger,
		DefaultTimeout: f.scrapeTimeout,
		TimeoutOffset:  f.timeoutOffset,
	}
	limit := exposition.NewScrapeLimiter(f.maxRequests, f.scrapeTimeout, f.timeoutOffset).Wrap
	mux := http.NewServeMux()
	metrics := exposition.MetricsHandler(opts)
	if !f.disableExporterMetrics {
		metrics = promhttp.InstrumentMetricHandler(self, metrics)
	}
	mux.Handle(f.metricsPath, limit(metrics))
	mux.Handle("/probe", limit(exposition.ProbeHandler(opts)))
	mux.HandleFunc("/config", func(w http.ResponseWriter, _ *http.Request) {
		// Secrets (promcfg.Secret) marshal as <secret>.
		b, err := yaml.Marshal(running(sc.Get()))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(b)
	})
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "Healthy") })
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "Ready") })
	mux.HandleFunc("/-/reload", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "use POST to reload the configuration", http.StatusMethodNotAllowed)
			return
		}
		if err := sc.Reload(); err != nil {
			logger.Error("reload failed; keeping the previous configuration", "err", err)
			http.Error(w, "reload failed: "+err.Error(), http.StatusInternalServerError)
			return
		}
		logger.Info("configuration reloaded", "targets", strings.Join(registry.Names(), ","))
		fmt.Fprintln(w, "OK")
	})

	if f.metricsPath != "/" {
		mux.Handle("/", landingPage(f.metricsPath, registry))
	}
	return mux
}

// landingPage links every page the exporter serves; each link answers 200
// (a test follows them). Descriptions are escaped here: the toolkit renders
// them with text/template.
func landingPage(metricsPath string, registry *targets.Registry) http.Handler {
	probeTarget := simulatorTarget
	if names := registry.Names(); len(names) > 0 {
		probeTarget = names[0]
	}
	probe := "/probe?target=" + url.QueryEscape(probeTarget)
	landing, err := web.NewLandingPage(web.LandingConfig{
		Name:        "VCF Exporter",
		Description: "Prometheus exporter for VMware Cloud Foundation SDDC Manager",
		Version:     version.Info(),
		Form: web.LandingForm{
			Action: "/probe",
			Inputs: []web.LandingFormInput{{Label: "Target", Type: "text", Name: "target", Placeholder: probeTarget, Value: probeTarget}},
		},
		Links: []web.LandingLinks{
			{Address: metricsPath, Text: "Metrics", Description: "All targets, labelled by target, and the exporter's own metrics"},
			{Address: metricsPath + "?collect%5B%5D=" + exposition.ExporterMetrics, Text: "Exporter metrics",
				Description: html.EscapeString("Only the exporter's own metrics, for /probe users (collect[]=exporter)")},
			{Address: probe, Text: "Probe", Description: html.EscapeString("One target: /probe?target=<name>")},
			{Address: probe + "&debug=true", Text: "Probe debug", Description: "The probe's log, metrics and target configuration"},
			{Address: "/config", Text: "Configuration", Description: "Running configuration, secrets shown as " + html.EscapeString("<secret>")},
			{Address: "/-/healthy", Text: "Health"},
			{Address: "/-/ready", Text: "Ready"},
		},
		Profiling: "false", // no /debug/pprof handlers are served
	})
	if err != nil {
		panic(err) // the template is the toolkit's; only a programming error gets here
	}
	return landing
}

// running is what /config shows of the configuration in force: the
// targets of the flags and of the file, and the file's actions section.
func running(c *config.Config) *config.Config {
	return &config.Config{Targets: c.Targets, Actions: c.Actions}
}
