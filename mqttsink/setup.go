package mqttsink

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	promcfg "github.com/prometheus/common/config"

	"github.com/vcf-exporter/vcf_exporter/config"
)

// Flags are the --mqtt.* flags; the config file's mqtt: section is the
// other way to set the same.
type Flags struct {
	Broker, Username, PasswordFile string
	CAFile, CertFile, KeyFile      string
	DiscoveryPrefix, TopicPrefix   string
	Insecure, Hosts, Install       bool
}

// RegisterFlags adds the --mqtt.* flags.
func RegisterFlags(a *kingpin.Application) *Flags {
	f := &Flags{}
	a.Flag("mqtt.broker", "Publish Home Assistant MQTT discovery to this broker: tcp:// or mqtt://, ssl:// or mqtts:// with host and port (or the config file's mqtt: section).").StringVar(&f.Broker)
	a.Flag("mqtt.username", "MQTT user name.").StringVar(&f.Username)
	a.Flag("mqtt.password-file", "File holding the MQTT password.").StringVar(&f.PasswordFile)
	a.Flag("mqtt.tls.ca-file", "CA certificate file to verify the MQTT broker.").StringVar(&f.CAFile)
	a.Flag("mqtt.tls.cert-file", "Client certificate file for the MQTT broker.").StringVar(&f.CertFile)
	a.Flag("mqtt.tls.key-file", "Client key file for the MQTT broker.").StringVar(&f.KeyFile)
	a.Flag("mqtt.tls.insecure-skip-verify", "Do not verify the MQTT broker's certificate (unsafe).").BoolVar(&f.Insecure)
	a.Flag("mqtt.discovery-prefix", "Home Assistant's MQTT discovery prefix.").Default(config.DefaultMQTTDiscoveryPrefix).StringVar(&f.DiscoveryPrefix)
	a.Flag("mqtt.topic-prefix", "Prefix of the exporter's state, availability and command topics.").Default(config.DefaultMQTTTopicPrefix).StringVar(&f.TopicPrefix)
	a.Flag("mqtt.hosts", "Also publish one device per ESXi host (thousands of hosts flood Home Assistant).").BoolVar(&f.Hosts)
	a.Flag("mqtt.install", "Let Home Assistant's Install, acknowledge and cancel start actions (needs the actions engine; restrict the command topics with broker ACLs: anyone who can publish to them can start an upgrade).").BoolVar(&f.Install)
	return f
}

// resolved is the sink's settings with the password read.
type resolved struct {
	cfg      config.MQTTConfig
	password promcfg.Secret
}

// settings returns the configured sink (nil: none) from the flags or the
// config file, validated and with the password read.
func settings(f *Flags, c *config.Config) (*resolved, error) {
	var mc *config.MQTTConfig
	switch {
	case f != nil && f.Broker != "":
		if c != nil && c.MQTT != nil {
			return nil, errors.New("MQTT is configured by --mqtt.broker and by the config file's mqtt: section; use one")
		}
		mc = &config.MQTTConfig{Broker: f.Broker, Username: f.Username, PasswordFile: f.PasswordFile,
			DiscoveryPrefix: f.DiscoveryPrefix, TopicPrefix: f.TopicPrefix, Hosts: f.Hosts, Install: f.Install,
			TLSConfig: promcfg.TLSConfig{CAFile: f.CAFile, CertFile: f.CertFile, KeyFile: f.KeyFile, InsecureSkipVerify: f.Insecure}}
		if err := mc.Validate(); err != nil {
			return nil, fmt.Errorf("--mqtt.* flags: %w", err)
		}
	case f != nil && (f.Username != "" || f.PasswordFile != "" || f.CAFile != "" || f.CertFile != "" || f.KeyFile != "" || f.Hosts || f.Install):
		return nil, errors.New("--mqtt.* flags given without --mqtt.broker")
	case c != nil && c.MQTT != nil:
		mc = c.MQTT
	}
	if mc == nil {
		return nil, nil
	}
	pw, err := mc.ResolvePassword()
	if err != nil {
		return nil, err
	}
	return &resolved{cfg: mc.WithDefaults(), password: pw}, nil
}

// Check validates the MQTT settings of the flags and of c (--config.check).
func Check(f *Flags, c *config.Config) error {
	r, err := settings(f, c)
	if err != nil || r == nil {
		return err
	}
	return r.cfg.CheckFiles()
}

// Metrics are the sink's own metrics.
type Metrics struct {
	connected         prometheus.Gauge
	published, errors prometheus.Counter
}

// NewMetrics registers the sink metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		connected: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vcf_mqtt_connected", Help: "1 while the MQTT sink is connected to its broker."}),
		published: prometheus.NewCounter(prometheus.CounterOpts{Name: "vcf_mqtt_messages_published_total", Help: "Messages the MQTT sink published (acknowledged by the broker)."}),
		errors:    prometheus.NewCounter(prometheus.CounterOpts{Name: "vcf_mqtt_publish_errors_total", Help: "Publications to the MQTT broker that failed or timed out; the newest payload is resent."}),
	}
	reg.MustRegister(m.connected, m.published, m.errors)
	return m
}

// Manager runs the sink and follows configuration reloads.
type Manager struct {
	flags   *Flags
	src     *Source
	actions Actions
	self    prometheus.Registerer
	metrics *Metrics // registered when a sink first starts: none without MQTT
	log     *slog.Logger
	base    *slog.Logger

	mu      sync.Mutex
	sink    *Sink
	conf    *resolved
	stopped bool // no reload starts a sink after Stop
}

// Setup starts the sink configured by the flags or the config file (none:
// nothing runs, no metric) and registers its metrics with self; acts is the actions
// engine (nil when off). A reload that changes the settings restarts the
// sink; stop publishes "offline" and disconnects.
func Setup(f *Flags, current *config.SafeConfig, src *Source, acts Actions, self prometheus.Registerer, logger *slog.Logger) (stop func(), err error) {
	r, err := settings(f, current.Get())
	if err != nil {
		return nil, err
	}
	m := &Manager{flags: f, src: src, actions: acts, self: self, log: logger.With("component", "mqtt"), base: logger}
	if err := m.apply(r); err != nil {
		return nil, err
	}
	current.Subscribe(m.reload)
	return m.Stop, nil
}

// reload applies a reloaded configuration. Settings that cannot apply
// are logged, not refused: the targets and other outputs take the reload.
func (m *Manager) reload(c *config.Config) error {
	r, err := settings(m.flags, c)
	if err == nil {
		err = m.apply(r)
	}
	if err != nil {
		m.log.Error("reloaded MQTT settings not applied; keeping the running sink", "err", err)
	}
	return nil
}

// apply makes the running sink match r.
func (m *Manager) apply(r *resolved) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped || reflect.DeepEqual(m.conf, r) {
		return nil
	}
	var next *Sink
	if r != nil {
		if m.metrics == nil {
			m.metrics = NewMetrics(m.self)
		}
		var err error
		if next, err = New(r.cfg, r.password, m.src, m.actions, m.metrics, m.base); err != nil {
			return err
		}
	}
	if m.sink != nil {
		m.sink.Stop()
	}
	m.sink, m.conf = next, r
	if next != nil {
		next.Start()
	}
	return nil
}

// Sink returns the running sink (nil: none).
func (m *Manager) Sink() *Sink {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sink
}

// Stop stops following reloads and stops the sink.
func (m *Manager) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stopped = true
	if m.sink != nil {
		m.sink.Stop()
	}
}
