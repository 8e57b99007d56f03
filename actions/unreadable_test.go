package actions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// A workflow file the exporter cannot read (corrupt, truncated, empty, or
// written by a newer exporter) may describe a running upgrade: the domain is
// blocked, the file is never overwritten, and the status and the metrics say
// why.
func TestUnreadableWorkflowFileBlocksTheDomain(t *testing.T) {
	cases := map[string]func(valid []byte) []byte{
		"truncated": func(b []byte) []byte { return b[:len(b)/2] },
		"empty":     func([]byte) []byte { return nil },
		"garbage":   func([]byte) []byte { return []byte("\x00\x01not json") },
		"newer schema": func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"schema_version": 1`, `"schema_version": 2`, 1))
		},
		"not an object": func([]byte) []byte { return []byte(`[]`) },
		"unknown state": func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"state": "upgrading_sddcmanager"`, `"state": "upgrading_something_new"`, 1))
		},
	}
	for name, corrupt := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.targets.domains = []string{e.domain.Name}
			// A workflow that stopped in upgrading_sddcmanager.
			w := &Workflow{Target: "sim", DomainID: e.domain.ID, DomainName: e.domain.Name, State: StateUpgradingSDDCManager,
				Started: time.Now().UTC(), StepStarted: time.Now().UTC(), TargetVersion: "9.9"}
			require.NoError(t, e.eng.store.Save(w))
			path := e.eng.store.path("sim", e.domain.ID)
			valid, err := os.ReadFile(path)
			require.NoError(t, err)
			bad := corrupt(valid)
			require.NoError(t, os.WriteFile(path, bad, 0o600))
			e.eng.Stop()
			e.start(nil)

			_, err = e.upgrade("")
			require.ErrorIs(t, err, ErrConflict, "start over an unreadable file")
			require.ErrorContains(t, err, filepath.Base(path))
			_, err = e.plan("")
			require.ErrorIs(t, err, ErrConflict, "dry run over an unreadable file")

			s := e.status()
			assert.Equal(t, StateFileUnreadable, s["state"])
			assert.Contains(t, s["last_error"], filepath.Base(path))

			assert.Equal(t, 1.0, e.metric("vcf_upgrade_workflow_unreadable_files", nil))
			if name == "truncated" || name == "unknown state" {
				// The domain's name survives in the readable part: the state metric says why.
				assert.Equal(t, 1.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"domain": e.domain.Name, "state": string(StateFileUnreadable)}))
				assert.Equal(t, 0.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"domain": e.domain.Name, "state": string(StateWaitingForInitiation)}))
			}
			assert.Zero(t, e.remoteChanges(), "no remote change")

			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, string(bad), string(got), "the unreadable file is left intact")

			// Moving the file away (after inspecting it) lifts the block.
			require.NoError(t, os.Rename(path, path+".inspected"))
			_, err = e.plan("")
			require.NoError(t, err, "after moving the file away")
			assert.Equal(t, 0.0, e.metric("vcf_upgrade_workflow_unreadable_files", nil))
		})
	}
}

// Storage that stops accepting writes mid-workflow fails the workflow at
// once, visibly: the status and the metrics say failed with the reason, and
// nothing more is sent to SDDC Manager.
func TestStorageFailureShowsAtOnce(t *testing.T) {
	e := newEnv(t, func(c *vcfsim.Config) { c.PrecheckWarnings = 1 })
	_, err := e.upgrade("")
	require.NoError(t, err, "start")
	e.waitState(30*time.Second, StateWaitingAck)
	// The storage directory becomes unusable (a file where it was: every
	// write fails, even as root).
	dir := e.eng.store.Dir()
	require.NoError(t, os.RemoveAll(dir))
	require.NoError(t, os.WriteFile(dir, nil, 0o400))
	_, err = e.acknowledge()
	require.NoError(t, err, "acknowledge")

	s := e.waitState(10*time.Second, StateFailed)
	assert.Contains(t, s["last_error"], "cannot save the workflow state")
	assert.Contains(t, s["log_markdown"], "cannot save the workflow state")
	assert.Equal(t, 1.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"state": string(StateFailed)}))
	assert.Equal(t, 0.0, e.metric("vcf_upgrade_workflow_state", map[string]string{"state": string(StateWaitingAck)}))
	assert.GreaterOrEqual(t, e.metric("vcf_upgrade_workflow_save_errors_total", nil), 1.0)
	assert.Zero(t, e.posts(), "no upgrade is started without saved state")
}
