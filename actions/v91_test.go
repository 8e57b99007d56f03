package actions

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// A BLOCKED upgrade (VCF 9.1) waits for a person in waiting_for_unblock,
// with a message saying what to do: no failure, no new POST, also across
// a restart. Once SDDC Manager unblocks it the workflow follows it again
// and completes.
func TestBlockedUpgradeWaitsForAPerson910(t *testing.T) {
	e := newEnv(t, func(c *vcfsim.Config) { c.VCFVersion = vcfsim.VCF910 })
	require.NoError(t, e.srv.Sim.BlockUpgrades("VCENTER"))
	e.mustStart("")
	s := e.waitState(60*time.Second, StateWaitingUnblock, StateFailed, StateSucceeded)
	require.Equal(t, StateWaitingUnblock, s["state"], "%v", s["log_markdown"])
	assert.Contains(t, s["message"], "SDDC Manager blocked the vCenter upgrade")
	assert.Contains(t, s["message"], "resolve what it asks for and resume it there")
	assert.Contains(t, s["log_markdown"], "SDDC Manager blocked the vCenter upgrade")
	assert.Empty(t, s["last_error"])
	assert.Never(t, func() bool { return e.snapshot()["state"] != StateWaitingUnblock }, 100*time.Millisecond, 5*time.Millisecond)
	assert.EqualValues(t, 2, e.posts(), "NSX and vCenter posted once each, nothing more while blocked")
	assert.Equal(t, 1.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"state": string(StateWaitingUnblock)}))

	e.eng.Stop()
	e.start(nil)
	assert.Equal(t, StateWaitingUnblock, e.waitState(30*time.Second, StateWaitingUnblock, StateFailed)["state"], "after a restart")
	assert.Never(t, func() bool { return e.snapshot()["state"] != StateWaitingUnblock }, 50*time.Millisecond, 5*time.Millisecond)
	e.srv.Sim.UnblockUpgrades()
	s = e.waitState(60*time.Second, StateSucceeded, StateFailed)
	require.Equal(t, StateSucceeded, s["state"], "%v", s["log_markdown"])
	// IN_PROGRESS, or already COMPLETED_WITH_SUCCESS on a slow machine.
	assert.Regexp(t, "SDDC Manager reports the vCenter upgrade (IN_PROGRESS|COMPLETED_WITH_SUCCESS) again; following it", s["log_markdown"])
	assert.EqualValues(t, 3, e.posts(), "one POST per component")
	assert.Equal(t, 0.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"state": string(StateWaitingUnblock)}))
}

// Waiting for a person can be cancelled; the blocked upgrade stays in
// SDDC Manager's hands.
func TestCancelWhileBlocked910(t *testing.T) {
	e := newEnv(t, func(c *vcfsim.Config) { c.VCFVersion = vcfsim.VCF910 })
	require.NoError(t, e.srv.Sim.BlockUpgrades("NSX_T_MANAGER"))
	e.mustStart("")
	e.waitState(60*time.Second, StateWaitingUnblock)
	_, err := e.cancel()
	require.NoError(t, err, "cancel")
	s := e.waitState(10*time.Second, StateCancelled, StateFailed, StateSucceeded)
	require.Equal(t, StateCancelled, s["state"], "%v", s["log_markdown"])
	assert.Contains(t, s["log_markdown"], "Stopped waiting while waiting for someone to unblock upgrade")
	assert.EqualValues(t, 1, e.posts())
}

// NSX's upgrade is done once its finalize stage is (VCF 9.1), also when
// SDDC Manager reads the upgrade COMPLETED_WITH_SUCCESS before finalize
// ran (the reading the reference leaves open). Simulated time moves only
// when the test says: it stops in the finalize stage and the workflow must
// still be upgrading NSX there.
func TestNsxFinalizeCountsInProgress910(t *testing.T) {
	for _, after := range []bool{false, true} {
		t.Run(map[bool]string{false: "finalize inside the upgrade", true: "finalize after the upgrade"}[after], func(t *testing.T) {
			t.Parallel()
			clk := testutil.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
			e := newEnv(t, func(c *vcfsim.Config) {
				c.VCFVersion, c.NsxFinalizeAfterUpgrade = vcfsim.VCF910, after
				c.TimeScale, c.Now, c.TokenTTL = 1, clk.Now, 1000*time.Hour
			})
			// drive moves simulated time by step until done.
			drive := func(what string, step time.Duration, done func() bool) {
				require.Eventually(t, func() bool {
					if done() {
						return true
					}
					clk.Add(step)
					return false
				}, 60*time.Second, 2*time.Millisecond, what)
			}
			nsxDone := func() bool {
				ups, err := e.client.Upgrades(context.Background())
				return err == nil && len(ups) > 0 && ups[0].Status == "COMPLETED_WITH_SUCCESS"
			}
			e.mustStart("")
			drive("the NSX upgrade reads COMPLETED_WITH_SUCCESS", time.Minute, nsxDone)
			if after {
				// Finalize runs from here for 20 simulated minutes, and time
				// stands still: NSX is not done.
				require.EventuallyWithT(t, func(c *assert.CollectT) {
					assert.Contains(c, e.snapshot()["log_markdown"], "NSX's finalize stage is IN_PROGRESS")
				}, 30*time.Second, 5*time.Millisecond)
				assert.Never(t, func() bool { return e.snapshot()["state"] != StateUpgradingNSX }, 50*time.Millisecond, 5*time.Millisecond)
				assert.NotContains(t, e.snapshot()["log_markdown"], "NSX upgrade completed.")
				assert.EqualValues(t, 1, e.posts(), "vCenter waits for NSX's finalize stage")
			}
			drive("the workflow ends", 10*time.Minute, func() bool { st, _ := e.snapshot()["state"].(State); return Terminal(st) })
			s := e.snapshot()
			require.Equal(t, StateSucceeded, s["state"], "%v", s["log_markdown"])
			assert.EqualValues(t, 3, e.posts())
		})
	}
}

