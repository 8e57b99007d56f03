package influxsink

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	promcfg "github.com/prometheus/common/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/internal/influxtest"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// TestBadSettings: a wrong token, a missing bucket and an unreachable URL
// each give one clear line at start (and from Check, i.e. --config.check),
// never containing the token; the points stay buffered.
func TestBadSettings(t *testing.T) {
	db := influxtest.Start(t)
	bucket := db.CreateDatabase(t, "vcf")
	e := newEnv(t, vcfsim.DefaultConfig(), targets.Options{MinRefreshInterval: time.Hour})
	closed := func() string { // a loopback port nobody listens on
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer func() { _ = l.Close() }()
		return "http://" + l.Addr().String()
	}()
	const wrongToken = "admin:not-the-password-4711"
	for _, tc := range []struct {
		name string
		mod  func(*config.InfluxDBConfig)
		want string
	}{
		{"wrong token", func(c *config.InfluxDBConfig) { c.Token = wrongToken }, "rejected the token (HTTP 401"},
		{"missing bucket", func(c *config.InfluxDBConfig) { c.Bucket = "nosuchdb/autogen" }, `bucket "nosuchdb/autogen" not found`},
		{"unreachable", func(c *config.InfluxDBConfig) { c.URL = closed }, "cannot reach InfluxDB at " + closed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, log := e.sink(t, db, bucket, tc.mod)
			err := s.Check(context.Background())
			require.ErrorContains(t, err, tc.want)
			require.NotContains(t, err.Error(), "not-the-password")
			require.NotContains(t, err.Error(), influxtest.Password)

			s.Start()
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				assert.Contains(c, log.String(), "InfluxDB sink misconfigured or unreachable")
				_, _, errs := e.counters("test")
				assert.Positive(c, errs)
			}, 30*time.Second, 10*time.Millisecond)
			s.halt()
			require.Equal(t, 1, strings.Count(log.String(), "level=ERROR"), "one line: %s", log.String())
			require.Contains(t, log.String(), strings.ReplaceAll(tc.want, `"`, `\"`))
			require.NotContains(t, log.String(), "not-the-password")
			require.NotContains(t, log.String(), influxtest.Password)
			require.Positive(t, s.Buffered(), "points are kept for when the settings are fixed")
		})
	}

	t.Run("good", func(t *testing.T) {
		s, log := e.sink(t, db, bucket, nil)
		require.NoError(t, s.Check(context.Background()))
		require.Zero(t, db.PointsReceived(t), "the check writes nothing")
		s.Start()
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Contains(c, log.String(), "InfluxDB sink ready")
		}, 30*time.Second, 10*time.Millisecond)
	})
}

// TestCheck is --config.check: flags and file sinks, each asked.
func TestCheck(t *testing.T) {
	db := influxtest.Start(t)
	bucket := db.CreateDatabase(t, "vcf")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tok"), []byte(db.Token+"\n"), 0o600))
	c := &config.Config{InfluxDB: []config.InfluxDBConfig{
		{Name: "good", URL: db.URL, Bucket: bucket, TokenFile: filepath.Join(dir, "tok")},
		{Name: "nobucket", URL: db.URL, Bucket: "missing", Token: promcfg.Secret(db.Token)},
	}}
	var out strings.Builder
	t.Setenv(TokenEnv, "admin:wrong-env-token")
	err := Check(context.Background(), &Flags{URL: db.URL, Bucket: bucket}, c, &out)
	require.Error(t, err)
	msg := err.Error()
	require.Contains(t, msg, `influxdb "`+strings.TrimPrefix(db.URL, "http://")+`": InfluxDB at `+db.URL+` rejected the token`)
	require.Contains(t, msg, `influxdb "nobucket": bucket "missing" not found`)
	require.NotContains(t, msg, "wrong-env-token")
	require.NotContains(t, msg, influxtest.Password)
	require.Contains(t, out.String(), `influxdb "good": OK`)

	t.Setenv(TokenEnv, "")
	_, err = configs(&Flags{Bucket: "b"}, nil)
	require.ErrorContains(t, err, "without --influxdb.url")
	t.Setenv(TokenEnv, "x")
	_, err = configs(&Flags{URL: db.URL, Bucket: "b", TokenFile: "f"}, nil)
	require.ErrorContains(t, err, "use one")
}

