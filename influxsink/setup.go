package influxsink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"sync"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	promcfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
)

// TokenEnv holds the token of the --influxdb.url sink (never a flag: flags
// show up in ps).
const TokenEnv = "INFLUXDB_TOKEN"

// Flags are the --influxdb.* flags: one sink besides the config file's.
type Flags struct {
	URL, Org, Bucket, TokenFile string
	Interval                    time.Duration
}

// RegisterFlags adds the --influxdb.* flags.
func RegisterFlags(a *kingpin.Application) *Flags {
	f := &Flags{}
	a.Flag("influxdb.url", "Write the metrics to this InfluxDB (2.x, Cloud, or 1.8+), e.g. http://influxdb:8086 (token from $"+TokenEnv+" or --influxdb.token-file). More sinks in the config file's influxdb: list.").StringVar(&f.URL)
	a.Flag("influxdb.org", "InfluxDB organization (2.x; ignored by 1.8).").StringVar(&f.Org)
	a.Flag("influxdb.bucket", "InfluxDB bucket (1.8: database/retention-policy).").StringVar(&f.Bucket)
	a.Flag("influxdb.token-file", "File holding the InfluxDB token (1.8: username:password) (else $"+TokenEnv+").").StringVar(&f.TokenFile)
	a.Flag("influxdb.interval", "How often the metrics are written to InfluxDB.").Default(config.DefaultInfluxDBInterval.String()).DurationVar(&f.Interval)
	return f
}

// sinkConfig is one sink's settings with its token resolved.
type sinkConfig struct {
	cfg   config.InfluxDBConfig
	token promcfg.Secret
}

// configs returns the flag sink and the file's sinks, tokens read.
func configs(f *Flags, c *config.Config) ([]sinkConfig, error) {
	var out []sinkConfig
	if f != nil && f.URL != "" {
		sc := config.InfluxDBConfig{URL: f.URL, Org: f.Org, Bucket: f.Bucket, TokenFile: f.TokenFile,
			Token: promcfg.Secret(os.Getenv(TokenEnv)), Interval: model.Duration(f.Interval)}
		if sc.Token != "" && sc.TokenFile != "" {
			return nil, errors.New("both $" + TokenEnv + " and --influxdb.token-file are set; use one")
		}
		if err := sc.Validate(); err != nil {
			return nil, fmt.Errorf("--influxdb.* flags: %w", err)
		}
		out = append(out, sinkConfig{cfg: sc.WithDefaults()})
	} else if f != nil && (f.Org != "" || f.Bucket != "" || f.TokenFile != "") {
		return nil, errors.New("--influxdb.* flags given without --influxdb.url")
	}
	if c != nil {
		for _, sc := range c.InfluxDB {
			out = append(out, sinkConfig{cfg: sc.WithDefaults()})
		}
	}
	seen := map[string]bool{}
	for i := range out {
		s := &out[i]
		if seen[s.cfg.Name] {
			return nil, fmt.Errorf("influxdb sink %q is configured twice (flags and config file); give the config file's a name", s.cfg.Name)
		}
		seen[s.cfg.Name] = true
		tok, err := s.cfg.ResolveToken()
		if err != nil {
			return nil, err
		}
		s.token = tok
	}
	return out, nil
}

// Check validates the sinks of the flags and of c and asks each InfluxDB
// whether it accepts the token, org and bucket (--config.check).
func Check(ctx context.Context, f *Flags, c *config.Config, out io.Writer) error {
	scs, err := configs(f, c)
	if err != nil {
		return err
	}
	m := NewMetrics(prometheus.NewRegistry())
	var errs []error
	for _, sc := range scs {
		s, err := New(sc.cfg, sc.token, nil, m, slog.New(slog.DiscardHandler))
		if err == nil {
			cctx, cancel := context.WithTimeout(ctx, time.Duration(sc.cfg.Timeout))
			err = s.Check(cctx)
			cancel()
			s.client.Close()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("influxdb %q: %w", sc.cfg.Name, err))
			continue
		}
		_, _ = fmt.Fprintf(out, "influxdb %q: OK (%s, bucket %q)\n", sc.cfg.Name, sc.cfg.URL, sc.cfg.Bucket)
	}
	return errors.Join(errs...)
}

