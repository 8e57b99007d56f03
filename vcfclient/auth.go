package vcfclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jpillora/backoff"
)

const (
	endpointTokens       = "/v1/tokens"
	endpointTokenRefresh = "/v1/tokens/access-token/refresh"
)

// tokenState is one access token and what we know about it.
type tokenState struct {
	access    string
	refreshID string
	expiry    time.Time // exp claim, server clock; shown in the expiry metric
	refreshAt time.Time // local clock: when to renew proactively
	expiresAt time.Time // local clock: when the server will reject it
}

// auth owns the token. Any number of concurrent callers needing a new
// token share one renewal (flight).
type auth struct {
	c   *Client
	mu  sync.Mutex
	tok *tokenState

	// Login back-off after rejected credentials. Without it every scrape
	// (and every queued caller) would hammer the login endpoint, which on
	// SDDC Manager can lock the account. Its attempt counter counts the
	// consecutive rejections.
	loginBackoff backoff.Backoff
	nextLogin    time.Time
	lastLoginErr *AuthError

	// flight is the renewal in progress; nil when none runs.
	flight *flight
	// attemptErr is the last failed attempt of the renewal in progress:
	// a caller that stops waiting reports it with its own deadline.
	attemptErr error
	// cancelRenewal stops the renewal in progress (Client.Release).
	cancelRenewal context.CancelFunc
}

// flight is one token renewal; done is closed when tok and err are set.
type flight struct {
	done chan struct{}
	tok  string
	err  error
}

// abandon stops the renewal in progress, if any.
func (a *auth) abandon() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancelRenewal != nil {
		a.cancelRenewal()
	}
}

// noteAttempt records a failed token request attempt (nil: clears).
func (a *auth) noteAttempt(err error) {
	a.mu.Lock()
	a.attemptErr = err
	a.mu.Unlock()
}

// renewing returns a channel closed when the renewal in progress ends, or
// nil when no renewal is running.
func (a *auth) renewing() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.flight == nil {
		return nil
	}
	return a.flight.done
}

func newAuth(c *Client) *auth {
	return &auth{c: c, loginBackoff: backoff.Backoff{Min: c.cfg.LoginBackoff, Max: c.cfg.LoginBackoffMax, Factor: 2}}
}

// current returns the current token state (may be nil).
func (a *auth) current() *tokenState {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tok
}

// newest returns the current access token if it is fresh, else tok.
func (a *auth) newest(tok string) string {
	if t := a.current(); t != nil && t.access != tok && time.Now().Before(t.refreshAt) {
		return t.access
	}
	return tok
}

// token returns an access token that is not due for renewal, renewing it
// first if needed.
func (a *auth) token(ctx context.Context) (string, error) {
	t := a.current()
	if t != nil && time.Now().Before(t.refreshAt) {
		return t.access, nil
	}
	stale := ""
	if t != nil {
		stale = t.access
	}
	tok, err := a.renew(ctx, stale, false)
	if err != nil && ctx.Err() == nil && t != nil && time.Now().Before(t.expiresAt) {
		// A proactive renewal failed (SDDC Manager busy, password just
		// rotated...) but the current token is still valid: keep using it
		// rather than failing the call. A 401 still triggers a renewal.
		a.c.log.Warn("token renewal failed, using the current token until it expires", "err", err)
		a.postpone(t)
		return t.access, nil
	}
	return tok, err
}

// postpone pushes the next proactive renewal of t to a quarter of its
// remaining life, so a failing renewal is not retried on every call.
func (a *auth) postpone(t *tokenState) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok != t {
		return
	}
	nt := *t
	nt.refreshAt = time.Now().Add(time.Until(t.expiresAt) / 4)
	a.tok = &nt
}

// invalidate is called after the server answered 401 to a request sent
// with token rejected. It renews the token unless someone already did.
func (a *auth) invalidate(ctx context.Context, rejected string) error {
	_, err := a.renew(ctx, rejected, false)
	return err
}

