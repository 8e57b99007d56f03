package actions

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// killAt kills the engine (nothing is saved any more, as after a SIGKILL)
// once the n-th component's upgrade is recorded, and stops it.
func (e *env) killAt(n int) {
	e.t.Helper()
	killed := make(chan struct{})
	e.onUpgradeStarted(n, func() {
		e.eng.dead.Store(true)
		close(killed)
	})
	e.mustStart("")
	select {
	case <-killed:
	case <-time.After(30 * time.Second):
		e.t.Fatalf("upgrade %d not started: %v", n, e.snapshot())
	}
	e.eng.Stop()
}

// Restarted with the target renamed (same SDDC Manager) while killed in
// upgrading_nsx: the workflow is found under the new name, resumes with
// one POST per component, and no series remains under the old name.
func TestRenamedTargetFindsItsWorkflow(t *testing.T) {
	e := newEnv(t, nil)
	e.killAt(2)
	e.targets = &fakeTargets{clients: map[string]Client{"renamed": e.client}, url: e.srv.URL}
	e.start(nil)

	st, err := e.eng.UpgradeStatus(context.Background(), "renamed", e.domain.ID)
	require.NoError(t, err)
	assert.NotEqual(t, StateWaitingForInitiation, st.State)
	_, err = e.eng.StartUpgrade(context.Background(), "renamed", e.domain.ID, "")
	require.ErrorIs(t, err, ErrConflict, "a second start while the workflow runs")
	assert.NoFileExists(t, e.eng.store.path("sim", e.domain.ID))

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, err := e.eng.UpgradeStatus(context.Background(), "renamed", e.domain.ID)
		assert.NoError(c, err)
		assert.Equal(c, StateSucceeded, st.State)
	}, 60*time.Second, 5*time.Millisecond)
	assert.EqualValues(t, 4, e.posts(), "one POST per component")
	mfs, err := e.reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				assert.False(t, l.GetName() == "target" && l.GetValue() == "sim", "%s keeps a series under the old name", mf.GetName())
			}
		}
	}
}

// An unfinished workflow of an SDDC Manager that is not configured blocks
// its domain, shows in the status and a metric, until its file is removed.
func TestOrphanedWorkflowBlocksItsDomain(t *testing.T) {
	e := newEnv(t, nil)
	e.eng.Stop()
	orphan := &Workflow{Target: "gone", DomainID: e.domain.ID, DomainName: e.domain.Name, State: StateUpgradingNSX,
		SddcManager: SddcIdentity{URL: "https://sddc-gone.example", ID: "not-this-one"}}
	require.NoError(t, e.eng.store.Save(orphan))
	e.start(nil)

	_, err := e.upgrade("")
	require.ErrorIs(t, err, ErrConflict, "start")
	require.ErrorContains(t, err, "belongs to no configured SDDC Manager")
	s := e.status()
	assert.Equal(t, StateOrphaned, s["state"])
	assert.Contains(t, s["last_error"], "move the file out of the storage directory")
	assert.Equal(t, 1.0, e.metric("vcf_upgrade_workflow_orphaned_files", nil))

	require.NoError(t, os.Remove(e.eng.store.path("gone", e.domain.ID)))
	assert.Equal(t, 0.0, e.metric("vcf_upgrade_workflow_orphaned_files", nil))
	_, err = e.plan("")
	require.NoError(t, err, "dry run once the file is gone")
}

// A workflow whose SDDC Manager is now reached at another URL is found by
// the id SDDC Manager reports; a file from before identities were
// recorded by its target's name.
func TestWorkflowFoundByIdentity(t *testing.T) {
	e := newEnv(t, nil)
	ms, err := e.client.SddcManagers(context.Background())
	require.NoError(t, err)
	e.eng.Stop()
	byID := &Workflow{Target: "old-name", DomainID: "d-by-id", DomainName: "by-id", State: StateSucceeded,
		SddcManager: SddcIdentity{URL: "https://old-address.example", ID: ms[0].ID}}
	legacy := &Workflow{Target: "sim", DomainID: "d-legacy", DomainName: "legacy", State: StateFailed}
	for _, w := range []*Workflow{byID, legacy} {
		require.NoError(t, e.eng.store.Save(w))
	}
	e.start(nil)
	for _, id := range []string{"d-by-id", "d-legacy"} {
		w := e.eng.known("sim", id)
		require.NotNil(t, w, id)
		assert.Equal(t, e.srv.URL, w.SddcManager.URL, "%s: the identity is completed", id)
	}
	assert.FileExists(t, e.eng.store.path("sim", "d-by-id"))
	assert.NoFileExists(t, e.eng.store.path("old-name", "d-by-id"))
}

// A file under a former name never overwrites a newer one of the same
// domain under the current name.
func TestFormerNameNeverOverwritesNewerFile(t *testing.T) {
	e := newEnv(t, nil)
	e.eng.Stop()
	at := time.Now().UTC()
	older := &Workflow{Target: "former", DomainID: e.domain.ID, DomainName: e.domain.Name, State: StateFailed, StepStarted: at.Add(-time.Hour),
		SddcManager: SddcIdentity{URL: e.srv.URL}}
	newer := &Workflow{Target: "sim", DomainID: e.domain.ID, DomainName: e.domain.Name, State: StateCancelled, StepStarted: at,
		SddcManager: SddcIdentity{URL: e.srv.URL}}
	for _, w := range []*Workflow{older, newer} {
		require.NoError(t, e.eng.store.Save(w))
	}
	e.start(nil)
	w := e.eng.known("sim", e.domain.ID)
	require.NotNil(t, w)
	assert.Equal(t, StateCancelled, w.State)
	stored, err := e.eng.store.Peek("sim", e.domain.ID)
	require.NoError(t, err)
	assert.Equal(t, StateCancelled, stored.State, "the newer file is kept")
	assert.FileExists(t, e.eng.store.path("former", e.domain.ID), "the older file is left in place")
}
