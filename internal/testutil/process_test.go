package testutil

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The harness on a shell script: ready line, SIGTERM handled, SIGKILL not.
func TestProcessStopAndKill(t *testing.T) {
	script := `trap 'echo bye; exit 0' TERM; echo ready; while :; do sleep 0.01; done`

	p := Start(t, Command{Path: "sh", Args: []string{"-c", script}})
	p.WaitLog(t, 10*time.Second, "ready")
	if err := p.Stop(t, 10*time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	if !strings.Contains(p.Output.String(), "bye") {
		t.Fatalf("the TERM trap did not run: %q", p.Output)
	}

	shared := &Buffer{}
	p = Start(t, Command{Path: "sh", Args: []string{"-c", script}, Output: shared})
	p.WaitLog(t, 10*time.Second, "ready")
	p.Kill(t)
	if !p.Exited() || strings.Contains(shared.String(), "bye") {
		t.Fatalf("SIGKILL ran the trap or left the process: %q", shared)
	}
}

// A process that exits before it is ready fails the wait at once.
func TestProcessExitBeforeReady(t *testing.T) {
	p := Start(t, Command{Path: "sh", Args: []string{"-c", "echo no config; exit 3"}})
	<-p.Done()
	ft := &fakeT{TB: t}
	func() {
		defer func() { _ = recover() }()
		p.WaitLog(ft, time.Minute, "never printed")
	}()
	if !strings.Contains(ft.msg, "process exited") || !strings.Contains(ft.msg, "no config") {
		t.Fatalf("failure message %q", ft.msg)
	}
}

// fakeT records Fatalf and stops the helper like t.Fatalf would.
type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f.msg)
}
