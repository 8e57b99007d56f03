package collector

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	promcfg "github.com/prometheus/common/config"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// BenchmarkScrape10kHosts serves /metrics for a simulator with 10,000 hosts
// (10 domains x 10 clusters x 100 hosts) per simulated API version (9.0.2
// pages /v1/hosts by 100): "fetch" asks the simulator on every scrape,
// "cached" reuses the snapshot (--vcf.min-refresh-interval).
func BenchmarkScrape10kHosts(b *testing.B) {
	for _, version := range vcfsim.Versions() {
		b.Run(version, func(b *testing.B) { benchScrape10kHosts(b, version) })
	}
}

func benchScrape10kHosts(b *testing.B, version string) {
	cfg := vcfsim.DefaultConfig()
	cfg.VCFVersion = version
	cfg.Domains, cfg.ClustersPerDomain, cfg.HostsPerCluster, cfg.UnassignedHosts = 10, 10, 100, 0
	cfg.Now = func() time.Time { return fixedNow }
	srv, err := vcfsim.NewServer(cfg)
	require.NoError(b, err)
	b.Cleanup(func() { srv.Close() })

	for _, bc := range []struct {
		name       string
		minRefresh time.Duration
	}{{"fetch", -1}, {"cached", time.Hour}} {
		b.Run(bc.name, func(b *testing.B) {
			r := targets.NewRegistry(targets.Options{MinRefreshInterval: bc.minRefresh})
			b.Cleanup(r.Close)
			require.NoError(b, r.Apply([]config.TargetConfig{{
				Name: "big", URL: srv.URL, Username: cfg.Username, Password: promcfg.Secret(cfg.Password),
			}}))
			h := MetricsHandler(HandlerOpts{Registry: r, Set: newSet(b, DefaultEnabled()...)})
			scrape := func() int {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
				require.Equal(b, http.StatusOK, rec.Code)
				return rec.Body.Len()
			}
			size := scrape() // login, first upgrade check
			for b.Loop() {
				scrape()
			}
			b.ReportMetric(float64(size), "bytes/scrape")
		})
	}
}
