// Package config loads and validates the vcf_exporter configuration file.
//
// The file is strict YAML: unknown keys are errors, so a typo never silently
// disables a setting. A minimal file:
//
//	targets:
//	  - name: lab
//	    url: https://sddc-manager.lab.example.com
//	    username: prometheus@vsphere.local
//	    password_file: /etc/vcf_exporter/lab.password
//	    tls_config:
//	      ca_file: /etc/vcf_exporter/lab-ca.pem
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/alecthomas/units"
	promcfg "github.com/prometheus/common/config"
	yaml "go.yaml.in/yaml/v2"
)

// Config is the top-level configuration file.
//
// Other parts of the exporter add their own sections as fields here, each with
// its type in its own file of this package.
type Config struct {
	// Targets are the SDDC Managers to watch.
	Targets []TargetConfig `yaml:"targets,omitempty"`
	// Actions configures the authenticated /actions API (see actions.go).
	Actions ActionsConfig `yaml:"actions,omitempty"`
	// InfluxDB are the InfluxDB sinks (see influxdb.go).
	InfluxDB []InfluxDBConfig `yaml:"influxdb,omitempty"`
	// MQTT is the Home Assistant MQTT discovery output (see mqtt.go).
	MQTT *MQTTConfig `yaml:"mqtt,omitempty"`
}

// TargetConfig describes one SDDC Manager.
type TargetConfig struct {
	// Name identifies the target in the "target" label and in /probe?target=.
	Name string `yaml:"name"`
	// URL is the SDDC Manager base URL, e.g. https://sddc-manager.example.com.
	URL string `yaml:"url"`
	// Username used to get an API token (POST /v1/tokens).
	Username string `yaml:"username"`
	// Password, inline. Prefer PasswordFile.
	Password promcfg.Secret `yaml:"password,omitempty"`
	// PasswordFile holds the password (trailing newline stripped); read on
	// every (re)load.
	PasswordFile string `yaml:"password_file,omitempty"`
	// TLSConfig configures how the SDDC Manager's certificate is verified.
	TLSConfig promcfg.TLSConfig `yaml:"tls_config,omitempty"`
	// ProxyURL is an optional HTTP proxy.
	ProxyURL promcfg.URL `yaml:"proxy_url,omitempty"`
	// MaxInFlight bounds concurrent API requests to this SDDC Manager (0: client default).
	MaxInFlight int `yaml:"max_in_flight,omitempty"`
	// MaxResponseSize caps one response body, e.g. 512MiB (0: the
	// --vcf.max-response-size default).
	MaxResponseSize units.Base2Bytes `yaml:"max_response_size,omitempty"`
}

var validName = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)

// TargetNameRule says what a target name may be. A name becomes a
// Prometheus label value, part of a file name (the actions store), a URL
// query value (/probe?target=) and an MQTT topic level, so it holds nothing
// any of them would need to escape, and stays short enough for all.
const TargetNameRule = "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"

var validTargetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// ValidateTargetName checks name against TargetNameRule.
func ValidateTargetName(name string) error {
	if validTargetName.MatchString(name) {
		return nil
	}
	shown := name
	if len(shown) > 70 {
		shown = shown[:64] + "..."
	}
	return fmt.Errorf("name %q (%d characters) is not a valid target name: use %s", shown, len(name), TargetNameRule)
}

// Load reads, parses and validates the file at path. Relative file paths in
// the file (password_file, tls_config.*_file) are relative to its directory.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config file: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	c.SetDirectory(filepath.Dir(path))
	return c, nil
}

// Parse parses and validates a configuration in strict YAML.
func Parse(b []byte) (*Config, error) {
	c := &Config{}
	if err := yaml.UnmarshalStrict(b, c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// SetDirectory makes relative file paths relative to dir.
func (c *Config) SetDirectory(dir string) {
	for i := range c.Targets {
		t := &c.Targets[i]
		t.TLSConfig.SetDirectory(dir)
		t.PasswordFile = promcfg.JoinDir(dir, t.PasswordFile)
	}
	c.Actions.SetDirectory(dir)
	for i := range c.InfluxDB {
		c.InfluxDB[i].TLSConfig.SetDirectory(dir)
		c.InfluxDB[i].TokenFile = promcfg.JoinDir(dir, c.InfluxDB[i].TokenFile)
	}
	if c.MQTT != nil {
		c.MQTT.TLSConfig.SetDirectory(dir)
		c.MQTT.PasswordFile = promcfg.JoinDir(dir, c.MQTT.PasswordFile)
	}
}

// Validate checks the whole configuration and returns every problem found.
func (c *Config) Validate() error {
	var errs []error
	seen := map[string]int{}
	for i, t := range c.Targets {
		if err := t.Validate(); err != nil {
			prefix := fmt.Sprintf("targets[%d]", i)
			if validTargetName.MatchString(t.Name) {
				prefix = fmt.Sprintf("targets[%d] (%s)", i, t.Name)
			}
			for _, e := range unjoin(err) {
				errs = append(errs, fmt.Errorf("%s: %w", prefix, e))
			}
		}
		if t.Name != "" {
			if j, dup := seen[t.Name]; dup {
				errs = append(errs, fmt.Errorf("targets[%d]: duplicate target name %q (also targets[%d])", i, t.Name, j))
			} else {
				seen[t.Name] = i
			}
		}
	}
	if err := c.Actions.Validate(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, validateInfluxDB(c.InfluxDB)...)
	if c.MQTT != nil {
		if err := c.MQTT.Validate(); err != nil {
			for _, e := range unjoin(err) {
				errs = append(errs, fmt.Errorf("mqtt: %w", e))
			}
		}
	}
	return errors.Join(errs...)
}

// unjoin splits an errors.Join error so that each line gets its own prefix.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// Validate checks one target.
func (t *TargetConfig) Validate() error {
	var errs []error
	if t.Name == "" {
		errs = append(errs, errors.New("name is required"))
	} else if err := ValidateTargetName(t.Name); err != nil {
		errs = append(errs, err)
	}
	if err := ValidateURL(t.URL); err != nil {
		errs = append(errs, err)
	}
	if t.Username == "" {
		errs = append(errs, errors.New("username is required"))
	}
	switch {
	case t.Password != "" && t.PasswordFile != "":
		errs = append(errs, errors.New("at most one of password and password_file may be set"))
	case t.Password == "" && t.PasswordFile == "":
		errs = append(errs, errors.New("one of password or password_file is required"))
	}
	if t.MaxInFlight < 0 {
		errs = append(errs, fmt.Errorf("max_in_flight must be >= 0, got %d", t.MaxInFlight))
	}
	if t.MaxResponseSize < 0 {
		errs = append(errs, fmt.Errorf("max_response_size must be >= 0, got %s", t.MaxResponseSize))
	}
	if err := t.TLSConfig.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("tls_config: %w", err))
	}
	return errors.Join(errs...)
}

