// Command vcf_exporter is a Prometheus exporter for VMware Cloud Foundation
// SDDC Manager: domain versions and available updates, capacity, clusters
// and hosts, for one or several SDDC Managers.
package main

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/alecthomas/units"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	promcfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"
	yaml "go.yaml.in/yaml/v2"

	"github.com/vcf-exporter/vcf_exporter/actions"
	"github.com/vcf-exporter/vcf_exporter/actions/httpapi"
	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/exposition"
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
	// simulatorTarget is the target name of --simulator.
	simulatorTarget = "simulator"
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
	defaultMemoryLimit(logger)
	if err := run(f, logger); err != nil {
		logger.Error(err.Error())
		os.Exit(1)
	}
}

// memoryLimit is the Go runtime's soft memory limit unless $GOMEMLIMIT sets
// one. Rendering 10,000 hosts (~220,000 series) makes ~80 MB of garbage
// (the collectors' const metrics) on top of the rendering; without a limit
// the heap grows to twice the live peak before the GC runs (README,
// Performance). Past the limit the GC works harder (at most half of the
// CPU); nothing fails.
const memoryLimit = 128 << 20

func defaultMemoryLimit(logger *slog.Logger) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return
	}
	debug.SetMemoryLimit(memoryLimit)
	logger.Debug("Go memory limit set (override with $GOMEMLIMIT)", "bytes", memoryLimit)
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
	rl := newReloader(f.configFile, static, config.NewSafeConfig(), registry, logger, self)
	rl.forget = set.ForgetTarget
	rl.secretFiles = []string{f.passwordFile, f.actions.TokenFile, f.influx.TokenFile}
	if err := rl.reload(); err != nil {
		return err
	}
	logger.Info("watching SDDC Managers", "targets", strings.Join(registry.Names(), ","))
	registerSelfMetrics(self, registry, f.disableExporterMetrics)
	self.MustRegister(set.Metrics())

	mux := newMux(f, logger, registry, set, self, rl)
	// The authenticated upgrade API (issue 5); 404 when no token is configured.
	actionsHandler, stopActions, err := httpapi.Setup(f.actions, rl.Config, registry, self, logger)
	if err != nil {
		return err
	}
	defer stopActions()
	stopActionsListener, err := f.actions.Mount(mux, actionsHandler, logger)
	if err != nil {
		return err
	}
	defer stopActionsListener()
	// InfluxDB sinks (issue 10); stopping them (SIGTERM) flushes their buffers.
	stopInflux, err := influxsink.Setup(f.influx, rl.sc, registry, set, self, logger)
	if err != nil {
		return err
	}
	defer stopInflux()
	// Home Assistant MQTT discovery (issue 25), its commands through the actions engine.
	var acts mqttsink.Actions
	if e := actionsHandler.Engine(); e != nil {
		acts = e
	}
	stopMQTT, err := mqttsink.Setup(f.mqtt, rl.sc, &mqttsink.Source{Registry: registry, Set: set, Extra: self}, acts, self, logger)
	if err != nil {
		return err
	}
	defer stopMQTT()
	srv := newHTTPServer(mux, defaultServerLimits(f.maxConns), logger)
	return serve(srv, f.web, logger, rl, hup)
}

var errNoTarget = errors.New("no SDDC Manager configured: use --vcf.url with --vcf.username and $" + passwordEnv +
	" (or --vcf.password-file), or --config.file with a targets: list, or --simulator for a demo")

