package vcfclient

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewValidatesConfig(t *testing.T) {
	ok := Config{URL: "https://sddc.example.com", Username: "u", Password: "p"}
	_, err := New(ok)
	require.NoError(t, err)

	for name, mod := range map[string]func(*Config){
		"no url":      func(c *Config) { c.URL = "" },
		"bad scheme":  func(c *Config) { c.URL = "ftp://x" },
		"no host":     func(c *Config) { c.URL = "https://" },
		"user in url": func(c *Config) { c.URL = "https://a:b@x" },
		"no user":     func(c *Config) { c.Username = "" },
		"no password": func(c *Config) { c.Password = "" },
		"basic auth": func(c *Config) {
			c.HTTP.BasicAuth = &config.BasicAuth{Username: "x"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := ok
			mod(&cfg)
			_, err := New(cfg)
			require.Error(t, err)
		})
	}
}

func TestAPIErrorIsTyped(t *testing.T) {
	f := newFake(t)
	c := f.client(t)
	_, err := c.Host(context.Background(), "5e2c-host-id")
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 404, ae.StatusCode)
	assert.Equal(t, "GET", ae.Method)
	assert.Equal(t, "/v1/hosts/{id}", ae.Endpoint, "endpoint is the template, never the raw id")
	assert.Equal(t, "NOT_FOUND", ae.ErrorCode)
	assert.Equal(t, "fix it", ae.RemediationMessage)
	assert.Equal(t, "REF1", ae.ReferenceToken)
	assert.True(t, IsNotFound(err))
	assert.Equal(t, int64(1), f.count("GET /v1/hosts/5e2c-host-id"), "404 is not retried")
}

func TestGetRetriesTransientStatuses(t *testing.T) {
	for _, code := range []int{429, 502, 503, 504} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			f := newFake(t)
			var n atomic.Int64
			f.handle("GET /v1/domains", func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) <= 3 {
					w.Header().Set("Retry-After", "0")
					apiErr(w, code, "BUSY", "busy")
					return
				}
				writeJSON(w, 200, page(map[string]any{"id": "d1", "name": "mgmt"}))
			})
			c := f.client(t)
			ds, err := c.Domains(context.Background())
			require.NoError(t, err)
			require.Len(t, ds, 1)
			assert.Equal(t, int64(4), n.Load())
			assert.Equal(t, 3.0, metricValue(t, c, "vcf_api_requests_total", "endpoint", "/v1/domains", "method", "GET", "code", itoa(code)))
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestGetGivesUpAfterMaxRetries(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/domains", func(w http.ResponseWriter, r *http.Request) { apiErr(w, 503, "DOWN", "down") })
	c := f.client(t, func(c *Config) { c.MaxRetries = 2 })
	_, err := c.Domains(context.Background())
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 503, ae.StatusCode)
	assert.Equal(t, int64(3), f.count("GET /v1/domains"))
}

func TestPostAndPatchAreNotRetried(t *testing.T) {
	f := newFake(t)
	f.handle("POST /v1/upgrades", func(w http.ResponseWriter, r *http.Request) { apiErr(w, 503, "DOWN", "down") })
	f.handle("PATCH /v1/bundles/b1", func(w http.ResponseWriter, r *http.Request) { apiErr(w, 502, "DOWN", "down") })
	c := f.client(t)
	_, err := c.StartUpgrade(context.Background(), UpgradeSpec{BundleID: "b1", ResourceType: "DOMAIN", ResourceUpgradeSpecs: []ResourceUpgradeSpec{{ResourceID: "d1", UpgradeNow: true}}})
	require.Error(t, err)
	_, err = c.DownloadBundle(context.Background(), "b1")
	require.Error(t, err)
	assert.Equal(t, int64(1), f.count("POST /v1/upgrades"))
	assert.Equal(t, int64(1), f.count("PATCH /v1/bundles/b1"))
}

func TestPostRetriedOnceAfter401(t *testing.T) {
	f := newFake(t)
	var body []string
	var mu sync.Mutex
	f.handle("POST /v1/upgrades", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		body = append(body, string(b))
		mu.Unlock()
		writeJSON(w, 202, map[string]any{"id": "task-1", "name": "upgrade", "status": "IN_PROGRESS", "creationTimestamp": "now"})
	})
	c := f.client(t)
	require.NoError(t, c.RefreshToken(context.Background()))
	f.expireTokens() // the client's token is now rejected
	task, err := c.StartUpgrade(context.Background(), UpgradeSpec{BundleID: "b1", ResourceType: "DOMAIN", ResourceUpgradeSpecs: []ResourceUpgradeSpec{{ResourceID: "d1", UpgradeNow: true}}})
	require.NoError(t, err)
	assert.Equal(t, "task-1", task.ID)
	assert.Equal(t, int64(2), f.count("POST /v1/upgrades"), "one 401, one retry")
	require.Len(t, body, 1, "the rejected request never reached the handler")
	assert.JSONEq(t, `{"bundleId":"b1","resourceType":"DOMAIN","resourceUpgradeSpecs":[{"resourceId":"d1","upgradeNow":true}]}`, body[0])
}

