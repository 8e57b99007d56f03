package vcfclient

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/config"
)

// fakeSDDC is a small SDDC Manager stand-in for unit tests: real token
// semantics (JWT with exp/iat, refresh tokens, 401 on bad tokens) and
// pluggable handlers per "METHOD /path".
type fakeSDDC struct {
	t   *testing.T
	srv *httptest.Server

	user, pass string
	ttl        time.Duration

	mu       sync.Mutex
	access   map[string]time.Time // token -> expiry
	refresh  map[string]bool
	handlers map[string]http.HandlerFunc
	seq      int

	logins, refreshes, refreshFailures atomic.Int64
	counts                             sync.Map // "METHOD /path" -> *atomic.Int64
}

func newFake(t *testing.T) *fakeSDDC {
	f := &fakeSDDC{
		t: t, user: "admin@local", pass: "VMware1!VMware1!", ttl: time.Hour,
		access: map[string]time.Time{}, refresh: map[string]bool{}, handlers: map[string]http.HandlerFunc{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// jwt builds an unsigned JWT carrying exp and iat.
func jwt(iat, exp time.Time, nonce int) string {
	enc := base64.RawURLEncoding.EncodeToString
	h := enc([]byte(`{"alg":"none","typ":"JWT"}`))
	p := enc(fmt.Appendf(nil, `{"sub":"admin","iat":%d,"exp":%d,"jti":"%d"}`, iat.Unix(), exp.Unix(), nonce))
	return h + "." + p + ".sig"
}

func (f *fakeSDDC) newAccess() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	now := time.Now()
	// JWT times have second resolution; keep the real expiry in the map.
	tok := jwt(now, now.Add(f.ttl), f.seq)
	f.access[tok] = now.Add(f.ttl)
	return tok
}

func (f *fakeSDDC) count(key string) int64 {
	v, ok := f.counts.Load(key)
	if !ok {
		return 0
	}
	return v.(*atomic.Int64).Load()
}

func (f *fakeSDDC) handle(key string, h http.HandlerFunc) {
	f.mu.Lock()
	f.handlers[key] = h
	f.mu.Unlock()
}

// expireTokens makes every access token invalid server-side.
func (f *fakeSDDC) expireTokens() {
	f.mu.Lock()
	clear(f.access)
	f.mu.Unlock()
}

func (f *fakeSDDC) setPassword(p string) {
	f.mu.Lock()
	f.pass = p
	f.mu.Unlock()
}

func (f *fakeSDDC) revokeRefreshTokens() {
	f.mu.Lock()
	clear(f.refresh)
	f.mu.Unlock()
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func apiErr(w http.ResponseWriter, code int, ec, msg string) {
	writeJSON(w, code, map[string]any{"errorCode": ec, "message": msg, "remediationMessage": "fix it", "referenceToken": "REF1"})
}

func (f *fakeSDDC) serve(w http.ResponseWriter, r *http.Request) {
	key := r.Method + " " + r.URL.Path
	v, _ := f.counts.LoadOrStore(key, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)

	switch key {
	case "POST /v1/tokens":
		var spec struct{ Username, Password string }
		if err := json.NewDecoder(r.Body).Decode(&spec); err != nil {
			apiErr(w, 400, "BAD_REQUEST", "bad body")
			return
		}
		f.logins.Add(1)
		f.mu.Lock()
		good := spec.Username == f.user && spec.Password == f.pass
		f.mu.Unlock()
		if !good {
			apiErr(w, 401, "AUTHENTICATION_FAILED", "Invalid credentials")
			return
		}
		tok := f.newAccess()
		f.mu.Lock()
		rid := fmt.Sprintf("refresh-%d", f.seq)
		f.refresh[rid] = true
		f.mu.Unlock()
		writeJSON(w, 201, map[string]any{"accessToken": tok, "refreshToken": map[string]string{"id": rid}})
		return
	case "PATCH /v1/tokens/access-token/refresh":
		var rid string
		_ = json.NewDecoder(r.Body).Decode(&rid)
		f.mu.Lock()
		ok := f.refresh[rid]
		f.mu.Unlock()
		if !ok {
			f.refreshFailures.Add(1)
			apiErr(w, 404, "REFRESH_TOKEN_NOT_FOUND", "refresh token not found")
			return
		}
		f.refreshes.Add(1)
		writeJSON(w, 200, f.newAccess())
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	exp, ok := f.access[tok]
	h := f.handlers[key]
	f.mu.Unlock()
	if !ok || time.Now().After(exp) {
		apiErr(w, 401, "UNAUTHORIZED", "token expired")
		return
	}
	if h == nil {
		apiErr(w, 404, "NOT_FOUND", "no handler for "+key)
		return
	}
	h(w, r)
}

// client returns a Client for the fake with fast test timings.
func (f *fakeSDDC) client(t *testing.T, mod ...func(*Config)) *Client {
	cfg := Config{
		URL:            f.srv.URL,
		Username:       f.user,
		Password:       config.Secret(f.pass),
		RetryBaseDelay: time.Millisecond,
		RetryMaxDelay:  5 * time.Millisecond,
		LoginBackoff:   time.Hour,
		TokenTimeout:   5 * time.Second,
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// page wraps elements as a Page* body.
func page(elems ...any) map[string]any {
	if elems == nil {
		elems = []any{}
	}
	return map[string]any{"elements": elems, "pageMetadata": map[string]int{"pageNumber": 0, "pageSize": len(elems), "totalElements": len(elems), "totalPages": 1}}
}

func staticJSON(v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, v) }
}