// TestStopFlushes: Stop (SIGTERM) writes what is buffered; without InfluxDB
// it gives up after the timeout.
func TestStopFlushes(t *testing.T) {
	db := influxtest.Start(t)
	bucket := db.CreateDatabase(t, "vcf")
	e := newEnv(t, vcfsim.DefaultConfig(), targets.Options{MinRefreshInterval: time.Hour})

	s, _ := e.sink(t, db, bucket, nil)
	s.Backoff.Min, s.Backoff.Max = time.Hour, time.Hour // the sender would not retry before Stop
	db.Stop(t)
	s.start(false)
	n := s.Collect(context.Background())
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		_, _, errs := e.counters("test")
		assert.Positive(c, errs)
		assert.Equal(c, n, s.Buffered())
	}, 30*time.Second, 5*time.Millisecond)
	db.Restart(t)
	require.Zero(t, s.Stop())
	written, _, _ := e.counters("test")
	require.Equal(t, float64(n), written)
	require.EqualValues(t, n, db.PointsReceived(t))

	s2, log := e.sink(t, db, bucket, func(c *config.InfluxDBConfig) { c.Timeout = 1e9 / 5 }) // 200ms
	db.Stop(t)
	n = s2.Collect(context.Background())
	start := time.Now()
	require.Equal(t, n, s2.Stop())
	require.Less(t, time.Since(start), 5*time.Second, "the flush is bounded by the timeout")
	require.Contains(t, log.String(), "stopped with unwritten points")
}

// TestManagerReload: sinks follow configuration reloads; a changed sink
// keeps its buffer, a removed one loses its metrics; stopping leaves no
// goroutine behind.
func TestManagerReload(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // runs last
	db := influxtest.Start(t)
	bucket := db.CreateDatabase(t, "vcf")
	e := newEnv(t, vcfsim.DefaultConfig(), targets.Options{MinRefreshInterval: time.Hour})
	cur := &config.Config{InfluxDB: []config.InfluxDBConfig{{Name: "a", URL: db.URL, Bucket: bucket, Token: promcfg.Secret(db.Token), Interval: 3600e9}}}
	c := config.NewSafeConfig()
	c.Set(cur)
	self := prometheus.NewRegistry()
	m, err := newManager(&Flags{}, c, e.reg, e.set, self, discard())
	require.NoError(t, err)
	t.Cleanup(m.Stop)
	written := func(sink string) float64 {
		return testutil.ToFloat64(m.metrics.written.WithLabelValues(sink))
	}
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		assert.Positive(ct, written("a"))
	}, 30*time.Second, 10*time.Millisecond)

	// Renamed: a goes (with its metrics), b comes.
	b := config.InfluxDBConfig{Name: "b", URL: db.URL, Bucket: bucket, Token: promcfg.Secret(db.Token), Interval: 3600e9}
	c.Set(&config.Config{InfluxDB: []config.InfluxDBConfig{b}})
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		out, _ := self.Gather()
		var sinks []string
		for _, mf := range out {
			if mf.GetName() == "vcf_influxdb_points_written_total" {
				for _, m := range mf.GetMetric() {
					sinks = append(sinks, label(m, "sink"))
				}
			}
		}
		assert.Equal(ct, []string{"b"}, sinks)
		assert.Positive(ct, written("b"))
	}, 30*time.Second, 10*time.Millisecond)

	// Changed while InfluxDB is down: the new b takes over the old one's buffer.
	db.Stop(t)
	old := m.Sinks()[0]
	n := old.Collect(context.Background())
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		assert.Equal(ct, n, old.Buffered()) // back from its failed write
	}, 30*time.Second, 10*time.Millisecond)
	b.BatchSize = 7
	c.Set(&config.Config{InfluxDB: []config.InfluxDBConfig{b}})
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		s := m.Sinks()[0]
		if s == old { // (NotSame would read the old one by reflection)
			ct.Errorf("no new sink yet")
		}
		assert.GreaterOrEqual(ct, s.Buffered(), n, "the old buffer plus the new sink's first render")
	}, 30*time.Second, 10*time.Millisecond)
	before := written("b")
	db.Restart(t)
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		assert.Zero(ct, m.Sinks()[0].Buffered())
		assert.GreaterOrEqual(ct, written("b")-before, float64(2*n))
	}, 30*time.Second, 10*time.Millisecond)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
