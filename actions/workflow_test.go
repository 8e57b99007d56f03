package actions

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

func TestUpgradeEndToEnd(t *testing.T) {
	for _, version := range []string{vcfsim.VCF521, vcfsim.VCF902, vcfsim.VCF910} {
		t.Run(version, func(t *testing.T) {
			// At 3600x SDDC Manager's own outage (one simulated hour) lasts
			// a second: a busy machine cannot poll past it.
			t.Parallel()
			e := newEnv(t, func(c *vcfsim.Config) { c.TimeScale, c.VCFVersion = 3600, version })
			from := e.currentVersion()

			m := e.mustStart("")
			assert.Equal(t, StateTargeting, m["state"])
			target := m["target_version"].(string)
			// What SDDC Manager upgrades: all on 5.2; on 9.x not itself.
			want := []Kind{KindSDDCManager, KindNSX, KindVCenter, KindESX}
			if version != vcfsim.VCF521 {
				want = want[1:]
			}
			if version == vcfsim.VCF902 { // 9.1.0: SDDC Manager runs 9.1 already
				s := e.waitState(60*time.Second, StateWaitingSDDCManager, StateFailed)
				require.Equal(t, StateWaitingSDDCManager, s["state"], "%v", s["log_markdown"])
				assert.Contains(t, s["message"], "VCF Operations fleet management")
				// The log says so once the step read SDDC Manager's version.
				require.EventuallyWithT(t, func(c *assert.CollectT) {
					st, err := e.eng.UpgradeStatus(context.Background(), "sim", e.domain.ID)
					if assert.NoError(c, err) {
						assert.Contains(c, st.LogMarkdown, "VCF Operations fleet management")
					}
				}, 30*time.Second, 5*time.Millisecond)
				// It waits for SDDC Manager and posts nothing meanwhile.
				assert.Never(t, func() bool { return e.snapshot()["state"] != StateWaitingSDDCManager }, 100*time.Millisecond, 5*time.Millisecond)
				require.Zero(t, e.posts(), "upgrades posted before SDDC Manager runs the target")
				assert.Equal(t, 1.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"state": string(StateWaitingSDDCManager)}))
				_, err := e.srv.Sim.UpgradeSddcManager(target)
				require.NoError(t, err)
			}

			s := e.waitState(60*time.Second, StateSucceeded, StateFailed)
			require.Equal(t, StateSucceeded, s["state"], "%v", s["log_markdown"])
			// Every component upgraded, in order, in its own state.
			var kinds []Kind
			for _, c := range e.eng.known("sim", e.domain.ID).Components {
				kinds = append(kinds, c.Kind)
				assert.Equal(t, PhaseDone, c.Phase, "component %s", c.Kind)
			}
			assert.Equal(t, want, kinds)
			got := e.currentVersion()
			assert.True(t, got == target && got != from, "domain version %s → %s, want %s", from, got, target)
			assert.EqualValues(t, len(want), e.posts(), "POST /v1/upgrades: one per component SDDC Manager upgrades")
			assert.Equal(t, target, strings.SplitN(e.srv.Sim.SddcManagerVersion(), "-", 2)[0])
			log := s["log_markdown"].(string)
			if version != vcfsim.VCF910 {
				assert.Contains(t, log, "answers again", "the SDDC Manager outage is ridden out visibly")
			}
			assert.Contains(t, log, "ESXi (2 cluster(s))")
			assert.NotZero(t, e.targets.checks.Load(), "upgrade check refreshed after the upgrade")
			assert.Equal(t, 1.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"state": string(StateSucceeded)}))
			assert.Equal(t, 0.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"state": string(StateFailed)}))
			assert.Equal(t, 0.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"state": string(StateWaitingSDDCManager)}))
			assert.Equal(t, map[string]float64{"runs": 1, "failures": 0, "cancellations": 0}, e.runCounters())
			assert.Positive(t, e.metric("vcf_upgrade_workflow_step_start_timestamp_seconds", nil))
			// The version just installed is no upgrade path any more.
			_, err := e.upgrade(target)
			require.ErrorIs(t, err, ErrNothingToUpgrade, "second start")
		})
	}
}

