package exposition

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/collector"
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
	srv := sizedSim(b, 10, 10, 100, 0, vcfsim.WithVCFVersion(version))

	for _, bc := range []struct {
		name       string
		minRefresh time.Duration
		gzip       bool
	}{{"fetch", -1, false}, {"fetch-gzip", -1, true}, {"cached", time.Hour, false}, {"cached-gzip", time.Hour, true}} {
		b.Run(bc.name, func(b *testing.B) {
			r := simRegistry(b, srv, targets.Options{MinRefreshInterval: bc.minRefresh}, "big")
			h := MetricsHandler(HandlerOpts{Registry: r, Set: newSet(b, collector.DefaultEnabled()...)})
			scrape := func() int {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
				if bc.gzip {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				h.ServeHTTP(rec, req)
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
