package influxsink

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/exposition"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// BenchmarkSink10kHosts measures the sink for a 10,000-host inventory
// (10 domains x 10 clusters x 100 hosts), the snapshot cached as between
// two scrapes:
//
//   - write: one write (render every collector, convert, encode, send to an
//     InfluxDB stand-in that reads and discards the body): points/s and
//     bytes/write.
//   - scrape: the latency of a /metrics scrape, alone;
//   - scrape-during-write: while a write is under way against an InfluxDB
//     that does not answer (the sink holds a full batch in flight): the
//     scrape shares nothing with it;
//   - scrape-during-render: while the sink renders without pause, the worst
//     case of CPU sharing (a real sink renders once per interval).
func BenchmarkSink10kHosts(b *testing.B) {
	simCfg := vcfsim.DefaultConfig()
	simCfg.Domains, simCfg.ClustersPerDomain, simCfg.HostsPerCluster, simCfg.UnassignedHosts = 10, 10, 100, 0
	e := newEnv(b, simCfg, targets.Options{MinRefreshInterval: time.Hour})
	var received atomic.Int64
	var hang atomic.Bool
	inFlight, release := make(chan struct{}, 1), make(chan struct{}, 1)
	influx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Add(n)
		if hang.Load() {
			select {
			case inFlight <- struct{}{}:
			default:
			}
			select {
			case <-release:
			case <-time.After(time.Minute):
			}
			hang.Store(false)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(influx.Close)
	sink := func() *Sink {
		s, err := New(config.InfluxDBConfig{Name: "bench", URL: influx.URL, Bucket: "vcf", Interval: model.Duration(time.Hour), Timeout: model.Duration(time.Hour)},
			"", e.src, e.metrics, slog.New(slog.DiscardHandler))
		require.NoError(b, err)
		b.Cleanup(func() { s.halt(); s.client.Close() })
		return s
	}
	s := sink()
	ctx := context.Background()
	write := func() int {
		n := s.Collect(ctx)
		_, err := s.drain(ctx)
		require.NoError(b, err)
		return n
	}
	h := exposition.MetricsHandler(exposition.HandlerOpts{Registry: e.reg, Set: e.set})
	scrape := func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		require.Equal(b, http.StatusOK, rec.Code)
	}
	write() // first fetch and upgrade check

	b.Run("write", func(b *testing.B) {
		received.Store(0)
		points, start := 0, time.Now()
		for b.Loop() {
			points += write()
		}
		b.ReportMetric(float64(points)/time.Since(start).Seconds(), "points/s")
		b.ReportMetric(float64(received.Load())/float64(b.N), "bytes/write")
		b.ReportMetric(float64(points)/float64(b.N), "points/write")
	})
	b.Run("scrape", func(b *testing.B) {
		runtime.GC() // start both scrape runs with the same heap
		for b.Loop() {
			scrape()
		}
	})
	b.Run("scrape-during-write", func(b *testing.B) {
		hang.Store(true)
		slow := sink()
		slow.start(false)
		slow.Collect(ctx)
		<-inFlight // the sink's write request is under way and hangs
		runtime.GC()
		for b.Loop() {
			scrape()
		}
		release <- struct{}{}
	})
	b.Run("scrape-during-render", func(b *testing.B) {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var writes atomic.Int64
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					write()
					writes.Add(1)
				}
			}
		})
		for writes.Load() == 0 { // a write is under way from here on
			scrape()
		}
		for b.Loop() {
			scrape()
		}
		close(stop)
		wg.Wait()
	})
}
