package influxsink

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/internal/influxtest"
	itestutil "github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// notFromTargetCollector are /metrics families the sink does not write:
// the API client's own metrics (not collectors of the inventory).
func notFromTargetCollector(name string) bool {
	return strings.HasPrefix(name, "vcf_api_") || strings.HasPrefix(name, "vcf_token_")
}

// TestSameValuesAsMetrics writes one snapshot of a vcfsim inventory to a
// real InfluxDB and checks every series /metrics shows for the same snapshot
// against what InfluxDB stored: every host, cluster, domain, SDDC Manager
// and target-level value, numbers and strings, and nothing else.
func TestSameValuesAsMetrics(t *testing.T) {
	db := influxtest.Start(t)
	bucket := db.CreateDatabase(t, "vcf")
	e := newEnv(t, vcfsim.DefaultConfig(), targets.Options{MinRefreshInterval: time.Hour})
	fams := e.scrape(t) // the snapshot the sink reuses (MinRefreshInterval)
	s, _ := e.sink(t, db, bucket, nil)

	ctx := context.Background()
	n := s.Collect(ctx)
	_, err := s.drain(ctx)
	require.NoError(t, err)
	written, dropped, errs := e.counters("test")
	require.Equal(t, float64(n), written)
	require.Zero(t, dropped)
	require.Zero(t, errs)

	got := stored(t, db, bucket)
	require.Len(t, got, n, "one point per entity")

	snapTime := time.UnixMilli(int64(math.Round(fams[timeMetric].GetMetric()[0].GetGauge().GetValue() * 1e3)))
	bySeries := map[string]map[string]any{}
	for p, fields := range got {
		require.True(t, p.time.Equal(snapTime), "%s at %s, snapshot at %s", p.series, p.time, snapTime)
		bySeries[p.series] = fields
	}

	// find returns the stored point of measurement with these tags, or else
	// the one whose tags include them (a merged point).
	find := func(measurement string, tags map[string]string) (string, map[string]any) {
		if fields, ok := bySeries[seriesKey(measurement, tags)]; ok {
			return seriesKey(measurement, tags), fields
		}
		var key string
		for k := range bySeries {
			m, rest, _ := strings.Cut(k, ",")
			if m != measurement {
				continue
			}
			have := map[string]string{}
			for _, kv := range strings.Split(rest, ",") {
				if a, b, ok := strings.Cut(kv, "="); ok {
					have[a] = b
				}
			}
			match := true
			for tk, tv := range tags {
				match = match && have[tk] == tv
			}
			if match {
				require.Empty(t, key, "%s %v matches two points", measurement, tags)
				key = k
			}
		}
		require.NotEmpty(t, key, "no point %s %v", measurement, tags)
		return key, bySeries[key]
	}

	checked := map[string]map[string]bool{} // fields accounted for, per series
	mark := func(key, field string) {
		if checked[key] == nil {
			checked[key] = map[string]bool{}
		}
		checked[key][field] = true
	}
	series := 0
	for name, mf := range fams {
		if !strings.HasPrefix(name, "vcf_") || notFromTargetCollector(name) {
			continue
		}
		measurement, base, ok := split(name)
		require.True(t, ok, name)
		info := strings.HasSuffix(base, "info")
		for _, m := range mf.GetMetric() {
			series++
			tags := map[string]string{}
			var desc []*dto.LabelPair
			state := ""
			for _, l := range m.GetLabel() {
				switch {
				case identityLabels[l.GetName()]:
					if l.GetValue() != "" {
						tags[l.GetName()] = l.GetValue()
					}
				case info:
					desc = append(desc, l)
				case l.GetName() == stateLabel:
					state = l.GetValue()
				default:
					tags[l.GetName()] = l.GetValue()
				}
			}
			key, fields := find(measurement, tags)
			switch {
			case info:
				infoName := strings.TrimSuffix(strings.TrimSuffix(base, "info"), "_")
				for _, l := range desc {
					f := infoField(infoName, l.GetName())
					assert.Equal(t, l.GetValue(), fields[f], "%s %s", key, f)
					mark(key, f)
				}
			case state != "":
				if m.GetGauge().GetValue() == 1 {
					assert.Equal(t, state, fields[base], "%s %s", key, base)
					mark(key, base)
				}
			default:
				v := m.GetGauge().GetValue()
				if m.GetCounter() != nil {
					v = m.GetCounter().GetValue()
				}
				require.Contains(t, fields, base, key)
				if !strings.HasPrefix(name, "vcf_scrape_") || !strings.HasSuffix(name, "_duration_seconds") { // the sink's render took its own time
					assert.Equal(t, v, fields[base], "%s %s", key, base)
				}
				mark(key, base)
			}
		}
	}
	t.Logf("%d series of /metrics in %d points", series, n)
	for key, fields := range bySeries {
		for f := range fields {
			assert.True(t, checked[key][f], "%s %s is in InfluxDB but not on /metrics", key, f)
		}
	}
	for _, kind := range []string{"vcf_host", "vcf_cluster", "vcf_domain", "vcf_sddc_manager"} {
		require.Contains(t, strings.Join(mapsKeys(bySeries), "\n"), kind+",", "no %s point", kind)
	}
}

func mapsKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestHomeAssistantQuery sends the Flux query of a Home Assistant influxdb
// sensor: a host's CPU use comes back as a number, a domain's current
// version as a string.
func TestHomeAssistantQuery(t *testing.T) {
	db := influxtest.Start(t)
	bucket := db.CreateDatabase(t, "vcf")
	e := newEnv(t, vcfsim.DefaultConfig(), targets.Options{MinRefreshInterval: time.Hour})
	fams := e.scrape(t)
	s, _ := e.sink(t, db, bucket, nil)
	s.Start() // the first write is at once
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		w, _, _ := e.counters("test")
		assert.Positive(c, w)
		assert.Zero(c, s.Buffered())
	}, 30*time.Second, 10*time.Millisecond)

	host := fams["vcf_host_cpu_used_hertz"].GetMetric()[0]
	hostName := label(host, "host")
	recs := db.Query(t, `from(bucket: "`+bucket+`")
  |> range(start: -15m)
  |> filter(fn: (r) => r._measurement == "vcf_host" and r.host == "`+hostName+`" and r._field == "cpu_used_hertz")
  |> last()`)
	require.Len(t, recs, 1)
	require.IsType(t, float64(0), recs[0].Value())
	require.Equal(t, host.GetGauge().GetValue(), recs[0].Value())

	ver := fams["vcf_domain_version_info"].GetMetric()[0]
	recs = db.Query(t, `from(bucket: "`+bucket+`")
  |> range(start: -15m)
  |> filter(fn: (r) => r._measurement == "vcf_domain" and r.domain == "`+label(ver, "domain")+`" and r._field == "version")
  |> last()`)
	require.Len(t, recs, 1)
	require.IsType(t, "", recs[0].Value())
	require.Equal(t, label(ver, "version"), recs[0].Value())
	require.Regexp(t, `^\d+\.\d+\.\d+\.\d+$`, recs[0].Value())
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestOutage stops InfluxDB while snapshots keep coming: what fits in the
// buffer arrives after the restart, exactly once; the oldest points beyond
// it are dropped and counted exactly.
func TestOutage(t *testing.T) {
	db := influxtest.Start(t)
	bucket := db.CreateDatabase(t, "vcf")
	clk := itestutil.NewClock(time.Now().Add(-time.Hour).Truncate(time.Second))
	simCfg := vcfsim.DefaultConfig()
	simCfg.Domains, simCfg.ClustersPerDomain, simCfg.HostsPerCluster, simCfg.UnassignedHosts = 2, 1, 2, 1
	e := newEnv(t, simCfg, targets.Options{MinRefreshInterval: 10 * time.Second, Now: clk.Now})

	ctx := context.Background()
	e.scrape(t) // login and first upgrade check, so that every snapshot has the same points
	per := e.src.Points(ctx)
	const snapshots = 6
	bufferSize := len(per)*5/2 + 1 // two and a half snapshots
	s, log := e.sink(t, db, bucket, func(c *config.InfluxDBConfig) { c.BufferSize = bufferSize; c.BatchSize = 7 })

	db.Stop(t)
	s.start(false) // the sender only: the test renders each snapshot itself
	produced := 0
	var times []time.Time
	for range snapshots {
		clk.Add(time.Minute)
		n := s.Collect(ctx)
		require.Equal(t, len(per), n)
		produced += n
		times = append(times, clk.Now())
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		_, dropped, errs := e.counters("test")
		assert.Positive(c, errs)
		assert.Equal(c, bufferSize, s.Buffered())
		assert.Equal(c, float64(produced-bufferSize), dropped)
	}, 30*time.Second, 5*time.Millisecond)
	require.Contains(t, log.String(), "InfluxDB write failed; points stay buffered")
	require.Equal(t, 1, strings.Count(log.String(), "InfluxDB write failed"), "one line per outage, not per retry")

	db.Restart(t)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		w, _, _ := e.counters("test")
		assert.Equal(c, float64(bufferSize), w)
		assert.Zero(c, s.Buffered())
	}, 30*time.Second, 10*time.Millisecond)
	require.Contains(t, log.String(), "InfluxDB writes succeed again")

	require.EqualValues(t, bufferSize, db.PointsReceived(t), "InfluxDB received every buffered point exactly once")
	perTime := map[time.Time]int{}
	for p := range stored(t, db, bucket) {
		perTime[p.time]++
	}
	// The newest snapshots are complete; the oldest lost their oldest points.
	left := bufferSize
	for i := snapshots - 1; i >= 0; i-- {
		want := min(left, len(per))
		left -= want
		require.Equal(t, want, perTime[times[i].UTC()], "snapshot %d (%s)", i, times[i])
	}
	_, dropped, _ := e.counters("test")
	require.Equal(t, float64(produced-bufferSize), dropped)
}