func TestPersistent401IsNotLooped(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/domains", func(w http.ResponseWriter, r *http.Request) { apiErr(w, 401, "NOPE", "no") })
	c := f.client(t)
	_, err := c.Domains(context.Background())
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 401, ae.StatusCode)
	assert.Equal(t, int64(2), f.count("GET /v1/domains"))
}

func TestOutageFailsWithinDeadline(t *testing.T) {
	// A listener that is closed: connection refused on every attempt.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := New(Config{URL: url, Username: "u", Password: "p", MaxRetries: 1000, RetryBaseDelay: 5 * time.Millisecond, RetryMaxDelay: 20 * time.Millisecond})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Domains(ctx)
	require.Error(t, err)
	// Ignoring the deadline, 1000 retries would take 20 s; the bound leaves
	// a loaded machine room.
	assert.Less(t, time.Since(start), 10*time.Second, "must not outlive the deadline by much")
}

func TestRetryStopsWhenDeadlineTooClose(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/domains", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		apiErr(w, 503, "DOWN", "maintenance")
	})
	c := f.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	_, err := c.Domains(ctx)
	var ae *APIError
	require.ErrorAs(t, err, &ae, "the real cause is returned, not a bare deadline error")
	assert.Equal(t, 503, ae.StatusCode)
	assert.Less(t, time.Since(start), 30*time.Second, "returned at once, not at the deadline")
}

func TestMaxInFlight(t *testing.T) {
	f := newFake(t)
	var cur, peak atomic.Int64
	handler := func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(15 * time.Millisecond)
		cur.Add(-1)
		writeJSON(w, 200, map[string]any{"id": "h"})
	}
	for i := 0; i < 24; i++ {
		f.handle("GET /v1/hosts/h"+itoa(i), handler)
	}
	c := f.client(t, func(c *Config) { c.MaxInFlight = 3 })
	var wg sync.WaitGroup
	for i := 0; i < 24; i++ {
		wg.Go(func() {
			_, err := c.Host(context.Background(), "h"+itoa(i))
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, peak.Load(), int64(3))
	assert.GreaterOrEqual(t, peak.Load(), int64(2), "the test must actually overlap requests")
}

func TestMetricsUseTemplates(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/hosts/abc-123", staticJSON(map[string]any{"id": "abc-123"}))
	c := f.client(t)
	assert.Zero(t, testutil.CollectAndCount(c, "vcf_token_expiry_timestamp_seconds"), "absent before the first login")
	_, err := c.Host(context.Background(), "abc-123")
	require.NoError(t, err)
	assert.Equal(t, 1.0, metricValue(t, c, "vcf_api_requests_total", "endpoint", "/v1/hosts/{id}", "method", "GET", "code", "200"))
	assert.Equal(t, 1.0, metricValue(t, c, "vcf_api_request_duration_seconds", "endpoint", "/v1/hosts/{id}"))
	assert.Equal(t, 1.0, metricValue(t, c, "vcf_api_requests_total", "endpoint", "/v1/tokens", "method", "POST", "code", "201"))
	assert.Equal(t, 1.0, metricValue(t, c, "vcf_api_token_refreshes_total", "kind", "login", "result", "success"))
	assert.Equal(t, 0.0, metricValue(t, c, "vcf_api_token_refreshes_total", "kind", "refresh", "result", "failure"))
	assert.InDelta(t, float64(time.Now().Add(time.Hour).Unix()), metricValue(t, c, "vcf_token_expiry_timestamp_seconds"), 5)
	assert.InDelta(t, float64(time.Now().Add(time.Hour).Unix()), float64(c.TokenExpiry().Unix()), 5)
	for _, v := range labelValues(t, c) {
		assert.NotContains(t, v, "abc-123", "raw ids never become label values")
	}
}

func TestTLSVerifiedByDefault(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/tokens" {
			writeJSON(w, 201, map[string]any{"accessToken": jwt(time.Now(), time.Now().Add(time.Hour), 1), "refreshToken": map[string]string{"id": "r"}})
			return
		}
		writeJSON(w, 200, page())
	}))
	defer srv.Close()

	c, err := New(Config{URL: srv.URL, Username: "u", Password: "p", MaxRetries: -1})
	require.NoError(t, err)
	_, err = c.Domains(context.Background())
	var ue x509.UnknownAuthorityError
	require.ErrorAs(t, err, &ue, "self-signed certificate must be rejected by default")

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	c, err = New(Config{URL: srv.URL, Username: "u", Password: "p", HTTP: config.HTTPClientConfig{TLSConfig: config.TLSConfig{CAFile: caFile}}})
	require.NoError(t, err)
	_, err = c.Domains(context.Background())
	require.NoError(t, err, "trusted through ca_file")

	c, err = New(Config{URL: srv.URL, Username: "u", Password: "p", HTTP: config.HTTPClientConfig{TLSConfig: config.TLSConfig{InsecureSkipVerify: true}}})
	require.NoError(t, err)
	_, err = c.Domains(context.Background())
	require.NoError(t, err, "insecure_skip_verify when explicitly set")
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Store(true)
		}
	}))
	defer other.Close()
	f := newFake(t)
	f.handle("GET /v1/domains", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, other.URL, http.StatusFound) })
	c := f.client(t)
	_, err := c.Domains(context.Background())
	require.Error(t, err)
	assert.False(t, leaked.Load(), "bearer token must not follow a redirect")
}

