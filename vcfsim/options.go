package vcfsim

import (
	"crypto/tls"
	"crypto/x509"
	"time"
)

// Option adjusts the Config of a simulator (Start, vcfsimtest.New). Any
// func(*Config) literal is one.
type Option func(*Config)

// WithTLS serves HTTPS with a fresh self-signed CA (Server.CAFile).
func WithTLS() Option { return func(c *Config) { c.TLS = true } }

// WithNow sets the real-time source: a frozen time keeps usage from
// drifting (golden files), a settable clock lets a test move the upgrade
// state machine, outages and token lifetimes on explicitly.
func WithNow(now func() time.Time) Option { return func(c *Config) { c.Now = now } }

// FrozenAt stops the clock at t: usage does not drift, so expositions can
// be compared with golden files.
func FrozenAt(t time.Time) Option { return WithNow(func() time.Time { return t }) }

// WithTimeScale compresses simulated time (Config.TimeScale).
func WithTimeScale(scale float64) Option { return func(c *Config) { c.TimeScale = scale } }

// WithInventory sizes the inventory: domains x clusters x hosts plus
// unassigned hosts.
func WithInventory(domains, clustersPerDomain, hostsPerCluster, unassignedHosts int) Option {
	return func(c *Config) {
		c.Domains, c.ClustersPerDomain, c.HostsPerCluster, c.UnassignedHosts = domains, clustersPerDomain, hostsPerCluster, unassignedHosts
	}
}

// WithVCFVersion plays the SDDC Manager API of version (VCF521, VCF902,
// VCF910).
func WithVCFVersion(version string) Option { return func(c *Config) { c.VCFVersion = version } }

// WithHostsPageSize sets the 9.x page of GET /v1/hosts (Config.HostsPageSize).
func WithHostsPageSize(n int) Option { return func(c *Config) { c.HostsPageSize = n } }

// WithPaging sets the first page's number (Config.PageBase) and caps every
// paged list's page (Config.MaxPageSize, 0: no cap).
func WithPaging(base, maxPageSize int) Option {
	return func(c *Config) { c.PageBase, c.MaxPageSize = base, maxPageSize }
}

// WithHostOrder lists GET /v1/hosts in order (HostOrderCommissioned or
// HostOrderID).
func WithHostOrder(order string) Option { return func(c *Config) { c.HostOrder = order } }

// WithTotalElementsLie adds n to the inventory lists' totalElements.
func WithTotalElementsLie(n int) Option { return func(c *Config) { c.TotalElementsLie = n } }

// Start starts a simulator on a free loopback port from DefaultConfig
// adjusted by opts. Tests use vcfsimtest.New, which also closes it when the
// test ends; this package links no testing code into the exporter.
func Start(opts ...Option) (*Server, error) {
	cfg := DefaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	return NewServer(cfg)
}

// Credentials returns the user name and password the simulator accepts.
func (s *Server) Credentials() (username, password string) {
	cfg := s.Sim.Config()
	return cfg.Username, cfg.Password
}

// TLSClientConfig returns a TLS configuration that trusts the server's CA,
// nil without TLS.
func (s *Server) TLSClientConfig() *tls.Config {
	if s.CACertPEM == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CACertPEM)
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}
