package mqttsink

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vcf-exporter/vcf_exporter/actions"
)

// A workflow's percentage never goes back, whatever order its states come
// in (a retried step, a resumed workflow); a new workflow starts afresh.
func TestProgressNeverDecreases(t *testing.T) {
	var p progress
	started := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	wf := func(s actions.State, done, total int) *actions.Status {
		return &actions.Status{Target: "lab", DomainID: "d1", Started: started, State: s, BundlesDone: done, BundlesTotal: total}
	}
	for _, tc := range []struct {
		wf   *actions.Status
		want int
	}{
		{wf(actions.StateTargeting, 0, 0), 2},
		{wf(actions.StateDownloading, 0, 4), 5},
		{wf(actions.StateDownloading, 2, 4), 15},
		{wf(actions.StateUpgradingESX, 0, 4), 80},
		{wf(actions.StatePrechecks, 4, 4), 80}, // back to an earlier state: stays
		{wf(actions.StateSucceeded, 4, 4), 100},
	} {
		assert.Equal(t, tc.want, p.of(tc.wf), tc.wf.State)
	}
	next := wf(actions.StateTargeting, 0, 0)
	next.Started = started.Add(time.Hour)
	assert.Equal(t, 2, p.of(next), "a new workflow")
}

// The update state leaves out what is unknown and reports a running
// workflow's target and progress.
func TestUpdateStateOmitsUnknowns(t *testing.T) {
	d := &device{kind: kindDomain, id: "d1", name: "mgmt", match: map[string]string{"domain": "mgmt"}}
	empty := &values{target: "lab", byName: map[string][]series{}}
	assert.Equal(t, map[string]any{"in_progress": false}, updateState(empty, d, nil, &progress{}))

	v := &values{target: "lab", byName: map[string][]series{
		"vcf_domain_version_info":      {{labels: map[string]string{"domain": "mgmt", "version": "5.1.1.0"}, value: 1}},
		"vcf_domain_next_version_info": {{labels: map[string]string{"domain": "mgmt", "version": "5.2.0.0"}, value: 1}},
	}}
	s := updateState(v, d, &actions.Status{State: actions.StateUpgradingNSX, TargetVersion: "5.2.0.0"}, &progress{})
	assert.Equal(t, "5.1.1.0", s["installed_version"])
	assert.Equal(t, "5.2.0.0", s["latest_version"])
	assert.Equal(t, true, s["in_progress"])
	assert.Equal(t, 50, s["update_percentage"])
	assert.NoError(t, checkUpdateState(mustEncode(t, s)))
}

func mustEncode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := encode(v)
	assert.NoError(t, err)
	return b
}

// Only a running workflow shows Installing: one that stopped for a person,
// or whose file cannot be read or belongs to no SDDC Manager, does not.
func TestInProgressOnlyWhileRunning(t *testing.T) {
	for _, s := range []actions.State{"", actions.StateWaitingForInitiation, actions.StateSucceeded, actions.StateFailed,
		actions.StateCancelled, actions.StateFileUnreadable, actions.StateVersionMismatch, actions.StateTargetChanged, actions.StateOrphaned} {
		assert.False(t, inProgress(s), "%q", s)
	}
	for _, s := range []actions.State{actions.StateDownloading, actions.StateWaitingAck, actions.StateUpgradingNSX, actions.StateWaitingUnblock, actions.StateValidating} {
		assert.True(t, inProgress(s), "%q", s)
	}
}
