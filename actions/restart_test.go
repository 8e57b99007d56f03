package actions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// crashClient forwards to a real client until its trigger fires: then the
// call's request has reached SDDC Manager, but the engine "dies" before it
// can record the answer (nothing is persisted any more, and the call never
// returns until the engine is stopped), like a SIGKILL at the worst moment.
type crashClient struct {
	Client
	eng     *Engine
	trigger func(method string, n int, err error) bool

	mu      sync.Mutex
	counts  map[string]int
	crashed chan struct{}
	once    sync.Once
}

func (c *crashClient) check(method string, err error) error {
	c.mu.Lock()
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	c.counts[method]++
	n := c.counts[method]
	c.mu.Unlock()
	if c.trigger(method, n, err) {
		c.eng.dead.Store(true)
		c.once.Do(func() { close(c.crashed) })
		<-c.eng.ctx.Done()
		return c.eng.ctx.Err()
	}
	return err
}

func (c *crashClient) DownloadBundle(ctx context.Context, id string) (*vcfclient.Task, error) {
	t, err := c.Client.DownloadBundle(ctx, id)
	return t, c.check("DownloadBundle", err)
}

func (c *crashClient) Bundle(ctx context.Context, id string) (*vcfclient.Bundle, error) {
	b, err := c.Client.Bundle(ctx, id)
	return b, c.check("Bundle", err)
}

func (c *crashClient) RunCheckSets(ctx context.Context, in vcfclient.CheckSetRunInput) (*vcfclient.Task, error) {
	t, err := c.Client.RunCheckSets(ctx, in)
	return t, c.check("RunCheckSets", err)
}

func (c *crashClient) CheckSetRun(ctx context.Context, id string) (*vcfclient.AssessmentOutput, error) {
	o, err := c.Client.CheckSetRun(ctx, id)
	return o, c.check("CheckSetRun", err)
}

func (c *crashClient) StartUpgrade(ctx context.Context, spec vcfclient.UpgradeSpec) (*vcfclient.Task, error) {
	t, err := c.Client.StartUpgrade(ctx, spec)
	return t, c.check("StartUpgrade", err)
}

func (c *crashClient) Upgrade(ctx context.Context, id string) (*vcfclient.Upgrade, error) {
	u, err := c.Client.Upgrade(ctx, id)
	return u, c.check(fmt.Sprintf("Upgrade#%d", c.n("StartUpgrade")), err)
}

func (c *crashClient) Upgrades(ctx context.Context) ([]vcfclient.Upgrade, error) {
	u, err := c.Client.Upgrades(ctx)
	return u, c.check(fmt.Sprintf("Upgrade#%d", c.n("StartUpgrade")), err)
}

func (c *crashClient) ValidateRelease(ctx context.Context, id string, r vcfclient.DomainRelease) (*vcfclient.Validation, error) {
	v, err := c.Client.ValidateRelease(ctx, id, r)
	return v, c.check("ValidateRelease", err)
}

func (c *crashClient) SddcManagers(ctx context.Context) ([]vcfclient.SddcManager, error) {
	m, err := c.Client.SddcManagers(ctx)
	return m, c.check("SddcManagers", err)
}

// fleetManagement plays VCF Operations fleet management on 9.x: the first
// time the workflow asks for SDDC Manager's version (it waits for it), SDDC
// Manager's upgrade to target starts.
type fleetManagement struct {
	Client
	sim    *vcfsim.Simulator
	target string
	once   *sync.Once
	calls  *atomic.Int32
}

func (f fleetManagement) SddcManagers(ctx context.Context) ([]vcfclient.SddcManager, error) {
	if f.calls.Add(1) > 1 { // the first call asks who it is, at the start
		f.once.Do(func() { _, _ = f.sim.UpgradeSddcManager(f.target) }) // refused once SDDC Manager runs it
	}
	return f.Client.SddcManagers(ctx)
}

func (c *crashClient) n(method string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[method]
}

