package actions

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

func TestUpgradeEndToEnd(t *testing.T) {
	e := newEnv(t, nil)
	from := e.currentVersion()

	code, m := e.do("POST", e.upgradePath(), "")
	if code != 202 {
		t.Fatalf("start: %d %v", code, m)
	}
	if m["state"] != StateTargeting {
		t.Errorf("state after start = %v", m["state"])
	}
	target := m["target_version"].(string)

	// Every state with remote work is seen on the way (ESX included).
	seen := map[State]bool{}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		s := e.snapshot()
		seen[s["state"].(State)] = true
		if Terminal(s["state"].(State)) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	s := e.status()
	if s["state"] != StateSucceeded {
		t.Fatalf("final state %v: %v", s["state"], s["log_markdown"])
	}
	for _, st := range []State{StateUpgradingSDDCManager, StateUpgradingNSX, StateUpgradingVCenter, StateUpgradingESX} {
		if !seen[st] {
			t.Errorf("state %s never seen (seen %v)", st, seen)
		}
	}
	if got := e.currentVersion(); got != target || got == from {
		t.Errorf("domain version %s → %s, want %s", from, got, target)
	}
	if n := e.posts(); n != 4 {
		t.Errorf("POST /v1/upgrades sent %d times, want 4 (SDDC Manager, NSX, vCenter, ESX)", n)
	}
	log := s["log_markdown"].(string)
	if !strings.Contains(log, "answers again") {
		t.Errorf("SDDC Manager outage not ridden out visibly:\n%s", log)
	}
	if !strings.Contains(log, "ESXi (2 cluster(s))") {
		t.Errorf("ESX clusters not upgraded:\n%s", log)
	}
	if e.targets.checks.Load() == 0 {
		t.Error("upgrade check not refreshed after the upgrade")
	}
	if v := e.metric("vcf_upgrade_workflow_state", map[string]string{"state": string(StateSucceeded)}); v != 1 {
		t.Errorf("state metric successfully_completed = %v", v)
	}
	if v := e.metric("vcf_upgrade_workflow_state", map[string]string{"state": string(StateFailed)}); v != 0 {
		t.Errorf("state metric failed = %v", v)
	}
	assert.Equal(t, map[string]float64{"runs": 1, "failures": 0, "cancellations": 0}, e.runCounters())
	if v := e.metric("vcf_upgrade_workflow_step_start_timestamp_seconds", nil); v <= 0 {
		t.Errorf("step start metric = %v", v)
	}
	// The version just installed is no upgrade path any more.
	if code, m := e.do("POST", e.upgradePath(), `{"target_version": "`+target+`"}`); code != 422 {
		t.Errorf("second start: %d %v", code, m)
	}
}

func TestPrecheckWarningsNeedAcknowledgement(t *testing.T) {
	e := newEnv(t, func(c *vcfsim.Config) { c.PrecheckWarnings = 3 })
	if code, m := e.do("POST", e.upgradePath()+"/acknowledge", ""); code != 409 {
		t.Errorf("acknowledge with nothing running: %d %v", code, m)
	}
	if code, m := e.do("POST", e.upgradePath(), `{"dry_run": false}`); code != 202 {
		t.Fatalf("start: %d %v", code, m)
	}
	s := e.waitState(30*time.Second, StateWaitingAck)
	if s["precheck_warnings"].(float64) != 3 {
		t.Errorf("warnings = %v", s["precheck_warnings"])
	}
	// It stays there: no upgrade is started while waiting.
	for range 20 {
		time.Sleep(5 * time.Millisecond)
		if st := e.snapshot()["state"]; st != StateWaitingAck {
			t.Fatalf("left %s without acknowledgement: %v", StateWaitingAck, st)
		}
	}
	if n := e.posts(); n != 0 {
		t.Fatalf("%d upgrades posted before the acknowledgement", n)
	}
	if !strings.Contains(s["log_markdown"].(string), "3 warning(s)") {
		t.Errorf("log: %v", s["log_markdown"])
	}
	code, m := e.do("POST", e.upgradePath()+"/acknowledge", "")
	if code != 200 {
		t.Fatalf("acknowledge: %d %v", code, m)
	}
	s = e.waitState(60*time.Second, StateSucceeded, StateFailed)
	if s["state"] != StateSucceeded {
		t.Fatalf("after acknowledgement: %v", s)
	}
}

