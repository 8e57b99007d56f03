package vcfsim

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

type accessToken struct {
	exp time.Time // real time
	gen int       // ExpireTokens generation it was issued in
}

// tokenStore holds issued tokens. Access tokens are JWT-shaped so clients
// can read exp, but the simulator trusts only its own records.
type tokenStore struct {
	key        []byte
	access     map[string]accessToken
	refresh    map[string]int // refresh token id -> RevokeRefreshTokens generation
	accessGen  int
	refreshGen int
}

func newTokenStore() tokenStore {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails on supported platforms
	return tokenStore{key: key, access: map[string]accessToken{}, refresh: map[string]int{}}
}

// ExpireTokens makes every access token issued so far invalid (401), as if
// their lifetime had passed.
func (s *Simulator) ExpireTokens() {
	s.tmu.Lock()
	s.tokens.accessGen++
	s.tokens.access = map[string]accessToken{}
	s.tmu.Unlock()
}

// RevokeRefreshTokens makes every refresh token issued so far unusable, so
// clients must log in again.
func (s *Simulator) RevokeRefreshTokens() {
	s.tmu.Lock()
	s.tokens.refreshGen++
	s.tokens.refresh = map[string]int{}
	s.tmu.Unlock()
}

// issueAccess returns a new signed access token. Callers hold s.tmu.
func (s *Simulator) issueAccess(now time.Time) string {
	ts := &s.tokens
	if len(ts.access) > 10000 { // drop expired ones so long runs stay small
		for k, t := range ts.access {
			if !now.Before(t.exp) {
				delete(ts.access, k)
			}
		}
	}
	exp := now.Add(s.cfg.TokenTTL)
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	jti := make([]byte, 12)
	_, _ = rand.Read(jti)
	payload, _ := json.Marshal(map[string]any{
		"sub": s.cfg.Username, "iss": "vcfsim", "iat": now.Unix(), "exp": exp.Unix(),
		"jti": enc.EncodeToString(jti), "token_type": "access",
	})
	unsigned := header + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, ts.key)
	mac.Write([]byte(unsigned))
	tok := unsigned + "." + enc.EncodeToString(mac.Sum(nil))
	ts.access[tok] = accessToken{exp: exp, gen: ts.accessGen}
	return tok
}

// authorized reports whether r carries a live access token.
func (s *Simulator) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return false
	}
	s.tmu.Lock()
	defer s.tmu.Unlock()
	t, ok := s.tokens.access[strings.TrimSpace(tok)]
	return ok && t.gen == s.tokens.accessGen && s.realNow().Before(t.exp)
}

func (s *Simulator) postTokens(r *http.Request, _ vars) (int, any) {
	var spec struct {
		Username string `json:"username"`
		Password string `json:"password"`
		APIKey   string `json:"apiKey"`
	}
	if st, e := decodeBody(r, &spec); e != nil {
		return st, e
	}
	if spec.Username == "" || spec.Password == "" {
		return errorf(http.StatusBadRequest, "INVALID_CREDENTIALS_SPEC", "username and password are required")
	}
	if sameSecret(spec.Username, s.cfg.Username) && sameSecret(spec.Password, s.cfg.Password) {
		s.tmu.Lock()
		defer s.tmu.Unlock()
		access := s.issueAccess(s.realNow())
		id := uuidFrom(s.tokRand)
		s.tokens.refresh[id] = s.tokens.refreshGen
		return http.StatusCreated, map[string]any{"accessToken": access, "refreshToken": map[string]string{"id": id}}
	}
	return errorf(http.StatusUnauthorized, "AUTHENTICATION_FAILED", "Invalid username or password")
}

// sameSecret compares in constant time, as credential checks should.
func sameSecret(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// refreshTokenBody reads the JSON string body the token endpoints take.
func refreshTokenBody(r *http.Request) (string, int, any) {
	var id string
	if st, e := decodeBody(r, &id); e != nil {
		return "", st, e
	}
	if id == "" {
		st, e := errorf(http.StatusBadRequest, "REFRESH_TOKEN_REQUIRED", "the body must be the refresh token id as a JSON string")
		return "", st, e
	}
	return id, 0, nil
}

func (s *Simulator) patchRefresh(r *http.Request, _ vars) (int, any) {
	id, st, e := refreshTokenBody(r)
	if e != nil {
		return st, e
	}
	s.tmu.Lock()
	defer s.tmu.Unlock()
	if gen, ok := s.tokens.refresh[id]; !ok || gen != s.tokens.refreshGen {
		return errorf(http.StatusNotFound, "REFRESH_TOKEN_NOT_FOUND", "Refresh token not found or revoked")
	}
	return http.StatusOK, s.issueAccess(s.realNow())
}

func (s *Simulator) deleteRefresh(r *http.Request, _ vars) (int, any) {
	id, st, e := refreshTokenBody(r)
	if e != nil {
		return st, e
	}
	s.tmu.Lock()
	delete(s.tokens.refresh, id)
	s.tmu.Unlock()
	return http.StatusNoContent, nil
}