// Manager runs the configured sinks and follows configuration reloads.
type Manager struct {
	flags   *Flags
	src     *Source
	metrics *Metrics
	log     *slog.Logger

	mu      sync.Mutex
	sinks   map[string]*managed
	stopped bool // no reload starts a sink after Stop
}

type managed struct {
	sink *Sink
	conf sinkConfig
}

// Setup starts the sinks of the flags and of the configuration file (none:
// nothing runs) and registers their metrics with self. At each reload of
// current it starts, stops or restarts sinks;
// a restarted sink keeps its buffer. stop flushes every sink, each bounded
// by its timeout.
func Setup(f *Flags, current *config.SafeConfig, reg *targets.Registry, set *collector.Set, self *prometheus.Registry, logger *slog.Logger) (stop func(), err error) {
	m, err := newManager(f, current, reg, set, self, logger)
	if err != nil {
		return nil, err
	}
	return m.Stop, nil
}

func newManager(f *Flags, current *config.SafeConfig, reg *targets.Registry, set *collector.Set, self *prometheus.Registry, logger *slog.Logger) (*Manager, error) {
	m := &Manager{
		flags:   f,
		src:     &Source{Registry: reg, Set: set, Extra: self},
		metrics: NewMetrics(self),
		log:     logger.With("component", "influxdb"),
		sinks:   map[string]*managed{},
	}
	scs, err := configs(f, current.Get())
	if err != nil {
		return nil, err
	}
	m.apply(scs)
	if len(scs) == 0 {
		m.log.Debug("no InfluxDB sink configured")
	}
	current.Subscribe(m.reload)
	return m, nil
}

// reload applies a reloaded configuration. Settings that do not resolve
// are logged, not refused: the targets and other outputs take the reload.
func (m *Manager) reload(c *config.Config) error {
	scs, err := configs(m.flags, c)
	if err != nil {
		m.log.Error("reloaded InfluxDB settings not applied; keeping the running sinks", "err", err)
		return nil
	}
	m.apply(scs)
	return nil
}

// apply makes the running sinks match scs.
func (m *Manager) apply(scs []sinkConfig) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return
	}
	want := map[string]bool{}
	for _, sc := range scs {
		want[sc.cfg.Name] = true
		old, ok := m.sinks[sc.cfg.Name]
		if ok && reflect.DeepEqual(old.conf, sc) {
			continue
		}
		s, err := New(sc.cfg, sc.token, m.src, m.metrics, m.log)
		if err != nil {
			m.log.Error("InfluxDB sink not started", "sink", sc.cfg.Name, "err", err)
			continue
		}
		if ok { // changed settings: the new sink takes over the buffer
			old.sink.halt()
			old.sink.client.Close()
			s.q.mu.Lock()
			s.q.lines = old.sink.q.take(old.sink.q.len())
			s.q.trim()
			s.q.mu.Unlock()
		}
		m.sinks[sc.cfg.Name] = &managed{sink: s, conf: sc}
		s.Start()
	}
	for name, old := range m.sinks {
		if !want[name] {
			delete(m.sinks, name)
			go func() {
				old.sink.Stop()
				m.metrics.forget(name)
			}()
		}
	}
}

// Sinks returns the running sinks.
func (m *Manager) Sinks() []*Sink {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Sink, 0, len(m.sinks))
	for _, s := range m.sinks {
		out = append(out, s.sink)
	}
	return out
}

// Stop stops following reloads and flushes and stops every sink, in
// parallel.
func (m *Manager) Stop() {
	m.mu.Lock()
	m.stopped = true
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, s := range m.Sinks() {
		wg.Go(func() { s.Stop() })
	}
	wg.Wait()
}