// TestRestartResumes kills the engine with remote work in flight in every
// state that has some, starts a new engine over the same storage, and
// checks that the upgrade completes with exactly one POST /v1/upgrades per
// component.
func TestRestartResumes(t *testing.T) {
	type crashCase struct {
		name    string
		state   State // state the crash happens in
		trigger func(method string, n int, err error) bool
		scale   float64 // simulator time scale (default 36000)
	}
	common := []crashCase{
		{"download requested, not recorded", StateDownloading, func(m string, n int, _ error) bool { return m == "DownloadBundle" && n == 2 }, 0},
		{"download polling", StateDownloading, func(m string, n int, _ error) bool { return m == "Bundle" && n == 6 }, 0},
		{"pre-check started, not recorded", StatePrechecks, func(m string, n int, _ error) bool { return m == "RunCheckSets" }, 0},
		{"pre-check polling", StatePrechecks, func(m string, n int, _ error) bool { return m == "CheckSetRun" && n == 1 }, 0},
	}
	// upgrades are the crash cases of the components SDDC Manager upgrades,
	// the first being the first-th upgrade posted.
	upgrades := func(first int) []crashCase {
		var out []crashCase
		for i, c := range []struct {
			name  string
			state State
		}{{"NSX", StateUpgradingNSX}, {"vCenter", StateUpgradingVCenter}, {"ESX", StateUpgradingESX}} {
			n := first + i
			out = append(out,
				crashCase{c.name + " upgrade posted, not recorded", c.state, func(m string, k int, _ error) bool { return m == "StartUpgrade" && k == n }, 0},
				crashCase{c.name + " upgrade polling", c.state, func(m string, k int, _ error) bool { return m == fmt.Sprintf("Upgrade#%d", n) && k == 2 }, 0})
		}
		return out
	}
	cases := map[string][]crashCase{
		vcfsim.VCF521: slices.Concat(common, []crashCase{
			{"SDDC Manager upgrade posted, not recorded", StateUpgradingSDDCManager, func(m string, n int, _ error) bool { return m == "StartUpgrade" && n == 1 }, 0},
			// Slower clock: the SDDC Manager outage (one simulated hour) lasts a
			// second, so a busy machine cannot poll past it.
			{"SDDC Manager API gone", StateUpgradingSDDCManager, func(m string, n int, err error) bool { return m == "Upgrade#1" && err != nil }, 3600},
		}, upgrades(2), []crashCase{
			{"validation started, not recorded", StateValidating, func(m string, n int, _ error) bool { return m == "ValidateRelease" }, 0},
		}),
		vcfsim.VCF902: slices.Concat(common, []crashCase{
			{"pre-check validation started, not recorded", StatePrechecks, func(m string, n int, _ error) bool { return m == "ValidateRelease" && n == 1 }, 0},
			{"SDDC Manager API gone while waiting for its upgrade", StateWaitingSDDCManager, func(m string, n int, err error) bool { return m == "SddcManagers" && err != nil }, 3600},
		}, upgrades(1), []crashCase{
			{"validation started, not recorded", StateValidating, func(m string, n int, _ error) bool { return m == "ValidateRelease" && n == 2 }, 0},
		}),
		// SDDC Manager runs 9.1 already: nothing to wait for.
		vcfsim.VCF910: slices.Concat(common, []crashCase{
			{"pre-check validation started, not recorded", StatePrechecks, func(m string, n int, _ error) bool { return m == "ValidateRelease" && n == 1 }, 0},
		}, upgrades(1), []crashCase{
			{"validation started, not recorded", StateValidating, func(m string, n int, _ error) bool { return m == "ValidateRelease" && n == 2 }, 0},
		}),
	}
	// The polling cases crash on the component's second GET /v1/upgrades
	// call after its POST (the look-up of the upgrade, then the first poll):
	// a third call may never come when a busy machine polls late and finds
	// the upgrade done.
	for _, version := range []string{vcfsim.VCF521, vcfsim.VCF902, vcfsim.VCF910} {
		posts := 4
		if version != vcfsim.VCF521 {
			posts = 3 // not SDDC Manager
		}
		for _, tc := range cases[version] {
			t.Run(version+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, func(c *vcfsim.Config) { c.TimeScale, c.VCFVersion = cmp.Or(tc.scale, 36000), version })
				plan, _ := e.plan("")
				target := plan["target_version"].(string)
				fleet := fleetManagement{Client: e.client, sim: e.srv.Sim, target: target, once: &sync.Once{}, calls: &atomic.Int32{}}
				simTargets := &fakeTargets{clients: map[string]Client{"sim": fleet}, url: e.targets.url}
				cc := &crashClient{Client: fleet, trigger: tc.trigger, crashed: make(chan struct{})}
				e.targets = &fakeTargets{clients: map[string]Client{"sim": cc}, url: simTargets.url}
				e.eng.Stop()
				e.start(nil)
				cc.eng = e.eng
				from := e.currentVersion()
				e.mustStart(target)
				select {
				case <-cc.crashed:
				case <-time.After(60 * time.Second):
					t.Fatalf("never crashed; state %v", e.snapshot()["state"])
				}
				dead := e.eng
				assert.Equal(t, tc.state, dead.known("sim", e.domain.ID).State, "the crash's state")
				// A new process over the same storage path (the kernel
				// releases a dead process's lock).
				dead.stopOnce.Do(dead.unlock)
				e.targets = simTargets
				e.start(nil)
				s := e.waitState(60*time.Second, StateSucceeded, StateFailed)
				require.Equal(t, StateSucceeded, s["state"], "after restart:\n%s", s["log_markdown"])
				assert.EqualValues(t, posts, e.posts(), "POST /v1/upgrades: exactly one per component SDDC Manager upgrades")
				v := e.currentVersion()
				assert.True(t, v == target && v != from, "version %s → %s, want %s", from, v, target)
				dead.Stop()
			})
		}
	}
}