func TestPrecheckWarningsNeedAcknowledgement(t *testing.T) {
	for _, version := range []string{vcfsim.VCF521, vcfsim.VCF902, vcfsim.VCF910} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *vcfsim.Config) { c.PrecheckWarnings, c.VCFVersion = 3, version })
			_, err := e.acknowledge()
			require.ErrorIs(t, err, ErrConflict, "acknowledge with nothing running")
			e.mustStart("")
			s := e.waitState(30*time.Second, StateWaitingAck)
			assert.Equal(t, 3.0, s["precheck_warnings"])
			assert.Contains(t, s["log_markdown"], "3 warning(s)")
			if version != vcfsim.VCF521 {
				// 9.x marks the warnings as findings to acknowledge (9.1
				// nests them under one check) and the log lists them.
				assert.Equal(t, 3.0, s["precheck_acknowledge"])
				assert.Contains(t, s["log_markdown"], "3 of them marked for acknowledgement")
				assert.Contains(t, s["log_markdown"], "Finding 3 of 3: WARNING: Upgrade pre-check warning 3 of 3")
				assert.Contains(t, s["log_markdown"], "Pre-check warning 3: review it before the upgrade (to acknowledge)")
			}
			// It stays there: no upgrade is started while waiting.
			assert.Never(t, func() bool { return e.snapshot()["state"] != StateWaitingAck }, 100*time.Millisecond, 5*time.Millisecond)
			require.Zero(t, e.posts(), "upgrades posted before the acknowledgement")
			_, err = e.acknowledge()
			require.NoError(t, err, "acknowledge")
			e.finish(version, s["target_version"].(string))
		})
	}
}

// findingsAfterCheckSets gives the pre-check warnings to the release
// validation only: the check-set run, started before, reports none.
type findingsAfterCheckSets struct {
	Client
	sim *vcfsim.Simulator
}

func (c findingsAfterCheckSets) RunCheckSets(ctx context.Context, in vcfclient.CheckSetRunInput) (*vcfclient.Task, error) {
	t, err := c.Client.RunCheckSets(ctx, in)
	c.sim.SetPrecheckFindings(0, 2)
	return t, err
}

// On 9.x a validation check marked "acknowledge" waits for the
// acknowledgement even when the pre-checks report no finding.
func TestAcknowledgeFindingsWait902(t *testing.T) {
	e := newEnv(t, func(c *vcfsim.Config) { c.VCFVersion = vcfsim.VCF902 })
	e.targets = &fakeTargets{clients: map[string]Client{"sim": findingsAfterCheckSets{e.client, e.srv.Sim}}, url: e.srv.URL}
	e.eng.Stop()
	e.start(nil)
	target := e.mustStart("")["target_version"].(string)
	s := e.waitState(30*time.Second, StateWaitingAck, StateWaitingSDDCManager)
	require.Equal(t, StateWaitingAck, s["state"], "%v", s["log_markdown"])
	assert.Equal(t, 0.0, s["precheck_warnings"])
	assert.Equal(t, 2.0, s["precheck_acknowledge"])
	_, err := e.acknowledge()
	require.NoError(t, err, "acknowledge")
	e.finish(vcfsim.VCF902, target)
}

// finish lets the started workflow end successfully: on 9.x it upgrades
// SDDC Manager the way VCF Operations fleet management does, once the
// workflow waits for it.
func (e *env) finish(version, target string) {
	e.t.Helper()
	if version == vcfsim.VCF902 { // 9.1.0: SDDC Manager runs 9.1 already
		s := e.waitState(60*time.Second, StateWaitingSDDCManager, StateFailed)
		require.Equal(e.t, StateWaitingSDDCManager, s["state"], "%v", s["log_markdown"])
		_, err := e.srv.Sim.UpgradeSddcManager(target)
		require.NoError(e.t, err)
	}
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed)
	require.Equal(e.t, StateSucceeded, s["state"], "%v", s["log_markdown"])
}

