package vcfsim

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Option adjusts the Config of a test simulator (NewTest). Any
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

// WithTotalElementsLie adds n to the inventory lists' totalElements.
func WithTotalElementsLie(n int) Option { return func(c *Config) { c.TotalElementsLie = n } }

// NewTest starts a simulator for the test t on a free loopback port, from
// DefaultConfig adjusted by opts, and closes it when t ends (as govmomi's
// simulator.Test does for vCenter). The Server gives the test what it needs
// to connect: URL, Credentials, and with TLS the CA as PEM (CACertPEM), as
// a file (CAFile) and as a client configuration (TLSClientConfig).
func NewTest(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := DefaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("vcfsim: starting the test simulator: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	if srv.CACertPEM != nil {
		srv.CAFile = filepath.Join(t.TempDir(), "vcfsim-ca.pem")
		if err := os.WriteFile(srv.CAFile, srv.CACertPEM, 0o600); err != nil {
			t.Fatalf("vcfsim: writing the CA file: %v", err)
		}
	}
	return srv
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
