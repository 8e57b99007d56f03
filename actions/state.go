package actions

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

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
	// timeout is the state's limit (zero: an hour, not configurable).
	timeout stepTimeout
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

// stepTimeout is a step's limit: its key under actions.timeouts in the
// config file and the default when the file sets none.
type stepTimeout struct {
	key string
	def time.Duration
}

// Waiting for a person: for the findings' acknowledgement and for a
// blocked upgrade to be resolved alike.
var ackTimeout = stepTimeout{"acknowledgement", 7 * 24 * time.Hour}

// apiOutageTimeout bounds one outage of SDDC Manager's API, whatever the
// step; it is the one key of actions.timeouts that no row holds.
var apiOutageTimeout = stepTimeout{"api_outage", 3 * time.Hour}

// in returns the limit under the configured timeouts.
func (t stepTimeout) in(c config.ActionsTimeouts) time.Duration {
	if d := c[t.key]; d > 0 {
		return time.Duration(d)
	}
	return t.def
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
		{State: StateTargeting, step: (*run).doTarget, timeout: stepTimeout{"targeting", 15 * time.Minute}},
		{State: StateDownloading, step: (*run).doDownload, timeout: stepTimeout{"download", 12 * time.Hour}},
		{State: StatePrechecks, step: (*run).doPrechecks, timeout: stepTimeout{"prechecks", 3 * time.Hour}},
		{State: StateWaitingAck, step: (*run).doWaitAck, timeout: ackTimeout, skip: noFindingsToAcknowledge},
		{State: StateWaitingSDDCManager, step: (*run).doWaitSDDCManager, timeout: stepTimeout{"sddc_manager_external", 7 * 24 * time.Hour}, restarts: true, skip: sddcManagerUpgradesItself,
			message: sddcManagerWaitMessage},
		{State: StateStartingUpgrades, step: (*run).doNextComponent, timeout: stepTimeout{"starting_upgrades", time.Hour}, restarts: true},
		// Entered from a component's upgrade only, never as the next row.
		{State: StateWaitingUnblock, step: (*run).doWaitUnblock, timeout: ackTimeout, restarts: true,
			skip: func(*Workflow) bool { return true }, message: blockedMessage},
		{State: StateValidating, step: (*run).doValidate, timeout: stepTimeout{"validation", time.Hour}, restarts: true},
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
	if r, ok := t.row(s); ok && r.timeout.key != "" {
		return r.timeout.in(c)
	}
	return time.Hour
}

// checkTimeouts rejects a key of actions.timeouts that no step has (a typo
// would otherwise leave the default in force unnoticed).
func (t stateTable) checkTimeouts(c config.ActionsTimeouts) error {
	valid := []string{apiOutageTimeout.key}
	for _, r := range t {
		if r.timeout.key != "" && !slices.Contains(valid, r.timeout.key) {
			valid = append(valid, r.timeout.key)
		}
	}
	slices.Sort(valid)
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(c)) {
		if !slices.Contains(valid, k) {
			errs = append(errs, fmt.Errorf("actions.timeouts: unknown key %q (valid: %s)", k, strings.Join(valid, ", ")))
		}
	}
	return errors.Join(errs...)
}

// CheckTimeouts rejects a key of actions.timeouts that names no step. The
// config package does not know the steps: main asks here at start, on
// --config.check and before a reload takes effect.
func CheckTimeouts(c config.ActionsTimeouts) error { return defaultStates().checkTimeouts(c) }

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