func TestFailingUpgradeEndsFailed(t *testing.T) {
	e := newEnv(t, func(c *vcfsim.Config) { c.Faults.FailUpgrade = "NSX_T_MANAGER" })
	e.mustStart("")
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed)
	require.Equal(t, StateFailed, s["state"])
	for _, want := range []string{"UPGRADE_FAILED", "Upgrade of VMware NSX"} {
		assert.Contains(t, s["last_error"], want)
		assert.Contains(t, s["log_markdown"], want)
	}
	assert.EqualValues(t, 2, e.posts(), "POST /v1/upgrades: SDDC Manager, NSX")
	assert.Equal(t, map[string]float64{"runs": 1, "failures": 1, "cancellations": 0}, e.runCounters())
	// A new workflow may start after a failure.
	_, err := e.plan("")
	require.NoError(t, err, "dry run after failure")
}

// onUpgradeStarted runs f once, when the n-th component's upgrade has been
// started and recorded (its POST answered).
func (e *env) onUpgradeStarted(n int, f func()) {
	var seen atomic.Int32
	e.eng.hook = func(s string) {
		if s == "upgrade-started" && seen.Add(1) == int32(n) {
			f()
		}
	}
}

func TestOutageMidUpgradeIsRiddenOut(t *testing.T) {
	e := newEnv(t, nil)
	// The API refuses connections for a while during the vCenter upgrade.
	e.onUpgradeStarted(3, func() { e.srv.Sim.SetFaults(vcfsim.Faults{Outage: 300 * time.Millisecond, OutageMode: "refuse"}) })
	e.mustStart("")
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed)
	require.Equal(t, StateSucceeded, s["state"], "%v", s["log_markdown"])
	// The outage during the vCenter upgrade shows in the log, and its end.
	log := s["log_markdown"].(string)
	vc := strings.Index(log, "vCenter upgrade started")
	require.GreaterOrEqual(t, vc, 0, log)
	assert.Contains(t, log[vc:], "SDDC Manager API not available while")
	assert.Contains(t, log[vc:], "answers again")
	assert.EqualValues(t, 4, e.posts())
}

func TestOutageLongerThanLimitFails(t *testing.T) {
	e := newEnv(t, nil)
	e.eng.Stop()
	e.start(func(o *Options) {
		o.Config = config.ActionsConfig{Timeouts: config.ActionsTimeouts{"api_outage": modelDuration(100 * time.Millisecond)}}
	})
	e.mustStart("")
	e.srv.Sim.SetFaults(vcfsim.Faults{Outage: time.Hour})
	s := e.waitState(30*time.Second, StateFailed, StateSucceeded)
	assert.Equal(t, StateFailed, s["state"])
	assert.Contains(t, s["last_error"], "SDDC Manager API unavailable")
}

func TestCancel(t *testing.T) {
	t.Run("waiting_acknowledgement", func(t *testing.T) {
		e := newEnv(t, func(c *vcfsim.Config) { c.PrecheckErrors = 1 })
		e.mustStart("")
		e.waitState(30*time.Second, StateWaitingAck)
		_, err := e.cancel()
		require.NoError(t, err, "cancel")
		e.waitState(10*time.Second, StateCancelled)
		assert.Zero(t, e.posts())
		assert.Equal(t, map[string]float64{"runs": 1, "failures": 0, "cancellations": 1}, e.runCounters())
	})
	t.Run("downloading", func(t *testing.T) {
		e := newEnv(t, func(c *vcfsim.Config) { c.TimeScale = 30 }) // downloads take seconds
		e.mustStart("")
		e.waitState(10*time.Second, StateDownloading)
		_, err := e.cancel()
		require.NoError(t, err, "cancel")
		s := e.waitState(10*time.Second, StateCancelled, StateFailed, StateSucceeded)
		// Cancelled while waiting for a download, or before requesting the next one.
		require.Equal(t, StateCancelled, s["state"], "%s", s["log_markdown"])
		assert.Zero(t, e.posts())
		assert.Zero(t, e.srv.Sim.Stats()["POST /v1/system/check-sets"])
		_, err = e.cancel()
		require.ErrorIs(t, err, ErrConflict, "cancel when nothing runs")
	})
	t.Run("during an upgrade", func(t *testing.T) {
		e := newEnv(t, func(c *vcfsim.Config) { c.TimeScale = 3600 })
		// Cancel once the SDDC Manager upgrade runs.
		var msg atomic.Value
		e.onUpgradeStarted(1, func() {
			st, err := e.eng.Cancel(context.Background(), "sim", e.domain.ID)
			if err == nil {
				msg.Store(st.Message)
			}
		})
		e.mustStart("")
		s := e.waitState(60*time.Second, StateCancelled, StateFailed, StateSucceeded)
		require.Equal(t, StateCancelled, s["state"], "%v", s)
		assert.Contains(t, msg.Load(), "not aborted")
		assert.EqualValues(t, 1, e.posts(), "the SDDC Manager upgrade ran to its end, nothing more")
		assert.Contains(t, s["log_markdown"], "SDDC Manager upgrade completed")
	})
}