// ValidateURL checks that u is an absolute http(s) URL with a host.
func ValidateURL(u string) error {
	if u == "" {
		return errors.New("url is required")
	}
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("url %q: %w", u, err)
	}
	if p.Scheme != "https" && p.Scheme != "http" {
		return fmt.Errorf("url %q: scheme must be https (or http), got %q", u, p.Scheme)
	}
	if p.Host == "" {
		return fmt.Errorf("url %q: missing host", u)
	}
	if p.User != nil {
		// Never echo it: the part before @ may hold a password.
		return fmt.Errorf("url %s: must not contain a user name or password (use username and password_file)", p.Redacted())
	}
	return nil
}

// ResolvePassword returns the inline password or the content of
// PasswordFile (trailing whitespace/newlines removed).
func (t *TargetConfig) ResolvePassword() (promcfg.Secret, error) {
	if t.PasswordFile == "" {
		return t.Password, nil
	}
	b, err := os.ReadFile(t.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("target %q: reading password_file: %w", t.Name, err)
	}
	p := strings.TrimRight(string(b), "\r\n")
	if p == "" {
		return "", fmt.Errorf("target %q: password_file %s is empty", t.Name, t.PasswordFile)
	}
	return promcfg.Secret(p), nil
}

// CheckFiles reads every file the configuration names, as the exporter
// will: each target's password file and TLS CA, certificate and key, the
// /actions token files, and each InfluxDB sink's token and TLS files. A
// missing, empty, unreadable or garbage file, or a directory, is an error
// naming the target, token or sink.
func (c *Config) CheckFiles() error {
	var errs []error
	for i := range c.Targets {
		if err := c.Targets[i].CheckFiles(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, t := range c.Actions.Tokens {
		if _, err := t.Resolve(); err != nil {
			errs = append(errs, fmt.Errorf("actions token %q: %w", t.Name, err))
		}
	}
	for _, sink := range c.InfluxDB {
		if _, err := sink.ResolveToken(); err != nil {
			errs = append(errs, err)
		}
		if _, err := promcfg.NewTLSConfig(&sink.TLSConfig); err != nil {
			errs = append(errs, fmt.Errorf("influxdb %q: tls_config: %w", sink.WithDefaults().Name, err))
		}
	}
	if c.MQTT != nil {
		errs = append(errs, c.MQTT.CheckFiles())
	}
	return errors.Join(errs...)
}

// CheckFiles reads the target's password file and TLS files.
func (t *TargetConfig) CheckFiles() error {
	var errs []error
	if _, err := t.ResolvePassword(); err != nil {
		errs = append(errs, err)
	}
	// NewTLSConfig loads the CA and the client certificate and key, failing
	// as the HTTP client would.
	if _, err := promcfg.NewTLSConfig(&t.TLSConfig); err != nil {
		errs = append(errs, fmt.Errorf("target %q: tls_config: %w", t.Name, err))
	}
	return errors.Join(errs...)
}

// HTTPClientConfig is the prometheus/common HTTP client configuration for
// this target (TLS and proxy; authentication is done by the VCF client).
func (t *TargetConfig) HTTPClientConfig() promcfg.HTTPClientConfig {
	return promcfg.HTTPClientConfig{
		TLSConfig:       t.TLSConfig,
		ProxyConfig:     promcfg.ProxyConfig{ProxyURL: t.ProxyURL},
		FollowRedirects: true,
		EnableHTTP2:     true,
	}
}

// DurationFlag defines a duration flag whose parse error names the flag
// (kingpin's own error only quotes the value).
func DurationFlag(a *kingpin.Application, name, help, def string, d *time.Duration) {
	a.Flag(name, help).Default(def).SetValue(&durationValue{name: name, d: d})
}

type durationValue struct {
	name string
	d    *time.Duration
}

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("--%s: %w", v.name, err)
	}
	*v.d = d
	return nil
}

func (v *durationValue) String() string { return v.d.String() }