// validate is everything the exporter checks before it starts, and all
// that --config.check does, so that "OK" means the exporter will start: the
// --vcf.* flags, --config.file, every file they name (passwords, TLS CA,
// certificate and key, /actions tokens) and that an SDDC Manager is
// configured. It returns the targets of the flags and the file.
func validate(f *flags, logger *slog.Logger) ([]config.TargetConfig, *config.Config, error) {
	static, err := flagTargets(f, logger)
	if err != nil {
		return nil, nil, err
	}
	file := &config.Config{}
	if f.configFile != "" {
		if file, err = loadConfigFile(f.configFile); err != nil {
			return nil, nil, err
		}
	}
	var errs []error
	for i := range static {
		errs = append(errs, static[i].CheckFiles())
	}
	if f.actions.TokenFile != "" {
		if _, err := config.ReadActionsTokenFile(f.actions.TokenFile); err != nil {
			errs = append(errs, fmt.Errorf("--actions.token-file: %w", err))
		}
	}
	for _, t := range file.Targets {
		for _, s := range static {
			if s.Name == t.Name {
				errs = append(errs, fmt.Errorf("target %q is defined by the --vcf.* flags and by --config.file", t.Name))
			}
		}
	}
	if len(static)+len(file.Targets) == 0 && !f.simulator {
		errs = append(errs, errNoTarget)
	}
	return static, file, errors.Join(errs...)
}

// loadConfigFile loads and validates the configuration file and reads the
// files it names (start and every reload).
func loadConfigFile(path string) (*config.Config, error) {
	c, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	if err := c.CheckFiles(); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	if err := actions.CheckTimeouts(c.Actions.Timeouts); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return c, nil
}

// checkConfig is --config.check: validate, report and exit.
func checkConfig(f *flags, logger *slog.Logger, out io.Writer) error {
	static, file, err := validate(f, logger)
	if err != nil {
		return err
	}
	// InfluxDB sinks are asked whether they accept their token, org and bucket.
	if err := influxsink.Check(context.Background(), f.influx, file, out); err != nil {
		return err
	}
	if err := mqttsink.Check(f.mqtt, file); err != nil {
		return err
	}
	what := "configuration"
	if f.configFile != "" {
		what = f.configFile
	}
	_, err = fmt.Fprintf(out, "%s: OK, %d target(s)\n", what, len(static)+len(file.Targets))
	return err
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

// flagTargets is the --vcf.url target, if any.
func flagTargets(f *flags, logger *slog.Logger) ([]config.TargetConfig, error) {
	if f.url == "" {
		if f.username != "" || f.passwordFile != "" || f.caFile != "" || f.insecure || f.targetName != "" {
			return nil, errors.New("--vcf.* flags given without --vcf.url")
		}
		return nil, nil
	}
	if err := config.ValidateURL(f.url); err != nil {
		return nil, fmt.Errorf("--vcf.url: %w", err)
	}
	name := f.targetName
	if name == "" {
		u, _ := url.Parse(f.url)
		name = u.Hostname()
	}
	t := config.TargetConfig{
		Name:         name,
		URL:          f.url,
		Username:     f.username,
		Password:     promcfg.Secret(os.Getenv(passwordEnv)),
		PasswordFile: f.passwordFile,
		TLSConfig:    promcfg.TLSConfig{CAFile: f.caFile, InsecureSkipVerify: f.insecure},
	}
	if t.Password != "" && t.PasswordFile != "" {
		return nil, errors.New("both $" + passwordEnv + " and --vcf.password-file are set; use one")
	}
	if t.Password == "" && t.PasswordFile == "" {
		return nil, errors.New("--vcf.url needs a password: set $" + passwordEnv + " or --vcf.password-file")
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("--vcf.* flags: %w", err)
	}
	if f.insecure {
		logger.Warn("TLS certificate verification of the SDDC Manager is disabled (--vcf.tls.insecure-skip-verify)", "target", name)
	}
	return []config.TargetConfig{t}, nil
}

// startSimulator starts vcfsim on loopback (plain HTTP) and returns the
// target pointing at it.
func startSimulator(f *flags) (*vcfsim.Server, config.TargetConfig, error) {
	cfg := vcfsim.DefaultConfig()
	cfg.Seed = f.simSeed
	cfg.TimeScale = f.simTimeScale
	cfg.VCFVersion = f.simVersion
	cfg.PageBase = f.simPageBase
	srv, err := vcfsim.NewServer(cfg)
	if err != nil {
		return nil, config.TargetConfig{}, err
	}
	return srv, config.TargetConfig{
		Name:     simulatorTarget,
		URL:      srv.URL,
		Username: cfg.Username,
		Password: promcfg.Secret(cfg.Password),
	}, nil
}

// reloader rebuilds the targets from the flags and the configuration file;
// a failed reload keeps everything as it was.
type reloader struct {
	mu        sync.Mutex
	path      string
	static    []config.TargetConfig
	sc        *config.SafeConfig
	registry  *targets.Registry
	logger    *slog.Logger
	success   prometheus.Gauge
	timestamp prometheus.Gauge
	// forget drops the exporter's per-target series of a removed target.
	forget func(target string)
	// secretFiles are the flags' password and token files, checked for
	// their mode with the file's at every (re)load.
	secretFiles []string
}

func newReloader(path string, static []config.TargetConfig, sc *config.SafeConfig, registry *targets.Registry, logger *slog.Logger, reg prometheus.Registerer) *reloader {
	rl := &reloader{
		path: path, static: static, sc: sc, registry: registry, logger: logger,
		success: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vcf_exporter_config_last_reload_successful",
			Help: "1 when the last configuration (re)load succeeded.",
		}),
		timestamp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vcf_exporter_config_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last successful configuration (re)load.",
		}),
	}
	reg.MustRegister(rl.success, rl.timestamp)
	return rl
}