func TestStartValidation(t *testing.T) {
	e := newEnv(t, nil)
	e.targets.domains = []string{e.domain.Name}
	// The counters of a known domain exist before its first run ends.
	assert.Equal(t, map[string]float64{"runs": 0, "failures": 0, "cancellations": 0}, e.runCounters())
	assert.Equal(t, 1.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"domain": e.domain.Name, "state": string(StateWaitingForInitiation)}))
	_, err := e.eng.StartUpgrade(context.Background(), "", "nope", "")
	require.ErrorIs(t, err, ErrNotFound, "unknown domain")
	_, err = e.upgrade("9.9.9.9")
	require.ErrorIs(t, err, ErrNothingToUpgrade, "bad version")
	m, err := e.statusOf(e.domain.Name)
	require.NoError(t, err)
	assert.Equal(t, StateWaitingForInitiation, m["state"])
	assert.Equal(t, "No messages", m["log_markdown"])
	// By id too.
	m, err = e.statusOf(e.domain.ID)
	require.NoError(t, err)
	assert.Equal(t, e.domain.Name, m["domain_name"])
	// Dry run: a plan, and nothing changes on SDDC Manager.
	before := e.remoteChanges()
	plan, err := e.plan("")
	require.NoError(t, err, "dry run")
	assert.Equal(t, true, plan["dry_run"])
	assert.Equal(t, []any{string(KindSDDCManager), string(KindNSX), string(KindVCenter), string(KindESX)}, plan["component_order"])
	assert.Len(t, plan["bundles"], 4)
	assert.Positive(t, plan["download_bytes"])
	assert.Equal(t, before, e.remoteChanges(), "the dry run changed something")
	// Explicit version; then a second start conflicts.
	e.mustStart(plan["target_version"].(string))
	_, err = e.upgrade("")
	require.ErrorIs(t, err, ErrConflict, "second start while running")
	e.waitState(60*time.Second, StateSucceeded)
}

