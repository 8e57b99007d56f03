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
// (10 domains x 10 clusters x 100 hosts): "fetch" asks the simulator on every
// scrape, "cached" reuses the snapshot (--vcf.min-refresh-interval).
func BenchmarkScrape10kHosts(b *testing.B) {
	srv := vcfsim.NewTest(b, vcfsim.WithInventory(10, 10, 100, 0), vcfsim.FrozenAt(fixedNow))
	user, pass := srv.Credentials()

	for _, bc := range []struct {
		name       string
		minRefresh time.Duration
	}{{"fetch", -1}, {"cached", time.Hour}} {
		b.Run(bc.name, func(b *testing.B) {
			r := targets.NewRegistry(targets.Options{MinRefreshInterval: bc.minRefresh})
			b.Cleanup(r.Close)
			require.NoError(b, r.Apply([]config.TargetConfig{{
				Name: "big", URL: srv.URL, Username: user, Password: promcfg.Secret(pass),
			}}))
			h := MetricsHandler(HandlerOpts{Registry: r, Set: newSet(b, DefaultEnabled()...)})
			scrape := func() int {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
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
