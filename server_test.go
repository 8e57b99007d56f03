package main

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/exporter-toolkit/web"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

// startServer serves h through exporter-toolkit, as run() does, with l.
func startServer(t *testing.T, h http.Handler, l serverLimits) string {
	t.Helper()
	addr := testutil.FreeAddr(t)
	systemd, cfgFile := false, ""
	flags := &web.FlagConfig{WebListenAddresses: &[]string{addr}, WebSystemdSocket: &systemd, WebConfigFile: &cfgFile}
	srv := newHTTPServer(h, l, slog.New(slog.DiscardHandler))
	done := make(chan error, 1)
	go func() { done <- web.ListenAndServe(srv, flags, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serving: %v", err)
		}
	})
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		conn, err := net.Dial("tcp", addr)
		if assert.NoError(c, err) {
			_ = conn.Close()
		}
	}, 10*time.Second, 10*time.Millisecond)
	return addr
}

// closedWithin reports whether the server closes conn within d (reading
// whatever it sends first).
func closedWithin(t *testing.T, conn net.Conn, d time.Duration) bool {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(d)); err != nil {
		return true // closed already
	}
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return !errors.As(err, &ne) || !ne.Timeout()
}

// A client that promises a body and never sends it is dropped within the
// read timeout, not held forever.
func TestSlowBodyDropped(t *testing.T) {
	readsBody := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) })
	l := defaultServerLimits(0)
	l.ReadTimeout = 300 * time.Millisecond
	addr := startServer(t, readsBody, l)
	for _, path := range []string{"/actions/v1/x", "/metrics"} {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		_, err = io.WriteString(conn, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\npartial")
		require.NoError(t, err)
		require.True(t, closedWithin(t, conn, 5*time.Second), "%s: connection still open after 5 s", path)
		_ = conn.Close()
	}
}

// getOK sends GET / on conn and reads a 200 answer whole.
func getOK(conn net.Conn) error {
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// Beyond --web.max-connections a new connection is closed at once; a freed
// place is usable again.
func TestMaxConnections(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	addr := startServer(t, ok, defaultServerLimits(2))
	// Two connections that answered a request: counted. (startServer's
	// probe may still be counted until the server sees it closed, and the
	// cap may then close a connection made now: it is made again.)
	held := make([]net.Conn, 2)
	for i := range held {
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			conn, err := net.Dial("tcp", addr)
			if !assert.NoError(c, err) {
				return
			}
			if !assert.NoError(c, getOK(conn)) {
				_ = conn.Close()
				return
			}
			held[i] = conn
		}, 10*time.Second, 50*time.Millisecond)
		t.Cleanup(func() { _ = held[i].Close() })
	}
	// Both held connections are counted before the third arrives.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		conn, err := net.Dial("tcp", addr)
		if !assert.NoError(c, err) {
			return
		}
		defer func() { _ = conn.Close() }()
		assert.True(c, closedWithin(t, conn, time.Second), "third connection closed")
	}, 10*time.Second, 50*time.Millisecond)

	// The held connections still work.
	require.NoError(t, getOK(held[0]))

	_ = held[1].Close()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		resp, err := http.Get("http://" + addr + "/")
		if assert.NoError(c, err) {
			_ = resp.Body.Close()
			assert.Equal(c, http.StatusOK, resp.StatusCode)
		}
	}, 10*time.Second, 50*time.Millisecond)
}
