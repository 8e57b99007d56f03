package actions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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
	cases := []struct {
		name    string
		state   State // state the crash happens in
		trigger func(method string, n int, err error) bool
		scale   float64 // simulator time scale (default 36000)
	}{
		{"download requested, not recorded", StateDownloading, func(m string, n int, _ error) bool { return m == "DownloadBundle" && n == 2 }, 0},
		{"download polling", StateDownloading, func(m string, n int, _ error) bool { return m == "Bundle" && n == 6 }, 0},
		{"pre-check started, not recorded", StatePrechecks, func(m string, n int, _ error) bool { return m == "RunCheckSets" }, 0},
		{"pre-check polling", StatePrechecks, func(m string, n int, _ error) bool { return m == "CheckSetRun" && n == 1 }, 0},
		{"SDDC Manager upgrade posted, not recorded", StateUpgradingSDDCManager, func(m string, n int, _ error) bool { return m == "StartUpgrade" && n == 1 }, 0},
		// Slower clock: the SDDC Manager outage (one simulated hour) lasts a
		// second, so a busy machine cannot poll past it.
		{"SDDC Manager API gone", StateUpgradingSDDCManager, func(m string, n int, err error) bool { return m == "Upgrade#1" && err != nil }, 3600},
		{"NSX upgrade posted, not recorded", StateUpgradingNSX, func(m string, n int, _ error) bool { return m == "StartUpgrade" && n == 2 }, 0},
		{"NSX upgrade polling", StateUpgradingNSX, func(m string, n int, _ error) bool { return m == "Upgrade#2" && n == 3 }, 0},
		{"vCenter upgrade posted, not recorded", StateUpgradingVCenter, func(m string, n int, _ error) bool { return m == "StartUpgrade" && n == 3 }, 0},
		{"vCenter upgrade polling", StateUpgradingVCenter, func(m string, n int, _ error) bool { return m == "Upgrade#3" && n == 3 }, 0},
		{"ESX upgrade posted, not recorded", StateUpgradingESX, func(m string, n int, _ error) bool { return m == "StartUpgrade" && n == 4 }, 0},
		{"ESX upgrade polling", StateUpgradingESX, func(m string, n int, _ error) bool { return m == "Upgrade#4" && n == 3 }, 0},
		{"validation started, not recorded", StateValidating, func(m string, n int, _ error) bool { return m == "ValidateRelease" }, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *vcfsim.Config) { c.TimeScale = cmp.Or(tc.scale, 36000) })
			real := e.targets
			cc := &crashClient{Client: e.client, trigger: tc.trigger, crashed: make(chan struct{})}
			e.targets = &fakeTargets{clients: map[string]Client{"sim": cc}, url: real.url}
			e.eng.Stop()
			e.start(nil)
			cc.eng = e.eng
			from := e.currentVersion()
			code, m := e.do("POST", e.upgradePath(), "")
			if code != 202 {
				t.Fatalf("start: %d %v", code, m)
			}
			target := m["target_version"].(string)
			select {
			case <-cc.crashed:
			case <-time.After(60 * time.Second):
				t.Fatalf("never crashed; state %v", e.snapshot()["state"])
			}
			dead := e.eng
			if st := dead.known("sim", e.domain.ID).State; st != tc.state {
				t.Errorf("crashed in state %s, want %s", st, tc.state)
			}
			// A new process over the same storage path (the kernel
			// releases a dead process's lock).
			dead.stopOnce.Do(dead.unlock)
			e.targets = real
			e.start(nil)
			s := e.waitState(60*time.Second, StateSucceeded, StateFailed)
			if s["state"] != StateSucceeded {
				t.Fatalf("after restart: %v\n%s", s["state"], s["log_markdown"])
			}
			if n := e.posts(); n != 4 {
				t.Errorf("POST /v1/upgrades sent %d times, want 4", n)
			}
			if v := e.currentVersion(); v != target || v == from {
				t.Errorf("version %s → %s, want %s", from, v, target)
			}
			dead.Stop()
		})
	}
}

// TestStoreAtomic checks the files are complete JSON and survive reload.
func TestStoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	st, err := NewStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	w := &Workflow{Target: "a/b", DomainID: "d 1", State: StateUpgradingNSX, Components: []ComponentRun{{BundleID: "b", Phase: PhasePosting}}}
	if err := st.Save(w); err != nil {
		t.Fatal(err)
	}
	w.State = StateUpgradingVCenter
	if err := st.Save(w); err != nil {
		t.Fatal(err)
	}
	wfs, errs, err := st.Load()
	if err != nil || len(errs) != 0 || len(wfs) != 1 || wfs[0].State != StateUpgradingVCenter || wfs[0].Components[0].Phase != PhasePosting {
		t.Fatalf("loaded %+v, %v", wfs, errs)
	}
	if _, err := NewStore(""); err == nil {
		t.Error("empty storage path accepted")
	}
	// Only the workflow file is left (no temporary files); a corrupt file is
	// reported and skipped, never half-read.
	entries, _ := os.ReadDir(st.Dir())
	if len(entries) != 1 {
		t.Errorf("files after saves: %v", entries)
	}
	if err := os.WriteFile(filepath.Join(st.Dir(), "workflow_x_y.json"), []byte(`{"schema_version":1,"target":"x"`), 0o600); err != nil {
		t.Fatal(err)
	}
	wfs, errs, _ = st.Load()
	if len(wfs) != 1 || len(errs) != 1 {
		t.Errorf("with a corrupt file: %d workflows, errors %v", len(wfs), errs)
	}
	_ = errors.New
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
	if code, m := e.do("POST", e.upgradePath(), ""); code != 202 {
		t.Fatalf("start: %d %v", code, m)
	}
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed)
	if s["state"] != StateSucceeded {
		t.Fatalf("state %v: %v", s["state"], s["last_error"])
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.failures != 5 {
		t.Errorf("%d authorization errors injected", fc.failures)
	}
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
	if code, m := e.do("POST", e.upgradePath(), ""); code != 202 {
		t.Fatalf("start: %d %v", code, m)
	}
	s := e.waitState(10*time.Second, StateFailed, StateSucceeded)
	if s["state"] != StateFailed || !strings.Contains(s["last_error"].(string), "setting the target version") {
		t.Fatalf("state %v: %v", s["state"], s["last_error"])
	}
}

func TestStorageLockedByOneEngine(t *testing.T) {
	dir := t.TempDir()
	ft := &fakeTargets{clients: map[string]Client{}}
	e1, err := New(ft, testEngineOptions(dir, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(ft, testEngineOptions(dir, nil)); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second engine over the same storage: %v", err)
	}
	e1.Stop()
	e2, err := New(ft, testEngineOptions(dir, nil))
	if err != nil {
		t.Fatalf("after Stop: %v", err)
	}
	e2.Stop()
}