func (rl *reloader) reload() (err error) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	defer func() {
		if err != nil {
			rl.success.Set(0)
			return
		}
		rl.success.Set(1)
		rl.timestamp.SetToCurrentTime()
	}()
	cfg := &config.Config{}
	if rl.path != "" {
		if cfg, err = loadConfigFile(rl.path); err != nil {
			return err
		}
	}
	config.WarnReadableSecrets(rl.logger, append(cfg.SecretFiles(), rl.secretFiles...)...)
	all := append(append([]config.TargetConfig{}, rl.static...), cfg.Targets...)
	before := rl.registry.Names()
	if err := rl.registry.Apply(all); err != nil {
		return fmt.Errorf("applying configuration: %w", err)
	}
	for _, name := range before {
		if _, ok := rl.registry.Get(name); !ok && rl.forget != nil {
			rl.forget(name)
		}
	}
	rl.sc.Set(cfg)
	return nil
}

// Config returns the current configuration file (empty without --config.file).
func (rl *reloader) Config() *config.Config { return rl.sc.Get() }

// Running is the configuration in force: the targets of the flags and of
// the file, and the file's actions section.
func (rl *reloader) Running() *config.Config {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	c := rl.sc.Get()
	return &config.Config{Targets: append(slices.Clone(rl.static), c.Targets...), Actions: c.Actions}
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

// newMux wires the exporter's HTTP endpoints; run() adds /actions/.
func newMux(f *flags, logger *slog.Logger, registry *targets.Registry, set *collector.Set, self *prometheus.Registry, rl *reloader) *http.ServeMux {
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
		b, err := yaml.Marshal(rl.Running())
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
		if err := rl.reload(); err != nil {
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

// serve runs the server until SIGTERM/SIGINT (graceful shutdown); SIGHUP
// reloads the configuration.
func serve(srv *http.Server, webFlags *web.FlagConfig, logger *slog.Logger, rl *reloader, hup <-chan os.Signal) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		for {
			select {
			case <-hup:
				if err := rl.reload(); err != nil {
					logger.Error("reload (SIGHUP) failed; keeping the previous configuration", "err", err)
				} else {
					logger.Info("configuration reloaded (SIGHUP)")
				}
			case <-ctx.Done():
				return
			}
		}
	}()

	errc := make(chan error, 1)
	go func() { errc <- web.ListenAndServe(srv, webFlags, logger) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
