package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vcf-exporter/vcf_exporter/config"
)

// Authentication of the /actions API: named bearer tokens, compared in
// constant time, and a limit on failed attempts per client address that
// only slows down wrong tokens.

// tokenSet is the accepted tokens, swapped whole so authentication needs
// no lock.
type tokenSet struct {
	hashed []hashedToken
}

type hashedToken struct {
	name string
	sum  [32]byte
}

type failWindow struct {
	start time.Time
	n     int
}

// Token is a named bearer token accepted by the API.
type Token struct {
	Name  string
	Value string
}

// LoadTokens collects the tokens of --actions.token-file (named
// "token-file") and of the config file's actions.tokens.
func LoadTokens(tokenFile string, cfg config.ActionsConfig) ([]Token, error) {
	var out []Token
	if tokenFile != "" {
		v, err := config.ReadActionsTokenFile(tokenFile)
		if err != nil {
			return nil, fmt.Errorf("--actions.token-file: %w", err)
		}
		out = append(out, Token{Name: "token-file", Value: v})
	}
	for _, t := range cfg.Tokens {
		v, err := t.Resolve()
		if err != nil {
			return nil, fmt.Errorf("actions token %q: %w", t.Name, err)
		}
		if v == "" {
			return nil, fmt.Errorf("actions token %q is empty", t.Name)
		}
		out = append(out, Token{Name: t.Name, Value: v})
	}
	return out, nil
}

// SetTokens replaces the accepted tokens. No tokens disables the API.
func (h *Handler) SetTokens(tokens []Token) { h.tokens.Store(&tokenSet{hashed: hashTokens(tokens)}) }

func hashTokens(tokens []Token) []hashedToken {
	hs := make([]hashedToken, 0, len(tokens))
	for _, t := range tokens {
		if t.Value == "" {
			continue
		}
		hs = append(hs, hashedToken{name: t.Name, sum: sha256.Sum256([]byte(t.Value))})
	}
	return hs
}

// Apply loads the tokens of c and of --actions.token-file; subscribe it
// to the configuration's reloads. A token that cannot be read keeps the
// tokens in force (logged) rather than refusing the whole configuration.
func (h *Handler) Apply(c *config.Config) error {
	tokens, err := LoadTokens(h.opts.TokenFile, c.Actions)
	if err != nil {
		h.opts.Logger.Error("actions: keeping the previous tokens after a configuration reload", "err", err)
		return nil
	}
	h.SetTokens(tokens)
	h.opts.Logger.Info("actions: tokens reloaded", "tokens", len(tokens))
	return nil
}

// authenticate compares the bearer token with every configured token in
// constant time (hashes of equal length; no early exit).
func (h *Handler) authenticate(r *http.Request) (string, bool) {
	auth := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(auth) <= len(prefix) || !strings.EqualFold(auth[:len(prefix)], prefix) {
		return "", false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(auth[len(prefix):])))
	name, found := "", 0
	for _, t := range h.tokens.Load().hashed {
		if subtle.ConstantTimeCompare(sum[:], t.sum[:]) == 1 {
			if found == 0 {
				name = t.name
			}
			found = 1
		}
	}
	return name, found == 1
}

func (h *Handler) limited(client string) (time.Duration, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.failures[client]
	if f == nil {
		return 0, false
	}
	left := h.opts.AuthFailureWindow - h.opts.Now().Sub(f.start)
	if left <= 0 {
		delete(h.failures, client)
		return 0, false
	}
	return left, f.n >= h.opts.MaxAuthFailures
}

func (h *Handler) fail(client string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.opts.Now()
	if len(h.failures) > 10000 {
		for k, f := range h.failures {
			if now.Sub(f.start) > h.opts.AuthFailureWindow {
				delete(h.failures, k)
			}
		}
	}
	f := h.failures[client]
	if f == nil || now.Sub(f.start) > h.opts.AuthFailureWindow {
		f = &failWindow{start: now}
		h.failures[client] = f
	}
	f.n++
}
