package collector

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

var update = flag.Bool("update", false, "rewrite testdata/*.prom from the current output")

// fixedNow freezes the simulator's clock: usage does not drift.
var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// smallSim is a simulator small enough to read its exposition by eye:
// 2 domains x 1 cluster x 2 hosts + 1 unassigned host, playing the default
// API version or the one given.
func smallSim(t testing.TB, version ...string) *vcfsim.Server {
	opts := []vcfsim.Option{vcfsim.WithInventory(2, 1, 2, 1), vcfsim.FrozenAt(fixedNow)}
	if len(version) > 0 {
		opts = append(opts, vcfsim.WithVCFVersion(version[0]))
	}
	return vcfsim.NewTest(t, opts...)
}

// sizedSim is a simulator of the given size on a frozen clock.
func sizedSim(t testing.TB, domains, clustersPerDomain, hostsPerCluster, unassigned int, opts ...vcfsim.Option) *vcfsim.Server {
	t.Helper()
	return vcfsim.NewTest(t, append(opts, vcfsim.WithInventory(domains, clustersPerDomain, hostsPerCluster, unassigned), vcfsim.FrozenAt(fixedNow))...)
}

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

// exposition gathers c through a pedantic registry (every series must
// match a described descriptor) and encodes it as text, volatile values
// zeroed.
func exposition(t *testing.T, c prometheus.Collector) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	mfs, err := reg.Gather()
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

// fqName is the one way to read a descriptor's name: its String form.
var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// describedFamilies lists the families c describes.
func describedFamilies(t *testing.T, c prometheus.Collector) []string {
	t.Helper()
	ch := make(chan *prometheus.Desc)
	go func() { c.Describe(ch); close(ch) }()
	var names []string
	for d := range ch {
		m := fqName.FindStringSubmatch(d.String())
		require.NotNil(t, m, "descriptor %s", d)
		names = append(names, m[1])
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
		for _, f := range describedFamilies(t, newSet(t, name).NewTargetCollector(t.Context(), nil, nil)) {
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
			c := newSet(t, name).NewTargetCollector(t.Context(), tg, nil)
			got := exposition(t, c)
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
	require.Equal(t, 1.0, testutil.ToFloat64(onlyUp{set.NewTargetCollector(t.Context(), tg, nil)}))

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
	c := set.NewTargetCollector(ctx, tg, nil)
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(want),
		"vcf_up", "vcf_scrape_collector_success", "vcf_upgrade_check_success", "vcf_upgrade_check_timestamp_seconds"))

	// No stale inventory series: only up, the scrape self-metrics, the
	// upgrade check status and the time of the last health reads remain.
	ctx2, cancel2 := context.WithTimeout(t.Context(), time.Second)
	defer cancel2()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(set.NewTargetCollector(ctx2, tg, nil)))
	mfs, err := reg.Gather()
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
	require.Equal(t, 1.0, testutil.ToFloat64(onlyUp{set.NewTargetCollector(t.Context(), tg, nil)}))
	require.Eventually(t, func() bool { return tg.UpgradeStatus().Err == nil }, 10*time.Second, 10*time.Millisecond)
}

// onlyUp filters a TargetCollector down to vcf_up.
type onlyUp struct{ c *TargetCollector }

func (o onlyUp) Describe(ch chan<- *prometheus.Desc) { ch <- upDesc }
func (o onlyUp) Collect(ch chan<- prometheus.Metric) {
	all := make(chan prometheus.Metric)
	go func() { o.c.Collect(all); close(all) }()
	for m := range all {
		if m.Desc() == upDesc {
			ch <- m
		}
	}
}

