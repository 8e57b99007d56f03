package influxsink

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/influxdata/influxdb-client-go/v2/api/query"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	promcfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/internal/influxtest"
	"github.com/vcf-exporter/vcf_exporter/internal/scrapetest"
	itestutil "github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// env is a simulator watched by a target registry, with the collector set
// of /metrics.
type env struct {
	sim     *vcfsim.Server
	reg     *targets.Registry
	set     *collector.Set
	self    *prometheus.Registry
	metrics *Metrics
	src     *Source
}

func newEnv(t testing.TB, simCfg vcfsim.Config, opts targets.Options) *env {
	t.Helper()
	sim, err := vcfsim.NewServer(simCfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sim.Close() })
	reg := targets.NewRegistry(opts)
	t.Cleanup(reg.Close)
	require.NoError(t, reg.Apply([]config.TargetConfig{{
		Name: "lab", URL: sim.URL, Username: simCfg.Username, Password: promcfg.Secret(simCfg.Password),
	}}))
	set, err := collector.NewSet(collector.Options{}, collector.DefaultEnabled()...)
	require.NoError(t, err)
	self := prometheus.NewRegistry()
	return &env{sim: sim, reg: reg, set: set, self: self, metrics: NewMetrics(self),
		src: &Source{Registry: reg, Set: set, Extra: self}}
}

// sink builds (does not start) a sink writing to db's bucket.
func (e *env) sink(t testing.TB, db *influxtest.Server, bucket string, mod func(*config.InfluxDBConfig)) (*Sink, *itestutil.Buffer) {
	t.Helper()
	cfg := config.InfluxDBConfig{Name: "test", URL: db.URL, Bucket: bucket, Token: promcfg.Secret(db.Token),
		Interval: model.Duration(time.Hour), BatchSize: 50}
	if mod != nil {
		mod(&cfg)
	}
	log := &itestutil.Buffer{}
	s, err := New(cfg, cfg.Token, e.src, e.metrics, slog.New(slog.NewTextHandler(log, nil)))
	require.NoError(t, err)
	s.Backoff.Min, s.Backoff.Max = 10*time.Millisecond, 50*time.Millisecond
	t.Cleanup(func() { s.halt(); s.client.Close() })
	return s, log
}

// counters returns the sink's written, dropped and error counters.
func (e *env) counters(name string) (written, dropped, errs float64) {
	return testutil.ToFloat64(e.metrics.written.WithLabelValues(name)),
		testutil.ToFloat64(e.metrics.dropped.WithLabelValues(name)),
		testutil.ToFloat64(e.metrics.errors.WithLabelValues(name))
}

// scrape serves /metrics like the exporter and parses it.
func (e *env) scrape(t testing.TB) map[string]*dto.MetricFamily {
	return scrapetest.Metrics(t, e.reg, e.set)
}

// point identifies one stored point.
type point struct {
	series string // seriesKey
	time   time.Time
}

// stored reads back every point of a bucket with its fields.
func stored(t testing.TB, db *influxtest.Server, bucket string) map[point]map[string]any {
	t.Helper()
	points := map[point]map[string]any{}
	for _, r := range db.Query(t, `from(bucket: "`+bucket+`") |> range(start: 0, stop: 2100-01-01T00:00:00Z)`) {
		k := point{seriesKey(r.Measurement(), tagsOf(r)), r.Time()}
		if points[k] == nil {
			points[k] = map[string]any{}
		}
		points[k][r.Field()] = r.Value()
	}
	return points
}

// seriesKey names a point: measurement, then its tags sorted.
func seriesKey(measurement string, tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(measurement)
	for _, k := range keys {
		fmt.Fprintf(&b, ",%s=%s", k, tags[k])
	}
	return b.String()
}

// tagsOf returns a Flux record's tags (its columns that are not Flux's own).
func tagsOf(r *query.FluxRecord) map[string]string {
	tags := map[string]string{}
	for k, v := range r.Values() {
		switch k {
		case "result", "table", "_start", "_stop", "_time", "_value", "_field", "_measurement":
			continue
		}
		if s, ok := v.(string); ok {
			tags[k] = s
		}
	}
	return tags
}
