package targets

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	promcfg "github.com/prometheus/common/config"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
	"github.com/vcf-exporter/vcf_exporter/vcfsim/vcfsimtest"
)

// fixedNow keeps the simulator's usage drift still.
var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func startSim(t *testing.T) *vcfsim.Server {
	t.Helper()
	return vcfsimtest.New(t, vcfsim.FrozenAt(fixedNow))
}

func simTarget(name string, srv *vcfsim.Server) config.TargetConfig {
	user, pass := srv.Credentials()
	return config.TargetConfig{Name: name, URL: srv.URL, Username: user, Password: promcfg.Secret(pass)}
}

func newRegistry(t *testing.T, opts Options, cfgs ...config.TargetConfig) *Registry {
	t.Helper()
	r := NewRegistry(opts)
	require.NoError(t, r.Apply(cfgs))
	t.Cleanup(r.Close)
	return r
}

func TestSnapshotSharedAndReused(t *testing.T) {
	srv := startSim(t)
	clk := testutil.NewClock(fixedNow)
	r := newRegistry(t, Options{MinRefreshInterval: 10 * time.Second, Now: clk.Now}, simTarget("sim", srv))
	tg, ok := r.Get("sim")
	require.True(t, ok)

	// Slow the simulator down so that the concurrent callers overlap.
	srv.Sim.SetFaults(vcfsim.Faults{Latency: 50 * time.Millisecond})
	var wg sync.WaitGroup
	var ups atomic.Int32
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tg.Snapshot(t.Context()).Up() {
				ups.Add(1)
			}
		}()
	}
	wg.Wait()
	require.EqualValues(t, 20, ups.Load())
	require.EqualValues(t, 1, srv.Sim.Stats()["GET /v1/hosts"], "concurrent scrapes share one fetch")

	// Younger than the minimum refresh interval: reused.
	clk.Add(9 * time.Second)
	s := tg.Snapshot(t.Context())
	require.True(t, s.Up())
	require.EqualValues(t, 1, srv.Sim.Stats()["GET /v1/hosts"])

	// Older: fetched again.
	clk.Add(2 * time.Second)
	require.True(t, tg.Snapshot(t.Context()).Up())
	require.EqualValues(t, 2, srv.Sim.Stats()["GET /v1/hosts"])
	require.Len(t, tg.LastSnapshot().Inventory.Hosts, 26)
}

