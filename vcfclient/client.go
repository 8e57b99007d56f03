// Package vcfclient is the SDDC Manager (VMware Cloud Foundation 5.2.1) API
// client used by the exporter and the upgrade actions.
//
// It owns the access token (login, refresh before expiry, one refresh at a
// time), retries idempotent GETs on transient failures, never retries
// POST/PATCH except after a 401, limits the requests in flight per SDDC
// Manager, converts units while decoding, reads every page of a list the
// way the server pages it and refuses a list that does not add up
// (paging.go), and exposes self-metrics as a prometheus.Collector.
package vcfclient

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	json "github.com/goccy/go-json"
	"github.com/prometheus/common/config"
)

// Config configures a Client. Zero values get the defaults documented on
// each field.
type Config struct {
	// URL is the SDDC Manager base URL, e.g. https://sddc.example.com.
	URL      string
	Username string
	Password config.Secret
	// HTTP configures TLS (verification on unless insecure_skip_verify is
	// set), CA file, client certificate, proxy. Authentication settings in
	// it are rejected: the client authenticates with Username/Password.
	HTTP config.HTTPClientConfig
	// MaxInFlight caps the requests in flight to this SDDC Manager
	// (default 4), token requests included.
	MaxInFlight int
	// Logger defaults to a logger that discards everything.
	Logger *slog.Logger

	// MaxRetries is how many times a GET is retried after a transient
	// failure (default 4; negative disables retries).
	MaxRetries int
	// RetryBaseDelay is the first back-off delay (default 500ms); it doubles
	// on each retry, with full jitter, up to RetryMaxDelay (default 30s).
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// MaxRetryAfter caps how long a Retry-After header may make us wait
	// (default 2m).
	MaxRetryAfter time.Duration

	// RefreshMargin is the fraction of the token lifetime before expiry at
	// which the token is refreshed (default 0.1).
	RefreshMargin float64
	// DefaultTokenLifetime is assumed when the access token carries no
	// usable exp claim (default 1h).
	DefaultTokenLifetime time.Duration
	// TokenTimeout bounds a refresh or login (default 30s). Token requests
	// run detached from the caller's context, because other callers wait for
	// the same refresh.
	TokenTimeout time.Duration
	// LoginBackoff is the wait after a failed login before the next one is
	// attempted (default 10s), doubled on every consecutive failure up to
	// LoginBackoffMax (default 5m).
	LoginBackoff    time.Duration
	LoginBackoffMax time.Duration

	// RequestTimeout bounds a call (retries included) whose context has no
	// deadline (default 5m), so a hung connection cannot block a caller
	// forever.
	RequestTimeout time.Duration

	// MaxResponseBytes caps the size of one response body (default
	// DefaultMaxResponseBytes): a bigger or never-ending body fails with a
	// *ResponseTooLargeError instead of exhausting memory.
	MaxResponseBytes int64

	// Transport, when set, replaces the transport built from HTTP (tests).
	Transport http.RoundTripper
	// UserAgent sent with every request (default "vcf_exporter").
	UserAgent string
}

func (c *Config) setDefaults() {
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 4
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 4
	} else if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.RetryBaseDelay <= 0 {
		c.RetryBaseDelay = 500 * time.Millisecond
	}
	if c.RetryMaxDelay <= 0 {
		c.RetryMaxDelay = 30 * time.Second
	}
	if c.RetryMaxDelay < c.RetryBaseDelay {
		c.RetryMaxDelay = c.RetryBaseDelay
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = 2 * time.Minute
	}
	if c.RefreshMargin <= 0 || c.RefreshMargin >= 1 {
		c.RefreshMargin = 0.1
	}
	if c.DefaultTokenLifetime <= 0 {
		c.DefaultTokenLifetime = time.Hour
	}
	if c.TokenTimeout <= 0 {
		c.TokenTimeout = 30 * time.Second
	}
	if c.LoginBackoff <= 0 {
		c.LoginBackoff = 10 * time.Second
	}
	if c.LoginBackoffMax <= 0 {
		c.LoginBackoffMax = 5 * time.Minute
	}
	if c.LoginBackoffMax < c.LoginBackoff {
		c.LoginBackoffMax = c.LoginBackoff
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 5 * time.Minute
	}
	if c.MaxResponseBytes <= 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.UserAgent == "" {
		c.UserAgent = "vcf_exporter"
	}
}

// Client talks to one SDDC Manager. It is safe for concurrent use.
type Client struct {
	cfg     Config
	base    *url.URL
	http    *http.Client
	log     *slog.Logger
	sem     chan struct{}
	auth    *auth
	metrics *metrics
	// warned holds the keys of the one-time warnings already logged
	// (warnOnce).
	warned sync.Map
}

