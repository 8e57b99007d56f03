package testutil

import (
	"testing"
	"time"
)

// pollInterval paces WaitFor: short enough not to slow tests down, long
// enough not to compete with the code under test for a busy CPU.
const pollInterval = 10 * time.Millisecond

// WaitFor calls cond until it returns true and fails the test after
// timeout. Unlike require.Eventually it calls cond in the test's own
// goroutine, so cond may use require and t.Fatal: a failure there ends the
// test at once instead of silently ending a helper goroutine.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(pollInterval)
	}
}
