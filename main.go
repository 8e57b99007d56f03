// Command vcf_exporter is a Prometheus exporter for VMware Cloud Foundation
// SDDC Manager: domain versions and available updates, capacity, clusters
// and hosts, for one or several SDDC Managers.
package main

import (
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/alecthomas/units"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/vcf-exporter/vcf_exporter/actions"
	"github.com/vcf-exporter/vcf_exporter/actions/httpapi"
	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/influxsink"
	"github.com/vcf-exporter/vcf_exporter/mqttsink"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

const (
	exporterName = "vcf_exporter"
	// defaultAddress: the 9100-9999 range of the Prometheus default port
	// allocations is exhausted; new exporters use 10000 and above.
	defaultAddress = ":10095"
	// passwordEnv holds the password of the --vcf.url target.
	passwordEnv = "VCF_PASSWORD"
)

type flags struct {
	metricsPath   string
	configFile    string
	configCheck   bool
	url           string
	targetName    string
	username      string
	passwordFile  string
	caFile        string
	insecure      bool
	minRefresh    time.Duration
	upgradeCheck  time.Duration
	healthFlags   []healthFlag
	scrapeTimeout time.Duration
	maxResponse   units.Base2Bytes
	maxRequests   int
	maxConns      int
	timeoutOffset time.Duration
	simulator     bool
	simSeed       int64
	simTimeScale  float64
	simVersion    string
	simPageBase   int
	// disableExporterMetrics leaves out go_*, process_* and promhttp_*
	// (node_exporter's --web.disable-exporter-metrics).
	disableExporterMetrics bool
	web                    *web.FlagConfig
	log                    *promslog.Config
	actions                *httpapi.Flags
	influx                 *influxsink.Flags
	mqtt                   *mqttsink.Flags
}

// healthFlag is a --vcf.health-interval.<kind> flag.
type healthFlag struct {
	kind targets.HealthKind
	d    *time.Duration
}

func (f *flags) healthIntervalMap() map[targets.HealthKind]time.Duration {
	m := map[targets.HealthKind]time.Duration{}
	for _, h := range f.healthFlags {
		m[h.kind] = *h.d
	}
	return m
}

func registerFlags(a *kingpin.Application) *flags {
	f := &flags{log: &promslog.Config{}}
	a.Flag("web.telemetry-path", "Path under which to expose metrics of all targets.").Default("/metrics").StringVar(&f.metricsPath)
	a.Flag("config.file", "Configuration file with one or more SDDC Managers (targets) and the actions settings.").StringVar(&f.configFile)
	a.Flag("config.check", "Check everything the exporter checks at start (flags, --config.file, the password, TLS and token files they name, that a target is configured), then exit.").BoolVar(&f.configCheck)
	a.Flag("vcf.url", "Base URL of one SDDC Manager, e.g. https://sddc-manager.example.com (password from $"+passwordEnv+" or --vcf.password-file).").StringVar(&f.url)
	a.Flag("vcf.target-name", "Target name of the --vcf.url SDDC Manager (default: the URL's host name).").StringVar(&f.targetName)
	a.Flag("vcf.username", "User name for --vcf.url (a read-only user is enough for metrics).").StringVar(&f.username)
	a.Flag("vcf.password-file", "File holding the password for --vcf.url (else $"+passwordEnv+").").StringVar(&f.passwordFile)
	a.Flag("vcf.tls.ca-file", "CA certificate file to verify the --vcf.url SDDC Manager.").StringVar(&f.caFile)
	a.Flag("vcf.tls.insecure-skip-verify", "Do not verify the --vcf.url SDDC Manager's certificate (unsafe).").BoolVar(&f.insecure)
	config.DurationFlag(a, "vcf.min-refresh-interval", "An inventory younger than this is reused instead of asking SDDC Manager again.", "10s", &f.minRefresh)
	config.DurationFlag(a, "vcf.upgrade-check-interval", "How long the upgrade check (current version, future releases) is cached; it is refreshed in the background.", "15m", &f.upgradeCheck)
	for _, kind := range slices.Sorted(maps.Keys(targets.DefaultHealthIntervals)) {
		d := new(time.Duration)
		f.healthFlags = append(f.healthFlags, healthFlag{kind, d})
		config.DurationFlag(a, "vcf.health-interval."+string(kind), "How long the "+string(kind)+" collector's data is cached; it is read again in the background.",
			model.Duration(targets.DefaultHealthIntervals[kind]).String(), d)
	}
	config.DurationFlag(a, "vcf.scrape-timeout", "Scrape timeout when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds header.", "30s", &f.scrapeTimeout)
	config.DurationFlag(a, "web.timeout-offset", "Subtracted from Prometheus' scrape timeout so that the exporter answers in time.", "500ms", &f.timeoutOffset)
	a.Flag("web.disable-exporter-metrics", "Exclude metrics about the exporter process itself (promhttp_*, process_*, go_*).").BoolVar(&f.disableExporterMetrics)
	a.Flag("vcf.max-response-size", "Largest SDDC Manager response body accepted (per target: max_response_size); bigger or never-ending bodies fail the call.").Default("256MiB").BytesVar(&f.maxResponse)
	a.Flag("web.max-requests", "Scrapes (/metrics and /probe) served at once; more wait for a slot until their timeout, then get 503. 0 means no limit.").Default("8").IntVar(&f.maxRequests)
	a.Flag("web.max-connections", "Open HTTP connections accepted at once; more are closed at once. 0 means no limit.").Default("512").IntVar(&f.maxConns)
	a.Flag("simulator", "Start an in-process SDDC Manager simulator (vcfsim) on loopback and watch it as target \""+simulatorTarget+"\": the one-command demo.").BoolVar(&f.simulator)
	a.Flag("simulator.seed", "Seed of the simulator's inventory.").Default("1").Int64Var(&f.simSeed)
	a.Flag("simulator.vcf-version", "SDDC Manager API version the simulator plays: "+strings.Join(vcfsim.Versions(), " or ")+".").
		Default(vcfsim.VCF521).EnumVar(&f.simVersion, vcfsim.Versions()...)
	a.Flag("simulator.time-scale", "Simulated time speed of the simulator (1 = real time).").Default("1").Float64Var(&f.simTimeScale)
	a.Flag("simulator.page-base", "Number of the simulator's first page of a list, 0 or 1 (the exporter learns it either way).").Default("0").IntVar(&f.simPageBase)
	f.actions = httpapi.RegisterFlags(a)
	f.influx = influxsink.RegisterFlags(a)
	f.mqtt = mqttsink.RegisterFlags(a)
	f.web = kingpinflag.AddFlags(a, defaultAddress)
	promslogflag.AddFlags(a, f.log)
	return f
}

func main() {
	f := registerFlags(kingpin.CommandLine)
	versionFromBuildInfo()
	kingpin.Version(version.Print(exporterName))
	kingpin.CommandLine.UsageWriter(os.Stdout)
	kingpin.HelpFlag.Short('h')
	disableDefaults := kingpin.Flag("collector.disable-defaults", "Disable every collector not enabled explicitly with --collector.<name>.").Bool()
	kingpin.Parse()
	if *disableDefaults {
		collector.DisableDefaultCollectors()
	}
	logger := promslog.New(f.log)
	defaultGCPercent(logger)
	if err := run(f, logger); err != nil {
		logger.Error(err.Error())
		os.Exit(1)
	}
}

// gcPercent is the Go runtime's GOGC unless $GOGC sets one. The live heap
// is mostly the decoded inventory (the rendered text is kept compressed),
// and a refresh makes several times as much garbage: at Go's default of
// 100 the heap grows to twice the live peak between collections. At 50,
// 10,000 hosts peak at the size of their JSON, at no measurable cost in
// scrape time (docs/scaling-and-performance.md).
const gcPercent = 50

func defaultGCPercent(logger *slog.Logger) {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	debug.SetGCPercent(gcPercent)
	logger.Debug("Go GC percent set (override with $GOGC)", "percent", gcPercent)
}

func run(f *flags, logger *slog.Logger) error {
	if f.configCheck {
		return checkConfig(f, logger, os.Stdout)
	}
	logger.Info("Starting "+exporterName, "version", version.Info(), "build_context", version.BuildContext())
	// Catch SIGHUP from the start (its default action ends the process);
	// serve() applies it once everything is up.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	static, _, err := validate(f, logger)
	if err != nil {
		return err
	}
	if f.simulator {
		srv, t, err := startSimulator(f)
		if err != nil {
			return fmt.Errorf("starting simulator: %w", err)
		}
		defer srv.Close()
		logger.Info("simulator started", "url", srv.URL, "target", simulatorTarget)
		static = append(static, t)
	}

	set, err := collector.NewSet(collector.Options{Logger: logger}, collector.EnabledByFlags()...)
	if err != nil {
		return err
	}
	logger.Info("enabled collectors", "collectors", strings.Join(set.Names(), ","))

	registry := targets.NewRegistry(targets.Options{
		MinRefreshInterval:   f.minRefresh,
		UpgradeCheckInterval: f.upgradeCheck,
		HealthIntervals:      f.healthIntervalMap(),
		MaxResponseBytes:     int64(f.maxResponse),
		Logger:               logger,
	})
	defer registry.Close()
	self := prometheus.NewRegistry()
	// Only the step timeouts (checked against the workflow's state table)
	// and the registry refuse a configuration; the actions engine, its
	// tokens and the sinks subscribe after them (in their Setup, which
	// needs the first configuration) and so see only configurations that
	// came into force.
	sc := config.NewFileConfig(f.configFile, static, self)
	sc.Subscribe(func(c *config.Config) error { return actions.CheckTimeouts(c.Actions.Timeouts) })
	sc.Subscribe(config.SecretWarnings(logger, f.actions.TokenFile, f.influx.TokenFile))
	sc.Subscribe(followTargets(registry, set.ForgetTarget))
	if err := sc.Reload(); err != nil {
		return err
	}
	logger.Info("watching SDDC Managers", "targets", strings.Join(registry.Names(), ","))
	registerSelfMetrics(self, registry, f.disableExporterMetrics)
	self.MustRegister(set.Metrics())

	mux := newMux(f, logger, registry, set, self, sc)
	// The authenticated upgrade API; 404 when no token is configured.
	actionsHandler, stopActions, err := httpapi.Setup(f.actions, sc, registry, self, logger)
	if err != nil {
		return err
	}
	defer stopActions()
	stopActionsListener, err := f.actions.Mount(mux, actionsHandler, logger)
	if err != nil {
		return err
	}
	defer stopActionsListener()
	// InfluxDB sinks; stopping them (SIGTERM) flushes their buffers.
	stopInflux, err := influxsink.Setup(f.influx, sc, registry, set, self, logger)
	if err != nil {
		return err
	}
	defer stopInflux()
	// Home Assistant MQTT discovery, its commands through the actions engine.
	var acts mqttsink.Actions
	if e := actionsHandler.Engine(); e != nil {
		acts = e
	}
	stopMQTT, err := mqttsink.Setup(f.mqtt, sc, &mqttsink.Source{Registry: registry, Set: set, Extra: self}, acts, self, logger)
	if err != nil {
		return err
	}
	defer stopMQTT()
	srv := newHTTPServer(mux, defaultServerLimits(f.maxConns), logger)
	return serve(srv, f.web, logger, sc, hup)
}

// versionFromBuildInfo fills in the version information that `make build`
// sets with -ldflags when the binary was built without (go run, go build,
// go install): the module version and the VCS stamp Go records.
func versionFromBuildInfo() {
	bi, ok := debug.ReadBuildInfo()
	if !ok || version.Version != "" {
		return
	}
	version.Version = bi.Main.Version // "(devel)" in a checkout, vX.Y.Z from go install ...@vX.Y.Z
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && version.Revision == "":
			version.Revision = s.Value
		case s.Key == "vcs.time" && version.BuildDate == "":
			version.BuildDate = s.Value
		}
	}
}

func registerSelfMetrics(reg *prometheus.Registry, registry *targets.Registry, disableExporterMetrics bool) {
	reg.MustRegister(
		versioncollector.NewCollector(exporterName),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "vcf_exporter_targets",
			Help: "Number of SDDC Managers configured.",
		}, func() float64 { return float64(registry.Len()) }),
	)
	if !disableExporterMetrics {
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
}