// TestStoreRoundTrip checks the files are complete JSON and survive reload.
func TestStoreRoundTrip(t *testing.T) {
	st, err := NewStore(t.TempDir())
	require.NoError(t, err)
	w := &Workflow{Target: "a/b", DomainID: "d 1", State: StateUpgradingNSX, Components: []ComponentRun{{BundleID: "b", Phase: PhasePosting}}}
	require.NoError(t, st.Save(w))
	w.State = StateUpgradingVCenter
	require.NoError(t, st.Save(w))
	wfs, bad, err := st.Load()
	require.NoError(t, err)
	require.Empty(t, bad)
	require.Len(t, wfs, 1)
	assert.Equal(t, StateUpgradingVCenter, wfs[0].State)
	assert.Equal(t, PhasePosting, wfs[0].Components[0].Phase)
	_, err = NewStore("")
	require.Error(t, err, "empty storage path accepted")
	// Only the workflow file is left (no temporary files); a corrupt file is
	// reported apart, never half-read.
	entries, _ := os.ReadDir(st.Dir())
	assert.Len(t, entries, 1, "files after saves: %v", entries)
	require.NoError(t, os.WriteFile(filepath.Join(st.Dir(), "workflow_x_y.json"), []byte(`{"schema_version":1,"target":"x"`), 0o600))
	wfs, bad, _ = st.Load()
	assert.Len(t, wfs, 1)
	require.Len(t, bad, 1)
	assert.Equal(t, "x", bad[0].Target, "identity salvaged from the readable part")
}

// authFlakyClient answers 401 to the first polls of the vCenter upgrade,
// as SDDC Manager does while vCenter restarts.
type authFlakyClient struct {
	Client
	mu       sync.Mutex
	posts    int
	failures int
}

func (c *authFlakyClient) StartUpgrade(ctx context.Context, spec vcfclient.UpgradeSpec) (*vcfclient.Task, error) {
	t, err := c.Client.StartUpgrade(ctx, spec)
	c.mu.Lock()
	c.posts++
	c.mu.Unlock()
	return t, err
}

func (c *authFlakyClient) Upgrade(ctx context.Context, id string) (*vcfclient.Upgrade, error) {
	c.mu.Lock()
	if c.posts == 3 && c.failures < 5 {
		c.failures++
		c.mu.Unlock()
		return nil, &vcfclient.APIError{StatusCode: 401, Method: "GET", Endpoint: "/v1/upgrades/{upgradeId}", ErrorCode: "UNAUTHORIZED", Message: "vCenter authorization failed"}
	}
	c.mu.Unlock()
	return c.Client.Upgrade(ctx, id)
}

func TestVCenterAuthorizationErrorsRiddenOut(t *testing.T) {
	e := newEnv(t, nil)
	fc := &authFlakyClient{Client: e.client}
	e.targets = &fakeTargets{clients: map[string]Client{"sim": fc}, url: e.targets.url}
	e.eng.Stop()
	e.start(nil)
	e.mustStart("")
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed)
	require.Equal(t, StateSucceeded, s["state"], "%v", s["last_error"])
	fc.mu.Lock()
	defer fc.mu.Unlock()
	assert.Equal(t, 5, fc.failures, "authorization errors injected")
}

// unauthorizedClient rejects the target change: outside SDDC Manager's and
// vCenter's restarts a 401 is a configuration problem and fails at once.
type unauthorizedClient struct{ Client }

func (unauthorizedClient) SetTargetRelease(context.Context, string, vcfclient.DomainRelease) error {
	return &vcfclient.AuthError{Username: "admin@local", StatusCode: 401}
}

func TestUnauthorizedOutsideUpgradeFails(t *testing.T) {
	e := newEnv(t, nil)
	e.targets = &fakeTargets{clients: map[string]Client{"sim": unauthorizedClient{e.client}}, url: e.targets.url}
	e.eng.Stop()
	e.start(nil)
	e.mustStart("")
	s := e.waitState(10*time.Second, StateFailed, StateSucceeded)
	assert.Equal(t, StateFailed, s["state"])
	assert.Contains(t, s["last_error"], "setting the target version")
}

// unknownErrorClient fails a call with an error that is on no transient
// list: the workflow fails at once instead of retrying it for hours.
type unknownErrorClient struct{ Client }

func (unknownErrorClient) SetTargetRelease(context.Context, string, vcfclient.DomainRelease) error {
	return errors.New("something nobody foresaw")
}

func TestUnknownErrorsFailAtOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.targets = &fakeTargets{clients: map[string]Client{"sim": unknownErrorClient{e.client}}, url: e.targets.url}
	e.eng.Stop()
	e.start(nil)
	e.mustStart("")
	s := e.waitState(10*time.Second, StateFailed, StateSucceeded)
	assert.Equal(t, StateFailed, s["state"])
	assert.Contains(t, s["last_error"], "something nobody foresaw")
	assert.NotContains(t, s["log_markdown"], "retrying", "an unknown error is not retried")
}

func TestStorageLockedByOneEngine(t *testing.T) {
	dir := t.TempDir()
	ft := &fakeTargets{clients: map[string]Client{}}
	e1, err := New(ft, testEngineOptions(dir, nil))
	require.NoError(t, err)
	_, err = New(ft, testEngineOptions(dir, nil))
	require.ErrorContains(t, err, "in use", "second engine over the same storage")
	e1.Stop()
	e2, err := New(ft, testEngineOptions(dir, nil))
	require.NoError(t, err, "after Stop")
	e2.Stop()
}
