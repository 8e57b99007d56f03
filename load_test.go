package main

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// loadScrapers and loadScrapesEach make the load test: 200 concurrent
// scrapers of a 1,000-host inventory, a fixed number of scrapes each so
// that the run is bounded and the same on every machine.
const (
	loadScrapers    = 200
	loadScrapesEach = 3
	loadTimeout     = 10 * time.Second // the scrapers' timeout header
)

// peakHeap samples the heap in use until stop is closed.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// TestLoad: no scrape fails or answers after its timeout, SDDC Manager
// sees at most one inventory refresh per minimum refresh interval, and the
// heap stays bounded (--web.max-requests); the peak is reported.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	cfg := vcfsim.DefaultConfig()
	cfg.Domains, cfg.ClustersPerDomain, cfg.HostsPerCluster, cfg.UnassignedHosts = 5, 4, 50, 0
	srv, err := vcfsim.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	f := testFlags()
	f.minRefresh = time.Second
	p := startInProcess(t, f, simTargetConfig(srv))
	tr := p.client.Transport.(*http.Transport)
	tr.MaxIdleConnsPerHost = loadScrapers
	// The scrapers ask for gzip, as Prometheus does, but run in this
	// process on the same CPUs: they count the compressed bytes, so that
	// their own decompression does not count against the exporter.
	tr.DisableCompression = true
	// Warm up: the first scrape fetches the inventory and runs the first
	// upgrade check.
	code, body, _ := p.scrape(t, "/metrics", "30")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, `vcf_up{target="sim"} 1`)
	srv.Sim.ResetStats()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.HeapInuse

	stop := make(chan struct{})
	peak := peakHeap(stop)
	var (
		wg      sync.WaitGroup
		slowest atomic.Int64
		mu      sync.Mutex
		fails   []string
	)
	start := time.Now()
	for i := range loadScrapers {
		wg.Go(func() {
			for range loadScrapesEach {
				req, _ := http.NewRequest(http.MethodGet, p.base+"/metrics", nil)
				req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", fmt.Sprint(loadTimeout.Seconds()))
				req.Header.Set("Accept-Encoding", "gzip")
				begin := time.Now()
				resp, err := p.client.Do(req)
				var n int64
				if err == nil {
					n, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				took := time.Since(begin)
				for old := slowest.Load(); int64(took) > old; old = slowest.Load() {
					if slowest.CompareAndSwap(old, int64(took)) {
						break
					}
				}
				mu.Lock()
				switch {
				case err != nil:
					fails = append(fails, fmt.Sprintf("scraper %d: %v", i, err))
				case resp.StatusCode != http.StatusOK:
					fails = append(fails, fmt.Sprintf("scraper %d: HTTP %d", i, resp.StatusCode))
				case took > loadTimeout:
					fails = append(fails, fmt.Sprintf("scraper %d: answered after %s", i, took))
				case resp.Header.Get("Content-Encoding") != "gzip":
					fails = append(fails, fmt.Sprintf("scraper %d: not gzip", i))
				case n < 50_000:
					fails = append(fails, fmt.Sprintf("scraper %d: only %d bytes", i, n))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	peakInUse := <-peak
	refreshes := srv.Sim.Stats()["GET /v1/hosts"]
	t.Logf("%d scrapes of %d hosts by %d concurrent scrapers in %s (slowest %s); inventory refreshes: %d; heap in use: %d MiB before, peak %d MiB",
		loadScrapers*loadScrapesEach, cfg.Domains*cfg.ClustersPerDomain*cfg.HostsPerCluster, loadScrapers, elapsed.Round(time.Millisecond),
		time.Duration(slowest.Load()).Round(time.Millisecond), refreshes, before>>20, peakInUse>>20)
	require.Empty(t, fails)
	require.LessOrEqual(t, refreshes, int64(elapsed/f.minRefresh)+1, "at most one refresh per minimum refresh interval")
	require.Less(t, peakInUse, before+256<<20, "heap bounded by --web.max-requests")
}