func TestContextCancelStopsWaitingForSlot(t *testing.T) {
	f := newFake(t)
	release := make(chan struct{})
	f.handle("GET /v1/domains", func(w http.ResponseWriter, r *http.Request) {
		<-release
		writeJSON(w, 200, page())
	})
	c := f.client(t, func(c *Config) { c.MaxInFlight = 1 })
	require.NoError(t, c.RefreshToken(context.Background()))
	done := make(chan error, 1)
	go func() { _, err := c.Domains(context.Background()); done <- err }()
	require.Eventually(t, func() bool { return f.count("GET /v1/domains") == 1 }, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Domains(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	close(release)
	require.NoError(t, <-done)
	assert.Equal(t, int64(1), f.count("GET /v1/domains"), "the cancelled call never reached the server")
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, 7*time.Second, parseRetryAfter("7", now))
	assert.Equal(t, time.Duration(0), parseRetryAfter("", now))
	assert.Equal(t, time.Duration(0), parseRetryAfter("-3", now))
	assert.Equal(t, time.Duration(0), parseRetryAfter("soon", now))
	assert.Equal(t, 30*time.Second, parseRetryAfter(now.Add(30*time.Second).Format(http.TimeFormat), now))
	assert.Equal(t, time.Duration(0), parseRetryAfter(now.Add(-time.Hour).Format(http.TimeFormat), now))
	assert.Equal(t, 24*time.Hour, parseRetryAfter("999999999999", now))
}

func TestBackoff(t *testing.T) {
	c := &Client{cfg: Config{RetryBaseDelay: 100 * time.Millisecond, RetryMaxDelay: time.Second, MaxRetryAfter: 5 * time.Second}}
	for attempt := 0; attempt < 10; attempt++ {
		for i := 0; i < 50; i++ {
			d := c.backoff(attempt, 0)
			assert.GreaterOrEqual(t, d, 50*time.Millisecond)
			assert.LessOrEqual(t, d, time.Second)
		}
	}
	assert.Equal(t, 3*time.Second, c.backoff(0, 3*time.Second), "Retry-After wins")
	assert.Equal(t, 5*time.Second, c.backoff(0, time.Hour), "Retry-After is capped")
}

func TestTrailingGarbageIsDecodeError(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/domains/d1", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"id":"d1"} {"id":"d2"}`))
	})
	c := f.client(t)
	_, err := c.Domain(context.Background(), "d1")
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "/v1/domains/{id}", de.Endpoint)
}

func TestEmptyIDRejected(t *testing.T) {
	c, err := New(Config{URL: "https://x", Username: "u", Password: "p"})
	require.NoError(t, err)
	_, err = c.Host(context.Background(), "")
	require.Error(t, err)
	_, err = c.Upgradables(context.Background(), "", "5.2.1.0")
	require.Error(t, err)
	_, err = c.StartUpgrade(context.Background(), UpgradeSpec{})
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrUnauthorized)
}

func TestProxyFromHTTPConfig(t *testing.T) {
	f := newFake(t)
	domainsHandler(f)
	var proxied atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A forward proxy receives absolute URIs.
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		proxied.Add(1)
		out := r.Clone(r.Context())
		out.RequestURI = ""
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	defer proxy.Close()
	pu, err := url.Parse(proxy.URL)
	require.NoError(t, err)
	c := f.client(t, func(c *Config) {
		c.HTTP = config.HTTPClientConfig{ProxyConfig: config.ProxyConfig{ProxyURL: config.URL{URL: pu}}}
	})
	_, err = c.Domains(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(2), proxied.Load(), "login and list both went through the proxy")
}
