package vcfsim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func bigConfig() Config {
	cfg := DefaultConfig()
	cfg.Domains, cfg.ClustersPerDomain, cfg.HostsPerCluster = 20, 5, 100
	return cfg
}

// loginDirect returns an access token without going through HTTP.
func loginDirect(s *Simulator) string {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	return s.issueAccess(s.realNow())
}

// BenchmarkHostsList serves GET /v1/hosts at 10,000 hosts (plus 2
// unassigned) through the handler, reporting time and bytes per response.
func BenchmarkHostsList(b *testing.B) {
	s, err := New(bigConfig())
	if err != nil {
		b.Fatal(err)
	}
	auth := "Bearer " + loginDirect(s)
	var size int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodGet, "/v1/hosts", nil)
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
		size = rec.Body.Len()
	}
	b.SetBytes(int64(size))
	b.ReportMetric(float64(size), "bytes/response")
	b.ReportMetric(float64(size)/10002, "bytes/host")
}

// BenchmarkHostsListHTTP is the same over a real loopback connection,
// including the client reading the whole body.
func BenchmarkHostsListHTTP(b *testing.B) {
	srv := startTest(b, func(c *Config) { *c = bigConfig() })
	auth := "Bearer " + loginDirect(srv.Sim)
	hc := srv.Client()
	var size int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/hosts", nil)
		req.Header.Set("Authorization", auth)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		size, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, %v", resp.StatusCode, err)
		}
	}
	b.SetBytes(size)
	b.ReportMetric(float64(size), "bytes/response")
}

// BenchmarkStartup10k builds the 10,000-host simulator.
func BenchmarkStartup10k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := New(bigConfig()); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/startup")
	}
}

// TestHostsListLarge checks the 10,000-host listing is complete and valid.
func TestHostsListLarge(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("large inventory: skipped with -short and -race")
	}
	s, err := New(bigConfig())
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/v1/hosts", nil)
	req.Header.Set("Authorization", "Bearer "+loginDirect(s))
	rec := httptest.NewRecorder()
	start := time.Now()
	s.ServeHTTP(rec, req)
	t.Logf("GET /v1/hosts: %d bytes in %s", rec.Body.Len(), time.Since(start))
	var page hostsPage
	mustJSON(t, rec.Body.Bytes(), &page)
	if len(page.Elements) != 10002 || !strings.HasPrefix(page.Elements[0].EsxiVersion, "8.0.2") {
		t.Fatalf("%d hosts", len(page.Elements))
	}
}
