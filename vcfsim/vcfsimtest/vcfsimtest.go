// Package vcfsimtest starts vcfsim simulators for tests, as govmomi's
// simulator.Test does for vCenter. It lives apart from vcfsim so that the
// exporter, which embeds the simulator for --simulator, links no testing
// code.
package vcfsimtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// New starts a simulator for the test t on a free loopback port, from
// vcfsim.DefaultConfig adjusted by opts, and closes it when t ends. The
// Server gives the test what it needs to connect: URL, Credentials, and
// with TLS the CA as PEM (CACertPEM), as a file (CAFile) and as a client
// configuration (TLSClientConfig).
func New(t testing.TB, opts ...vcfsim.Option) *vcfsim.Server {
	t.Helper()
	srv, err := vcfsim.Start(opts...)
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
