package vcfclient

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

func domainsHandler(f *fakeSDDC) {
	f.handle("GET /v1/domains", staticJSON(page(map[string]any{"id": "d1", "name": "mgmt", "status": "ACTIVE"})))
}

func TestLoginOnceThenReuse(t *testing.T) {
	f := newFake(t)
	domainsHandler(f)
	c := f.client(t)
	for i := 0; i < 5; i++ {
		_, err := c.Domains(context.Background())
		require.NoError(t, err)
	}
	assert.Equal(t, int64(1), f.logins.Load())
	assert.Equal(t, int64(0), f.refreshes.Load())
}

func TestRefreshBeforeExpiry(t *testing.T) {
	f := newFake(t)
	f.ttl = 2 * time.Second
	domainsHandler(f)
	// Margin 0.75 of a 2s lifetime: renew after 0.5s, long before expiry.
	c := f.client(t, func(c *Config) { c.RefreshMargin = 0.75 })
	_, err := c.Domains(context.Background())
	require.NoError(t, err)
	first := c.TokenExpiry()
	testutil.WaitFor(t, 5*time.Second, "the refresh", func() bool {
		_, err := c.Domains(context.Background())
		require.NoError(t, err)
		return f.refreshes.Load() == 1
	})
	assert.Equal(t, int64(1), f.logins.Load(), "refreshed with the refresh token, no new login")
	// Every call succeeded: no 401 was ever answered.
	assert.Equal(t, 0.0, metricValue(t, c, "vcf_api_requests_total", "endpoint", "/v1/domains", "code", "401"))
	assert.False(t, c.TokenExpiry().Before(first))
	assert.Equal(t, 1.0, metricValue(t, c, "vcf_api_token_refreshes_total", "kind", "refresh", "result", "success"))
}

func TestExpiredTokenMidRunIsInvisible(t *testing.T) {
	f := newFake(t)
	domainsHandler(f)
	c := f.client(t)
	_, err := c.Domains(context.Background())
	require.NoError(t, err)
	f.expireTokens() // the server forgets the token before its exp
	_, err = c.Domains(context.Background())
	require.NoError(t, err, "the caller never sees the 401")
	assert.Equal(t, int64(1), f.refreshes.Load())
	assert.Equal(t, int64(1), f.logins.Load())
}

func TestRefreshFailureFallsBackToLogin(t *testing.T) {
	f := newFake(t)
	domainsHandler(f)
	c := f.client(t)
	_, err := c.Domains(context.Background())
	require.NoError(t, err)
	f.expireTokens()
	f.revokeRefreshTokens()
	_, err = c.Domains(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(1), f.refreshFailures.Load())
	assert.Equal(t, int64(2), f.logins.Load())
	assert.Equal(t, 1.0, metricValue(t, c, "vcf_api_token_refreshes_total", "kind", "refresh", "result", "failure"))
	assert.Equal(t, 2.0, metricValue(t, c, "vcf_api_token_refreshes_total", "kind", "login", "result", "success"))
}

func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	f := newFake(t)
	domainsHandler(f)
	c := f.client(t, func(c *Config) { c.MaxInFlight = 8 })
	require.NoError(t, c.RefreshToken(context.Background()))
	base := f.refreshes.Load()
	f.expireTokens()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 50; i++ {
		wg.Go(func() {
			<-start
			_, err := c.Domains(context.Background())
			assert.NoError(t, err)
		})
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int64(1), f.refreshes.Load()-base, "exactly one refresh for 50 callers")
	assert.Equal(t, int64(1), f.logins.Load())
}

