package vcfsim

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nsxUpgrade910 starts, on a 9.1.0 simulator whose time moves only when
// the test says, the NSX upgrade of the management domain (9.0.2.0 to
// 9.1.0.0; SDDC Manager runs 9.1 already) and returns the upgrade id.
func nsxUpgrade910(t *testing.T, cfg Config, scheduled time.Duration) (*tclient, string, string) {
	t.Helper()
	clk := newFakeClock()
	cfg.VCFVersion, cfg.TimeScale, cfg.Now, cfg.TokenTTL = VCF910, 1, clk.Now, 48*time.Hour
	c := startServer(t, cfg).login()
	c.clk = clk
	mgmt := c.domainID("mgmt-domain")
	var fut struct{ Elements []futureRelease }
	c.get("/v1/releases/domains/"+mgmt+"/future-releases", &fut)
	next := nextRelease(fut.Elements, "9.0.2.0")
	require.NotNil(t, next)
	require.Equal(t, "9.1.0.0", next.Version)
	st, b := c.do("PATCH", "/v1/releases/domains/"+mgmt, map[string]string{"targetVersion": next.Version})
	require.Equal(t, http.StatusOK, st, string(b))
	for _, pb := range next.PatchBundles {
		c.do("PATCH", "/v1/bundles/"+pb.BundleID, map[string]any{"bundleDownloadSpec": map[string]bool{"downloadNow": true}})
	}
	nsx := next.PatchBundles[1].BundleID
	clk.Add(time.Hour)
	rs := map[string]any{"resourceId": mgmt, "upgradeNow": true}
	if scheduled > 0 {
		rs = map[string]any{"resourceId": mgmt, "upgradeNow": false, "scheduledTimestamp": clk.Now().Add(scheduled).UTC().Format(time.RFC3339)}
	}
	st, b = c.do("POST", "/v1/upgrades", map[string]any{"bundleId": nsx, "resourceType": "DOMAIN", "resourceUpgradeSpecs": []map[string]any{rs}})
	require.Equal(t, http.StatusAccepted, st, string(b))
	var task taskResp
	mustJSON(t, b, &task)
	return c, task.ID, mgmt
}

type state910 struct{ upgrade, task, domain, finalize, nsx, vcenter string }

func (c *tclient) state910(id, dom string) state910 {
	var u struct{ Status string }
	c.get("/v1/upgrades/"+id, &u)
	var tk struct{ Status string }
	c.get("/v1/tasks/"+id, &tk)
	var d struct{ UpgradeStatus struct{ Status string } }
	c.get("/v1/domains/"+dom, &d)
	var n struct {
		NsxtFinalize struct{ UpgradeStatus string }
	}
	c.get("/v1/upgradables/domains/"+dom+"/nsxt", &n)
	var ups upgradablesPage
	c.get("/v1/upgradables/domains/"+dom, &ups)
	s := state910{upgrade: u.Status, task: tk.Status, domain: d.UpgradeStatus.Status, finalize: n.NsxtFinalize.UpgradeStatus}
	for _, x := range ups.Elements {
		switch x.Resource.Type {
		case "NSXT_MANAGER":
			s.nsx = x.Status
		case "VCENTER":
			s.vcenter = x.Status
		}
	}
	return s
}

