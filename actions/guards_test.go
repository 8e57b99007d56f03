package actions

import (
	"bytes"
	"context"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// After a failed save (a full disk) the stored record still describes an
// unfinished workflow: a second start is refused and the record is kept.
func TestStartRefusedAfterFailedSave(t *testing.T) {
	e := newEnv(t, func(c *vcfsim.Config) { c.PrecheckWarnings = 1 })
	e.mustStart("")
	e.waitState(30*time.Second, StateWaitingAck)
	path := e.eng.store.path("sim", e.domain.ID)
	stored, err := os.ReadFile(path)
	require.NoError(t, err)
	e.eng.store.write = func(string, []byte) error { return syscall.ENOSPC }
	_, err = e.acknowledge()
	require.NoError(t, err, "acknowledge")
	e.waitState(10*time.Second, StateFailed)
	e.eng.store.write = writeAtomic // space is free again

	_, err = e.upgrade("")
	require.ErrorIs(t, err, ErrConflict, "second start")
	require.ErrorContains(t, err, "unfinished workflow in the storage directory (state waiting_acknowledgement")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(stored, after), "the stored record is untouched")
}

// pausableNow is real time that a test can stop: the simulator's upgrades
// stay where they are while it is stopped.
type pausableNow struct{ at atomic.Pointer[time.Time] }

func (p *pausableNow) Now() time.Time {
	if t := p.at.Load(); t != nil {
		return *t
	}
	return time.Now()
}

func (p *pausableNow) pause() { now := time.Now(); p.at.Store(&now) }

// A second exporter (its own storage) refuses to start while the first
// drives the domain's NSX upgrade, naming that upgrade.
func TestSecondDriverRefused(t *testing.T) {
	var clk pausableNow
	e := newEnv(t, vcfsim.WithNow(clk.Now))
	other, err := New(e.targets, testEngineOptions(t.TempDir(), nil))
	require.NoError(t, err)
	other.Start(context.Background())
	t.Cleanup(other.Stop)
	refusal := make(chan error, 1)
	e.onUpgradeStarted(2, func() {
		clk.pause()
		_, err := other.StartUpgrade(context.Background(), "sim", e.domain.Name, "")
		refusal <- err
	})
	e.mustStart("")
	select {
	case err = <-refusal:
	case <-time.After(30 * time.Second):
		t.Fatalf("the NSX upgrade did not start: %v", e.snapshot())
	}
	require.ErrorIs(t, err, ErrConflict)
	assert.Contains(t, err.Error(), "another exporter or a person drives it")
	nsx := e.upgradesOnSim()[1]
	assert.Contains(t, err.Error(), nsx.ID, "the refusal names the running upgrade")
	assert.Empty(t, other.snapshots(), "the second exporter started nothing")
}
