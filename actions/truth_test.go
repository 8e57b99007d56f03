package actions

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// Success is what SDDC Manager shows: one empty upgradables answer right
// after SDDC Manager's own upgrade is read again, and every component is
// still upgraded.
func TestEmptyUpgradablesAnswerIsNotSuccess(t *testing.T) {
	e := newEnv(t, nil)
	e.onUpgradeStarted(1, func() {
		e.srv.Sim.SetFaults(vcfsim.Faults{Empty: "GET /v1/upgradables/domains/{domainId}"})
	})
	target := e.mustStart("")["target_version"].(string)
	s := e.succeeded()
	assert.Empty(t, e.srv.Sim.Faults().Empty, "the empty answer was given")
	assert.EqualValues(t, 4, e.posts(), "SDDC Manager, NSX, vCenter, ESX")
	assert.EqualValues(t, 4, s["components_upgraded"])
	assert.Equal(t, target, e.currentVersion())
	assert.Contains(t, s["log_markdown"], "lists nothing left to upgrade")
}

// silentUpgradables answers every upgradables request with an empty list.
type silentUpgradables struct{ Client }

func (silentUpgradables) Upgradables(context.Context, string, string) ([]vcfclient.Upgradable, error) {
	return []vcfclient.Upgradable{}, nil
}

// listsTarget also lists the target release in GET /v1/releases?domainId=,
// before the current one (a reading the reference's summary allows).
type listsTarget struct {
	Client
	target string
}

func (c listsTarget) Releases(ctx context.Context, domainID string) ([]vcfclient.Release, error) {
	rels, err := c.Client.Releases(ctx, domainID)
	return append([]vcfclient.Release{{Version: c.target}}, rels...), err
}

// SDDC Manager that keeps offering nothing while the domain is below the
// target stops the workflow in a state naming the mismatch, never success,
// also when its release list names the target first.
func TestLastingSilenceStopsOnVersionMismatch(t *testing.T) {
	for _, listed := range []bool{false, true} {
		e := newEnv(t, nil)
		plan, _ := e.plan("")
		target := plan["target_version"].(string)
		var c Client = silentUpgradables{e.client}
		if listed {
			c = listsTarget{c, target}
		}
		e.targets.clients["sim"] = c
		e.mustStart("")
		s := e.waitState(60*time.Second, StateSucceeded, StateFailed, StateVersionMismatch)
		require.Equal(t, StateVersionMismatch, s["state"], "listed=%v: %v", listed, s["log_markdown"])
		assert.Contains(t, s["last_error"], "reports it at VCF 5.1.1.0, not "+target)
		assert.Contains(t, s["message"], "A person must look")
		assert.Zero(t, e.posts())
		assert.Equal(t, 1.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"state": string(StateVersionMismatch)}))
		assert.Equal(t, map[string]float64{"runs": 1, "failures": 1, "cancellations": 0}, e.runCounters())
	}
}

// Someone else sets the domain's target release while SDDC Manager
// upgrades: the workflow stops in a state that says so.
func TestTargetReleaseChangedBehindTheWorkflow(t *testing.T) {
	e := newEnv(t, nil)
	fut, err := e.client.FutureReleases(context.Background(), e.domain.ID)
	require.NoError(t, err)
	target := vcfclient.UpgradePaths(e.currentVersion(), fut)[0].Version
	other := ""
	for _, r := range fut {
		if r.Version != target {
			other = r.Version
		}
	}
	require.NotEmpty(t, other)
	e.onUpgradeStarted(1, func() {
		assert.NoError(t, e.srv.Sim.SetDomainTarget(e.domain.ID, other))
	})
	require.Equal(t, target, e.mustStart("")["target_version"])
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed, StateTargetChanged)
	require.Equal(t, StateTargetChanged, s["state"], "%v", s["log_markdown"])
	assert.Contains(t, s["last_error"], "now VCF "+other)
	assert.EqualValues(t, 1, e.posts(), "nothing is started for a target that is no longer the domain's")
}

// succeeded waits for the workflow's end and requires its success.
func (e *env) succeeded() map[string]any {
	e.t.Helper()
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed, StateVersionMismatch, StateTargetChanged)
	require.Equal(e.t, StateSucceeded, s["state"], "%v", s["log_markdown"])
	return s
}

// upgradesOnSim lists the upgrades SDDC Manager knows of.
func (e *env) upgradesOnSim() []vcfclient.Upgrade {
	e.t.Helper()
	ups, err := e.client.Upgrades(context.Background())
	require.NoError(e.t, err)
	return ups
}

// onPost runs f before the n-th upgrade POST is sent.
func (e *env) onPost(n int32, f func()) {
	var posts atomic.Int32
	e.eng.hook = func(s string) {
		if s == "before-post-upgrade" && posts.Add(1) == n {
			f()
		}
	}
}

