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

// Beyond --web.max-connections a new connection is closed at once; a freed
// place is usable again.
func TestMaxConnections(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	addr := startServer(t, ok, defaultServerLimits(2))
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		held = append(held, c)
		t.Cleanup(func() { _ = c.Close() })
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
	_, err := io.WriteString(held[0], "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(held[0]), nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	_ = held[1].Close()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		resp, err := http.Get("http://" + addr + "/")
		if assert.NoError(c, err) {
			_ = resp.Body.Close()
			assert.Equal(c, http.StatusOK, resp.StatusCode)
		}
	}, 10*time.Second, 50*time.Millisecond)
}
