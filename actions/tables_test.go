package actions

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// renamingClient makes SDDC Manager describe the NSX bundle as a component
// the production table does not know.
type renamingClient struct{ Client }

const fictitiousKind Kind = "FICTITIOUS_APPLIANCE"

func (c renamingClient) Bundle(ctx context.Context, id string) (*vcfclient.Bundle, error) {
	b, err := c.Client.Bundle(ctx, id)
	if b != nil {
		for i := range b.Components {
			if b.Components[i].Type == string(KindNSX) {
				b.Components[i].Type = string(fictitiousKind)
			}
		}
	}
	return b, err
}

// A new step and a new component are one table row and one function each:
// given only that (test-only rows), the engine runs both, shows their
// states in the status and the metrics, and sends one upgrade per
// component as before.
func TestTablesTakeNewRows(t *testing.T) {
	const (
		inspecting State = "inspecting_bundles"
		upgrading  State = "upgrading_fictitious_appliance"
	)
	var stepRuns, specRuns atomic.Int32
	var specState atomic.Value // the state the component's spec was built in
	inspect := stateRow{State: inspecting,
		step: func(r *run, ctx context.Context) (State, error) {
			stepRuns.Add(1)
			r.logf(levelInfo, "Inspected %d bundle(s).", len(r.w.Bundles))
			return "", nil
		},
		timeout: stepTimeout{"download", 12 * time.Hour}}
	var states []stateRow
	for _, row := range baseStates {
		states = append(states, row)
		if row.State == StateDownloading {
			states = append(states, inspect)
		}
	}
	comps := append(slices.Clone(components), component{Kind: fictitiousKind, State: upgrading, name: fixedName("Fictitious appliance"),
		timeout: stepTimeout{"nsx", 24 * time.Hour},
		spec: func(r *run, _ context.Context, c *ComponentRun, s *vcfclient.UpgradeSpec) error {
			specRuns.Add(1)
			specState.Store(r.w.State)
			return nil
		}})

	e := newEnv(t, nil)
	e.targets = &fakeTargets{clients: map[string]Client{"sim": renamingClient{e.client}}, url: e.targets.url, domains: []string{e.domain.Name}}
	e.eng.Stop()
	e.start(func(o *Options) { o.states, o.components = states, comps })

	plan, err := e.plan("")
	require.NoError(t, err)
	assert.Contains(t, plan["component_order"], string(fictitiousKind))
	assert.Contains(t, plan["steps"], "upgrade Fictitious appliance")

	_, err = e.upgrade("")
	require.NoError(t, err, "start")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.True(c, e.eng.states.terminal(e.snapshot()["state"].(State)))
	}, 60*time.Second, 5*time.Millisecond)
	s := e.status()
	require.Equal(t, StateSucceeded, s["state"], "%v", s["log_markdown"])
	assert.Equal(t, upgrading, specState.Load(), "the fictitious component upgrades in its own state")
	assert.EqualValues(t, 1, stepRuns.Load())
	assert.EqualValues(t, 1, specRuns.Load())
	assert.EqualValues(t, 4, e.posts(), "one POST per component")
	log := s["log_markdown"].(string)
	assert.True(t, strings.Contains(log, "Inspected 4 bundle(s).") && strings.Contains(log, "Upgrading Fictitious appliance"), log)
	for _, st := range []State{inspecting, upgrading} {
		assert.Equal(t, 0.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"state": string(st)}), "state %s in the metric's state set", st)
	}
}

// A key of actions.timeouts that names no step is refused with the valid
// ones, by main (CheckTimeouts) and by the engine's own table.
func TestUnknownTimeoutKey(t *testing.T) {
	require.NoError(t, CheckTimeouts(config.ActionsTimeouts{"nsx": 0, "api_outage": 0, "acknowledgement": 0}))
	err := CheckTimeouts(config.ActionsTimeouts{"nxs": 0})
	require.ErrorContains(t, err, `actions.timeouts: unknown key "nxs" (valid: acknowledgement, api_outage, download, esx_cluster, nsx, prechecks, sddc_manager, sddc_manager_external, starting_upgrades, targeting, validation, vcenter)`)
	opts := testEngineOptions(t.TempDir(), nil)
	opts.Config = config.ActionsConfig{Timeouts: config.ActionsTimeouts{"nxs": 0}}
	_, err = New(&fakeTargets{clients: map[string]Client{}}, opts)
	require.ErrorContains(t, err, `unknown key "nxs"`)
	opts.Config = config.ActionsConfig{}
	eng, err := New(&fakeTargets{clients: map[string]Client{}}, opts)
	require.NoError(t, err)
	t.Cleanup(eng.Stop)
	require.ErrorContains(t, eng.Apply(&config.Config{Actions: config.ActionsConfig{Timeouts: config.ActionsTimeouts{"nxs": 0}}}), `unknown key "nxs"`)
	assert.Empty(t, eng.config().Timeouts, "a refused configuration does not come into force")
}

func TestConfigValidation(t *testing.T) {
	c, err := config.Parse([]byte(`
actions:
  tokens:
    - name: ha
      token: abc-0123456789abcdef0123456789abcdef
  timeouts:
    nsx: 2h
  nsx:
    edge_clusters_parallel: false
  vcenter:
    upgrade_mechanism: Migration
  esx:
    enable_quickboot: true
`))
	require.NoError(t, err)
	a := c.Actions
	assert.False(t, a.NSX.EdgeClustersParallelOrDefault())
	assert.True(t, a.NSX.EdgeParallelUpgradeOrDefault())
	assert.Equal(t, "Migration", a.VCenter.UpgradeMechanismOrDefault())
	assert.True(t, a.ESX.EnableQuickboot)
	assert.Equal(t, 2*time.Hour, defaultStates().timeout(StateUpgradingNSX, a.Timeouts))
	assert.Equal(t, 8*time.Hour, defaultStates().timeout(StateUpgradingVCenter, a.Timeouts))
	for _, bad := range []string{
		"actions:\n  tokens:\n    - name: x\n",
		"actions:\n  tokens:\n    - token: x\n",
		"actions:\n  tokens:\n    - {name: x, token: a}\n    - {name: x, token: b}\n",
		"actions:\n  vcenter:\n    upgrade_mechanism: Magic\n",
		"actions:\n  timeouts:\n    nsx: 1h\n    nsxx: 1h\n",
	} {
		c, err := config.Parse([]byte(bad))
		if err == nil {
			err = CheckTimeouts(c.Actions.Timeouts)
		}
		assert.Error(t, err, "accepted:\n%s", bad)
	}
}

// A reload reaches the engine at once: it reads the configuration where it
// uses it.
func TestConfigReloadReachesEngine(t *testing.T) {
	opts := testEngineOptions(t.TempDir(), nil)
	eng, err := New(&fakeTargets{clients: map[string]Client{}}, opts)
	require.NoError(t, err)
	t.Cleanup(eng.Stop)
	require.NoError(t, eng.Apply(&config.Config{Actions: config.ActionsConfig{Timeouts: config.ActionsTimeouts{"nsx": modelDuration(time.Minute)}}}))
	assert.Equal(t, time.Minute, eng.states.timeout(StateUpgradingNSX, eng.config().Timeouts), "the engine sees the reload before any request")
}
