package actions

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/vcf-exporter/vcf_exporter/config"
)

// State is a workflow's state as users see it (status, metrics).
type State string

// Workflow states, in the order docs/actions.md ("The workflow") shows them.
// The upgrading_* states belong to the component table (component.go).
const (
	StateWaitingForInitiation State = "waiting_for_initiation"
	StateTargeting            State = "targeting_new_vcf_version"
	StateDownloading          State = "downloading_bundles"
	StatePrechecks            State = "running_prechecks"
	StateWaitingAck           State = "waiting_acknowledgement"
	StateWaitingSDDCManager   State = "waiting_for_sddc_manager_upgrade"
	StateStartingUpgrades     State = "starting_upgrades"
	StateUpgradingSDDCManager State = "upgrading_sddcmanager"
	StateUpgradingNSX         State = "upgrading_nsx"
	StateUpgradingVCenter     State = "upgrading_vcenter"
	StateUpgradingESX         State = "upgrading_esx_cluster"
	// StateWaitingUnblock: SDDC Manager (9.1) reports the running upgrade
	// BLOCKED; a person resolves it in SDDC Manager (step_blocked.go).
	StateWaitingUnblock State = "waiting_for_unblock"
	StateValidating     State = "validating"
	StateSucceeded      State = "successfully_completed"
	StateFailed         State = "failed"
	StateCancelled      State = "cancelled"
	// StateFileUnreadable: the domain's workflow file cannot be read (it
	// may describe a running upgrade); no new work starts on the domain.
	StateFileUnreadable State = "state_file_unreadable"
	// StateVersionMismatch: SDDC Manager offers nothing more to upgrade
	// but does not show the domain at the target; a person must look.
	StateVersionMismatch State = "stopped_version_mismatch"
	// StateTargetChanged: the domain's target release was changed by
	// someone else while the workflow ran.
	StateTargetChanged State = "stopped_target_release_changed"
	// StateOrphaned: a stored workflow of the domain belongs to an SDDC
	// Manager that is not configured (orphan.go); no new work starts on
	// the domain until a person removes the file.
	StateOrphaned State = "orphaned_workflow"
)

// stepFunc does a state's work. It returns the next state, or "" for the
// next row of the state table.
type stepFunc func(r *run, ctx context.Context) (State, error)

// stateRow is one row of the state table.
type stateRow struct {
	State State
	// step does the state's work (nil: the workflow is not running).
	step stepFunc
	// timeout is the state's limit from the config's actions.timeouts.
	timeout func(config.ActionsTimeouts) model.Duration
	// restarts: SDDC Manager or vCenter restart during this state; their
	// authorization errors are expected and ridden out.
	restarts bool
	// skip: the workflow passes over this state (nil: never).
	skip func(w *Workflow) bool
	// message explains the state in the status (nil: none).
	message func(w *Workflow) string
	// component: the state of a component's upgrade, entered only from
	// starting_upgrades (never as "the next row").
	component bool
}

// stateTable lists every state in workflow order; workflows go from one
// row to the next unless a step names its successor. It is built from
// baseStates and the component table.
type stateTable []stateRow

// baseStates is the workflow without the component upgrades, which are
// inserted after starting_upgrades (init, to avoid an initialisation cycle
// through the step functions).
var baseStates []stateRow

func init() {
	baseStates = []stateRow{
		{State: StateWaitingForInitiation},
		{State: StateTargeting, step: (*run).doTarget, timeout: func(t config.ActionsTimeouts) model.Duration { return t.Targeting }},
		{State: StateDownloading, step: (*run).doDownload, timeout: func(t config.ActionsTimeouts) model.Duration { return t.Download }},
		{State: StatePrechecks, step: (*run).doPrechecks, timeout: func(t config.ActionsTimeouts) model.Duration { return t.Prechecks }},
		{State: StateWaitingAck, step: (*run).doWaitAck, timeout: func(t config.ActionsTimeouts) model.Duration { return t.Acknowledgement }, skip: noFindingsToAcknowledge},
		{State: StateWaitingSDDCManager, step: (*run).doWaitSDDCManager, timeout: func(t config.ActionsTimeouts) model.Duration { return t.SDDCManagerExternal }, restarts: true, skip: sddcManagerUpgradesItself,
			message: sddcManagerWaitMessage},
		{State: StateStartingUpgrades, step: (*run).doNextComponent, timeout: func(t config.ActionsTimeouts) model.Duration { return t.StartingUpgrade }, restarts: true},
		// Entered from a component's upgrade only, never as the next row.
		{State: StateWaitingUnblock, step: (*run).doWaitUnblock, timeout: func(t config.ActionsTimeouts) model.Duration { return t.Acknowledgement }, restarts: true,
			skip: func(*Workflow) bool { return true }, message: blockedMessage},
		{State: StateValidating, step: (*run).doValidate, timeout: func(t config.ActionsTimeouts) model.Duration { return t.Validation }, restarts: true},
		{State: StateSucceeded},
		{State: StateFailed},
		{State: StateCancelled},
		{State: StateFileUnreadable},
		{State: StateVersionMismatch, message: needsAPerson},
		{State: StateTargetChanged, message: needsAPerson},
		{State: StateOrphaned},
	}
}

// newStateTable inserts the components' states after starting_upgrades.
func newStateTable(base []stateRow, comps componentTable) stateTable {
	var t stateTable
	for _, row := range base {
		t = append(t, row)
		if row.State == StateStartingUpgrades {
			for _, c := range comps {
				t = append(t, stateRow{State: c.State, step: (*run).doUpgrade, timeout: c.timeout, restarts: true, component: true})
			}
		}
	}
	return t
}

func (t stateTable) row(s State) (stateRow, bool) {
	i := slices.IndexFunc(t, func(r stateRow) bool { return r.State == s })
	if i < 0 {
		return stateRow{}, false
	}
	return t[i], true
}

// next is the state after s for w: the next row that is neither a
// component's nor skipped.
func (t stateTable) next(s State, w *Workflow) State {
	i := slices.IndexFunc(t, func(r stateRow) bool { return r.State == s })
	for _, r := range t[i+1:] {
		if !r.component && (r.skip == nil || !r.skip(w)) {
			return r.State
		}
	}
	return StateSucceeded
}

// states lists every state (the metric's state set).
func (t stateTable) states() []State {
	out := make([]State, len(t))
	for i, r := range t {
		out[i] = r.State
	}
	return out
}

// timeout is the limit of state s under the timeouts in force.
func (t stateTable) timeout(s State, c config.ActionsTimeouts) time.Duration {
	if r, ok := t.row(s); ok && r.timeout != nil {
		return time.Duration(r.timeout(c))
	}
	return time.Hour
}

// terminal reports whether a workflow in state s is not running: it ended
// or never started.
func (t stateTable) terminal(s State) bool {
	r, ok := t.row(s)
	return !ok || r.step == nil
}

// Terminal reports whether a workflow in state s is not running.
func Terminal(s State) bool { return defaultStates().terminal(s) }

// defaultStates is the production state table.
var defaultStates = sync.OnceValue(func() stateTable { return newStateTable(baseStates, components) })
