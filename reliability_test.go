package main

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	promcfg "github.com/prometheus/common/config"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// inProcess is the exporter as run() wires it (registry, collectors, mux,
// server limits), in the test process so that goleak sees its goroutines.
type inProcess struct {
	base     string
	registry *targets.Registry
	client   *http.Client
}

func startInProcess(t *testing.T, f *flags, static ...config.TargetConfig) *inProcess {
	t.Helper()
	logger := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	registry := targets.NewRegistry(targets.Options{MinRefreshInterval: f.minRefresh, UpgradeCheckInterval: 15 * time.Minute, Logger: logger})
	set, err := collector.NewSet(collector.Options{Logger: logger}, collector.DefaultEnabled()...)
	require.NoError(t, err)
	self := prometheus.NewRegistry()
	sc := config.NewFileConfig("", static, self)
	sc.Subscribe(followTargets(registry, set.ForgetTarget))
	require.NoError(t, sc.Reload())
	registerSelfMetrics(self, registry, false)
	addr := startServer(t, newMux(f, logger, registry, set, self, sc), defaultServerLimits(f.maxConns))
	p := &inProcess{base: "http://" + addr, registry: registry, client: &http.Client{Transport: &http.Transport{}}}
	t.Cleanup(func() {
		registry.Close()
		p.client.CloseIdleConnections()
	})
	return p
}

func testFlags() *flags {
	return &flags{metricsPath: "/metrics", scrapeTimeout: 30 * time.Second, timeoutOffset: 500 * time.Millisecond,
		minRefresh: 0, maxRequests: 8, maxConns: 512}
}

// scrape GETs path as Prometheus does with a scrape timeout of timeout
// seconds and returns the status, the body and how long the answer took.
func (p *inProcess) scrape(t *testing.T, path, timeout string) (int, string, time.Duration) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, p.base+path, nil)
	require.NoError(t, err)
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", timeout)
	start := time.Now()
	resp, err := p.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), time.Since(start)
}

// scrapeUntil scrapes (timeout header "2") until the body contains want,
// requiring every scrape on the way to succeed within the timeout.
func (p *inProcess) scrapeUntil(t *testing.T, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, body, took := p.scrape(t, "/metrics", "2")
		require.Equal(t, http.StatusOK, code, body)
		require.Less(t, took, 2*time.Second, "answered within the scrape timeout")
		if strings.Contains(body, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no scrape showed %q within %s; last:\n%s", want, within, grepLines(body, "vcf_up"))
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not a synchronisation
	}
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func simTargetConfig(srv *vcfsim.Server) config.TargetConfig {
	c := srv.Sim.Config()
	return config.TargetConfig{Name: "sim", URL: srv.URL, Username: c.Username, Password: promcfg.Secret(c.Password)}
}

// One scrape with an absurd timeout header must not blank the next
// scrape: the shared fetch is not cut short and its failure not cached.
func TestImpatientScrapeDoesNotBlankOthers(t *testing.T) {
	srv := startE2ESim(t)
	srv.Sim.SetFaults(vcfsim.Faults{Latency: 200 * time.Millisecond})
	f := testFlags()
	f.minRefresh = 10 * time.Second
	p := startInProcess(t, f, simTargetConfig(srv))
	code, _, _ := p.scrape(t, "/metrics", "0.001")
	require.Equal(t, http.StatusOK, code)
	code, body, _ := p.scrape(t, "/metrics", "10")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, `vcf_up{target="sim"} 1`)
	require.EqualValues(t, 1, srv.Sim.Stats()["GET /v1/hosts"], "one shared fetch")
}

