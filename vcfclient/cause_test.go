package vcfclient

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// refusedURL is the URL of a local port nobody listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// A login that outlives the caller's budget (it keeps retrying a refused
// connection) must not hide the cause behind "context deadline exceeded".
func TestLoginTimeoutKeepsCause(t *testing.T) {
	c, err := New(Config{URL: refusedURL(t), Username: "u", Password: "p", RetryBaseDelay: 100 * time.Millisecond})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = c.Domains(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, "connection refused")
}