func TestUpgradeSpecsFromConfig(t *testing.T) {
	e := newEnv(t, nil)
	cls, err := e.client.Clusters(context.Background())
	require.NoError(t, err)
	var ids []string
	for _, c := range cls {
		if c.DomainID == e.domain.ID {
			ids = append(ids, c.ID)
		}
	}
	// The engine reads the options where it uses them: mk applies them
	// (no workflow runs meanwhile).
	mk := func(c config.ActionsConfig) *run {
		require.NoError(t, e.eng.Apply(&config.Config{Actions: c}))
		w := &Workflow{Target: "sim", DomainID: e.domain.ID, Precheck: PrecheckState{ResourceIDs: map[string]string{"VCENTER": "vc-1"}}}
		return e.eng.newRun(w, e.client)
	}
	// Defaults: the safe options.
	r := mk(config.ActionsConfig{})
	esx, err := r.spec(context.Background(), &ComponentRun{Kind: KindESX, BundleID: "b", ResourceType: "CLUSTER", ResourceIDs: ids})
	require.NoError(t, err)
	assert.False(t, esx.ParallelUpgrade)
	assert.Len(t, esx.ResourceUpgradeSpecs, len(ids))
	assert.Equal(t, "CLUSTER", esx.ResourceType)
	for _, rs := range esx.ResourceUpgradeSpecs {
		assert.True(t, rs.UpgradeNow)
		assert.False(t, rs.EnableQuickboot || rs.EvacuateOfflineVms || rs.EsxUpgradeOptionsSpec.EnableQuickboot, "ESX resource spec %+v", rs)
		assert.Nil(t, rs.PersonalitySpec)
	}
	vc, err := r.spec(context.Background(), &ComponentRun{Kind: KindVCenter, BundleID: "b", ResourceType: "DOMAIN", ResourceIDs: []string{e.domain.ID}})
	require.NoError(t, err)
	assert.Equal(t, []vcfclient.VcenterUpgradeUserInputSpec{{ResourceID: "vc-1", UpgradeMechanism: "InPlace"}}, vc.VcenterUpgradeUserInputSpecs)
	ups, _ := e.client.FutureReleases(context.Background(), e.domain.ID)
	nsxBundle := ""
	for _, b := range ups[0].PatchBundles {
		if bd, _ := e.client.Bundle(context.Background(), b.BundleID); bd != nil && bd.Components[0].Type == string(KindNSX) {
			nsxBundle = b.BundleID
		}
	}
	nsx, err := r.spec(context.Background(), &ComponentRun{Kind: KindNSX, BundleID: nsxBundle, ResourceType: "DOMAIN", ResourceIDs: []string{e.domain.ID}})
	require.NoError(t, err)
	require.Len(t, nsx.NsxtUpgradeUserInputSpecs, 1)
	in := nsx.NsxtUpgradeUserInputSpecs[0]
	assert.NotEmpty(t, in.NsxtID)
	assert.False(t, in.NsxtUpgradeOptions.IsHostClustersUpgradeParallel)
	assert.True(t, in.NsxtUpgradeOptions.IsEdgeClustersUpgradeParallel)
	require.Len(t, in.NsxtHostClusterUpgradeSpecs, len(ids))
	assert.False(t, in.NsxtHostClusterUpgradeSpecs[0].LiveUpgrade || in.NsxtHostClusterUpgradeSpecs[0].HostParallelUpgrade)
	require.NotEmpty(t, in.NsxtEdgeClusterUpgradeSpecs)
	assert.True(t, in.NsxtEdgeClusterUpgradeSpecs[0].EdgeParallelUpgrade)
	// Configured.
	no := false
	r = mk(config.ActionsConfig{
		NSX:     config.NSXUpgradeOptions{HostClustersParallel: true, LiveUpgrade: true, EdgeClustersParallel: &no},
		VCenter: config.VCenterUpgradeOptions{UpgradeMechanism: "Migration"},
		ESX:     config.ESXUpgradeOptions{EnableQuickboot: true, ParallelClusterUpgrade: true, Personalities: map[string]string{cls[0].Name: "image-1"}},
	})
	esx, _ = r.spec(context.Background(), &ComponentRun{Kind: KindESX, BundleID: "b", ResourceType: "CLUSTER", ResourceIDs: ids})
	assert.True(t, esx.ParallelUpgrade)
	assert.True(t, esx.ResourceUpgradeSpecs[0].EsxUpgradeOptionsSpec.EnableQuickboot)
	for _, rs := range esx.ResourceUpgradeSpecs {
		hasImage := rs.PersonalitySpec != nil && rs.PersonalitySpec.PersonalityID == "image-1"
		assert.Equal(t, rs.ResourceID == cls[0].ID, hasImage, "personality of %s: %+v", rs.ResourceID, rs.PersonalitySpec)
	}
	vc, _ = r.spec(context.Background(), &ComponentRun{Kind: KindVCenter, BundleID: "b", ResourceType: "DOMAIN", ResourceIDs: []string{e.domain.ID}})
	assert.Equal(t, "Migration", vc.VcenterUpgradeUserInputSpecs[0].UpgradeMechanism)
	nsx, _ = r.spec(context.Background(), &ComponentRun{Kind: KindNSX, BundleID: nsxBundle, ResourceType: "DOMAIN", ResourceIDs: []string{e.domain.ID}})
	in = nsx.NsxtUpgradeUserInputSpecs[0]
	assert.True(t, in.NsxtUpgradeOptions.IsHostClustersUpgradeParallel)
	assert.False(t, in.NsxtUpgradeOptions.IsEdgeClustersUpgradeParallel)
	assert.True(t, in.NsxtHostClusterUpgradeSpecs[0].LiveUpgrade)
}

