package actions

import (
	"context"
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
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed, StateVersionMismatch)
	require.Equal(t, StateSucceeded, s["state"], "%v", s["log_markdown"])
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

// SDDC Manager that keeps offering nothing while the domain is below the
// target stops the workflow in a state naming the mismatch, never success.
func TestLastingSilenceStopsOnVersionMismatch(t *testing.T) {
	e := newEnv(t, nil)
	e.targets.clients["sim"] = silentUpgradables{e.client}
	e.mustStart("")
	s := e.waitState(60*time.Second, StateSucceeded, StateFailed, StateVersionMismatch)
	require.Equal(t, StateVersionMismatch, s["state"], "%v", s["log_markdown"])
	assert.Contains(t, s["last_error"], "not "+s["target_version"].(string))
	assert.Contains(t, s["message"], "A person must look")
	assert.Zero(t, e.posts())
	assert.Equal(t, 1.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"state": string(StateVersionMismatch)}))
	assert.Equal(t, map[string]float64{"runs": 1, "failures": 1, "cancellations": 0}, e.runCounters())
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