func TestUnreachableFromStart(t *testing.T) {
	srv := vcfsim.NewTest(t)
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
	require.NoError(t, testutil.CollectAndCompare(set.NewTargetCollector(ctx, tg, nil), strings.NewReader(want),
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
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(set.NewTargetCollector(t.Context(), tg, nil)))
	mfs, err := reg.Gather()
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
	for _, labels := range []prometheus.Labels{nil, {"target": "sim"}} {
		// CollectAndLint uses a pedantic registry: every series must match
		// a described descriptor, with the constant labels too.
		problems, err := testutil.CollectAndLint(set.NewTargetCollector(t.Context(), tg, labels))
		require.NoError(t, err)
		require.Empty(t, problems)
	}
}

// A state outside the documented ones gets its own series, so nothing is
// lost; an empty state sets none of them.
func TestStateSetUnknownState(t *testing.T) {
	collect := func(h vcfclient.Host) map[string]float64 {
		ch := make(chan prometheus.Metric, 100)
		stateSets(&Scrape{}, ch, hostStateSets[1:], &h, "d", "c", "h")
		close(ch)
		got := map[string]float64{}
		for m := range ch {
			var pb dto.Metric
			require.NoError(t, m.Write(&pb))
			for _, l := range pb.GetLabel() {
				if l.GetName() == "state" {
					got[l.GetValue()] = pb.GetGauge().GetValue()
				}
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

func (failing) Describe(chan<- *prometheus.Desc) {}
func (failing) Update(context.Context, *Scrape, chan<- prometheus.Metric) error {
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
	require.Equal(t, 1, testutil.CollectAndCount(set.NewTargetCollector(t.Context(), tg, prometheus.Labels{"target": "sim"}),
		"vcf_scrape_duration_seconds"))
	want := `
# HELP vcf_exporter_scrape_errors_total Collector runs that failed, by target and collector; an unreachable SDDC Manager is not counted here (see vcf_up).
# TYPE vcf_exporter_scrape_errors_total counter
vcf_exporter_scrape_errors_total{collector="domain",target="sim"} 0
vcf_exporter_scrape_errors_total{collector="failing",target="sim"} 1
`
	require.NoError(t, testutil.CollectAndCompare(set.Metrics(), strings.NewReader(want)))
	filtered, err := set.Filter("failing")
	require.NoError(t, err)
	testutil.CollectAndCount(filtered.NewTargetCollector(t.Context(), tg, nil))
	require.Equal(t, 2.0, testutil.ToFloat64(set.errors.WithLabelValues("sim", "failing")), "a filtered set counts in the same counter")

	set.ForgetTarget("sim")
	require.Zero(t, testutil.CollectAndCount(set.Metrics()))

	// An unreachable SDDC Manager is vcf_up 0, not an exporter error.
	srv.Sim.SetFaults(vcfsim.Faults{Outage: time.Hour})
	down := newTarget(t, srv, targets.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	set2 := newSet(t, "domain")
	testutil.CollectAndCount(set2.NewTargetCollector(ctx, down, nil))
	require.Equal(t, 0.0, testutil.ToFloat64(set2.errors.WithLabelValues("sim", "domain")))
}

// An _info metric's labels describe what does not change with the entity's
// condition: a status change must move a state set, not start new info
// series (the state sets carry status).
func TestInfoLabelsStable(t *testing.T) {
	varLabels := regexp.MustCompile(`variableLabels: \{([^}]*)\}`)
	mutable := []string{"status", "state", "configuration_status"}
	ch := make(chan *prometheus.Desc)
	c := newSet(t, Available()...).NewTargetCollector(t.Context(), nil, nil)
	go func() { c.Describe(ch); close(ch) }()
	infos := 0
	for d := range ch {
		name := fqName.FindStringSubmatch(d.String())
		labels := varLabels.FindStringSubmatch(d.String())
		require.NotNil(t, name, "descriptor %s", d)
		require.NotNil(t, labels, "descriptor %s", d)
		if !strings.HasSuffix(name[1], "_info") {
			continue
		}
		infos++
		for _, l := range strings.Split(labels[1], ",") {
			assert.NotContains(t, mutable, l, "%s carries the mutable label %q", name[1], l)
		}
	}
	require.GreaterOrEqual(t, infos, 5, "the collectors' info metrics")
}