// TestBlockedUpgrade910: a blocked upgrade reports BLOCKED (upgrade and
// domain), does not progress however long it waits, and after the unblock
// needs the time it had left.
func TestBlockedUpgrade910(t *testing.T) {
	c, id, dom := nsxUpgrade910(t, fastConfig(), 0)
	c.clk.Add(time.Hour)
	require.NoError(t, c.srv.Sim.BlockUpgrades("NSX_T_MANAGER"))
	assert.Equal(t, state910{"BLOCKED", "IN_PROGRESS", "BLOCKED", "NOT_STARTED", "IN_PROGRESS", "PENDING"}, c.state910(id, dom))
	c.clk.Add(24 * time.Hour)
	assert.Equal(t, state910{"BLOCKED", "IN_PROGRESS", "BLOCKED", "NOT_STARTED", "IN_PROGRESS", "PENDING"}, c.state910(id, dom))

	// Through the control API, as a non-Go test would.
	st, b := c.do("DELETE", "/sim/upgrades/block", nil)
	require.Equal(t, http.StatusNoContent, st, string(b))
	c.clk.Add(nsxUpgradeTime - time.Hour - nsxFinalizeTime)
	assert.Equal(t, state910{"IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "PENDING"}, c.state910(id, dom),
		"the finalize stage is the upgrade's last part")
	c.clk.Add(nsxFinalizeTime - time.Second)
	assert.Equal(t, "IN_PROGRESS", c.state910(id, dom).upgrade, "a second before the end")
	c.clk.Add(time.Second)
	assert.Equal(t, state910{"COMPLETED_WITH_SUCCESS", "SUCCESSFUL", "READY", "SUCCESS", "SUCCESS", "AVAILABLE"}, c.state910(id, dom))

	st, b = c.do("PUT", "/sim/upgrades/block", map[string]string{"component": "NSX"})
	assert.Equal(t, http.StatusBadRequest, st, string(b))
}

// TestBlockIgnoredBefore91: BLOCKED is a 9.1 value; earlier versions go on.
func TestBlockIgnoredBefore91(t *testing.T) {
	c := startServer(t, v9Config())
	require.NoError(t, c.srv.Sim.BlockUpgrades("NSX_T_MANAGER"))
	c.srv.Sim.mu.Lock()
	defer c.srv.Sim.mu.Unlock()
	u := &upgrade{bundle: &bundle{comp: compNSX}, task: &task{}, end: time.Now().Add(time.Hour)}
	c.srv.Sim.maybeBlock(u, time.Now())
	assert.False(t, u.blocked)
}

// TestNsxFinalizeAfterUpgrade910 is the other reading of the reference:
// the NSX upgrade ends COMPLETED_WITH_SUCCESS, then finalize runs, and
// SDDC Manager offers vCenter only after it.
func TestNsxFinalizeAfterUpgrade910(t *testing.T) {
	cfg := fastConfig()
	cfg.NsxFinalizeAfterUpgrade = true
	c, id, dom := nsxUpgrade910(t, cfg, 0)
	c.clk.Add(nsxUpgradeTime - time.Second)
	assert.Equal(t, state910{"IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "NOT_STARTED", "IN_PROGRESS", "PENDING"}, c.state910(id, dom))
	c.clk.Add(time.Second)
	assert.Equal(t, state910{"COMPLETED_WITH_SUCCESS", "SUCCESSFUL", "READY", "IN_PROGRESS", "IN_PROGRESS", "PENDING"}, c.state910(id, dom))
	c.clk.Add(nsxFinalizeTime)
	assert.Equal(t, state910{"COMPLETED_WITH_SUCCESS", "SUCCESSFUL", "READY", "SUCCESS", "SUCCESS", "AVAILABLE"}, c.state910(id, dom))
}

// TestTaskStatuses910: 9.1's task values QUEUED (a scheduled upgrade
// before its start) and TIMED_OUT (a failed ESX remediation).
func TestTaskStatuses910(t *testing.T) {
	c, id, dom := nsxUpgrade910(t, fastConfig(), 2*time.Hour)
	assert.Equal(t, "QUEUED", c.state910(id, dom).task)
	assert.Equal(t, "SCHEDULED", c.state910(id, dom).upgrade)
	c.clk.Add(2 * time.Hour)
	assert.Equal(t, "IN_PROGRESS", c.state910(id, dom).task)

	c.srv.Sim.mu.Lock()
	tk := &task{end: c.srv.Sim.clk.sim(), failErr: &apiError{ErrorCode: "X"}, failStatus: "TIMED_OUT"}
	c.srv.Sim.mu.Unlock()
	j := c.srv.Sim.taskJSON(tk, tk.end)
	assert.Equal(t, "TIMED_OUT", j.Status)
	assert.True(t, j.IsRetryable)
	assert.NotEmpty(t, j.Errors)
}