// TestFaultMatrix breaks SDDC Manager (or the way to it) in every way vcfsim
// and the configuration allow: each scrape still answers within its
// timeout, vcf_up shows the failure, the exporter recovers by itself once
// the fault is gone, and no goroutine is left behind.
func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("fault matrix skipped in -short mode")
	}
	type env struct {
		srv *vcfsim.Server
		p   *inProcess
		tc  config.TargetConfig // the working target configuration
	}
	setFaults := func(f vcfsim.Faults) func(*testing.T, *env) {
		return func(_ *testing.T, e *env) { e.srv.Sim.SetFaults(f) }
	}
	apply := func(mod func(*config.TargetConfig)) func(*testing.T, *env) {
		return func(t *testing.T, e *env) {
			tc := e.tc
			if mod != nil {
				mod(&tc)
			}
			require.NoError(t, e.p.registry.Apply([]config.TargetConfig{tc}))
		}
	}
	clearFaults := setFaults(vcfsim.Faults{})
	for _, tc := range []struct {
		name       string
		tls        bool
		breakIt    func(*testing.T, *env)
		fix        func(*testing.T, *env)
		upDuringIt bool
	}{
		{name: "latency beyond the timeout", breakIt: setFaults(vcfsim.Faults{Latency: 3 * time.Second}), fix: clearFaults},
		{name: "5xx storm", breakIt: setFaults(vcfsim.Faults{ErrorRate: 1, ErrorCode: 500}), fix: clearFaults},
		{name: "outage 503", breakIt: setFaults(vcfsim.Faults{Outage: time.Hour}), fix: clearFaults},
		{name: "outage refused", breakIt: setFaults(vcfsim.Faults{Outage: time.Hour, OutageMode: "refuse"}), fix: clearFaults},
		{name: "malformed body", breakIt: setFaults(vcfsim.Faults{Malformed: "GET /v1/hosts"}), fix: clearFaults},
		{name: "truncated body", breakIt: setFaults(vcfsim.Faults{Truncate: "GET /v1/domains"}), fix: clearFaults},
		{name: "slow-drip body", breakIt: setFaults(vcfsim.Faults{SlowBody: 4 * time.Second}), fix: clearFaults},
		{name: "oversized body", breakIt: apply(func(c *config.TargetConfig) { c.MaxResponseSize = 16 << 10 }), fix: apply(nil)},
		{name: "revoked tokens", upDuringIt: true, breakIt: func(_ *testing.T, e *env) {
			e.srv.Sim.ExpireTokens()
			e.srv.Sim.RevokeRefreshTokens()
		}, fix: func(*testing.T, *env) {}},
		{name: "wrong CA", tls: true, breakIt: apply(func(c *config.TargetConfig) { c.TLSConfig.CAFile = "" }), fix: apply(nil)},
		{name: "unresolvable host", breakIt: apply(func(c *config.TargetConfig) { c.URL = "https://sddc-manager.invalid" }), fix: apply(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // runs last
			cfg := vcfsim.DefaultConfig()
			cfg.TLS = tc.tls
			srv, err := vcfsim.NewServer(cfg)
			require.NoError(t, err)
			t.Cleanup(func() { srv.Close() })
			e := &env{srv: srv, tc: simTargetConfig(srv)}
			if tc.tls {
				e.tc.TLSConfig.CAFile = filepath.Join(t.TempDir(), "ca.pem")
				require.NoError(t, os.WriteFile(e.tc.TLSConfig.CAFile, srv.CACertPEM, 0o600))
			}
			e.p = startInProcess(t, testFlags(), e.tc)
			e.p.scrapeUntil(t, `vcf_up{target="sim"} 1`, 30*time.Second)

			tc.breakIt(t, e)
			if tc.upDuringIt {
				e.p.scrapeUntil(t, `vcf_up{target="sim"} 1`, 30*time.Second)
				require.Positive(t, srv.Sim.Stats()["POST /v1/tokens"], "logged in again")
			} else {
				e.p.scrapeUntil(t, `vcf_up{target="sim"} 0`, 30*time.Second)
			}
			tc.fix(t, e)
			e.p.scrapeUntil(t, `vcf_up{target="sim"} 1`, 60*time.Second)
		})
	}
}

// The README's two jobs: a fast collect[] job with a short timeout beside a
// slow full one. The fast job may start a fetch it cannot wait for; the
// slow job joins that fetch and must see it succeed.
func TestFastJobBesideSlowJob(t *testing.T) {
	srv := startE2ESim(t)
	srv.Sim.SetFaults(vcfsim.Faults{Latency: 400 * time.Millisecond}) // each fetch outlives the fast job's 150 ms
	p := startInProcess(t, testFlags(), simTargetConfig(srv))         // min refresh 0: every scrape fetches
	for round := range 3 {
		code, body, _ := p.scrape(t, "/metrics?collect[]=domain", "0.3")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, `vcf_up{target="sim"} 0`, "round %d: the fast job gave up waiting", round)
		code, body, _ = p.scrape(t, "/metrics", "10")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, `vcf_up{target="sim"} 1`, "round %d: the slow job got the fetch the fast one started", round)
	}
}