func TestFailingUpgradeEndsFailed(t *testing.T) {
	e := newEnv(t, func(c *vcfsim.Config) { c.Faults.FailUpgrade = "NSX_T_MANAGER" })
	if code, m := e.do("POST", e.upgradePath(), ""); code != 202 {
		t.Fatalf("start: %d %v", code, m)
	}
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed)
	if s["state"] != StateFailed {
		t.Fatalf("state %v", s["state"])
	}
	for _, want := range []string{"UPGRADE_FAILED", "Upgrade of VMware NSX"} {
		if !strings.Contains(s["last_error"].(string), want) || !strings.Contains(s["log_markdown"].(string), want) {
			t.Errorf("VCF error %q missing: last_error=%v log=%v", want, s["last_error"], s["log_markdown"])
		}
	}
	if n := e.posts(); n != 2 {
		t.Errorf("POST /v1/upgrades = %d, want 2 (SDDC Manager, NSX)", n)
	}
	assert.Equal(t, map[string]float64{"runs": 1, "failures": 1, "cancellations": 0}, e.runCounters())
	// A new workflow may start after a failure.
	if code, m := e.do("POST", e.upgradePath(), `{"dry_run": true}`); code != 200 {
		t.Errorf("dry run after failure: %d %v", code, m)
	}
}

func TestOutageMidUpgradeIsRiddenOut(t *testing.T) {
	e := newEnv(t, nil)
	if code, m := e.do("POST", e.upgradePath(), ""); code != 202 {
		t.Fatalf("start: %d %v", code, m)
	}
	e.waitState(60*time.Second, StateUpgradingVCenter)
	e.waitComponentRunning(10 * time.Second)
	// The API refuses connections for a while during the vCenter upgrade.
	e.srv.Sim.SetFaults(vcfsim.Faults{Outage: 300 * time.Millisecond, OutageMode: "refuse"})
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed)
	if s["state"] != StateSucceeded {
		t.Fatalf("state %v: %v", s["state"], s["log_markdown"])
	}
	if strings.Count(s["log_markdown"].(string), "answers again") < 2 {
		t.Errorf("expected two outages in the log:\n%s", s["log_markdown"])
	}
	if n := e.posts(); n != 4 {
		t.Errorf("POST /v1/upgrades = %d, want 4", n)
	}
}

func TestOutageLongerThanLimitFails(t *testing.T) {
	e := newEnv(t, nil)
	e.eng.Stop()
	e.start(func(o *Options) {
		o.Config = func() config.ActionsConfig {
			return config.ActionsConfig{Timeouts: config.ActionsTimeouts{APIOutage: modelDuration(100 * time.Millisecond)}}
		}
	})
	e.srv.Sim.SetFaults(vcfsim.Faults{Outage: time.Hour})
	e.srv.Sim.SetFaults(vcfsim.Faults{}) // start works
	if code, m := e.do("POST", e.upgradePath(), ""); code != 202 {
		t.Fatalf("start: %d %v", code, m)
	}
	e.srv.Sim.SetFaults(vcfsim.Faults{Outage: time.Hour})
	s := e.waitState(30*time.Second, StateFailed, StateSucceeded)
	if s["state"] != StateFailed || !strings.Contains(s["last_error"].(string), "SDDC Manager API unavailable") {
		t.Fatalf("state %v, error %v", s["state"], s["last_error"])
	}
}