// New validates cfg and builds a Client. It does not contact the server: the
// first call logs in.
func New(cfg Config) (*Client, error) {
	cfg.setDefaults()
	if cfg.URL == "" {
		return nil, errors.New("vcfclient: URL is required")
	}
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil {
		return nil, fmt.Errorf("vcfclient: invalid URL: %w", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("vcfclient: URL scheme must be https or http, got %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("vcfclient: URL has no host")
	}
	if u.User != nil {
		return nil, errors.New("vcfclient: URL must not contain credentials; use username/password")
	}
	if cfg.Username == "" {
		return nil, errors.New("vcfclient: username is required")
	}
	if cfg.Password == "" {
		return nil, errors.New("vcfclient: password is required")
	}
	h := cfg.HTTP
	if h.BasicAuth != nil || h.Authorization != nil || h.OAuth2 != nil || h.BearerToken != "" || h.BearerTokenFile != "" {
		return nil, errors.New("vcfclient: HTTP client authentication settings are not supported; SDDC Manager uses username/password tokens")
	}
	if err := h.Validate(); err != nil {
		return nil, fmt.Errorf("vcfclient: invalid HTTP configuration: %w", err)
	}
	var hc *http.Client
	if cfg.Transport != nil {
		hc = &http.Client{Transport: cfg.Transport}
	} else {
		hc, err = config.NewClientFromConfig(h, "vcf_exporter", config.WithUserAgent(cfg.UserAgent))
		if err != nil {
			return nil, fmt.Errorf("vcfclient: building HTTP client: %w", err)
		}
	}
	// Redirects are refused: following one would resend the bearer token to
	// wherever the Location points.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	c := &Client{
		cfg:     cfg,
		base:    u,
		http:    hc,
		log:     cfg.Logger,
		sem:     make(chan struct{}, cfg.MaxInFlight),
		metrics: newMetrics(),
	}
	c.auth = newAuth(c)
	return c, nil
}

// Release is called when the client's owner lets go of it (a target
// removed or replaced on reload): the token renewal in progress, which runs
// detached from its callers, stops instead of retrying for up to
// TokenTimeout, and idle connections are closed. The client stays usable
// (an upgrade workflow may still hold it): a later call renews again.
func (c *Client) Release() {
	c.auth.abandon()
	c.http.CloseIdleConnections()
}

// URL returns the SDDC Manager base URL.
func (c *Client) URL() string { return c.base.String() }

// request describes one API call.
type request struct {
	method   string
	endpoint string // path template as in the OpenAPI file, for metrics and errors
	path     string // concrete path
	query    url.Values
	body     any  // marshalled to JSON when non-nil
	noAuth   bool // token endpoints
	// safeRetry marks a non-GET that may be retried like a GET because
	// repeating it is harmless (token creation).
	safeRetry bool
}

// newRequest builds a request whose path is the template with its {name}
// placeholders replaced, in order, by the escaped args.
func newRequest(method, endpoint string, args ...string) request {
	p := endpoint
	for _, a := range args {
		i := strings.IndexByte(p, '{')
		j := strings.IndexByte(p, '}')
		if i < 0 || j < i {
			break
		}
		p = p[:i] + url.PathEscape(a) + p[j+1:]
	}
	return request{method: method, endpoint: endpoint, path: p}
}

// decodeFunc consumes a successful response body. It must read the whole
// value; do() checks that nothing but whitespace follows.
type decodeFunc func(dec *json.Decoder) error

// decodeInto returns a decodeFunc decoding the body into v.
func decodeInto(v any) decodeFunc {
	return func(dec *json.Decoder) error { return dec.Decode(v) }
}

// do performs req: token, limiter, retries, error mapping, decoding. decode
// may be nil when the body is not needed.
func (c *Client) do(ctx context.Context, req request, decode decodeFunc) error {
	var body []byte
	if req.body != nil {
		var err error
		if body, err = json.Marshal(req.body); err != nil {
			return fmt.Errorf("vcfclient: %s %s: encoding request: %w", req.method, req.endpoint, err)
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.RequestTimeout)
		defer cancel()
	}
	idempotent := req.method == http.MethodGet || req.safeRetry
	retried401 := false
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		var token string
		if !req.noAuth {
			var err error
			if token, err = c.auth.token(ctx); err != nil {
				return err
			}
		}
		began := time.Now()
		res, err := c.attempt(ctx, req, body, token, !retried401, decode)
		logAttempt(ctx, req, attempt, res, time.Since(began), err)
		if err != nil && req.noAuth && ctx.Err() == nil {
			c.auth.noteAttempt(err)
		}
		switch {
		case err == nil:
			return nil
		case res.status == http.StatusUnauthorized && !req.noAuth && !retried401:
			token = res.token
			// A 401 means the server rejected the request before doing
			// anything, so even a POST can be sent again, once, with a new
			// token. invalidate only refreshes if nobody else already did.
			retried401 = true
			c.log.Debug("401 from SDDC Manager, refreshing token", "method", req.method, "endpoint", req.endpoint)
			if err := c.auth.invalidate(ctx, token); err != nil {
				return err
			}
			attempt-- // the 401 retry does not consume the retry budget
			continue
		case ctx.Err() != nil || !idempotent || !retryNow(err, res.status) || attempt >= c.cfg.MaxRetries:
			return err
		}
		delay := c.backoff(attempt, res.retryAfter)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			// Waiting would only end in a deadline error; return the real
			// cause now so the caller sees why.
			return fmt.Errorf("%w (no time left to retry before the deadline)", err)
		}
		c.log.Debug("retrying request", "method", req.method, "endpoint", req.endpoint, "attempt", attempt+1, "delay", delay, "err", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			// Only err is wrapped: it is the cause; the context merely ended
			// the retries, and wrapping it would make the failure look like
			// a cancellation to errors.Is.
			return fmt.Errorf("%w (gave up retrying: %v)", err, ctx.Err()) //nolint:errorlint // see above
		case <-t.C:
		}
	}
}