// renew obtains a new token, unless (force == false) the current token is
// already different from stale and still fresh, meaning another caller
// renewed it while we waited. Concurrent calls share one renewal. The
// renewal runs on a context detached from the caller's (bounded by
// TokenTimeout) so one impatient caller cannot fail it for all the others;
// each caller still stops waiting when its own context ends.
func (a *auth) renew(ctx context.Context, stale string, force bool) (string, error) {
	f := a.startRenewal(ctx, stale, force)
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		a.mu.Lock()
		cause := a.attemptErr
		a.mu.Unlock()
		if cause != nil {
			// Keep why the login is late ("connection refused", "no
			// such host"), not only that the caller's time ran out.
			return "", fmt.Errorf("waiting for a token: %w (the token request in progress last failed: %w)", ctx.Err(), cause)
		}
		return "", ctx.Err()
	}
}

// startRenewal joins the renewal in progress or starts one, and returns
// it. renewing reports it from the moment startRenewal returns, so a caller
// that got a 401 holds the other callers back before it gives up its
// limiter slot (see Client.attempt).
func (a *auth) startRenewal(ctx context.Context, stale string, force bool) *flight {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.flight != nil {
		return a.flight
	}
	f := &flight{done: make(chan struct{})}
	a.flight, a.attemptErr = f, nil
	go func() {
		f.tok, f.err = a.renewNow(context.WithoutCancel(ctx), stale, force)
		a.mu.Lock()
		a.flight, a.cancelRenewal = nil, nil
		a.mu.Unlock()
		close(f.done)
	}()
	return f
}

func (a *auth) renewNow(ctx context.Context, stale string, force bool) (string, error) {
	cur := a.current()
	if !force && cur != nil && cur.access != stale && time.Now().Before(cur.refreshAt) {
		return cur.access, nil
	}
	ctx, cancel := context.WithTimeout(ctx, a.c.cfg.TokenTimeout)
	defer cancel()
	a.mu.Lock()
	a.cancelRenewal = cancel
	a.mu.Unlock()
	return a.acquire(ctx, cur)
}

// acquire refreshes with the refresh token when there is one and falls back
// to a login when that fails (refresh token expired or revoked).
func (a *auth) acquire(ctx context.Context, cur *tokenState) (string, error) {
	if cur != nil && cur.refreshID != "" {
		access, err := a.refresh(ctx, cur.refreshID)
		if err == nil {
			a.c.metrics.tokenRefresh("refresh", true)
			a.store(access, cur.refreshID)
			a.c.log.Debug("access token refreshed")
			return access, nil
		}
		a.c.metrics.tokenRefresh("refresh", false)
		if ctx.Err() != nil {
			return "", err
		}
		a.c.log.Info("token refresh failed, logging in again", "err", err)
	}
	return a.login(ctx)
}

// refresh trades the refresh token for a new access token. The endpoint
// takes and returns a bare JSON string.
func (a *auth) refresh(ctx context.Context, refreshID string) (string, error) {
	req := newRequest(http.MethodPatch, endpointTokenRefresh)
	req.body = refreshID
	req.noAuth = true
	req.safeRetry = true // minting a token twice is harmless
	var access string
	if err := a.c.do(ctx, req, decodeInto(&access)); err != nil {
		return "", err
	}
	if access == "" {
		return "", &DecodeError{Method: req.method, Endpoint: req.endpoint, Err: errors.New("empty access token")}
	}
	return access, nil
}

// tokenPairWire is the TokenPair schema.
type tokenPairWire struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken *struct {
		ID string `json:"id"`
	} `json:"refreshToken"`
}

