package exposition

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	promcfg "github.com/prometheus/common/config"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

func scrapeWithTimeout(t *testing.T, url, timeoutHeader string) (*http.Response, error) {
	t.Helper()
	// No require here: it runs in goroutines too.
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if timeoutHeader != "" {
		req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", timeoutHeader)
	}
	return http.DefaultClient.Do(req)
}

// Beyond --web.max-requests a scrape waits for a slot until its deadline,
// then gets 503; a slot freed in time serves it.
func TestScrapeLimiter(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	lim := NewScrapeLimiter(1, 30*time.Second, 500*time.Millisecond)
	srv := httptest.NewServer(lim.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		if r.URL.Path == "/hold" {
			<-release
		}
		if dl, ok := r.Context().Deadline(); ok {
			_, _ = io.WriteString(w, time.Until(dl).String())
		}
	})))
	t.Cleanup(srv.Close)

	held := make(chan *http.Response)
	go func() {
		resp, err := scrapeWithTimeout(t, srv.URL+"/hold", "")
		if err == nil {
			held <- resp
		}
		close(held)
	}()
	<-entered // the only slot is taken

	start := time.Now()
	resp, err := scrapeWithTimeout(t, srv.URL+"/", "0.2") // 100 ms: half of the header
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Contains(t, string(body), "--web.max-requests=1")
	require.Less(t, time.Since(start), 5*time.Second)

	// A queued scrape is served as soon as the slot is free.
	queued := make(chan *http.Response)
	go func() {
		resp, err := scrapeWithTimeout(t, srv.URL+"/", "30")
		if err == nil {
			queued <- resp
		}
		close(queued)
	}()
	close(release)
	r1 := <-held
	require.NotNil(t, r1)
	_ = r1.Body.Close()
	r2 := <-queued
	require.NotNil(t, r2)
	b, _ := io.ReadAll(r2.Body)
	_ = r2.Body.Close()
	require.Equal(t, http.StatusOK, r2.StatusCode)
	left, err := time.ParseDuration(string(b))
	require.NoError(t, err)
	require.Greater(t, left, 20*time.Second, "the handler's deadline is the scrape's (29.5 s)")
	require.LessOrEqual(t, left, 29500*time.Millisecond)
}

// Writing is bounded too: an answer still being written when its deadline
// has passed fails instead of going on, and the scraper gets 503, not a
// truncated answer.
func TestScrapeLimiterWriteDeadline(t *testing.T) {
	writeErr := make(chan error, 1)
	offset := 400 * time.Millisecond
	lim := NewScrapeLimiter(0, 30*time.Second, offset)
	srv := httptest.NewServer(lim.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// An encoder still writing once its time is up: a write before
		// the collectors' deadline, one after the writing's (half the
		// offset later).
		chunk := make([]byte, 1<<10)
		_, err := w.Write(chunk)
		if err == nil {
			dl, _ := r.Context().Deadline()
			<-time.After(time.Until(dl.Add(offset/2 + time.Millisecond)))
			_, err = w.Write(chunk)
		}
		writeErr <- err
	})))
	t.Cleanup(srv.Close)
	start := time.Now()
	resp, err := scrapeWithTimeout(t, srv.URL, "1") // collectors stop at 600 ms, writing at 800 ms
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.ErrorIs(t, <-writeErr, os.ErrDeadlineExceeded)
	require.Less(t, time.Since(start), 5*time.Second)
}

// Identical scrapes at the same time share one answer; different ones do
// not.
func TestScrapeLimiterSharesAnswers(t *testing.T) {
	var calls, arrived atomic.Int32
	release := make(chan struct{})
	lim := NewScrapeLimiter(4, 30*time.Second, 500*time.Millisecond)
	limited := lim.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.URL.Query().Get("x") == "" {
			<-release
		}
		_, _ = fmt.Fprintf(w, "answer %d", n)
	}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		limited.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	const scrapers = 20
	bodies := make(chan string, scrapers)
	var wg sync.WaitGroup
	for range scrapers {
		wg.Go(func() {
			resp, err := scrapeWithTimeout(t, srv.URL+"/metrics", "10")
			if err != nil {
				bodies <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			bodies <- string(b)
		})
	}
	// All 20 are in flight (the first one holds the handler) before it is
	// released: wait until the server has seen them.
	require.Eventually(t, func() bool { return arrived.Load() == scrapers }, 10*time.Second, time.Millisecond)
	resp, err := scrapeWithTimeout(t, srv.URL+"/metrics?x=1", "10")
	require.NoError(t, err)
	resp.Body.Close()
	require.EqualValues(t, 2, calls.Load(), "a different URL is not shared")
	close(release)
	wg.Wait()
	close(bodies)
	distinct := map[string]int{}
	for b := range bodies {
		distinct[b]++
	}
	require.LessOrEqual(t, int(calls.Load()), 3, "answers were shared: %v", distinct)
	for b := range distinct {
		require.True(t, strings.HasPrefix(b, "answer "), b)
	}
}

// BenchmarkConcurrentScrapes: 200 goroutines scrape /metrics of a
// 1,000-host inventory (cached snapshot) directly, and through the
// ScrapeLimiter (8 at once, identical scrapes shared).
func BenchmarkConcurrentScrapes(b *testing.B) {
	cfg := vcfsim.DefaultConfig()
	cfg.Domains, cfg.ClustersPerDomain, cfg.HostsPerCluster, cfg.UnassignedHosts = 5, 4, 50, 0
	cfg.Now = func() time.Time { return fixedNow }
	srv, err := vcfsim.NewServer(cfg)
	require.NoError(b, err)
	b.Cleanup(func() { srv.Close() })
	r := targets.NewRegistry(targets.Options{MinRefreshInterval: time.Hour})
	b.Cleanup(r.Close)
	require.NoError(b, r.Apply([]config.TargetConfig{{Name: "sim", URL: srv.URL, Username: cfg.Username, Password: promcfg.Secret(cfg.Password)}}))
	direct := MetricsHandler(HandlerOpts{Registry: r, Set: newSet(b, collector.DefaultEnabled()...)})
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{
		{"direct", direct},
		{"limited", NewScrapeLimiter(8, 30*time.Second, 500*time.Millisecond).Wrap(direct)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			scrape := func() {
				rec := httptest.NewRecorder()
				bc.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
				if rec.Code != http.StatusOK {
					b.Errorf("HTTP %d", rec.Code)
				}
			}
			scrape() // login, first upgrade check
			b.SetParallelism(100)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					scrape()
				}
			})
		})
	}
}
