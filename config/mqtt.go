package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	promcfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
)

// MQTTConfig is the "mqtt:" section: a broker the exporter publishes Home
// Assistant MQTT discovery to (see mqttsink). Zero values mean the default,
// shown in brackets. Example:
//
//	mqtt:
//	  broker: mqtts://mqtt.example.com:8883
//	  username: vcf_exporter
//	  password_file: /etc/vcf_exporter/mqtt.password
//	  tls_config:
//	    ca_file: /etc/vcf_exporter/mqtt-ca.pem
//	  install: true   # let Home Assistant start upgrades [false]
type MQTTConfig struct {
	// Broker: tcp://, mqtt://, ssl:// or mqtts:// host and port.
	Broker       string         `yaml:"broker"`
	Username     string         `yaml:"username,omitempty"`
	Password     promcfg.Secret `yaml:"password,omitempty"`
	PasswordFile string         `yaml:"password_file,omitempty"`
	// ClientID identifies the exporter at the broker [vcf_exporter-<topic_prefix>].
	ClientID string `yaml:"client_id,omitempty"`
	// DiscoveryPrefix is Home Assistant's discovery prefix [homeassistant].
	DiscoveryPrefix string `yaml:"discovery_prefix,omitempty"`
	// TopicPrefix starts every state, availability and command topic [vcf_exporter].
	TopicPrefix string `yaml:"topic_prefix,omitempty"`
	// Hosts adds one device per ESXi host (off: thousands of hosts flood Home Assistant).
	Hosts bool `yaml:"hosts,omitempty"`
	// Install lets Install, acknowledge and cancel commands start actions
	// (off: anyone who can publish to the broker could start an upgrade).
	Install bool `yaml:"install,omitempty"`
	// Interval between two state publications [30s].
	Interval  model.Duration    `yaml:"interval,omitempty"`
	TLSConfig promcfg.TLSConfig `yaml:"tls_config,omitempty"`
}

// MQTT defaults.
const (
	DefaultMQTTDiscoveryPrefix = "homeassistant"
	DefaultMQTTTopicPrefix     = "vcf_exporter"
	DefaultMQTTInterval        = 30 * time.Second
)

// WithDefaults returns c with its zero values replaced by the defaults.
func (c MQTTConfig) WithDefaults() MQTTConfig {
	if c.DiscoveryPrefix == "" {
		c.DiscoveryPrefix = DefaultMQTTDiscoveryPrefix
	}
	if c.TopicPrefix == "" {
		c.TopicPrefix = DefaultMQTTTopicPrefix
	}
	if c.ClientID == "" {
		c.ClientID = "vcf_exporter-" + strings.ReplaceAll(c.TopicPrefix, "/", "_")
	}
	if c.Interval == 0 {
		c.Interval = model.Duration(DefaultMQTTInterval)
	}
	return c
}

// MQTTSchemes are the broker URL schemes accepted, and whether they use TLS.
var MQTTSchemes = map[string]bool{"tcp": false, "mqtt": false, "ssl": true, "mqtts": true}

// Validate checks the settings without reading files.
func (c MQTTConfig) Validate() error {
	var errs []error
	u, err := url.Parse(c.Broker)
	switch {
	case c.Broker == "":
		errs = append(errs, errors.New("broker is required"))
	case err != nil:
		errs = append(errs, fmt.Errorf("broker: %w", err))
	default:
		if _, ok := MQTTSchemes[u.Scheme]; !ok {
			errs = append(errs, fmt.Errorf("broker %q: scheme must be tcp, mqtt, ssl or mqtts", u.Redacted()))
		}
		if u.Port() == "" || u.Hostname() == "" {
			errs = append(errs, fmt.Errorf("broker %q: host and port are required", u.Redacted()))
		}
		if u.User != nil {
			errs = append(errs, errors.New("broker: put the user name in username and the password in password_file, not in the URL"))
		}
	}
	if c.Password != "" && c.PasswordFile != "" {
		errs = append(errs, errors.New("password and password_file are mutually exclusive"))
	}
	for name, p := range map[string]string{"discovery_prefix": c.DiscoveryPrefix, "topic_prefix": c.TopicPrefix} {
		if err := validTopicPrefix(p); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if c.Interval < 0 {
		errs = append(errs, errors.New("interval must not be negative"))
	}
	if err := c.TLSConfig.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("tls_config: %w", err))
	}
	return errors.Join(errs...)
}

// validTopicPrefix accepts "" (the default) and topic levels without MQTT
// wildcards or empty levels.
func validTopicPrefix(p string) error {
	if p == "" {
		return nil
	}
	for l := range strings.SplitSeq(p, "/") {
		if l == "" || strings.ContainsAny(l, "+#\x00") {
			return fmt.Errorf("%q: topic levels must be non-empty and without + or #", p)
		}
	}
	return nil
}

// ResolvePassword returns the inline password or reads PasswordFile
// (trailing newline stripped).
func (c MQTTConfig) ResolvePassword() (promcfg.Secret, error) {
	if c.PasswordFile == "" {
		return c.Password, nil
	}
	b, err := os.ReadFile(c.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("mqtt password_file: %w", err)
	}
	return promcfg.Secret(strings.TrimRight(string(b), "\r\n")), nil
}

// CheckFiles reads the password and TLS files the settings name.
func (c MQTTConfig) CheckFiles() error {
	if _, err := c.ResolvePassword(); err != nil {
		return err
	}
	if _, err := promcfg.NewTLSConfig(&c.TLSConfig); err != nil {
		return fmt.Errorf("mqtt tls_config: %w", err)
	}
	return nil
}
