package actions

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/vcf-exporter/vcf_exporter/config"
)

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
		v, err := config.ReadTokenFile(tokenFile)
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

// HandlerOptions configure the HTTP API.
type HandlerOptions struct {
	// MaxBodyBytes limits request bodies (default 64 KiB; larger is 413).
	MaxBodyBytes int64
	// MaxAuthFailures failed authentications per client address within
	// AuthFailureWindow are allowed; then 429 until the window ends
	// (defaults 10 per 5m).
	MaxAuthFailures   int
	AuthFailureWindow time.Duration
	// RequestTimeout bounds the SDDC Manager calls of one request (default 60s).
	RequestTimeout time.Duration
	// Logger receives the audit log.
	Logger *slog.Logger
	Now    func() time.Time
}

// Handler serves /actions/. With no token configured (or no engine) it
// answers 404 to everything.
type Handler struct {
	e      *Engine
	opts   HandlerOptions
	tokens atomic.Pointer[[]hashedToken]
	mux    *http.ServeMux

	mu       sync.Mutex
	failures map[string]*failWindow
	reload   func() // applies configuration reloads (nil: none)
}

type hashedToken struct {
	name string
	sum  [32]byte
}

type failWindow struct {
	start time.Time
	n     int
}

// NewHandler returns the /actions handler.
func NewHandler(e *Engine, tokens []Token, opts HandlerOptions) *Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 64 << 10
	}
	if opts.MaxAuthFailures <= 0 {
		opts.MaxAuthFailures = 10
	}
	if opts.AuthFailureWindow <= 0 {
		opts.AuthFailureWindow = 5 * time.Minute
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 60 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Handler{e: e, opts: opts, failures: map[string]*failWindow{}}
	h.SetTokens(tokens)
	m := http.NewServeMux()
	m.HandleFunc("/actions/v1/domains/{domain}/upgrade", h.route(map[string]endpoint{
		http.MethodGet:  {"upgrade_status", h.upgradeStatus, false},
		http.MethodPost: {"upgrade_start", h.upgradeStart, true},
	}))
	m.HandleFunc("/actions/v1/domains/{domain}/upgrade/acknowledge", h.route(map[string]endpoint{
		http.MethodPost: {"upgrade_acknowledge", h.acknowledge, true},
	}))
	m.HandleFunc("/actions/v1/domains/{domain}/upgrade/cancel", h.route(map[string]endpoint{
		http.MethodPost: {"upgrade_cancel", h.cancel, true},
	}))
	m.HandleFunc("/actions/v1/bundles/{bundle_id}/download", h.route(map[string]endpoint{
		http.MethodPost: {"bundle_download", h.download, true},
	}))
	m.HandleFunc("/actions/v1/upgrade-check", h.route(map[string]endpoint{
		http.MethodPost: {"upgrade_check", h.upgradeCheck, true},
	}))
	m.HandleFunc("/actions/v1/token/refresh", h.route(map[string]endpoint{
		http.MethodPost: {"token_refresh", h.tokenRefresh, true},
	}))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not found")
	})
	h.mux = m
	return h
}

// SetTokens replaces the accepted tokens (on reload). No tokens disables the API.
func (h *Handler) SetTokens(tokens []Token) {
	hs := make([]hashedToken, 0, len(tokens))
	for _, t := range tokens {
		if t.Value == "" {
			continue
		}
		hs = append(hs, hashedToken{name: t.Name, sum: sha256.Sum256([]byte(t.Value))})
	}
	h.tokens.Store(&hs)
}

// Enabled reports whether the API accepts requests.
func (h *Handler) Enabled() bool {
	return h.e != nil && len(*h.tokens.Load()) > 0
}

type ctxKey struct{}

type reqInfo struct {
	token  string
	client string
	action string
	detail string
}

func info(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(ctxKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// ServeHTTP authenticates, rate-limits failures, routes and audits.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.reload != nil {
		h.reload()
	}
	if !h.Enabled() {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	client := clientAddr(r)
	ri := &reqInfo{client: client, action: r.Method + " " + r.URL.Path}
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		// Read-only calls of an authenticated client (a Home Assistant
		// sensor polls the status every minute) are logged at debug level.
		lvl := slog.LevelInfo
		if ri.token != "" && r.Method == http.MethodGet {
			lvl = slog.LevelDebug
		}
		// Paths and details come from the client: truncated, so that
		// huge requests cannot flood the log.
		h.opts.Logger.Log(r.Context(), lvl, "actions audit", "token", ri.token, "client", client, "action", truncate(ri.action, maxAuditField),
			"detail", truncate(ri.detail, maxAuditField), "status", rec.status, "result", http.StatusText(rec.status))
	}()

	// The right token always works; only wrong ones are slowed down, so
	// that guessing from an address cannot lock its legitimate user out.
	name, ok := h.authenticate(r)
	if !ok {
		if retry, limited := h.limited(client); limited {
			rec.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
			writeError(rec, http.StatusTooManyRequests, "too many failed authentication attempts; retry later")
			return
		}
		h.fail(client)
		rec.Header().Set("WWW-Authenticate", `Bearer realm="vcf_exporter actions"`)
		writeError(rec, http.StatusUnauthorized, "missing or invalid bearer token")
		return
	}
	ri.token = name
	h.mux.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri)))
}

