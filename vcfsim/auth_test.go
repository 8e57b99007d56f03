package vcfsim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

// newFakeClock is a settable real-time source.
func newFakeClock() *testutil.Clock {
	return testutil.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
}

func tokenPair(t *testing.T, c *tclient) (access, refresh string) {
	t.Helper()
	st, b := c.do("POST", "/v1/tokens", map[string]string{"username": "admin@local", "password": "VMware1!VMware1!"})
	if st != http.StatusCreated {
		t.Fatalf("login: %d %s", st, b)
	}
	var tp struct {
		AccessToken  string              `json:"accessToken"`
		RefreshToken struct{ ID string } `json:"refreshToken"`
	}
	mustJSON(t, b, &tp)
	return tp.AccessToken, tp.RefreshToken.ID
}

func TestTokenIsJWTWithExp(t *testing.T) {
	clk := newFakeClock()
	cfg := DefaultConfig()
	cfg.Now, cfg.TokenTTL = clk.Now, 30*time.Minute
	c := startServer(t, cfg)
	access, _ := tokenPair(t, c)
	parts := strings.Split(access, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not header.payload.signature", access)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("payload not base64url: %v", err)
	}
	var claims struct {
		Sub      string `json:"sub"`
		Iat, Exp int64
	}
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Sub != "admin@local" || claims.Iat != clk.Now().Unix() || claims.Exp != clk.Now().Add(30*time.Minute).Unix() {
		t.Fatalf("claims %+v", claims)
	}
}

func TestAuthRequired(t *testing.T) {
	c := startServer(t, DefaultConfig())
	for _, tok := range []string{"", "garbage", "a.b.c"} {
		c.token = tok
		if st, b := c.do("GET", "/v1/domains", nil); st != http.StatusUnauthorized || !strings.Contains(string(b), `"errorCode"`) {
			t.Errorf("token %q: %d %s, want 401 Error", tok, st, b)
		}
	}
	cases := []struct {
		body any
		want int
	}{
		{map[string]string{"username": "admin@local", "password": "wrong"}, http.StatusUnauthorized},
		{map[string]string{"username": "admin@local"}, http.StatusBadRequest},
		{`{"username":`, http.StatusBadRequest},
		{nil, http.StatusBadRequest},
	}
	for _, tc := range cases {
		if st, b := c.do("POST", "/v1/tokens", tc.body); st != tc.want {
			t.Errorf("login with %v: %d %s, want %d", tc.body, st, b, tc.want)
		}
	}
	c.login()
	if st, _ := c.do("GET", "/v1/domains", nil); st != http.StatusOK {
		t.Fatalf("with token: %d", st)
	}
}

func TestTokenTTLExpiry(t *testing.T) {
	clk := newFakeClock()
	cfg := DefaultConfig()
	cfg.Now, cfg.TokenTTL = clk.Now, time.Hour
	cfg.TimeScale = 3600 // TTL must stay real time regardless
	c := startServer(t, cfg).login()
	clk.Add(59 * time.Minute)
	if st, _ := c.do("GET", "/v1/domains", nil); st != http.StatusOK {
		t.Fatalf("before expiry: %d", st)
	}
	clk.Add(time.Minute)
	if st, _ := c.do("GET", "/v1/domains", nil); st != http.StatusUnauthorized {
		t.Fatalf("after expiry: %d, want 401", st)
	}
}

func TestExpireRefreshRevoke(t *testing.T) {
	c := startServer(t, DefaultConfig())
	access, refresh := tokenPair(t, c)
	c.token = access
	if st, _ := c.do("GET", "/v1/hosts", nil); st != http.StatusOK {
		t.Fatal(st)
	}
	if st, _ := c.do("POST", "/sim/tokens/expire", nil); st != http.StatusNoContent {
		t.Fatal(st)
	}
	if st, _ := c.do("GET", "/v1/hosts", nil); st != http.StatusUnauthorized {
		t.Fatalf("expired token: %d, want 401", st)
	}
	// Refresh works without a valid access token.
	st, b := c.do("PATCH", "/v1/tokens/access-token/refresh", `"`+refresh+`"`)
	if st != http.StatusOK {
		t.Fatalf("refresh: %d %s", st, b)
	}
	var fresh string
	mustJSON(t, b, &fresh)
	c.token = fresh
	if st, _ := c.do("GET", "/v1/hosts", nil); st != http.StatusOK {
		t.Fatalf("refreshed token: %d", st)
	}
	for body, want := range map[string]int{`"nope"`: 404, `42`: 400, ``: 400} {
		if st, _ := c.do("PATCH", "/v1/tokens/access-token/refresh", body); st != want {
			t.Errorf("refresh with %q: %d, want %d", body, st, want)
		}
	}
	c.srv.Sim.RevokeRefreshTokens()
	if st, _ := c.do("PATCH", "/v1/tokens/access-token/refresh", `"`+refresh+`"`); st != http.StatusNotFound {
		t.Fatalf("revoked refresh: %d, want 404", st)
	}
	if st, _ := c.do("GET", "/v1/hosts", nil); st != http.StatusOK {
		t.Fatalf("revoking refresh tokens must not end access tokens: %d", st)
	}
	// A fresh login gives a usable refresh token again, and DELETE ends it.
	_, refresh = tokenPair(t, c)
	if st, _ := c.do("DELETE", "/v1/tokens/refresh-token", `"`+refresh+`"`); st != http.StatusNoContent {
		t.Fatalf("delete refresh token: %d", st)
	}
	if st, _ := c.do("PATCH", "/v1/tokens/access-token/refresh", `"`+refresh+`"`); st != http.StatusNotFound {
		t.Fatalf("deleted refresh token: %d, want 404", st)
	}
}

func TestCustomCredentials(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Username, cfg.Password = "ops@vsphere.local", "s3cret"
	c := startServer(t, cfg)
	if st, _ := c.do("POST", "/v1/tokens", map[string]string{"username": "admin@local", "password": "VMware1!VMware1!"}); st != http.StatusUnauthorized {
		t.Fatalf("default credentials accepted: %d", st)
	}
	if st, _ := c.do("POST", "/v1/tokens", map[string]string{"username": "ops@vsphere.local", "password": "s3cret"}); st != http.StatusCreated {
		t.Fatalf("configured credentials refused: %d", st)
	}
}