func TestCancel(t *testing.T) {
	t.Run("waiting_acknowledgement", func(t *testing.T) {
		e := newEnv(t, func(c *vcfsim.Config) { c.PrecheckErrors = 1 })
		if code, m := e.do("POST", e.upgradePath(), ""); code != 202 {
			t.Fatalf("start: %d %v", code, m)
		}
		e.waitState(30*time.Second, StateWaitingAck)
		code, m := e.do("POST", e.upgradePath()+"/cancel", "")
		if code != 202 {
			t.Fatalf("cancel: %d %v", code, m)
		}
		e.waitState(10*time.Second, StateCancelled)
		if n := e.posts(); n != 0 {
			t.Errorf("%d upgrades posted", n)
		}
		assert.Equal(t, map[string]float64{"runs": 1, "failures": 0, "cancellations": 1}, e.runCounters())
	})
	t.Run("downloading", func(t *testing.T) {
		e := newEnv(t, func(c *vcfsim.Config) { c.TimeScale = 30 }) // downloads take seconds
		if code, m := e.do("POST", e.upgradePath(), ""); code != 202 {
			t.Fatalf("start: %d %v", code, m)
		}
		e.waitState(10*time.Second, StateDownloading)
		if code, m := e.do("POST", e.upgradePath()+"/cancel", ""); code != 202 {
			t.Fatalf("cancel: %d %v", code, m)
		}
		s := e.waitState(10*time.Second, StateCancelled, StateFailed, StateSucceeded)
		// Cancelled while waiting for a download, or before requesting the next one.
		if s["state"] != StateCancelled || e.posts() != 0 || e.srv.Sim.Stats()["POST /v1/system/check-sets"] != 0 {
			t.Fatalf("state %v:\n%s", s["state"], s["log_markdown"])
		}
		if code, m := e.do("POST", e.upgradePath()+"/cancel", ""); code != 409 {
			t.Errorf("cancel when nothing runs: %d %v", code, m)
		}
	})
	t.Run("during an upgrade", func(t *testing.T) {
		e := newEnv(t, func(c *vcfsim.Config) { c.TimeScale = 3600 })
		if code, m := e.do("POST", e.upgradePath(), ""); code != 202 {
			t.Fatalf("start: %d %v", code, m)
		}
		e.waitState(60*time.Second, StateUpgradingSDDCManager)
		code, m := e.do("POST", e.upgradePath()+"/cancel", "")
		if code != 202 || !strings.Contains(m["message"].(string), "not aborted") {
			t.Fatalf("cancel: %d %v", code, m)
		}
		s := e.waitState(60*time.Second, StateCancelled, StateFailed, StateSucceeded)
		if s["state"] != StateCancelled {
			t.Fatalf("state %v", s)
		}
		if n := e.posts(); n != 1 {
			t.Errorf("POST /v1/upgrades = %d, want 1 (the SDDC Manager upgrade ran to its end)", n)
		}
		if !strings.Contains(s["log_markdown"].(string), "SDDC Manager upgrade completed") {
			t.Errorf("log:\n%s", s["log_markdown"])
		}
	})
}

func TestStartValidation(t *testing.T) {
	e := newEnv(t, nil)
	e.targets.domains = []string{e.domain.Name}
	// The counters of a known domain exist before its first run ends.
	assert.Equal(t, map[string]float64{"runs": 0, "failures": 0, "cancellations": 0}, e.runCounters())
	if v := e.metric("vcf_upgrade_workflow_state", map[string]string{"domain": e.domain.Name, "state": string(StateWaitingForInitiation)}); v != 1 {
		t.Errorf("idle domain: waiting_for_initiation = %v", v)
	}
	if code, m := e.do("POST", "/actions/v1/domains/nope/upgrade", ""); code != 404 {
		t.Errorf("unknown domain: %d %v", code, m)
	}
	if code, m := e.do("POST", e.upgradePath(), `{"target_version": "9.9.9.9"}`); code != 422 {
		t.Errorf("bad version: %d %v", code, m)
	}
	if code, m := e.do("GET", e.upgradePath(), ""); code != 200 || m["state"] != StateWaitingForInitiation || m["log_markdown"] != "No messages" {
		t.Errorf("idle status: %d %v", code, m)
	}
	// By id too.
	if code, m := e.do("GET", "/actions/v1/domains/"+e.domain.ID+"/upgrade", ""); code != 200 || m["domain_name"] != e.domain.Name {
		t.Errorf("status by id: %d %v", code, m)
	}
	// Dry run: a plan, and nothing changes on SDDC Manager.
	before := e.srv.Sim.Stats()
	code, plan := e.do("POST", e.upgradePath(), `{"dry_run": true}`)
	if code != 200 || plan["dry_run"] != true {
		t.Fatalf("dry run: %d %v", code, plan)
	}
	order, _ := plan["component_order"].([]any)
	if len(order) != 4 || order[0] != string(KindSDDCManager) || order[3] != string(KindESX) {
		t.Errorf("component order %v", order)
	}
	if bs, _ := plan["bundles"].([]any); len(bs) != 4 || plan["download_bytes"].(float64) <= 0 {
		t.Errorf("bundles %v, %v bytes", bs, plan["download_bytes"])
	}
	for k, v := range e.srv.Sim.Stats() {
		if !strings.HasPrefix(k, "GET ") && !strings.HasPrefix(k, "POST /v1/tokens") && v != before[k] {
			t.Errorf("dry run sent %s", k)
		}
	}
	// Explicit version; then a second start conflicts.
	target := plan["target_version"].(string)
	if code, m := e.do("POST", e.upgradePath(), `{"target_version": "`+target+`"}`); code != 202 {
		t.Fatalf("start: %d %v", code, m)
	}
	if code, m := e.do("POST", e.upgradePath(), ""); code != 409 {
		t.Errorf("second start while running: %d %v", code, m)
	}
	e.waitState(60*time.Second, StateSucceeded)
}