func TestSnapshotHonoursDeadline(t *testing.T) {
	srv := startSim(t)
	r := newRegistry(t, Options{}, simTarget("sim", srv))
	tg, _ := r.Get("sim")
	srv.Sim.SetFaults(vcfsim.Faults{Latency: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	s := tg.Snapshot(ctx)
	require.False(t, s.Up())
	require.Error(t, s.Err)
	require.Nil(t, s.Inventory, "no stale inventory on failure")
	require.Less(t, time.Since(start), 30*time.Second, "ended by the deadline, not by the minute of latency")
}

func TestSnapshotOutage(t *testing.T) {
	srv := startSim(t)
	r := newRegistry(t, Options{}, simTarget("sim", srv))
	tg, _ := r.Get("sim")
	require.True(t, tg.Snapshot(t.Context()).Up())
	srv.Sim.SetFaults(vcfsim.Faults{Outage: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	s := tg.Snapshot(ctx)
	require.False(t, s.Up())
	require.Nil(t, s.Inventory)
	srv.Sim.SetFaults(vcfsim.Faults{})
	require.True(t, tg.Snapshot(t.Context()).Up())
}

func TestUpgradeCheck(t *testing.T) {
	srv := startSim(t)
	clk := testutil.NewClock(fixedNow)
	r := newRegistry(t, Options{MinRefreshInterval: time.Hour, UpgradeCheckInterval: 15 * time.Minute, Now: clk.Now}, simTarget("sim", srv))
	tg, _ := r.Get("sim")

	// First call runs the check and waits for it.
	st := tg.Upgrades(t.Context())
	require.True(t, st.HasRun())
	require.NoError(t, st.Err)
	require.Equal(t, fixedNow, st.LastSuccess)
	require.NotEmpty(t, st.Domains)
	inv := tg.LastSnapshot().Inventory
	active := 0
	for _, d := range inv.Domains {
		if d.Status == "ACTIVE" {
			active++
		}
	}
	require.Len(t, st.Domains, active, "only ACTIVE domains are checked")
	for _, d := range st.Domains {
		require.NotEmpty(t, d.CurrentVersion, d.DomainName)
		if d.Next != nil {
			require.True(t, d.Next.IsApplicable)
			require.Equal(t, "APPLICABLE", d.Next.ApplicabilityStatus)
		}
	}
	calls := srv.Sim.Stats()["GET /v1/releases"]
	require.EqualValues(t, active, calls)

	// Cached: no new calls within the interval.
	clk.Add(14 * time.Minute)
	tg.Upgrades(t.Context())
	require.Equal(t, calls, srv.Sim.Stats()["GET /v1/releases"])

	// Stale: returns the cached result at once and refreshes in the background.
	clk.Add(2 * time.Minute)
	st2 := tg.Upgrades(t.Context())
	require.Equal(t, st.LastSuccess, st2.LastSuccess)
	require.Eventually(t, func() bool { return tg.UpgradeStatus().LastSuccess.After(st.LastSuccess) },
		5*time.Second, 10*time.Millisecond)
	require.Equal(t, 2*calls, srv.Sim.Stats()["GET /v1/releases"])

	// A failing check keeps the last good result and reports the error.
	good := tg.UpgradeStatus()
	srv.Sim.SetFaults(vcfsim.Faults{FailEndpoint: "GET /v1/releases/domains/{domainId}/future-releases", FailCode: 500})
	clk.Add(time.Minute)
	err := tg.CheckUpdates(t.Context())
	require.Error(t, err)
	bad := tg.UpgradeStatus()
	require.Error(t, bad.Err)
	require.Equal(t, good.LastSuccess, bad.LastSuccess)
	require.Equal(t, good.Domains, bad.Domains)
	require.True(t, bad.LastAttempt.After(good.LastAttempt))

	// CheckUpdates runs now, whatever the cache age.
	srv.Sim.SetFaults(vcfsim.Faults{})
	clk.Add(time.Second)
	require.NoError(t, tg.CheckUpdates(t.Context()))
	require.NoError(t, tg.UpgradeStatus().Err)
	require.Equal(t, clk.Now(), tg.UpgradeStatus().LastSuccess)
	d, ok := tg.UpgradeStatus().Domain(st.Domains[0].DomainName)
	require.True(t, ok)
	require.Equal(t, st.Domains[0].DomainID, d.DomainID)
}

func TestRegistryApply(t *testing.T) {
	srv := startSim(t)
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	require.NoError(t, os.WriteFile(pwFile, []byte(srv.Sim.Config().Password+"\n"), 0o600))

	a := simTarget("a", srv)
	b := simTarget("b", srv)
	b.Password, b.PasswordFile = "", pwFile
	r := newRegistry(t, Options{}, a, b)
	require.Equal(t, []string{"a", "b"}, r.Names())
	ta, _ := r.Get("a")
	tb, _ := r.Get("b")
	require.True(t, tb.Snapshot(t.Context()).Up(), "password read from file")

	// Unchanged targets keep their Target (client, token, caches).
	c := simTarget("c", srv)
	require.NoError(t, r.Apply([]config.TargetConfig{a, b, c}))
	ta2, _ := r.Get("a")
	tb2, _ := r.Get("b")
	require.Same(t, ta, ta2)
	require.Same(t, tb, tb2)
	require.Equal(t, []string{"a", "b", "c"}, r.Names())

	// A changed password file makes a new client.
	require.NoError(t, os.WriteFile(pwFile, []byte("rotated"), 0o600))
	require.NoError(t, r.Apply([]config.TargetConfig{a, b}))
	tb3, _ := r.Get("b")
	require.NotSame(t, tb, tb3)
	_, ok := r.Get("c")
	require.False(t, ok, "removed")

	// A failing apply changes nothing.
	bad := b
	bad.PasswordFile = filepath.Join(dir, "missing")
	require.Error(t, r.Apply([]config.TargetConfig{a, bad}))
	tb4, _ := r.Get("b")
	require.Same(t, tb3, tb4)
	require.Error(t, r.Apply([]config.TargetConfig{a, a}))
	require.Equal(t, 2, r.Len())
	require.Len(t, r.Targets(), 2)
}

func TestStateChangesLoggedOnce(t *testing.T) {
	srv := startSim(t)
	var logs testutil.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// Fetches no longer end with the scrape's deadline: without retries a
	// refused connection fails the fetch at once, as the test needs.
	noRetries := func(c vcfclient.Config) (*vcfclient.Client, error) { c.MaxRetries = -1; return vcfclient.New(c) }
	r := newRegistry(t, Options{MinRefreshInterval: -1, Logger: logger, NewClient: noRetries}, simTarget("sim", srv))
	tg, _ := r.Get("sim")

	// A healthy scrape gets all the time a busy machine needs; a scrape
	// during the (hour-long) outage ends at its short deadline.
	scrape := func(timeout time.Duration) bool {
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		defer cancel()
		return tg.Snapshot(ctx).Up()
	}
	up := func() bool { return scrape(time.Minute) }
	require.True(t, up())
	require.True(t, up())
	srv.Sim.SetFaults(vcfsim.Faults{Outage: time.Hour, OutageMode: "refuse"})
	for range 3 {
		require.False(t, scrape(300*time.Millisecond))
	}
	srv.Sim.SetFaults(vcfsim.Faults{})
	require.True(t, up())
	require.True(t, up())

	out := logs.String()
	require.Equal(t, 1, strings.Count(out, `msg="SDDC Manager reachable"`), out)
	require.Equal(t, 1, strings.Count(out, "SDDC Manager unreachable"), out)
	require.Equal(t, 1, strings.Count(out, "SDDC Manager reachable again"), out)
}

// A first check slower than the scrape is not wasted: it completes in the
// background and the next scrape has it.
func TestFirstUpgradeCheckOutlivesScrape(t *testing.T) {
	srv := startSim(t)
	r := newRegistry(t, Options{MinRefreshInterval: time.Hour}, simTarget("sim", srv))
	tg, _ := r.Get("sim")
	require.True(t, tg.Snapshot(t.Context()).Up())
	srv.Sim.SetFaults(vcfsim.Faults{Latency: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	require.False(t, tg.Upgrades(ctx).HasRun())
	require.Eventually(t, func() bool {
		st := tg.UpgradeStatus()
		return st.HasRun() && st.Err == nil && len(st.Domains) > 0
	}, 10*time.Second, 20*time.Millisecond)
}

// A domain deleted between the inventory listing and its release calls
// (404) is left out instead of failing the whole check.
func TestUpgradeCheckSkipsDeletedDomain(t *testing.T) {
	srv := startSim(t)
	r := newRegistry(t, Options{MinRefreshInterval: time.Hour}, simTarget("sim", srv))
	tg, _ := r.Get("sim")
	require.NoError(t, tg.CheckUpdates(t.Context()))
	all := len(tg.UpgradeStatus().Domains)
	require.Greater(t, all, 1)

	srv.Sim.SetFaults(vcfsim.Faults{FailEndpoint: "GET /v1/releases/domains/{domainId}/future-releases", FailCode: 404, FailCount: 1})
	require.NoError(t, tg.CheckUpdates(t.Context()))
	require.Len(t, tg.UpgradeStatus().Domains, all-1)
}

// One scrape with an absurdly short deadline (a 0.001 s timeout header)
// must not cut the shared fetch short, nor leave its failure cached for the
// scrapes that follow: the fetch is detached from its callers' deadlines.
func TestImpatientCallerDoesNotPoisonSnapshot(t *testing.T) {
	srv := startSim(t)
	clk := testutil.NewClock(fixedNow) // the clock stands still: a cached failure would be served
	r := newRegistry(t, Options{MinRefreshInterval: 10 * time.Second, Now: clk.Now}, simTarget("sim", srv))
	tg, _ := r.Get("sim")
	srv.Sim.SetFaults(vcfsim.Faults{Latency: 100 * time.Millisecond})

	ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
	defer cancel()
	s := tg.Snapshot(ctx)
	require.False(t, s.Up())
	require.ErrorIs(t, s.Err, context.DeadlineExceeded)

	s = tg.Snapshot(t.Context())
	require.True(t, s.Up(), "the next scrape gets the fetch the impatient one started: %v", s.Err)
	require.EqualValues(t, 1, srv.Sim.Stats()["GET /v1/hosts"], "one shared fetch")
	require.True(t, tg.LastSnapshot().Up())
}

// A bad answer or bad credentials are not logged as "unreachable": the log
// says what to fix.
func TestFailureClassifiedInLog(t *testing.T) {
	for name, tc := range map[string]struct {
		faults vcfsim.Faults
		mod    func(*config.TargetConfig)
		want   string
	}{
		"malformed":   {faults: vcfsim.Faults{Malformed: "GET /v1/domains"}, want: "SDDC Manager sent a response that cannot be decoded"},
		"credentials": {mod: func(c *config.TargetConfig) { c.Password = "wrong" }, want: "SDDC Manager rejected the credentials"},
		"5xx":         {faults: vcfsim.Faults{FailEndpoint: "GET /v1/hosts", FailCode: 500}, want: "SDDC Manager answered with an error"},
	} {
		t.Run(name, func(t *testing.T) {
			srv := startSim(t)
			srv.Sim.SetFaults(tc.faults)
			var logs testutil.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			tc2 := simTarget("sim", srv)
			if tc.mod != nil {
				tc.mod(&tc2)
			}
			noRetries := func(c vcfclient.Config) (*vcfclient.Client, error) { c.MaxRetries = -1; return vcfclient.New(c) }
			r := newRegistry(t, Options{Logger: logger, NewClient: noRetries}, tc2)
			tg, _ := r.Get("sim")
			require.False(t, tg.Snapshot(t.Context()).Up())
			require.Contains(t, logs.String(), tc.want+"; vcf_up is 0")
			require.NotContains(t, logs.String(), "unreachable")
		})
	}
}
