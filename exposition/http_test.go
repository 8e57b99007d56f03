package exposition

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	promcfg "github.com/prometheus/common/config"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
)

func TestScrapeTimeout(t *testing.T) {
	req := func(h string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if h != "" {
			r.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", h)
		}
		return r
	}
	def, off := 30*time.Second, 500*time.Millisecond
	require.Equal(t, def, ScrapeTimeout(req(""), def, off))
	require.Equal(t, def, ScrapeTimeout(req("bogus"), def, off))
	require.Equal(t, def, ScrapeTimeout(req("-1"), def, off))
	require.Equal(t, 9500*time.Millisecond, ScrapeTimeout(req("10"), def, off))
	require.Equal(t, 500*time.Millisecond, ScrapeTimeout(req("1"), def, off))
	require.Equal(t, 250*time.Millisecond, ScrapeTimeout(req("0.5"), def, off), "never less than half")
	require.Equal(t, 100*time.Millisecond, ScrapeTimeout(req("0.001"), def, off), "absurdly short: clamped")
	require.Equal(t, 10*time.Minute-off, ScrapeTimeout(req("1e300"), def, off), "absurdly long: clamped, no overflow")
	require.Equal(t, def, ScrapeTimeout(req("NaN"), def, off))
	require.Equal(t, def, ScrapeTimeout(req("+Inf"), def, off))
}

func serve(t *testing.T, h http.Handler, target string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	b, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	return rec.Code, string(b)
}

func TestHandlers(t *testing.T) {
	srv := smallSim(t)
	cfg := srv.Sim.Config()
	r := targets.NewRegistry(targets.Options{})
	t.Cleanup(r.Close)
	tc := func(name string) config.TargetConfig {
		return config.TargetConfig{Name: name, URL: srv.URL, Username: cfg.Username, Password: promcfg.Secret(cfg.Password)}
	}
	require.NoError(t, r.Apply([]config.TargetConfig{tc("a"), tc("b")}))
	opts := HandlerOpts{Registry: r, Set: newSet(t, "domain", "sddc_manager")}

	code, body := serve(t, MetricsHandler(opts), "/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, `vcf_up{target="a"} 1`)
	require.Contains(t, body, `vcf_up{target="b"} 1`)
	require.Contains(t, body, `vcf_sddc_manager_info{domain="mgmt-domain",fqdn="sfo-vcf01.sfo.rainpole.io",major_version="5",target="b",version=`)
	require.Contains(t, body, `vcf_api_requests_total{code="200",endpoint="/v1/hosts",method="GET",target="a"} 1`,
		"client metrics carry the target label and include this scrape's requests")

	code, body = serve(t, ProbeHandler(opts), "/probe?target=b")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "\nvcf_up 1\n")
	require.NotContains(t, body, `target="`)
	require.NotContains(t, body, "vcf_api_requests_total")

	// collect[] filter.
	code, body = serve(t, ProbeHandler(opts), "/probe?target=a&collect[]=sddc_manager")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "vcf_sddc_manager_info{")
	require.NotContains(t, body, "vcf_domain_info")
	require.Contains(t, body, `vcf_scrape_collector_success{collector="sddc_manager"} 1`)
	require.NotContains(t, body, `collector="domain"`)
	code, body = serve(t, MetricsHandler(opts), "/metrics?collect[]=host")
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, body, `collector "host" is unknown or disabled (enabled: domain, sddc_manager)`)

	code, body = serve(t, ProbeHandler(opts), "/probe?target=c")
	require.Equal(t, http.StatusBadRequest, code)
	require.Contains(t, body, `unknown target "c"; known targets: a, b`)
	code, body = serve(t, ProbeHandler(opts), "/probe")
	require.Equal(t, http.StatusBadRequest, code)
	require.True(t, strings.HasPrefix(body, "'target' parameter is missing"))
}