func TestUpgradeSpecsFromConfig(t *testing.T) {
	e := newEnv(t, nil)
	cls, err := e.client.Clusters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cls {
		if c.DomainID == e.domain.ID {
			ids = append(ids, c.ID)
		}
	}
	// The engine reads the options where it uses them: mk changes them
	// (no workflow runs meanwhile).
	var cfg config.ActionsConfig
	e.eng.Stop()
	e.start(func(o *Options) { o.Config = func() config.ActionsConfig { return cfg } })
	mk := func(c config.ActionsConfig) *run {
		cfg = c
		w := &Workflow{Target: "sim", DomainID: e.domain.ID, Precheck: PrecheckState{ResourceIDs: map[string]string{"VCENTER": "vc-1"}}}
		return e.eng.newRun(w, e.client)
	}
	// Defaults: the safe options.
	r := mk(config.ActionsConfig{})
	esx, err := r.spec(context.Background(), &ComponentRun{Kind: KindESX, BundleID: "b", ResourceType: "CLUSTER", ResourceIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	if esx.ParallelUpgrade || len(esx.ResourceUpgradeSpecs) != len(ids) || esx.ResourceType != "CLUSTER" {
		t.Errorf("ESX spec %+v", esx)
	}
	for _, rs := range esx.ResourceUpgradeSpecs {
		if rs.EnableQuickboot || rs.EvacuateOfflineVms || rs.EsxUpgradeOptionsSpec.EnableQuickboot || !rs.UpgradeNow || rs.PersonalitySpec != nil {
			t.Errorf("ESX resource spec %+v", rs)
		}
	}
	vc, err := r.spec(context.Background(), &ComponentRun{Kind: KindVCenter, BundleID: "b", ResourceType: "DOMAIN", ResourceIDs: []string{e.domain.ID}})
	if err != nil || len(vc.VcenterUpgradeUserInputSpecs) != 1 || vc.VcenterUpgradeUserInputSpecs[0].UpgradeMechanism != "InPlace" || vc.VcenterUpgradeUserInputSpecs[0].ResourceID != "vc-1" {
		t.Errorf("vCenter spec %+v %v", vc, err)
	}
	ups, _ := e.client.FutureReleases(context.Background(), e.domain.ID)
	nsxBundle := ""
	for _, b := range ups[0].PatchBundles {
		if bd, _ := e.client.Bundle(context.Background(), b.BundleID); bd != nil && bd.Components[0].Type == string(KindNSX) {
			nsxBundle = b.BundleID
		}
	}
	nsx, err := r.spec(context.Background(), &ComponentRun{Kind: KindNSX, BundleID: nsxBundle, ResourceType: "DOMAIN", ResourceIDs: []string{e.domain.ID}})
	if err != nil || len(nsx.NsxtUpgradeUserInputSpecs) != 1 {
		t.Fatalf("NSX spec %+v %v", nsx, err)
	}
	in := nsx.NsxtUpgradeUserInputSpecs[0]
	if in.NsxtID == "" || in.NsxtUpgradeOptions.IsHostClustersUpgradeParallel || !in.NsxtUpgradeOptions.IsEdgeClustersUpgradeParallel ||
		len(in.NsxtHostClusterUpgradeSpecs) != len(ids) || in.NsxtHostClusterUpgradeSpecs[0].LiveUpgrade || in.NsxtHostClusterUpgradeSpecs[0].HostParallelUpgrade ||
		len(in.NsxtEdgeClusterUpgradeSpecs) == 0 || !in.NsxtEdgeClusterUpgradeSpecs[0].EdgeParallelUpgrade {
		t.Errorf("NSX input %+v", in)
	}
	// Configured.
	no := false
	r = mk(config.ActionsConfig{
		NSX:     config.NSXUpgradeOptions{HostClustersParallel: true, LiveUpgrade: true, EdgeClustersParallel: &no},
		VCenter: config.VCenterUpgradeOptions{UpgradeMechanism: "Migration"},
		ESX:     config.ESXUpgradeOptions{EnableQuickboot: true, ParallelClusterUpgrade: true, Personalities: map[string]string{cls[0].Name: "image-1"}},
	})
	esx, _ = r.spec(context.Background(), &ComponentRun{Kind: KindESX, BundleID: "b", ResourceType: "CLUSTER", ResourceIDs: ids})
	if !esx.ParallelUpgrade || !esx.ResourceUpgradeSpecs[0].EsxUpgradeOptionsSpec.EnableQuickboot {
		t.Errorf("configured ESX spec %+v", esx)
	}
	for _, rs := range esx.ResourceUpgradeSpecs {
		if (rs.ResourceID == cls[0].ID) != (rs.PersonalitySpec != nil && rs.PersonalitySpec.PersonalityID == "image-1") {
			t.Errorf("personality of %s: %+v", rs.ResourceID, rs.PersonalitySpec)
		}
	}
	vc, _ = r.spec(context.Background(), &ComponentRun{Kind: KindVCenter, BundleID: "b", ResourceType: "DOMAIN", ResourceIDs: []string{e.domain.ID}})
	if vc.VcenterUpgradeUserInputSpecs[0].UpgradeMechanism != "Migration" {
		t.Errorf("configured vCenter spec %+v", vc)
	}
	nsx, _ = r.spec(context.Background(), &ComponentRun{Kind: KindNSX, BundleID: nsxBundle, ResourceType: "DOMAIN", ResourceIDs: []string{e.domain.ID}})
	in = nsx.NsxtUpgradeUserInputSpecs[0]
	if !in.NsxtUpgradeOptions.IsHostClustersUpgradeParallel || in.NsxtUpgradeOptions.IsEdgeClustersUpgradeParallel || !in.NsxtHostClusterUpgradeSpecs[0].LiveUpgrade {
		t.Errorf("configured NSX input %+v", in)
	}
}

// A POST /v1/upgrades answered with an error has an unknown outcome: the
// workflow looks the upgrade up before sending it again, and ends with one
// upgrade per component.
func TestFailedPostIsLookedUpBeforeRetry(t *testing.T) {
	e := newEnv(t, nil)
	if code, m := e.do("POST", e.upgradePath(), ""); code != 202 {
		t.Fatalf("start: %d %v", code, m)
	}
	e.waitState(60*time.Second, StateUpgradingNSX)
	e.srv.Sim.SetFaults(vcfsim.Faults{FailEndpoint: "POST /v1/upgrades", FailCode: 503, FailCount: 1})
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed)
	if s["state"] != StateSucceeded {
		t.Fatalf("state %v: %v", s["state"], s["last_error"])
	}
	ups, err := e.client.Upgrades(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ups) != 4 {
		t.Errorf("%d upgrades on SDDC Manager, want 4", len(ups))
	}
	if n := e.posts(); n != 5 || !strings.Contains(s["log_markdown"].(string), "checking whether it started") {
		t.Errorf("the failed POST was not retried after a look-up: %d POSTs\n%s", n, s["log_markdown"])
	}
}