// The NSX POST is processed but answered 502, and GET /v1/upgrades does
// not list the new upgrade for two reads: the upgrade is adopted, never
// sent again.
func TestLaggingUpgradesListNoSecondPost(t *testing.T) {
	e := newEnv(t, nil)
	e.onPost(2, func() {
		e.srv.Sim.SetFaults(vcfsim.Faults{FailEndpoint: "POST /v1/upgrades", FailCode: 502, FailCount: 1, FailAfter: true, LagUpgrades: 2})
	})
	e.mustStart("")
	s := e.succeeded()
	assert.EqualValues(t, 4, e.posts(), "one POST per component")
	assert.Len(t, e.upgradesOnSim(), 4)
	assert.Contains(t, s["log_markdown"], "Found the NSX upgrade")
}

// A cancel while a POST's outcome is unknown (a 502) resolves the outcome
// first: an upgrade that reached SDDC Manager is followed to its end, one
// that did not is never started.
func TestCancelDuringUnknownOutcome(t *testing.T) {
	for _, tc := range []struct {
		name     string
		arrived  bool
		upgrades int
		inLog    string
		notInLog string
	}{
		{"502 before SDDC Manager", false, 1, "Workflow cancelled", "starting it"},
		{"502 after SDDC Manager", true, 2, "NSX upgrade completed", "starting it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.onPost(2, func() {
				e.srv.Sim.SetFaults(vcfsim.Faults{FailEndpoint: "POST /v1/upgrades", FailCode: 502, FailCount: 1, FailAfter: tc.arrived})
				_, err := e.eng.Cancel(context.Background(), "sim", e.domain.ID)
				require.NoError(t, err)
			})
			e.mustStart("")
			s := e.waitState(60*time.Second, StateCancelled, StateSucceeded, StateFailed)
			require.Equal(t, StateCancelled, s["state"], "%v", s["log_markdown"])
			assert.EqualValues(t, 2, e.posts(), "SDDC Manager's POST and the NSX POST answered 502")
			assert.Len(t, e.upgradesOnSim(), tc.upgrades)
			assert.Contains(t, s["log_markdown"], tc.inLog)
			assert.NotContains(t, s["log_markdown"], tc.notInLog)
		})
	}
}

// repostingClient sends the n-th upgrade POST twice, as a retrying proxy
// would, and returns the second answer: 400, the component is already
// being upgraded.
type repostingClient struct {
	Client
	n, posts atomic.Int32
}

func (c *repostingClient) StartUpgrade(ctx context.Context, spec vcfclient.UpgradeSpec) (*vcfclient.Task, error) {
	t, err := c.Client.StartUpgrade(ctx, spec)
	if c.posts.Add(1) != c.n.Load() || err != nil {
		return t, err
	}
	return c.Client.StartUpgrade(ctx, spec)
}

// A 400 saying the component is already being upgraded is adopted, not a
// failure, even when the list lags.
func TestAlreadyUpgradingAnswerIsAdopted(t *testing.T) {
	e := newEnv(t, nil)
	c := &repostingClient{Client: e.client}
	c.n.Store(2)
	e.targets.clients["sim"] = c
	e.srv.Sim.SetFaults(vcfsim.Faults{LagUpgrades: 1})
	e.mustStart("")
	s := e.succeeded()
	assert.EqualValues(t, 5, e.posts(), "the NSX POST went out twice, once refused")
	assert.Len(t, e.upgradesOnSim(), 4)
	assert.Contains(t, s["log_markdown"], "already being upgraded")
}

// unknownStatus lists every upgradable with a status the references do not
// name (they list none).
type unknownStatus struct{ Client }

func (c unknownStatus) Upgradables(ctx context.Context, domainID, target string) ([]vcfclient.Upgradable, error) {
	ups, err := c.Client.Upgradables(ctx, domainID, target)
	for i := range ups {
		ups[i].Status = "WAITING_FOR_SOMETHING_NEW"
	}
	return ups, err
}

// An upgradable in a status we do not know is neither upgraded nor taken as
// done: the domain's release decides, and below the target the workflow
// stops for a person, saying which status it did not know.
func TestUnknownUpgradableStatusIsNotDone(t *testing.T) {
	e := newEnv(t, nil)
	e.targets.clients["sim"] = unknownStatus{e.client}
	e.mustStart("")
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed, StateVersionMismatch)
	require.Equal(t, StateVersionMismatch, s["state"], "%v", s["log_markdown"])
	assert.Contains(t, s["log_markdown"], `"WAITING_FOR_SOMETHING_NEW", a status this exporter does not know`)
	assert.Zero(t, e.posts())
}
