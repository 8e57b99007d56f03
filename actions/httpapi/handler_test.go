package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

func serve(h http.Handler, method, path, remote string, hdr map[string]string, body string) *httptest.ResponseRecorder {
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if remote != "" {
		req.RemoteAddr = remote
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func jsonError(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var m map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m), "not a JSON error: %q", rec.Body)
	assert.NotEmpty(t, m["error"], "not a JSON error: %q", rec.Body)
	return m["error"]
}

func TestDisabledWithoutToken(t *testing.T) {
	eng := offlineEngine(t, "sim")
	for name, h := range map[string]*Handler{
		"no tokens":   NewHandler(eng, nil, HandlerOptions{}),
		"empty token": NewHandler(eng, []Token{{Name: "x", Value: ""}}, HandlerOptions{}),
		"no engine":   NewHandler(nil, []Token{{Name: "x", Value: testToken}}, HandlerOptions{}),
		"tokens removed": func() *Handler {
			h := NewHandler(eng, []Token{{Name: "x", Value: testToken}}, HandlerOptions{})
			h.SetTokens(nil)
			return h
		}(),
	} {
		assert.False(t, h.Enabled(), name)
		for _, p := range []string{"/actions/", "/actions/v1/upgrade-check", "/actions/v1/domains/d/upgrade"} {
			for _, m := range []string{"GET", "POST"} {
				rec := serve(h, m, p, "", authHdr, "")
				assert.Equal(t, 404, rec.Code, "=")
				jsonError(t, rec)
			}
		}
	}
}