// runInputs records the check-set runs the workflow starts.
type runInputs struct {
	Client
	mu  *sync.Mutex
	ins *[]vcfclient.CheckSetRunInput
}

func (c runInputs) RunCheckSets(ctx context.Context, in vcfclient.CheckSetRunInput) (*vcfclient.Task, error) {
	c.mu.Lock()
	*c.ins = append(*c.ins, in)
	c.mu.Unlock()
	return c.Client.RunCheckSets(ctx, in)
}

// After a failed NSX upgrade, the next run's pre-checks name that upgrade
// on 9.1 (metadata.upgradeId, which replaces the deprecated
// POST /v1/upgrades/{id}/prechecks) and only there; a first run has no
// upgrade to name.
func TestPrecheckNamesTheUpgrade910(t *testing.T) {
	for _, version := range []string{vcfsim.VCF902, vcfsim.VCF910} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *vcfsim.Config) { c.VCFVersion, c.Faults.FailUpgrade = version, "NSX_T_MANAGER" })
			var ins []vcfclient.CheckSetRunInput
			e.targets = &fakeTargets{clients: map[string]Client{"sim": runInputs{e.client, &sync.Mutex{}, &ins}}, url: e.srv.URL}
			e.eng.Stop()
			e.start(nil)
			target := e.mustStart("")["target_version"].(string)
			if version == vcfsim.VCF902 {
				s := e.waitState(60*time.Second, StateWaitingSDDCManager, StateFailed)
				require.Equal(t, StateWaitingSDDCManager, s["state"], "%v", s["log_markdown"])
				_, err := e.srv.Sim.UpgradeSddcManager(target)
				require.NoError(t, err)
			}
			s := e.waitState(60*time.Second, StateFailed, StateSucceeded)
			require.Equal(t, StateFailed, s["state"], "%v", s["log_markdown"])
			failed := e.eng.known("sim", e.domain.ID).Components[0].UpgradeID
			require.NotEmpty(t, failed)

			e.srv.Sim.SetFaults(vcfsim.Faults{})
			e.mustStart(target)
			s = e.waitState(60*time.Second, StateSucceeded, StateFailed)
			require.Equal(t, StateSucceeded, s["state"], "%v", s["log_markdown"])
			require.Len(t, ins, 2)
			require.NotNil(t, ins[0].Metadata)
			assert.Empty(t, ins[0].Metadata.UpgradeID, "first run: no upgrade yet")
			require.NotNil(t, ins[1].Metadata)
			assert.Equal(t, target, ins[1].Metadata.TargetVersion)
			if version == vcfsim.VCF910 {
				assert.Equal(t, failed, ins[1].Metadata.UpgradeID)
				assert.Contains(t, s["log_markdown"], "The pre-checks are for upgrade "+failed)
			} else {
				assert.Empty(t, ins[1].Metadata.UpgradeID, "9.0 has no metadata.upgradeId")
			}
		})
	}
}

// A 9.1 ESX remediation that ran out of time ends the upgrade
// COMPLETED_WITH_FAILURE with its task TIMED_OUT: the workflow fails with
// the task's errors, as for FAILED.
func TestTimedOutUpgradeFails910(t *testing.T) {
	e := newEnv(t, func(c *vcfsim.Config) { c.VCFVersion, c.Faults.FailUpgrade = vcfsim.VCF910, "ESX_HOST" })
	e.mustStart("")
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed)
	require.Equal(t, StateFailed, s["state"], "%v", s["log_markdown"])
	assert.Contains(t, s["last_error"], "UPGRADE_FAILED")
	comps := e.eng.known("sim", e.domain.ID).Components
	require.Len(t, comps, 3)
	task, err := e.client.Task(context.Background(), comps[2].TaskID)
	require.NoError(t, err)
	assert.Equal(t, "TIMED_OUT", task.Status)
}
