package testutil

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The process harness of the end-to-end tests: build a binary once per
// test binary, run it, wait until it is ready, signal it, read its output.

var builds struct {
	mu   sync.Mutex
	dir  string
	bins map[string]string // package -> binary
}

// Build compiles the main package pkg (an import path, or a directory
// such as "." or "..") once per test binary run and returns the binary's
// path. Call RemoveBuilds from TestMain to delete the binaries.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if bin, ok := builds.bins[pkg]; ok {
		return bin
	}
	if builds.dir == "" {
		dir, err := os.MkdirTemp("", "vcf_exporter-test-bin-")
		if err != nil {
			t.Fatal(err)
		}
		builds.dir, builds.bins = dir, map[string]string{}
	}
	bin := filepath.Join(builds.dir, fmt.Sprintf("bin%d", len(builds.bins)))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	builds.bins[pkg] = bin
	return bin
}

// RemoveBuilds deletes the binaries Build made.
func RemoveBuilds() {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if builds.dir != "" {
		_ = os.RemoveAll(builds.dir)
		builds.dir, builds.bins = "", nil
	}
}

// FreeAddr returns a loopback address nothing listens on right now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Command describes a process to Start.
type Command struct {
	Path string
	Args []string
	Env  []string // added to the test's environment
	// Output receives stdout and stderr; a fresh Buffer when nil. Share one
	// between the runs of a restarted process to keep a single log.
	Output *Buffer
}

// Process is a running (or exited) process started by Start. When the test
// ends it is killed if still running, and its output is logged if the test
// failed.
type Process struct {
	Output *Buffer
	cmd    *exec.Cmd
	done   chan struct{}
	err    error // Wait's result, valid once done is closed
}

// Start starts c and registers its cleanup.
func Start(t testing.TB, c Command) *Process {
	t.Helper()
	p := &Process{Output: c.Output, done: make(chan struct{})}
	if p.Output == nil {
		p.Output = &Buffer{}
	}
	p.cmd = exec.Command(c.Path, c.Args...)
	p.cmd.Env = append(os.Environ(), c.Env...)
	p.cmd.Stdout, p.cmd.Stderr = p.Output, p.Output
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", c.Path, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if !p.Exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("output of %s:\n%s", filepath.Base(c.Path), p.Output)
		}
	})
	return p
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitExit waits up to timeout for the process to exit and returns its
// exit error (nil for status 0).
func (p *Process) WaitExit(t testing.TB, timeout time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		t.Fatalf("process did not exit within %s", timeout)
		return nil
	}
}

// Stop sends SIGTERM and waits up to timeout for a clean exit.
func (p *Process) Stop(t testing.TB, timeout time.Duration) error {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("SIGTERM: %v", err)
	}
	return p.WaitExit(t, timeout)
}

// Kill sends SIGKILL and waits for the process to be gone, as a crash or
// an OOM kill would leave it: no shutdown code runs.
func (p *Process) Kill(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("SIGKILL: %v", err)
	}
	<-p.done
}

// Signal sends sig (SIGHUP for a reload, say).
func (p *Process) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s: %v", sig, err)
	}
}

// waitReady polls ready until it holds; it fails the test at once, with the
// output, when the process exits first, and after timeout.
func (p *Process) waitReady(t testing.TB, timeout time.Duration, what string, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ready() {
		if p.Exited() {
			t.Fatalf("process exited (%v) before %s:\n%s", p.err, what, p.Output)
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(pollInterval)
	}
}

// WaitHTTP waits until GET url answers 200.
func (p *Process) WaitHTTP(t testing.TB, timeout time.Duration, url string) {
	t.Helper()
	p.waitReady(t, timeout, "200 from "+url, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// WaitLog waits until the output contains s.
func (p *Process) WaitLog(t testing.TB, timeout time.Duration, s string) {
	t.Helper()
	p.waitReady(t, timeout, fmt.Sprintf("%q in the output", s), func() bool {
		return strings.Contains(p.Output.String(), s)
	})
}

// WaitDial waits until addr (host:port) accepts TCP connections.
func (p *Process) WaitDial(t testing.TB, timeout time.Duration, addr string) {
	t.Helper()
	p.waitReady(t, timeout, "a listener on "+addr, func() bool {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return false
		}
		_ = c.Close()
		return true
	})
}