func TestAuthentication(t *testing.T) {
	eng := offlineEngine(t, "sim")
	h := NewHandler(eng, []Token{{Name: "a", Value: "other-token"}, {Name: "ha", Value: testToken}}, HandlerOptions{MaxAuthFailures: 1000})
	for name, hdr := range map[string]map[string]string{
		"no header":    {},
		"wrong token":  {"Authorization": "Bearer nope"},
		"prefix":       {"Authorization": "Bearer " + testToken[:10]},
		"longer":       {"Authorization": "Bearer " + testToken + "x"},
		"basic scheme": {"Authorization": "Basic " + testToken},
		"bare token":   {"Authorization": testToken},
		"empty bearer": {"Authorization": "Bearer "},
	} {
		rec := serve(h, "POST", "/actions/v1/upgrade-check", "", hdr, "")
		assert.Equal(t, 401, rec.Code, name)
		assert.True(t, strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer"), "%s: WWW-Authenticate", name)
		jsonError(t, rec)
	}
	// Unknown paths and wrong methods need authentication too.
	assert.Equal(t, 401, serve(h, "DELETE", "/actions/v1/nothing", "", nil, "").Code, "unauthenticated unknown path")
	// Both tokens work; case-insensitive scheme.
	for _, tok := range []string{"bearer other-token", "Bearer " + testToken} {
		rec := serve(h, "GET", "/actions/v1/nothing", "", map[string]string{"Authorization": tok}, "")
		assert.Equal(t, 404, rec.Code, tok)
	}
}

func TestAuthFailureRateLimit(t *testing.T) {
	eng := offlineEngine(t, "sim")
	clk := testutil.NewClock(time.Unix(1e9, 0))
	h := NewHandler(eng, []Token{{Name: "ha", Value: testToken}}, HandlerOptions{MaxAuthFailures: 3, AuthFailureWindow: time.Minute, Now: clk.Now})
	bad := map[string]string{"Authorization": "Bearer wrong"}
	for i := range 3 {
		require.Equal(t, 401, serve(h, "GET", "/actions/v1/x", "192.0.2.1:1234", bad, "").Code, "attempt %d", i)
	}
	// Wrong tokens from that address are slowed down now...
	rec := serve(h, "GET", "/actions/v1/x", "192.0.2.1:999", bad, "")
	assert.Equal(t, 429, rec.Code, "after 3 failures")
	assert.NotEmpty(t, rec.Header().Get("Retry-After"))
	jsonError(t, rec)
	// ...but the right token always works, from there and elsewhere.
	assert.Equal(t, 404, serve(h, "GET", "/actions/v1/x", "192.0.2.1:999", authHdr, "").Code, "right token after 3 failures")
	assert.Equal(t, 404, serve(h, "GET", "/actions/v1/x", "192.0.2.2:1", authHdr, "").Code, "other address")
	assert.Equal(t, 401, serve(h, "GET", "/actions/v1/x", "192.0.2.2:1", bad, "").Code, "wrong token from another address")
	clk.Add(61 * time.Second)
	assert.Equal(t, 401, serve(h, "GET", "/actions/v1/x", "192.0.2.1:1", bad, "").Code, "wrong token after the window")
}

func TestRequestChecks(t *testing.T) {
	eng := offlineEngine(t, "sim")
	h := NewHandler(eng, []Token{{Name: "ha", Value: testToken}}, HandlerOptions{MaxBodyBytes: 1024})
	p := "/actions/v1/domains/d1/upgrade"
	cases := []struct {
		name, method, path, ct, body string
		want                         int
	}{
		{"body too large", "POST", p, "application/json", `{"target_version":"` + strings.Repeat("1", 2000) + `"}`, 413},
		{"malformed", "POST", p, "application/json", `{"target_version":`, 400},
		{"unknown field", "POST", p, "application/json", `{"target_version":"5.2.1.0","force":true}`, 400},
		{"wrong type", "POST", p, "application/json", `{"dry_run":"yes"}`, 400},
		{"trailing data", "POST", p, "application/json", `{} {}`, 400},
		{"array", "POST", p, "application/json", `[]`, 400},
		{"duplicate key", "POST", p, "application/json", `{"dry_run":true,"dry_run":false}`, 400},
		{"duplicate key, other spelling", "POST", p, "application/json", `{"dry_run":true,"Dry_Run":false}`, 400},
		{"key case", "POST", p, "application/json", `{"DRY_RUN":true}`, 400},
		{"escaped key", "POST", p, "application/json", `{"dry\u005frun":true,"dry_run":false}`, 400},
		{"null", "POST", p, "application/json", `null`, 400},
		{"string", "POST", p, "application/json", `"x"`, 400},
		{"number", "POST", p, "application/json", `1`, 400},
		{"null on cancel", "POST", p + "/cancel", "application/json", `null`, 400},
		{"text/plain", "POST", p, "text/plain", `{}`, 415},
		{"no content type", "POST", p, "", `{}`, 415},
		{"body on acknowledge", "POST", p + "/acknowledge", "application/json", `{"x":1}`, 400},
		{"DELETE upgrade", "DELETE", p, "application/json", "", 405},
		{"GET acknowledge", "GET", p + "/acknowledge", "", "", 405},
		{"GET upgrade-check", "GET", "/actions/v1/upgrade-check", "", "", 405},
		{"unknown path", "GET", "/actions/v2/x", "", "", 404},
	}
	for _, c := range cases {
		hdr := map[string]string{"Authorization": "Bearer " + testToken}
		if c.ct != "" {
			hdr["Content-Type"] = c.ct
		}
		rec := serve(h, c.method, c.path, "", hdr, c.body)
		assert.Equal(t, c.want, rec.Code, "%s: %s", c.name, rec.Body)
		jsonError(t, rec)
		if c.want == 405 {
			assert.NotEmpty(t, rec.Header().Get("Allow"), "%s: Allow header", c.name)
		}
	}
	// Charset parameter is fine (the request then fails upstream, not with 415).
	rec := serve(h, "POST", p, "", map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/json; charset=utf-8"}, `{}`)
	assert.NotContains(t, []int{400, 415}, rec.Code, "charset: %s", rec.Body)
}

func TestTargetSelection(t *testing.T) {
	eng := offlineEngine(t, "a", "b")
	h := NewHandler(eng, []Token{{Name: "ha", Value: testToken}}, HandlerOptions{})
	rec := serve(h, "POST", "/actions/v1/upgrade-check", "", authHdr, "")
	assert.Equal(t, 400, rec.Code, "missing target")
	assert.Contains(t, jsonError(t, rec), "?target=")
	assert.Equal(t, 404, serve(h, "POST", "/actions/v1/upgrade-check?target=zzz", "", authHdr, "").Code, "unknown target")
	assert.Equal(t, 200, serve(h, "POST", "/actions/v1/upgrade-check?target=b", "", authHdr, "").Code, "target b")
}

func TestAuditLog(t *testing.T) {
	eng, domain := simEngine(t)
	audit := &testutil.Buffer{}
	h := NewHandler(eng, []Token{{Name: "tests", Value: testToken}}, HandlerOptions{Logger: slog.New(slog.NewTextHandler(audit, nil))})
	const client = "127.0.0.1:4711"
	upgrade := "/actions/v1/domains/" + domain + "/upgrade"
	serve(h, "POST", "/actions/v1/upgrade-check", client, authHdr, "")
	serve(h, "POST", "/actions/v1/token/refresh", client, authHdr, "")
	serve(h, "POST", upgrade, client, map[string]string{"Authorization": "Bearer not-the-token"}, "")
	serve(h, "POST", upgrade, client, authHdr, `{"dry_run": true}`)
	log := audit.String()
	require.NotContains(t, log, testToken, "a token leaked into the audit log")
	require.NotContains(t, log, "not-the-token", "a token leaked into the audit log")
	for _, want := range []string{
		`token=tests client=127.0.0.1 action=upgrade_check`,
		`action=token_refresh`,
		`status=401`,
		`action=upgrade_start detail="domain=` + domain,
		`dry_run=true" status=200`,
	} {
		assert.Contains(t, log, want)
	}
	assert.Equal(t, 4, strings.Count(log, "actions audit"), "audit lines")
}

func TestLoadTokens(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	f, f2 := write("token", testToken+"\n"), write("ha", "ha-token-0123456789abcdef0123456789\n")
	toks, err := LoadTokens(f, config.ActionsConfig{Tokens: []config.ActionsToken{
		{Name: "inline", Token: "inline-token-0123456789abcdef0123456789"}, {Name: "ha", TokenFile: f2},
	}})
	require.NoError(t, err)
	assert.Equal(t, []Token{{"token-file", testToken}, {"inline", "inline-token-0123456789abcdef0123456789"}, {"ha", "ha-token-0123456789abcdef0123456789"}}, toks)
	_, err = LoadTokens(write("empty", "\n"), config.ActionsConfig{})
	require.Error(t, err, "empty token file accepted")
	_, err = LoadTokens(filepath.Join(dir, "missing"), config.ActionsConfig{})
	require.Error(t, err, "missing token file accepted")
	toks, err = LoadTokens("", config.ActionsConfig{})
	require.NoError(t, err)
	assert.Empty(t, toks)
}

// A reload reaches the handler's tokens at the next authentication,
// without the lock of the authentication-failure table.
func TestConfigReloadReplacesTokens(t *testing.T) {
	h := NewHandler(offlineEngine(t), []Token{{Name: "old", Value: "old-token-0123456789abcdef0123456789"}}, HandlerOptions{MaxAuthFailures: 1000})
	get := func(tok string) int {
		return serve(h, "GET", "/actions/v1/x", "", map[string]string{"Authorization": "Bearer " + tok}, "").Code
	}
	require.Equal(t, 404, get("old-token-0123456789abcdef0123456789"))
	require.Equal(t, 401, get("new-token-0123456789abcdef0123456789"))
	// The failure table's lock is held: neither the reload nor
	// authentication needs it.
	h.mu.Lock()
	require.NoError(t, h.Apply(&config.Config{Actions: config.ActionsConfig{Tokens: []config.ActionsToken{{Name: "new", Token: "new-token-0123456789abcdef0123456789"}}}}))
	assert.Equal(t, 404, get("new-token-0123456789abcdef0123456789"))
	h.mu.Unlock()
	assert.Equal(t, 401, get("old-token-0123456789abcdef0123456789"))
	// A reload whose token file is missing keeps the tokens in force.
	require.NoError(t, h.Apply(&config.Config{Actions: config.ActionsConfig{Tokens: []config.ActionsToken{{Name: "f", TokenFile: "/nonexistent/token"}}}}))
	assert.Equal(t, 404, get("new-token-0123456789abcdef0123456789"))
}

// The audit log is bounded by what the exporter writes, not by what a
// client sends: paths and details are truncated, also for 401 and 429.
func TestAuditLogTruncatesClientInput(t *testing.T) {
	eng := offlineEngine(t, "sim")
	var buf testutil.Buffer
	h := NewHandler(eng, []Token{{Name: "ha", Value: testToken}}, HandlerOptions{
		MaxAuthFailures: 3, Logger: slog.New(slog.NewTextHandler(&buf, nil)),
	})
	long := "/actions/" + strings.Repeat("a", 100<<10)
	codes := map[int]int{}
	for range 30 {
		codes[serve(h, "GET", long, "192.0.2.9:1", map[string]string{"Authorization": "Bearer wrong"}, "").Code]++
	}
	require.Equal(t, map[int]int{401: 3, 429: 27}, codes)
	lines := strings.Count(buf.String(), "actions audit")
	require.Equal(t, 30, lines)
	assert.Less(t, len(buf.String()), 30*600, "audit log of 30 requests with 100 KiB paths")
	assert.Contains(t, buf.String(), "bytes)")
}

// Read-only calls (a Home Assistant sensor polling the status) are audited
// at debug level; changes and failed authentications at info.
func TestAuditLogLevels(t *testing.T) {
	eng := offlineEngine(t, "sim")
	var buf testutil.Buffer
	h := NewHandler(eng, []Token{{Name: "ha", Value: testToken}}, HandlerOptions{
		Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	serve(h, "GET", "/actions/v1/domains/d1/upgrade", "", authHdr, "")
	serve(h, "POST", "/actions/v1/upgrade-check", "", authHdr, "")
	serve(h, "GET", "/actions/v1/domains/d1/upgrade", "", map[string]string{"Authorization": "Bearer wrong"}, "")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 3)
	assert.Contains(t, lines[0], "level=DEBUG")
	assert.Contains(t, lines[0], "action=upgrade_status")
	assert.Contains(t, lines[1], "level=INFO")
	assert.Contains(t, lines[2], "level=INFO")
	assert.Contains(t, lines[2], "status=401")
}