// A POST /v1/upgrades answered with an error has an unknown outcome: the
// workflow looks the upgrade up before sending it again, and ends with one
// upgrade per component.
func TestFailedPostIsLookedUpBeforeRetry(t *testing.T) {
	e := newEnv(t, nil)
	// The NSX upgrade's POST (the second) fails once with 503.
	var posts atomic.Int32
	e.eng.hook = func(s string) {
		if s == "before-post-upgrade" && posts.Add(1) == 2 {
			e.srv.Sim.SetFaults(vcfsim.Faults{FailEndpoint: "POST /v1/upgrades", FailCode: 503, FailCount: 1})
		}
	}
	e.mustStart("")
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed)
	require.Equal(t, StateSucceeded, s["state"], "%v", s["last_error"])
	ups, err := e.client.Upgrades(context.Background())
	require.NoError(t, err)
	assert.Len(t, ups, 4, "upgrades on SDDC Manager")
	assert.EqualValues(t, 5, e.posts(), "the failed POST is sent again after a look-up")
	assert.Contains(t, s["log_markdown"], "checking whether it started")
}

// The dry run says who upgrades each component: SDDC Manager everything on
// 5.2, VCF Operations fleet management SDDC Manager itself on 9.x.
func TestDryRunPlanNamesUpgraders(t *testing.T) {
	for version, sddc := range map[string]string{vcfsim.VCF521: upgraderSDDCManager, vcfsim.VCF902: upgraderVCFOperations} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *vcfsim.Config) { c.VCFVersion = version })
			plan, err := e.plan("")
			require.NoError(t, err, "dry run")
			by := map[string]any{}
			for _, b := range plan["bundles"].([]any) {
				b := b.(map[string]any)
				by[b["component"].(string)] = b["upgraded_by"]
			}
			assert.Equal(t, map[string]any{string(KindSDDCManager): sddc, string(KindNSX): upgraderSDDCManager,
				string(KindVCenter): upgraderSDDCManager, string(KindESX): upgraderSDDCManager}, by)
			steps := plan["steps"].([]any)
			if version == vcfsim.VCF902 {
				assert.Contains(t, steps, "wait for VCF Operations fleet management to upgrade SDDC Manager")
			} else {
				assert.Contains(t, steps, "upgrade SDDC Manager")
			}
		})
	}
}

// Nobody upgrades SDDC Manager: the wait ends at timeouts.sddc_manager_external.
func TestSDDCManagerWaitTimesOut902(t *testing.T) {
	e := newEnv(t, func(c *vcfsim.Config) { c.VCFVersion = vcfsim.VCF902 })
	e.eng.Stop()
	e.start(func(o *Options) {
		o.Config = config.ActionsConfig{Timeouts: config.ActionsTimeouts{"sddc_manager_external": modelDuration(200 * time.Millisecond)}}
	})
	e.mustStart("")
	s := e.waitState(30*time.Second, StateFailed, StateSucceeded)
	require.Equal(t, StateFailed, s["state"])
	assert.Contains(t, s["last_error"], "timed out in waiting_for_sddc_manager_upgrade")
	assert.Zero(t, e.posts())
}

// offersSDDCManager lists SDDC Manager's own bundle as AVAILABLE, as if
// SDDC Manager would upgrade itself.
type offersSDDCManager struct{ Client }

func (c offersSDDCManager) Upgradables(ctx context.Context, domainID, target string) ([]vcfclient.Upgradable, error) {
	ups, err := c.Client.Upgradables(ctx, domainID, target)
	for i := range ups {
		if strings.Contains(ups[i].Resource.Type, "SDDC") {
			ups[i].Status = "AVAILABLE"
		}
	}
	return ups, err
}

// A component whose lifecycleManagedBy is not SDDC Manager is never sent
// to SDDC Manager, even when it offers it (9.x would answer 400).
func TestExternallyManagedNeverPosted902(t *testing.T) {
	e := newEnv(t, func(c *vcfsim.Config) { c.VCFVersion = vcfsim.VCF902 })
	e.targets = &fakeTargets{clients: map[string]Client{"sim": offersSDDCManager{e.client}}, url: e.srv.URL}
	e.eng.Stop()
	e.start(nil)
	target := e.mustStart("")["target_version"].(string)
	e.finish(vcfsim.VCF902, target)
	assert.EqualValues(t, 3, e.posts(), "POST /v1/upgrades: NSX, vCenter, ESX")
}
