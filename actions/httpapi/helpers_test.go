package httpapi

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/actions"
	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
	"github.com/vcf-exporter/vcf_exporter/vcfsim/vcfsimtest"
)

const testToken = "s3cret-test-token-0123456789abcdef"

var authHdr = map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/json"}

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveBuilds()
	os.Exit(code)
}

// clients are the engine's SDDC Managers by target name.
type clients map[string]actions.Client

func (c clients) Names() []string {
	var out []string
	for n := range c {
		out = append(out, n)
	}
	return out
}

func (c clients) Client(name string) (actions.Client, bool) {
	cl, ok := c[name]
	return cl, ok
}

func (c clients) CheckUpdates(context.Context, string) error { return nil }
func (c clients) URL(string) string                          { return "" }
func (c clients) KnownDomains(string) []string               { return nil }

// simOptions make a small, fast simulator: one management domain, two
// clusters of two hosts; ten simulated hours per real second.
func simOptions() []vcfsim.Option {
	return []vcfsim.Option{vcfsim.WithInventory(1, 2, 2, 0), vcfsim.WithTimeScale(36000)}
}

// newTestClient gives up at once: no test here waits for retries.
func newTestClient(t *testing.T, url string) *vcfclient.Client {
	t.Helper()
	d := time.Millisecond
	c, err := vcfclient.New(vcfclient.Config{URL: url, Username: "admin@local", Password: "VMware1!VMware1!",
		MaxRetries: 1, RetryBaseDelay: d, RetryMaxDelay: d, MaxRetryAfter: d, LoginBackoff: d, LoginBackoffMax: d, TokenTimeout: 5 * time.Second})
	require.NoError(t, err)
	return c
}

func startEngine(t *testing.T, cs clients) *actions.Engine {
	t.Helper()
	e, err := actions.New(cs, actions.Options{
		StoragePath:  t.TempDir(),
		PollInterval: 5 * time.Millisecond,
		Logger:       slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	e.Start(context.Background())
	t.Cleanup(e.Stop)
	return e
}

// offlineEngine is an engine whose targets never answer (security tests
// that must not reach an SDDC Manager).
func offlineEngine(t *testing.T, names ...string) *actions.Engine {
	t.Helper()
	cs := clients{}
	for _, n := range names {
		cs[n] = newTestClient(t, "http://127.0.0.1:1")
	}
	return startEngine(t, cs)
}

// simEngine is an engine over one simulator, target "sim"; domain is the
// name of its management domain.
func simEngine(t *testing.T) (e *actions.Engine, domain string) {
	t.Helper()
	srv := vcfsimtest.New(t, simOptions()...)
	c := newTestClient(t, srv.URL)
	ds, err := c.Domains(context.Background())
	require.NoError(t, err)
	return startEngine(t, clients{"sim": c}), ds[0].Name
}