// maxAuditField bounds a client-supplied field of an audit line (bytes).
const maxAuditField = 256

// truncate cuts s to at most n bytes (on a rune boundary), marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("…(%d bytes)", len(s))
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
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
	for _, t := range *h.tokens.Load() {
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

type endpoint struct {
	action string
	fn     func(w http.ResponseWriter, r *http.Request, body []byte) (int, any, error)
	post   bool
}

// route dispatches by method (405 with Allow otherwise), reads and checks
// the body, and writes the JSON answer.
func (h *Handler) route(eps map[string]endpoint) http.HandlerFunc {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if _, ok := eps[m]; ok {
			allow = append(allow, m)
		}
	}
	return func(w http.ResponseWriter, r *http.Request) {
		ep, ok := eps[r.Method]
		if !ok {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use "+strings.Join(allow, " or "))
			return
		}
		ri := info(r)
		ri.action = ep.action
		var body []byte
		if ep.post {
			var err error
			body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes))
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", h.opts.MaxBodyBytes))
					return
				}
				writeError(w, http.StatusBadRequest, "reading the request body: "+err.Error())
				return
			}
			if len(strings.TrimSpace(string(body))) > 0 {
				mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
				if err != nil || mt != "application/json" {
					writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json")
					return
				}
			} else {
				body = nil
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), h.opts.RequestTimeout)
		defer cancel()
		code, v, err := ep.fn(w, r.WithContext(ctx), body)
		if err != nil {
			var ae *Error
			if errors.As(err, &ae) {
				writeError(w, ae.Status, ae.Msg)
				return
			}
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, code, v)
	}
}

type empty struct{}

func (h *Handler) upgradeStart(w http.ResponseWriter, r *http.Request, body []byte) (int, any, error) {
	var req StartRequest
	if err := decode(body, &req); err != nil {
		return 0, nil, err
	}
	ri := info(r)
	ri.detail = fmt.Sprintf("domain=%s target=%s version=%s dry_run=%t", r.PathValue("domain"), r.URL.Query().Get("target"), req.TargetVersion, req.DryRun)
	res, err := h.e.StartUpgrade(r.Context(), r.URL.Query().Get("target"), r.PathValue("domain"), req)
	if err != nil {
		return 0, nil, err
	}
	if _, ok := res.(*Plan); ok {
		return http.StatusOK, res, nil
	}
	return http.StatusAccepted, res, nil
}

func (h *Handler) upgradeStatus(w http.ResponseWriter, r *http.Request, _ []byte) (int, any, error) {
	info(r).detail = "domain=" + r.PathValue("domain")
	s, err := h.e.UpgradeStatus(r.Context(), r.URL.Query().Get("target"), r.PathValue("domain"))
	return http.StatusOK, s, err
}

func (h *Handler) acknowledge(w http.ResponseWriter, r *http.Request, body []byte) (int, any, error) {
	if err := decode(body, &empty{}); err != nil {
		return 0, nil, err
	}
	info(r).detail = "domain=" + r.PathValue("domain")
	s, err := h.e.Acknowledge(r.Context(), r.URL.Query().Get("target"), r.PathValue("domain"))
	return http.StatusOK, s, err
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request, body []byte) (int, any, error) {
	if err := decode(body, &empty{}); err != nil {
		return 0, nil, err
	}
	info(r).detail = "domain=" + r.PathValue("domain")
	s, err := h.e.Cancel(r.Context(), r.URL.Query().Get("target"), r.PathValue("domain"))
	return http.StatusAccepted, s, err
}

func (h *Handler) download(w http.ResponseWriter, r *http.Request, body []byte) (int, any, error) {
	if err := decode(body, &empty{}); err != nil {
		return 0, nil, err
	}
	id := r.PathValue("bundle_id")
	info(r).detail = "bundle=" + id
	t, err := h.e.DownloadBundle(r.Context(), r.URL.Query().Get("target"), id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, map[string]any{"bundle_id": id, "task_id": t.ID, "status": t.Status}, nil
}

func (h *Handler) upgradeCheck(w http.ResponseWriter, r *http.Request, body []byte) (int, any, error) {
	if err := decode(body, &empty{}); err != nil {
		return 0, nil, err
	}
	target, err := h.e.CheckUpdates(r.Context(), r.URL.Query().Get("target"))
	if err != nil {
		return 0, nil, err
	}
	info(r).detail = "target=" + target
	return http.StatusOK, map[string]string{"target": target, "message": "upgrade check refreshed"}, nil
}

func (h *Handler) tokenRefresh(w http.ResponseWriter, r *http.Request, body []byte) (int, any, error) {
	if err := decode(body, &empty{}); err != nil {
		return 0, nil, err
	}
	target, err := h.e.RefreshToken(r.Context(), r.URL.Query().Get("target"))
	if err != nil {
		return 0, nil, err
	}
	info(r).detail = "target=" + target
	return http.StatusOK, map[string]string{"target": target, "message": "SDDC Manager access token refreshed"}, nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}