// result is what one attempt tells do() about retrying.
type result struct {
	token      string        // the access token actually sent
	status     int           // 0 on network error
	retryAfter time.Duration // from Retry-After, 0 if absent
}

// attempt sends one HTTP request, holding a limiter slot until the body has
// been consumed (a connection still streaming a body is still load on the
// server).
func (c *Client) attempt(ctx context.Context, req request, body []byte, token string, renewOn401 bool, decode decodeFunc) (result, error) {
	for {
		select {
		case c.sem <- struct{}{}:
		case <-ctx.Done():
			return result{}, ctx.Err()
		}
		// While a token renewal runs (typically after a 401), requests
		// that would carry the old token wait for it, without holding a
		// slot: the renewal needs one, and a queue of callers replaying a
		// token the server just rejected would only collect 401s.
		done := c.auth.renewing()
		if token == "" || done == nil {
			break
		}
		<-c.sem
		select {
		case <-done:
		case <-ctx.Done():
			return result{}, ctx.Err()
		}
		token = c.auth.newest(token)
	}
	defer func() { <-c.sem }()
	if token != "" {
		// Another caller may have renewed the token while this one
		// queued for a slot: send the newest.
		token = c.auth.newest(token)
	}
	res := result{token: token}

	u := *c.base
	// req.path has its ids escaped already (an id may contain '/'): set
	// RawPath so that the escaping is kept as is.
	u.RawPath = c.base.EscapedPath() + req.path
	var err error
	if u.Path, err = url.PathUnescape(u.RawPath); err != nil {
		return res, fmt.Errorf("vcfclient: %s %s: %w", req.method, req.endpoint, err)
	}
	if len(req.query) > 0 {
		u.RawQuery = req.query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u.String(), rd)
	if err != nil {
		return result{}, fmt.Errorf("vcfclient: %s %s: %w", req.method, req.endpoint, err)
	}
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", c.cfg.UserAgent)
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		hr.Header.Set("Authorization", "Bearer "+token)
	}

	start := time.Now()
	resp, err := c.http.Do(hr)
	if err != nil {
		c.metrics.observe(req.method, req.endpoint, "error", time.Since(start))
		if ctx.Err() != nil {
			return result{}, ctx.Err()
		}
		// url.Error repeats the full URL; keep the template instead, and
		// keep the cause for errors.Is/As.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return res, fmt.Errorf("vcfclient: %s %s: %w", req.method, req.endpoint, err)
	}
	defer func() {
		// Drain a little so the connection can be reused, then close.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		_ = resp.Body.Close()
	}()
	res.status = resp.StatusCode
	if resp.StatusCode == http.StatusUnauthorized && token != "" && renewOn401 {
		// Start the renewal while this caller still holds its slot: the
		// callers queued for the slot then wait for the new token instead
		// of replaying the one the server just rejected.
		c.auth.startRenewal(ctx, token, false)
	}

	if resp.StatusCode >= 300 {
		apiErr := c.apiError(req, resp)
		c.metrics.observe(req.method, req.endpoint, strconv.Itoa(resp.StatusCode), time.Since(start))
		res.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return res, apiErr
	}

	var derr error
	if decode != nil {
		// The decoder reads 512 bytes at a time; through a 64 KiB buffer a
		// 50 MB list costs ~800 reads of the socket instead of ~13,000
		// (net/http's own buffer is 4 KiB).
		dec := json.NewDecoder(bufio.NewReaderSize(newLimitedBody(resp.Body, c.cfg.MaxResponseBytes), 64<<10))
		if derr = decode(dec); derr == nil {
			derr = expectEOF(dec)
		}
	}
	// The duration covers the body: for big lists that is most of the time.
	c.metrics.observe(req.method, req.endpoint, strconv.Itoa(resp.StatusCode), time.Since(start))
	if derr != nil {
		if ctx.Err() != nil {
			return result{}, ctx.Err()
		}
		return res, &DecodeError{Method: req.method, Endpoint: req.endpoint, Err: derr}
	}
	return res, nil
}

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 1 << 20

// apiError turns a non-2xx response into an *APIError, with the API's Error
// body fields when the body is one.
func (c *Client) apiError(req request, resp *http.Response) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, Method: req.method, Endpoint: req.endpoint}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body ErrorDetail
	if len(b) > 0 && json.Unmarshal(b, &body) == nil {
		e.ErrorCode = body.ErrorCode
		e.ErrorType = body.ErrorType
		e.Message = body.Message
		e.RemediationMessage = body.RemediationMessage
		e.ReferenceToken = body.ReferenceToken
		e.Nested = body.NestedErrors
	}
	if e.Message == "" && e.ErrorCode == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}
