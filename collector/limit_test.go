package collector

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func scrapeWithTimeout(t *testing.T, url, timeoutHeader string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	if timeoutHeader != "" {
		req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", timeoutHeader)
	}
	return http.DefaultClient.Do(req)
}

// Beyond --web.max-requests a scrape waits for a slot until its deadline,
// then gets 503; a slot freed in time serves it.
func TestScrapeLimiter(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	lim := NewScrapeLimiter(1, 30*time.Second, 500*time.Millisecond)
	srv := httptest.NewServer(lim.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		if r.URL.Path == "/hold" {
			<-release
		}
		if dl, ok := r.Context().Deadline(); ok {
			_, _ = io.WriteString(w, time.Until(dl).String())
		}
	})))
	t.Cleanup(srv.Close)

	held := make(chan *http.Response)
	go func() {
		resp, err := scrapeWithTimeout(t, srv.URL+"/hold", "")
		if err == nil {
			held <- resp
		}
		close(held)
	}()
	<-entered // the only slot is taken

	start := time.Now()
	resp, err := scrapeWithTimeout(t, srv.URL+"/", "0.2") // 100 ms: half of the header
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Contains(t, string(body), "--web.max-requests=1")
	require.Less(t, time.Since(start), 5*time.Second)

	// A queued scrape is served as soon as the slot is free.
	queued := make(chan *http.Response)
	go func() {
		resp, err := scrapeWithTimeout(t, srv.URL+"/", "30")
		if err == nil {
			queued <- resp
		}
		close(queued)
	}()
	close(release)
	r1 := <-held
	require.NotNil(t, r1)
	r1.Body.Close()
	r2 := <-queued
	require.NotNil(t, r2)
	b, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	require.Equal(t, http.StatusOK, r2.StatusCode)
	left, err := time.ParseDuration(string(b))
	require.NoError(t, err)
	require.Greater(t, left, 20*time.Second, "the handler's deadline is the scrape's (29.5 s)")
	require.LessOrEqual(t, left, 29500*time.Millisecond)
}

// Writing is bounded too: an answer still being written when Prometheus has
// given up (header timeout) fails instead of going on.
func TestScrapeLimiterWriteDeadline(t *testing.T) {
	writeErr := make(chan error, 1)
	lim := NewScrapeLimiter(0, 30*time.Second, 100*time.Millisecond)
	srv := httptest.NewServer(lim.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 64<<10)
		for {
			if _, err := w.Write(chunk); err != nil {
				writeErr <- err
				return
			}
		}
	})))
	t.Cleanup(srv.Close)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "0.5")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	// The client reads nothing more, as a Prometheus that gave up.
	select {
	case err := <-writeErr:
		require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	case <-time.After(10 * time.Second):
		t.Fatal("the handler kept writing past the scrape's deadline")
	}
}
