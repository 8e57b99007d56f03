package config

import (
	"fmt"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// SafeConfig is the configuration in force and the one way a new one
// reaches the exporter: Reload (start, SIGHUP, /-/reload) reads it again
// and tells every subscriber, in the order they subscribed. The first
// subscriber to refuse it fails the reload and the previous configuration
// stays in force, so subscribers that can refuse subscribe first.
type SafeConfig struct {
	reloading sync.Mutex // one reload at a time, subscribers told in order

	mu   sync.RWMutex
	c    *Config
	subs []func(*Config) error

	path   string
	static []TargetConfig

	success, timestamp prometheus.Gauge
}

// NewSafeConfig returns a holder of an empty configuration that Set
// replaces; its reload metrics are not registered.
func NewSafeConfig() *SafeConfig {
	return &SafeConfig{
		c: &Config{},
		success: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vcf_exporter_config_last_reload_successful",
			Help: "1 when the last configuration (re)load succeeded.",
		}),
		timestamp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vcf_exporter_config_last_reload_success_timestamp_seconds",
			Help: "Unix time of the last successful configuration (re)load.",
		}),
	}
}

// NewFileConfig returns a holder that Reload fills from the file at path
// (none: no file) with static, the targets of the flags, ahead of the
// file's, and registers the reload metrics with reg.
func NewFileConfig(path string, static []TargetConfig, reg prometheus.Registerer) *SafeConfig {
	sc := NewSafeConfig()
	sc.path, sc.static = path, slices.Clone(static)
	reg.MustRegister(sc.success, sc.timestamp)
	return sc
}

// Subscribe has f told of every configuration set from now on; f sees
// the current one with Get. An error from f fails the reload.
func (sc *SafeConfig) Subscribe(f func(*Config) error) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.subs = append(sc.subs, f)
}

// Get returns the configuration in force. Callers must not modify it.
func (sc *SafeConfig) Get() *Config {
	sc.mu.RLock()
	defer sc.mu.RUnlock()
	return sc.c
}

// Reload reads the file and the files it names again and sets the
// result; on error nothing changes.
func (sc *SafeConfig) Reload() error {
	sc.reloading.Lock()
	defer sc.reloading.Unlock()
	c, err := sc.load()
	if err == nil {
		err = sc.set(c)
	}
	sc.record(err)
	return err
}

// Set makes c the configuration in force as Reload does, without a file:
// for programs and tests that build their configuration themselves. A
// refusal shows in the reload metrics.
func (sc *SafeConfig) Set(c *Config) {
	sc.reloading.Lock()
	defer sc.reloading.Unlock()
	sc.record(sc.set(c))
}

func (sc *SafeConfig) load() (*Config, error) {
	c := &Config{}
	if sc.path != "" {
		var err error
		if c, err = LoadFile(sc.path); err != nil {
			return nil, err
		}
	}
	c.Targets = append(slices.Clone(sc.static), c.Targets...)
	return c, nil
}

func (sc *SafeConfig) set(c *Config) error {
	sc.mu.RLock()
	subs := slices.Clone(sc.subs)
	sc.mu.RUnlock()
	for _, f := range subs {
		if err := f(c); err != nil {
			return err
		}
	}
	sc.mu.Lock()
	sc.c = c
	sc.mu.Unlock()
	return nil
}

func (sc *SafeConfig) record(err error) {
	if err != nil {
		sc.success.Set(0)
		return
	}
	sc.success.Set(1)
	sc.timestamp.SetToCurrentTime()
}

// LoadFile loads and validates the configuration file and reads the files
// it names, as every (re)load does.
func LoadFile(path string) (*Config, error) {
	c, err := Load(path)
	if err != nil {
		return nil, err
	}
	if err := c.CheckFiles(); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return c, nil
}
