package collector

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/internal/simtest"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
	"github.com/vcf-exporter/vcf_exporter/vcfsim/vcfsimtest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.prom from the current output")

var (
	fixedNow    = simtest.FixedNow
	smallSim    = simtest.Small
	sizedSim    = simtest.Sized
	simRegistry = simtest.Registry
	mustGet     = simtest.Get
)

func newTarget(t testing.TB, srv *vcfsim.Server, opts targets.Options) *targets.Target {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	return mustGet(t, simRegistry(t, srv, opts, "sim"), "sim")
}

func newSet(t testing.TB, names ...string) *Set {
	t.Helper()
	s, err := NewSet(Options{}, names...)
	require.NoError(t, err)
	return s
}

// metricNames lists the metric families of an exposition text.
func metricNames(t *testing.T, text string) []string {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	require.NoError(t, err)
	var names []string
	for n := range fams {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// volatile families measure how long something took: the golden files hold
// them, with the value 0.
var volatile = map[string]bool{
	"vcf_scrape_collector_duration_seconds":  true,
	"vcf_scrape_duration_seconds":            true,
	"vcf_inventory_refresh_duration_seconds": true,
}

// exposition gathers one scrape of tg by set and encodes it as text,
// volatile values zeroed.
func exposition(t *testing.T, set *Set, tg *targets.Target) string {
	t.Helper()
	mfs, err := set.Gather(t.Context(), tg, nil)
	require.NoError(t, err)
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if volatile[mf.GetName()] {
			for _, m := range mf.GetMetric() {
				if g := m.GetGauge(); g != nil {
					g.Value = new(float64)
				}
			}
		}
		require.NoError(t, enc.Encode(mf))
	}
	return buf.String()
}

// describedFamilies lists the families of a set.
func describedFamilies(set *Set) []string {
	var names []string
	for _, d := range set.Describe() {
		names = append(names, d.Name)
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// TestCollectorsGolden compares each collector's whole output with
// testdata/<collector>.prom (VCF 5.2.1) and testdata/<collector>-9.0.2.prom
// (`go test ./collector -run Golden -update` rewrites them), and fails when
// a family a collector describes is in none of its golden files: a new
// metric is tested the moment it is described (the GPU families exist on
// 9.x only).
func TestCollectorsGolden(t *testing.T) {
	inGolden := map[string][]string{} // collector -> families of its golden files
	for _, version := range vcfsim.Versions() {
		t.Run(version, func(t *testing.T) { testCollectorsGolden(t, version, inGolden) })
	}
	for _, name := range Available() {
		for _, f := range describedFamilies(newSet(t, name)) {
			assert.Contains(t, inGolden[name], f, "%s is described by the %s collector but in none of its golden files: make the test simulator produce it, then -update", f, name)
		}
	}
}

func testCollectorsGolden(t *testing.T, version string, inGolden map[string][]string) {
	srv := smallSim(t, version)
	tg := newTarget(t, srv, targets.Options{})
	suffix := ""
	if version != vcfsim.VCF521 {
		suffix = "-" + version
	}
	for _, name := range Available() {
		t.Run(name, func(t *testing.T) {
			got := exposition(t, newSet(t, name), tg)
			path := filepath.Join("testdata", name+suffix+".prom")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, string(want), got, "%s differs; run `go test ./collector -run Golden -update` if the change is intended", path)
			inGolden[name] = append(inGolden[name], metricNames(t, string(want))...)
		})
	}
}

func TestOutage(t *testing.T) {
	srv := smallSim(t)
	// Without client retries the fetch fails within the scrape (fetches are
	// detached from the scrape's deadline).
	noRetries := func(c vcfclient.Config) (*vcfclient.Client, error) { c.MaxRetries = -1; return vcfclient.New(c) }
	tg := newTarget(t, srv, targets.Options{MinRefreshInterval: -1, NewClient: noRetries})
	set := newSet(t, DefaultEnabled()...)
	// A first good scrape fills the caches.
	require.Equal(t, 1.0, up(t, set, tg))

	srv.Sim.SetFaults(vcfsim.Faults{Outage: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	want := `
# HELP vcf_up 1 when the last inventory refresh of this SDDC Manager succeeded, 0 otherwise.
# TYPE vcf_up gauge
vcf_up 0
# HELP vcf_scrape_collector_success vcf_exporter: whether a collector succeeded.
# TYPE vcf_scrape_collector_success gauge
vcf_scrape_collector_success{collector="backup"} 0
vcf_scrape_collector_success{collector="certificate"} 0
vcf_scrape_collector_success{collector="cluster"} 0
vcf_scrape_collector_success{collector="domain"} 0
vcf_scrape_collector_success{collector="host"} 0
vcf_scrape_collector_success{collector="sddc_manager"} 0
vcf_scrape_collector_success{collector="service"} 0
vcf_scrape_collector_success{collector="task"} 0
vcf_scrape_collector_success{collector="upgrade"} 0
# HELP vcf_upgrade_check_success 1 when the last upgrade check succeeded, 0 when it failed (the last good result is still served); from the upgrade check, cached and refreshed in the background.
# TYPE vcf_upgrade_check_success gauge
vcf_upgrade_check_success 0
# HELP vcf_upgrade_check_timestamp_seconds Unix time of the last successful upgrade check; from the upgrade check, cached and refreshed in the background.
# TYPE vcf_upgrade_check_timestamp_seconds gauge
vcf_upgrade_check_timestamp_seconds 1.767323045e+09
`
	require.NoError(t, testutil.GatherAndCompare(set.Gatherer(ctx, tg, nil), strings.NewReader(want),
		"vcf_up", "vcf_scrape_collector_success", "vcf_upgrade_check_success", "vcf_upgrade_check_timestamp_seconds"))

	// No stale inventory series: only up, the scrape self-metrics, the
	// upgrade check status and the time of the last health reads remain.
	ctx2, cancel2 := context.WithTimeout(t.Context(), time.Second)
	defer cancel2()
	mfs, err := set.Gather(ctx2, tg, nil)
	require.NoError(t, err)
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	require.ElementsMatch(t, []string{"vcf_up", "vcf_scrape_duration_seconds", "vcf_scrape_collector_duration_seconds", "vcf_scrape_collector_success",
		"vcf_inventory_refresh_duration_seconds", "vcf_upgrade_check_success", "vcf_upgrade_check_timestamp_seconds",
		"vcf_health_last_success_timestamp_seconds"}, names)

	// Back again: the upgrade check runs again at once, not an interval later.
	srv.Sim.SetFaults(vcfsim.Faults{})
	require.Equal(t, 1.0, up(t, set, tg))
	require.Eventually(t, func() bool { return tg.UpgradeStatus().Err == nil }, 10*time.Second, 10*time.Millisecond)
}

// up is vcf_up of one scrape of tg.
func up(t *testing.T, set *Set, tg *targets.Target) float64 {
	t.Helper()
	mfs, err := set.Gather(t.Context(), tg, nil)
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == "vcf_up" {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no vcf_up")
	return 0
}

func TestUnreachableFromStart(t *testing.T) {
	srv := vcfsimtest.New(t)
	url := srv.URL
	require.NoError(t, srv.Close()) // nothing listens there any more
	r := targets.NewRegistry(targets.Options{})
	require.NoError(t, r.Apply([]config.TargetConfig{{Name: "gone", URL: url, Username: "u", Password: "p"}}))
	t.Cleanup(r.Close)
	tg, _ := r.Get("gone")
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	set := newSet(t, DefaultEnabled()...)
	want := `
# HELP vcf_up 1 when the last inventory refresh of this SDDC Manager succeeded, 0 otherwise.
# TYPE vcf_up gauge
vcf_up 0
# HELP vcf_upgrade_check_success 1 when the last upgrade check succeeded, 0 when it failed (the last good result is still served); from the upgrade check, cached and refreshed in the background.
# TYPE vcf_upgrade_check_success gauge
vcf_upgrade_check_success 0
`
	require.NoError(t, testutil.GatherAndCompare(set.Gatherer(ctx, tg, nil), strings.NewReader(want),
		"vcf_up", "vcf_upgrade_check_success", "vcf_upgrade_check_timestamp_seconds", "vcf_host_info", "vcf_domain_info"))
}

func TestCollectorSelection(t *testing.T) {
	require.Equal(t, []string{"backup", "certificate", "cluster", "credential", "domain", "host", "sddc_manager", "service", "task", "upgrade"}, Available())
	// credential starts check tasks on SDDC Manager: off by default.
	require.Equal(t, []string{"backup", "certificate", "cluster", "domain", "host", "sddc_manager", "service", "task", "upgrade"}, DefaultEnabled())
	_, err := NewSet(Options{}, "nope")
	require.ErrorContains(t, err, `unknown collector "nope"`)

	srv := smallSim(t)
	tg := newTarget(t, srv, targets.Options{})
	set := newSet(t, "domain")
	require.Equal(t, []string{"domain"}, set.Names())
	mfs, err := set.Gather(t.Context(), tg, nil)
	require.NoError(t, err)
	for _, mf := range mfs {
		require.NotContains(t, mf.GetName(), "vcf_host_")
		require.NotContains(t, mf.GetName(), "vcf_upgrade_")
	}
	// The upgrade collector is off: no release calls.
	require.Zero(t, srv.Sim.Stats()["GET /v1/releases"])
}

func TestUnitsLint(t *testing.T) {
	srv := smallSim(t)
	tg := newTarget(t, srv, targets.Options{})
	set := newSet(t, DefaultEnabled()...)
	for _, labels := range []map[string]string{nil, {"target": "sim"}} {
		problems, err := testutil.GatherAndLint(set.Gatherer(t.Context(), tg, labels))
		require.NoError(t, err)
		require.Empty(t, problems)
	}
}

// A state outside the documented ones gets its own series, so nothing is
// lost; an empty state sets none of them.
func TestStateSetUnknownState(t *testing.T) {
	collect := func(h vcfclient.Host) map[string]float64 {
		var out samples
		generate(&out, hostFamilies, &hostRow{Host: &h, labels: []string{"d", "c", "h"}})
		got := map[string]float64{}
		for _, smp := range out {
			if smp.desc.Name == "vcf_host_configuration_status" {
				got[smp.labels[3]] = smp.value
			}
		}
		return got
	}
	got := collect(vcfclient.Host{ConfigStatus: "CONFIGURED"})
	require.Len(t, got, len(resourceStates)+1)
	require.Equal(t, 1.0, got["CONFIGURED"])
	require.Equal(t, 0.0, got["ACTIVE"])
	got = collect(vcfclient.Host{ConfigStatus: "ERROR"})
	require.Len(t, got, len(resourceStates))
	require.Equal(t, 1.0, got["ERROR"])
	got = collect(vcfclient.Host{})
	require.Len(t, got, len(resourceStates))
	for st, v := range got {
		require.Zero(t, v, st)
	}
}

// failing is a collector whose every run fails.
type failing struct{}

func (failing) Describe() []*Desc { return nil }
func (failing) Update(context.Context, *Scrape, Out) error {
	return errors.New("boom")
}

// vcf_scrape_duration_seconds comes with every scrape of a target, and
// vcf_exporter_scrape_errors_total counts failed collector runs from 0 on.
func TestScrapeDurationAndErrors(t *testing.T) {
	srv := smallSim(t)
	tg := newTarget(t, srv, targets.Options{})
	set := newSet(t, "domain")
	set.collectors["failing"], set.names = failing{}, append(set.names, "failing")

	require.Zero(t, testutil.CollectAndCount(set.Metrics()), "no series before the first scrape")
	require.Equal(t, 1, count(t, set.Gatherer(t.Context(), tg, map[string]string{"target": "sim"}), "vcf_scrape_duration_seconds"))
	want := `
# HELP vcf_exporter_scrape_errors_total Collector runs that failed, by target and collector; an unreachable SDDC Manager is not counted here (see vcf_up).
# TYPE vcf_exporter_scrape_errors_total counter
vcf_exporter_scrape_errors_total{collector="domain",target="sim"} 0
vcf_exporter_scrape_errors_total{collector="failing",target="sim"} 1
`
	require.NoError(t, testutil.CollectAndCompare(set.Metrics(), strings.NewReader(want)))
	filtered, err := set.Filter("failing")
	require.NoError(t, err)
	_, _ = filtered.Gather(t.Context(), tg, nil)
	require.Equal(t, 2.0, testutil.ToFloat64(set.errors.WithLabelValues("sim", "failing")), "a filtered set counts in the same counter")

	set.ForgetTarget("sim")
	require.Zero(t, testutil.CollectAndCount(set.Metrics()))

	// An unreachable SDDC Manager is vcf_up 0, not an exporter error.
	srv.Sim.SetFaults(vcfsim.Faults{Outage: time.Hour})
	down := newTarget(t, srv, targets.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	set2 := newSet(t, "domain")
	_, _ = set2.Gather(ctx, down, nil)
	require.Equal(t, 0.0, testutil.ToFloat64(set2.errors.WithLabelValues("sim", "domain")))
}

// count is the number of series of the named families g gathers; it
// tolerates the errors of a failing collector.
func count(t *testing.T, g prometheus.Gatherer, names ...string) int {
	t.Helper()
	mfs, _ := g.Gather()
	n := 0
	for _, mf := range mfs {
		if slices.Contains(names, mf.GetName()) {
			n += len(mf.GetMetric())
		}
	}
	return n
}

// sample is one sample an Out received.
type sample struct {
	desc   *Desc
	value  float64
	labels []string
}

// samples is an Out that keeps what it receives.
type samples []sample

func (s *samples) Sample(d *Desc, v float64, lv []string) {
	*s = append(*s, sample{d, v, slices.Clone(lv)})
}

// An _info metric's labels describe what does not change with the entity's
// condition: a status change must move a state set, not start new info
// series (the state sets carry status).
func TestInfoLabelsStable(t *testing.T) {
	mutable := []string{"status", "state", "configuration_status"}
	infos := 0
	for _, d := range newSet(t, Available()...).Describe() {
		if !strings.HasSuffix(d.Name, "_info") {
			continue
		}
		infos++
		for _, l := range d.Labels {
			assert.NotContains(t, mutable, l, "%s carries the mutable label %q", d.Name, l)
		}
	}
	require.GreaterOrEqual(t, infos, 5, "the collectors' info metrics")
}