// login creates a token pair with the username and password. After the
// server rejects the credentials, further logins are refused locally until a
// back-off (doubling per consecutive failure) has elapsed.
func (a *auth) login(ctx context.Context) (string, error) {
	cfg := &a.c.cfg
	a.mu.Lock()
	if now := time.Now(); now.Before(a.nextLogin) && a.lastLoginErr != nil {
		e := *a.lastLoginErr
		e.StatusCode = 0 // refused locally
		a.mu.Unlock()
		return "", &e
	}
	a.mu.Unlock()

	req := newRequest(http.MethodPost, endpointTokens)
	req.body = struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}{cfg.Username, string(cfg.Password)}
	req.noAuth = true
	req.safeRetry = true // creating an extra token pair has no side effect
	var pair tokenPairWire
	err := a.c.do(ctx, req, decodeInto(&pair))
	if err == nil && pair.AccessToken == "" {
		err = &DecodeError{Method: req.method, Endpoint: req.endpoint, Err: errors.New("no accessToken in token pair")}
	}
	if err != nil {
		a.c.metrics.tokenRefresh("login", false)
		var ae *APIError
		if errors.As(err, &ae) && (ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden || ae.StatusCode == http.StatusBadRequest) {
			a.mu.Lock()
			wait := a.loginBackoff.Duration()
			a.nextLogin = time.Now().Add(wait)
			authErr := &AuthError{Username: cfg.Username, StatusCode: ae.StatusCode, RetryAfter: a.nextLogin, Err: ae}
			a.lastLoginErr = authErr
			a.mu.Unlock()
			a.c.log.Warn("SDDC Manager rejected the credentials", "username", cfg.Username, "status", ae.StatusCode, "next_attempt_in", wait)
			return "", authErr
		}
		return "", err
	}
	a.c.metrics.tokenRefresh("login", true)
	refreshID := ""
	if pair.RefreshToken != nil {
		refreshID = pair.RefreshToken.ID
	}
	a.mu.Lock()
	a.loginBackoff.Reset()
	a.nextLogin, a.lastLoginErr = time.Time{}, nil
	a.mu.Unlock()
	a.store(pair.AccessToken, refreshID)
	a.c.log.Debug("logged in to SDDC Manager", "username", cfg.Username)
	return pair.AccessToken, nil
}

// store installs a new access token and schedules its renewal.
//
// The renewal time is computed on the local clock from the token's lifetime
// (exp - iat when both claims are present), not by comparing exp with the
// local clock, so a skewed SDDC Manager clock neither makes us renew on
// every call nor use a token long after it expired.
func (a *auth) store(access, refreshID string) {
	cfg := &a.c.cfg
	now := time.Now()
	exp, iat, ok := jwtTimes(access)
	var lifetime time.Duration
	switch {
	case !ok:
		lifetime = cfg.DefaultTokenLifetime
		exp = now.Add(lifetime)
		a.c.log.Warn("access token has no readable exp claim, assuming default lifetime", "lifetime", lifetime)
	case !iat.IsZero() && exp.After(iat):
		lifetime = exp.Sub(iat)
	default:
		lifetime = exp.Sub(now)
	}
	if lifetime <= 0 {
		// Expired on arrival by our clock: renew soon, let 401 handling
		// cover the rest. A floor avoids renewing on every request.
		a.c.log.Warn("access token looks expired on arrival (clock skew?)", "exp", exp)
		lifetime = time.Minute
	}
	margin := time.Duration(float64(lifetime) * cfg.RefreshMargin)
	t := &tokenState{access: access, refreshID: refreshID, expiry: exp, refreshAt: now.Add(lifetime - margin), expiresAt: now.Add(lifetime)}
	a.mu.Lock()
	a.tok = t
	a.mu.Unlock()
	a.c.metrics.expiry.Set(float64(exp.UnixNano()) / 1e9)
}

// jwtTimes reads the exp and iat claims of a JWT without verifying it: the
// client only needs to know when to renew, the server does the verifying.
func jwtTimes(tok string) (exp, iat time.Time, ok bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}, time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	var claims struct {
		Exp *float64 `json:"exp"`
		Iat *float64 `json:"iat"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == nil {
		return time.Time{}, time.Time{}, false
	}
	toTime := func(f float64) (time.Time, bool) {
		if math.IsNaN(f) || f <= 0 || f > 1e11 { // year ~5000: garbage
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)), true
	}
	exp, ok = toTime(*claims.Exp)
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	if claims.Iat != nil {
		iat, _ = toTime(*claims.Iat)
	}
	return exp, iat, true
}

// RefreshToken renews the access token now (refresh token first, login as
// fallback), whatever its expiry. Concurrent renewals are shared.
func (c *Client) RefreshToken(ctx context.Context) error {
	_, err := c.auth.renew(ctx, "", true)
	if err != nil {
		return fmt.Errorf("vcfclient: token refresh: %w", err)
	}
	return nil
}

// TokenExpiry returns the current access token's expiry (its exp claim), or
// the zero time before the first login.
func (c *Client) TokenExpiry() time.Time {
	if t := c.auth.current(); t != nil {
		return t.expiry
	}
	return time.Time{}
}
