package targets

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
	"github.com/vcf-exporter/vcf_exporter/vcfsim/vcfsimtest"
)

// healthTarget starts a simulator and a target sharing one settable clock.
func healthTarget(t *testing.T, opts Options) (*vcfsim.Server, *Target, *testutil.Clock) {
	t.Helper()
	clk := testutil.NewClock(fixedNow)
	srv := vcfsimtest.New(t, vcfsim.WithNow(clk.Now))
	opts.Now = clk.Now
	r := newRegistry(t, opts, simTarget("sim", srv))
	tg, ok := r.Get("sim")
	require.True(t, ok)
	return srv, tg, clk
}

// waitRead waits for the background read of kind that follows seq.
func waitRead(t *testing.T, tg *Target, kind HealthKind, seq uint64) HealthReading {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Greater(c, tg.HealthStatus(kind).Seq, seq)
	}, 10*time.Second, time.Millisecond)
	return tg.HealthStatus(kind)
}

func TestHealthTasksIncremental(t *testing.T) {
	srv, tg, clk := healthTarget(t, Options{})
	h := tg.Health(t.Context(), HealthTask)
	require.NoError(t, h.Err)
	require.NotNil(t, h.Tasks)
	assert.Equal(t, fixedNow.Add(-2*time.Hour+7*time.Minute), h.Tasks.LastFailure.UTC(), "the demo's failed task")
	assert.Len(t, h.Tasks.Completed, 2, "the failed task and the last backup; the one of yesterday is outside the window")
	assert.EqualValues(t, 2, srv.Sim.Stats()["GET /v1/tasks"], "completed since the lookback, and the running ones")

	// Within the interval: no request.
	clk.Add(30 * time.Second)
	assert.Equal(t, h.Seq, tg.Health(t.Context(), HealthTask).Seq)
	assert.EqualValues(t, 2, srv.Sim.Stats()["GET /v1/tasks"])

	// A task fails; the next read (two requests) adds it to what was known.
	srv.Sim.AddTask("Deploy edge cluster", "EDGE_CLUSTER_CREATE", clk.Now().Add(-10*time.Second), 5*time.Second, true)
	clk.Add(31 * time.Second)
	tg.Health(t.Context(), HealthTask)
	h = waitRead(t, tg, HealthTask, h.Seq)
	require.NoError(t, h.Err)
	assert.Len(t, h.Tasks.Completed, 3)
	assert.Equal(t, fixedNow.Add(30*time.Second-5*time.Second), h.Tasks.LastFailure.UTC())
	assert.EqualValues(t, 4, srv.Sim.Stats()["GET /v1/tasks"])

	// A day later the old ones left the window; the last failure stays.
	clk.Add(TaskWindow)
	tg.Health(t.Context(), HealthTask)
	h = waitRead(t, tg, HealthTask, h.Seq)
	assert.Empty(t, h.Tasks.Completed)
	assert.Equal(t, fixedNow.Add(25*time.Second), h.Tasks.LastFailure.UTC())
}

func TestHealthBackupAndCertificates(t *testing.T) {
	_, tg, _ := healthTarget(t, Options{})
	b := tg.Health(t.Context(), HealthBackup)
	require.NoError(t, b.Err)
	assert.True(t, b.Backup.Config.Configured)
	assert.Equal(t, fixedNow.Add(-3*time.Hour+4*time.Minute), b.Backup.LastSuccess.UTC())

	c := tg.Health(t.Context(), HealthCertificate)
	require.NoError(t, c.Err)
	assert.Len(t, c.Certificates, 1+3*2+26-2, "SDDC Manager, a vCenter and an NSX per domain, every assigned host")
}

// TestHealthForbidden: a 403 fails only its kind, keeps the last good
// reading, and is logged once, naming the endpoint.
func TestHealthForbidden(t *testing.T) {
	var logs testutil.Buffer
	srv, tg, clk := healthTarget(t, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	h := tg.Health(t.Context(), HealthService)
	require.NoError(t, h.Err)
	require.Len(t, h.Services, 5)

	srv.Sim.SetForbidden("GET /v1/vcf-services")
	for range 3 {
		clk.Add(2 * time.Minute)
		tg.Health(t.Context(), HealthService)
		h = waitRead(t, tg, HealthService, h.Seq)
		require.ErrorContains(t, h.Err, "403")
		assert.Len(t, h.Services, 5, "the last good reading is kept")
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "lacks the privilege"), logs.String())
	assert.Contains(t, logs.String(), `endpoint="GET /v1/vcf-services"`)
	require.NoError(t, tg.Health(t.Context(), HealthBackup).Err, "other kinds are untouched")
	assert.True(t, tg.Snapshot(t.Context()).Up())

	srv.Sim.SetForbidden()
	clk.Add(2 * time.Minute)
	tg.Health(t.Context(), HealthService)
	h = waitRead(t, tg, HealthService, h.Seq)
	require.NoError(t, h.Err)
	assert.Contains(t, logs.String(), "health read succeeded again")
}

// TestHealthTasksFilterIgnored: a server that answers GET /v1/tasks with
// its whole history despite completedAfter is said once; the counts stay
// those of the window.
func TestHealthTasksFilterIgnored(t *testing.T) {
	var logs testutil.Buffer
	srv, tg, clk := healthTarget(t, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	srv.Sim.IgnoreCompletedAfter(true)
	h := tg.Health(t.Context(), HealthTask)
	require.NoError(t, h.Err)
	assert.Len(t, h.Tasks.Completed, 2, "the backup of yesterday is outside the window all the same")
	clk.Add(2 * time.Minute)
	tg.Health(t.Context(), HealthTask)
	h = waitRead(t, tg, HealthTask, h.Seq)
	require.NoError(t, h.Err)
	assert.Len(t, h.Tasks.Completed, 2)
	assert.Equal(t, 1, strings.Count(logs.String(), "ignored completedAfter"), logs.String())

	srv.Sim.IgnoreCompletedAfter(false)
	clk.Add(2 * time.Minute)
	tg.Health(t.Context(), HealthTask)
	waitRead(t, tg, HealthTask, h.Seq)
	assert.Equal(t, 1, strings.Count(logs.String(), "ignored completedAfter"))
}
