package config

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	promcfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
)

// InfluxDBConfig is one entry of the "influxdb:" list: an InfluxDB the
// exporter writes its metrics to (see docs/influxdb.md). Zero
// values mean the default, shown in brackets. Example:
//
//	influxdb:
//	  - name: cloud                         # the sink label [host:port of url]
//	    url: https://eu-central-1-1.aws.cloud2.influxdata.com
//	    org: home
//	    bucket: vcf
//	    token_file: /etc/vcf_exporter/influx.token
//	  - name: local18                       # InfluxDB 1.8: bucket database/retention-policy,
//	    url: http://127.0.0.1:8086          # token username:password (or none)
//	    bucket: vcf/autogen
type InfluxDBConfig struct {
	Name   string `yaml:"name,omitempty"`
	URL    string `yaml:"url"`
	Org    string `yaml:"org,omitempty"`
	Bucket string `yaml:"bucket"`
	// Token (or TokenFile): an InfluxDB 2.x API token, or
	// "username:password" for InfluxDB 1.8; none when 1.8 runs without auth.
	Token     promcfg.Secret `yaml:"token,omitempty"`
	TokenFile string         `yaml:"token_file,omitempty"`
	// Interval between two writes [60s].
	Interval model.Duration `yaml:"interval,omitempty"`
	// Timeout bounds each write request and the flush at shutdown [10s].
	Timeout model.Duration `yaml:"timeout,omitempty"`
	// BufferSize: points kept while InfluxDB is down or slow; beyond it the
	// oldest are dropped [100000].
	BufferSize int `yaml:"buffer_size,omitempty"`
	// BatchSize: points per write request [5000].
	BatchSize int               `yaml:"batch_size,omitempty"`
	TLSConfig promcfg.TLSConfig `yaml:"tls_config,omitempty"`
}

// InfluxDB defaults.
const (
	DefaultInfluxDBInterval   = time.Minute
	DefaultInfluxDBTimeout    = 10 * time.Second
	DefaultInfluxDBBufferSize = 100000
	DefaultInfluxDBBatchSize  = 5000
)

// WithDefaults returns c with its zero values replaced by the defaults and
// its name set.
func (c InfluxDBConfig) WithDefaults() InfluxDBConfig {
	if c.Name == "" {
		if u, err := url.Parse(c.URL); err == nil {
			c.Name = u.Host
		}
	}
	if c.Interval <= 0 {
		c.Interval = model.Duration(DefaultInfluxDBInterval)
	}
	if c.Timeout <= 0 {
		c.Timeout = model.Duration(DefaultInfluxDBTimeout)
	}
	if c.BufferSize <= 0 {
		c.BufferSize = DefaultInfluxDBBufferSize
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultInfluxDBBatchSize
	}
	return c
}

// Validate checks one sink without touching the network or the token file.
func (c *InfluxDBConfig) Validate() error {
	var errs []error
	if err := ValidateURL(c.URL); err != nil { // also refuses credentials in the URL
		errs = append(errs, err)
	}
	if c.Name != "" && !validName.MatchString(c.Name) {
		errs = append(errs, fmt.Errorf("name %q: use letters, digits and _.:- only", c.Name))
	}
	if c.Bucket == "" {
		errs = append(errs, errors.New(`bucket is required (InfluxDB 1.8: "database/retention-policy" or "database")`))
	}
	if c.Token != "" && c.TokenFile != "" {
		errs = append(errs, errors.New("at most one of token and token_file may be set"))
	}
	for name, v := range map[string]int{"buffer_size": c.BufferSize, "batch_size": c.BatchSize} {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s must be >= 0, got %d", name, v))
		}
	}
	if c.Interval < 0 || c.Timeout < 0 {
		errs = append(errs, errors.New("interval and timeout must not be negative"))
	}
	if err := c.TLSConfig.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("tls_config: %w", err))
	}
	return errors.Join(errs...)
}

// ResolveToken returns the inline token or the content of TokenFile.
func (c *InfluxDBConfig) ResolveToken() (promcfg.Secret, error) {
	if c.TokenFile == "" {
		return c.Token, nil
	}
	tok, err := ReadTokenFile(c.TokenFile)
	if err != nil {
		return "", fmt.Errorf("influxdb %q: %w", c.WithDefaults().Name, err)
	}
	return promcfg.Secret(tok), nil
}

// validateInfluxDB checks every sink and that their names are unique.
func validateInfluxDB(sinks []InfluxDBConfig) []error {
	var errs []error
	seen := map[string]int{}
	for i, s := range sinks {
		prefix := fmt.Sprintf("influxdb[%d]", i)
		if err := s.Validate(); err != nil {
			for _, e := range unjoin(err) {
				errs = append(errs, fmt.Errorf("%s: %w", prefix, e))
			}
			continue
		}
		name := s.WithDefaults().Name
		if j, dup := seen[name]; dup {
			errs = append(errs, fmt.Errorf("%s: duplicate sink name %q (also influxdb[%d]); set name", prefix, name, j))
		}
		seen[name] = i
	}
	return errs
}
