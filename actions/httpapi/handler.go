package httpapi

import (
	"context"
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

	"github.com/vcf-exporter/vcf_exporter/actions"
	"github.com/vcf-exporter/vcf_exporter/internal/httpx"
)

// HandlerOptions configure the HTTP API.
type HandlerOptions struct {
	// MaxBodyBytes limits request bodies (default 64 KiB; larger is 413).
	MaxBodyBytes int64
	// MaxAuthFailures failed authentications per client address within
	// AuthFailureWindow are allowed; then wrong tokens from it get 429
	// until the window ends, the right token always works (defaults 10
	// per 5m).
	MaxAuthFailures   int
	AuthFailureWindow time.Duration
	// RequestTimeout bounds the SDDC Manager calls of one request (default 60s).
	RequestTimeout time.Duration
	// Logger receives the audit log.
	Logger *slog.Logger
	Now    func() time.Time
	// TokenFile is --actions.token-file: Apply reads it again with the
	// tokens of a new configuration.
	TokenFile string
}

// Handler serves /actions/. With no token configured (or no engine) it
// answers 404 to everything.
type Handler struct {
	e      *actions.Engine
	opts   HandlerOptions
	tokens atomic.Pointer[tokenSet]
	mux    *http.ServeMux

	mu       sync.Mutex // guards failures only
	failures map[string]*failWindow
}

// Engine returns the engine behind the handler (nil when actions are
// disabled), for the other front ends of the same actions (MQTT).
func (h *Handler) Engine() *actions.Engine { return h.e }

// NewHandler returns the /actions handler.
func NewHandler(e *actions.Engine, tokens []Token, opts HandlerOptions) *Handler {
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

// Enabled reports whether the API accepts requests.
func (h *Handler) Enabled() bool {
	return h.e != nil && len(h.tokens.Load().hashed) > 0
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
	if !h.Enabled() {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	client := clientAddr(r)
	ri := &reqInfo{client: client, action: r.Method + " " + r.URL.Path}
	rec := &httpx.StatusRecorder{ResponseWriter: w}
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
			"detail", truncate(ri.detail, maxAuditField), "status", rec.Status, "result", http.StatusText(rec.Status))
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
			writeError(w, httpStatus(err), err.Error())
			return
		}
		writeJSON(w, code, v)
	}
}

type empty struct{}

// StartRequest is the body of POST .../upgrade.
type StartRequest struct {
	TargetVersion string `json:"target_version"`
	DryRun        bool   `json:"dry_run"`
}

func (h *Handler) upgradeStart(w http.ResponseWriter, r *http.Request, body []byte) (int, any, error) {
	var req StartRequest
	if err := decode(body, &req); err != nil {
		return 0, nil, err
	}
	target, domain := r.URL.Query().Get("target"), r.PathValue("domain")
	info(r).detail = fmt.Sprintf("domain=%s target=%s version=%s dry_run=%t", domain, target, req.TargetVersion, req.DryRun)
	if req.DryRun {
		p, err := h.e.PlanUpgrade(r.Context(), target, domain, req.TargetVersion)
		return http.StatusOK, p, err
	}
	s, err := h.e.StartUpgrade(r.Context(), target, domain, req.TargetVersion)
	return http.StatusAccepted, s, err
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

// httpStatus is the status code answering an operation's error: the
// engine's domain errors know nothing of HTTP.
func httpStatus(err error) int {
	for _, m := range []struct {
		kind error
		code int
	}{
		{actions.ErrNotFound, http.StatusNotFound},
		{actions.ErrInvalid, http.StatusBadRequest},
		{actions.ErrConflict, http.StatusConflict},
		{actions.ErrNothingToUpgrade, http.StatusUnprocessableEntity},
		{actions.ErrNotStarted, http.StatusServiceUnavailable},
	} {
		if errors.Is(err, m.kind) {
			return m.code
		}
	}
	if re := (*actions.RemoteError)(nil); errors.As(err, &re) {
		if errors.Is(err, context.DeadlineExceeded) {
			return http.StatusGatewayTimeout
		}
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n')) // a client that went away needs no answer
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