func TestWrongPasswordIsTypedAndBounded(t *testing.T) {
	f := newFake(t)
	domainsHandler(f)
	var logs bytes.Buffer
	c := f.client(t, func(c *Config) {
		c.Password = "wrong-Secret-42"
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	for i := 0; i < 20; i++ {
		_, err := c.Domains(context.Background())
		require.Error(t, err)
		require.ErrorIs(t, err, ErrUnauthorized)
		var ae *AuthError
		require.ErrorAs(t, err, &ae)
		assert.NotContains(t, err.Error(), "wrong-Secret-42")
		assert.False(t, ae.RetryAfter.IsZero())
	}
	assert.Equal(t, int64(1), f.logins.Load(), "later logins are refused locally during the back-off")
	assert.NotContains(t, logs.String(), "wrong-Secret-42")
	assert.Equal(t, 1.0, metricValue(t, c, "vcf_api_token_refreshes_total", "kind", "login", "result", "failure"))
}

func TestLoginBackoffGrowsAndRecovers(t *testing.T) {
	f := newFake(t)
	domainsHandler(f)
	c := f.client(t, func(c *Config) {
		c.LoginBackoff = 20 * time.Millisecond
		c.LoginBackoffMax = 80 * time.Millisecond
	})
	f.setPassword("rotated") // the server's password changed under us
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		_, err := c.Domains(context.Background())
		require.ErrorIs(t, err, ErrUnauthorized)
	}
	// 20+40+80+80ms of back-off fit at most ~6 logins in 300ms, a tight
	// loop would make thousands.
	n := f.logins.Load()
	assert.GreaterOrEqual(t, n, int64(2))
	assert.LessOrEqual(t, n, int64(7))

	f.setPassword(string(c.cfg.Password))
	require.Eventually(t, func() bool {
		_, err := c.Domains(context.Background())
		return err == nil
	}, 5*time.Second, 10*time.Millisecond, "logs in again once the back-off elapsed")
}

func TestSecretsNeverLogged(t *testing.T) {
	f := newFake(t)
	domainsHandler(f)
	var logs bytes.Buffer
	c := f.client(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	_, err := c.Domains(context.Background())
	require.NoError(t, err)
	f.expireTokens()
	f.revokeRefreshTokens()
	_, err = c.Domains(context.Background())
	require.NoError(t, err)
	tok := c.auth.current()
	require.NotNil(t, tok)
	assert.NotContains(t, logs.String(), f.pass)
	assert.NotContains(t, logs.String(), tok.access)
	assert.NotContains(t, logs.String(), tok.refreshID)
	for _, v := range labelValues(t, c) {
		assert.NotContains(t, v, tok.access)
	}
}

func TestRefreshTokenForces(t *testing.T) {
	f := newFake(t)
	domainsHandler(f)
	c := f.client(t)
	require.NoError(t, c.RefreshToken(context.Background())) // first: login
	require.NoError(t, c.RefreshToken(context.Background())) // then: refresh
	assert.Equal(t, int64(1), f.logins.Load())
	assert.Equal(t, int64(1), f.refreshes.Load())
}

func TestTokenWithoutExpUsesDefaultLifetime(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/domains", staticJSON(page()))
	c := f.client(t, func(c *Config) { c.DefaultTokenLifetime = 30 * time.Minute })
	c.auth.store("opaque-token", "r")
	assert.WithinDuration(t, time.Now().Add(30*time.Minute), c.TokenExpiry(), 5*time.Second)
}

func TestJWTTimes(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	expiry, iat, ok := jwtTimes(jwt(now, now.Add(time.Hour), 1))
	require.True(t, ok)
	assert.Equal(t, now.Add(time.Hour), expiry)
	assert.Equal(t, now, iat)

	enc := base64.RawURLEncoding.EncodeToString
	for _, bad := range []string{
		"", "abc", "a.b", "a.b.c.d", "a.!!!.c",
		"h." + enc([]byte(`not json`)) + ".s",
		"h." + enc([]byte(`{"sub":"x"}`)) + ".s",
		"h." + enc([]byte(`{"exp":"soon"}`)) + ".s",
		"h." + enc([]byte(`{"exp":-5}`)) + ".s",
		"h." + enc([]byte(`{"exp":1e300}`)) + ".s",
	} {
		_, _, ok := jwtTimes(bad)
		assert.False(t, ok, bad)
	}
	// Padded base64 is tolerated.
	_, _, ok = jwtTimes("h." + base64.URLEncoding.EncodeToString([]byte(`{"exp":1800000000}`)) + ".s")
	assert.True(t, ok)
}

func TestClockSkewDoesNotCauseRefreshStorm(t *testing.T) {
	c, err := New(Config{URL: "https://x", Username: "u", Password: config.Secret("p")})
	require.NoError(t, err)
	// A server clock two hours behind: exp is in our past, but iat..exp
	// says the token lives one hour.
	iat := time.Now().Add(-2 * time.Hour)
	c.auth.store(jwt(iat, iat.Add(time.Hour), 1), "r")
	tok := c.auth.current()
	assert.WithinDuration(t, time.Now().Add(54*time.Minute), tok.refreshAt, 5*time.Second)
}

func TestLoginServerErrorIsNotAuthError(t *testing.T) {
	f := newFake(t)
	c := f.client(t, func(c *Config) { c.MaxRetries = -1 })
	f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiErr(w, 500, "INTERNAL", "boom")
	})
	err := c.RefreshToken(context.Background())
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrUnauthorized, "a 500 is not a credentials problem")
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "/v1/tokens", ae.Endpoint)
}

func TestFailedProactiveRenewalKeepsValidToken(t *testing.T) {
	f := newFake(t)
	f.ttl = 3 * time.Second
	domainsHandler(f)
	// Renew after 0.3s of a 3s lifetime.
	c := f.client(t, func(c *Config) { c.RefreshMargin = 0.9 })
	_, err := c.Domains(context.Background())
	require.NoError(t, err)
	f.revokeRefreshTokens()
	f.setPassword("rotated")
	testutil.WaitFor(t, 2*time.Second, "a failed refresh and a new login", func() bool {
		_, err := c.Domains(context.Background())
		require.NoError(t, err, "the still-valid token keeps working")
		return f.refreshFailures.Load() >= 1 && f.logins.Load() >= 2
	})
	// The failed renewal is not retried on every call: the next attempt
	// waits for a quarter of the remaining lifetime (>0.5s here).
	n := f.count("PATCH /v1/tokens/access-token/refresh")
	for i := 0; i < 10; i++ {
		_, err := c.Domains(context.Background())
		require.NoError(t, err)
	}
	assert.Equal(t, n, f.count("PATCH /v1/tokens/access-token/refresh"))
}

func TestRequestTimeoutWithoutDeadline(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/domains", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	c := f.client(t, func(c *Config) { c.RequestTimeout = 200 * time.Millisecond })
	start := time.Now()
	_, err := c.Domains(context.Background())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	// The server never answers: only the 200 ms RequestTimeout (not the
	// 5 min default) ends the call within the generous bound a loaded
	// machine needs.
	assert.Less(t, time.Since(start), 30*time.Second)
}
