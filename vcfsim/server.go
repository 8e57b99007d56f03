package vcfsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

type vars map[string]string

type handler func(r *http.Request, v vars) (status int, body any)

type route struct {
	method, template string
	segs             []string
	h                handler
	public           bool // no bearer token needed
}

// buildRoutes lists every endpoint with its path template as written in the
// OpenAPI file; the template is also the stats key.
func (s *Simulator) buildRoutes() []route {
	rs := []route{
		{method: "POST", template: "/v1/tokens", h: s.postTokens, public: true},
		// Refreshing must work once the access token has expired, so the
		// token endpoints need no bearer token (as on SDDC Manager).
		{method: "PATCH", template: "/v1/tokens/access-token/refresh", h: s.patchRefresh, public: true},
		{method: "DELETE", template: "/v1/tokens/refresh-token", h: s.deleteRefresh, public: true},
		{method: "GET", template: "/v1/domains", h: s.getDomains},
		{method: "GET", template: "/v1/domains/{id}", h: s.getDomain},
		{method: "GET", template: "/v1/clusters", h: s.getClusters},
		{method: "GET", template: "/v1/clusters/{id}", h: s.getCluster},
		{method: "GET", template: "/v1/hosts", h: s.getHosts},
		{method: "GET", template: "/v1/hosts/{id}", h: s.getHost},
		{method: "GET", template: "/v1/sddc-managers", h: s.getSddcManagers},
		{method: "GET", template: "/v1/releases", h: s.getReleases},
		{method: "GET", template: "/v1/releases/domains", h: s.getDomainReleaseViews},
		{method: "GET", template: "/v1/releases/domains/{domainId}", h: s.getDomainReleaseView},
		{method: "PATCH", template: "/v1/releases/domains/{domainId}", h: s.patchDomainRelease},
		{method: "GET", template: "/v1/releases/domains/{domainId}/future-releases", h: s.getFutureReleases},
		{method: "POST", template: "/v1/releases/domains/{domainId}/validations", h: s.postValidation},
		{method: "GET", template: "/v1/releases/domains/validations/{validationId}", h: s.getValidation},
		{method: "GET", template: "/v1/bundles", h: s.getBundles},
		{method: "GET", template: "/v1/bundles/{id}", h: s.getBundle},
		{method: "PATCH", template: "/v1/bundles/{id}", h: s.patchBundle},
		{method: "POST", template: "/v1/system/check-sets/queries", h: s.postCheckSetQuery},
		{method: "POST", template: "/v1/system/check-sets", h: s.postCheckSetRun},
		{method: "GET", template: "/v1/system/check-sets/{runId}", h: s.getCheckSetRun},
		{method: "GET", template: "/v1/upgradables/domains/{domainId}", h: s.getUpgradables},
		{method: "GET", template: "/v1/upgradables/domains/{domainId}/clusters", h: s.getUpgradableClusters},
		{method: "GET", template: "/v1/upgradables/domains/{domainId}/nsxt", h: s.getUpgradableNsxt},
		{method: "POST", template: "/v1/upgrades", h: s.postUpgrade},
		{method: "GET", template: "/v1/upgrades", h: s.getUpgrades},
		{method: "GET", template: "/v1/upgrades/{upgradeId}", h: s.getUpgrade},
		// Deprecated in 9.1 for check-set runs with metadata.upgradeId.
		{method: "POST", template: "/v1/upgrades/{upgradeId}/prechecks", h: s.postUpgradePrecheck},
		{method: "GET", template: "/v1/upgrades/{upgradeId}/prechecks/{precheckId}", h: s.getUpgradePrecheck},
		{method: "GET", template: "/v1/tasks", h: s.getTasks},
		{method: "GET", template: "/v1/tasks/{id}", h: s.getTask},
		{method: "GET", template: "/v1/domains/{id}/resource-certificates", h: s.getResourceCertificates},
		{method: "GET", template: "/v1/vcf-services", h: s.getVcfServices},
		{method: "GET", template: "/v1/system/backup-configuration", h: s.getBackupConfiguration},
		{method: "POST", template: "/v1/credentials/expirations", h: s.postCredentialExpirations},
		{method: "GET", template: "/v1/credentials/expirations/{id}", h: s.getCredentialExpiration},
	}
	for i := range rs {
		// Any endpoint answers 403 once SetForbidden names it.
		rs[i].h = s.forbid(rs[i].method, rs[i].template, rs[i].h)
		rs[i].segs = strings.Split(strings.Trim(rs[i].template, "/"), "/")
	}
	return rs
}

// Routes lists the served endpoints as "METHOD template" (the stats keys).
func (s *Simulator) Routes() []string {
	out := make([]string, 0, len(s.routes))
	for _, rt := range s.routes {
		out = append(out, rt.method+" "+rt.template)
	}
	return out
}

// match finds the most specific template matching path (literal segments
// beat parameters), then the route for method on it. allowed lists the
// methods of the template when method does not match.
func (s *Simulator) match(method, path string) (rt *route, template string, v vars, allowed []string) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	best := -1
	for i := range s.routes {
		r := &s.routes[i]
		if len(r.segs) != len(segs) {
			continue
		}
		score, ok := 0, true
		for j, seg := range r.segs {
			switch {
			case strings.HasPrefix(seg, "{"):
				ok = ok && segs[j] != ""
			case seg == segs[j]:
				score++
			default:
				ok = false
			}
		}
		if ok && score > best {
			best, template = score, r.template
		}
	}
	if template == "" {
		return nil, "", nil, nil
	}
	for i := range s.routes {
		r := &s.routes[i]
		if r.template != template {
			continue
		}
		if r.method != method {
			allowed = append(allowed, r.method)
			continue
		}
		v = vars{}
		for j, seg := range r.segs {
			if strings.HasPrefix(seg, "{") {
				v[strings.Trim(seg, "{}")] = segs[j]
			}
		}
		return r, template, v, nil
	}
	return nil, template, nil, allowed
}

// ServeHTTP serves /v1 (the VCF API) and /sim (the control API).
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/sim" || strings.HasPrefix(r.URL.Path, "/sim/") {
		s.serveControl(w, r)
		return
	}
	rt, template, v, allowed := s.match(r.Method, r.URL.Path)
	key := r.Method + " " + r.URL.Path // unknown paths count by raw path
	if template != "" {
		key = r.Method + " " + template
	}
	s.count(key)

	fd := s.decideFaults(key, template)
	if fd.delay > 0 {
		t := time.NewTimer(fd.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if fd.outage || s.sddcOutage() {
		if fd.refuse && abortConn(w) {
			return
		}
		s.write(w, r, http.StatusServiceUnavailable, &apiError{ErrorCode: "SERVICE_UNAVAILABLE", ErrorType: "ERROR",
			Message: "SDDC Manager is not available. Please retry later."}, fd)
		return
	}
	if fd.failCode != 0 && !fd.failAfter {
		s.write(w, r, fd.failCode, &apiError{ErrorCode: "INJECTED_FAULT", ErrorType: "ERROR", Message: fd.failWhy}, fd)
		return
	}
	var status int
	var body any
	switch {
	case rt == nil && len(allowed) > 0:
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		status, body = errorf(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "Method %s is not supported on %s", r.Method, template)
	case rt == nil:
		status, body = errorf(http.StatusNotFound, "NOT_FOUND", "No API endpoint at %s", r.URL.Path)
	case !rt.public && !s.authorized(r):
		w.Header().Set("WWW-Authenticate", `Bearer realm="vcfsim"`)
		status, body = errorf(http.StatusUnauthorized, "UNAUTHORIZED", "Missing, invalid or expired access token")
	default:
		s.mu.Lock()
		s.advance(s.clk.sim())
		s.mu.Unlock()
		status, body = rt.h(r, v)
	}
	switch {
	case fd.failCode != 0: // FailAfter: processed, the answer is lost
		status, body = fd.failCode, &apiError{ErrorCode: "INJECTED_FAULT", ErrorType: "ERROR", Message: fd.failWhy + " (after processing)"}
	case fd.empty && status == http.StatusOK:
		body = newPage([]struct{}{})
	}
	s.write(w, r, status, body, fd)
}

func errorf(status int, code, format string, args ...any) (int, any) {
	return status, &apiError{ErrorCode: code, ErrorType: "ERROR", Message: fmt.Sprintf(format, args...)}
}

// maxBody bounds request bodies; SDDC Manager specs are small.
const maxBody = 1 << 20

// decodeBody decodes the JSON request body into v; on failure it returns
// the 400 answer.
func decodeBody(r *http.Request, v any) (int, any) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return errorf(http.StatusBadRequest, "INVALID_REQUEST_BODY", "reading body: %v", err)
	}
	if len(data) > maxBody {
		return errorf(http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "request body exceeds %d bytes", maxBody)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return errorf(http.StatusBadRequest, "REQUEST_BODY_REQUIRED", "a JSON request body is required")
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(v); err != nil {
		return errorf(http.StatusBadRequest, "MALFORMED_REQUEST_BODY", "invalid JSON body: %v", err)
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, "MALFORMED_REQUEST_BODY", "invalid JSON body: trailing data")
	}
	return 0, nil
}

// write encodes body and sends it, applying the body faults.
func (s *Simulator) write(w http.ResponseWriter, r *http.Request, status int, body any, fd faultDecision) {
	var data []byte
	switch b := body.(type) {
	case nil:
		w.WriteHeader(status)
		return
	case []byte:
		data = b
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			status, data = http.StatusInternalServerError, []byte(`{"errorCode":"INTERNAL_ERROR","message":"encoding response failed"}`)
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if status == http.StatusOK && fd.malformed && len(data) > 1 {
		// Valid HTTP, invalid JSON: a stray comma after the first byte.
		data = append([]byte{data[0], ',', ','}, data[1:]...)
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	if status == http.StatusOK && fd.truncate {
		// Declared length, half the bytes: net/http closes the connection
		// and the client sees an unexpected EOF mid-body.
		_, _ = w.Write(data[:len(data)/2])
		return
	}
	if fd.slowBody <= 0 || r.Method == http.MethodHead {
		_, _ = w.Write(data)
		return
	}
	const chunks = 20
	rc := http.NewResponseController(w)
	pause := fd.slowBody / chunks
	for i := 0; i < chunks; i++ {
		part := data[len(data)*i/chunks : len(data)*(i+1)/chunks]
		if _, err := w.Write(part); err != nil {
			return
		}
		_ = rc.Flush()
		if i < chunks-1 {
			t := time.NewTimer(pause)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
	}
}

// abortConn closes the client connection without an HTTP answer, the
// closest a handler gets to a refused connection. It reports false when the
// connection cannot be taken over (e.g. an httptest.ResponseRecorder).
func abortConn(w http.ResponseWriter) bool {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	nc := conn
	if u, ok := conn.(interface{ NetConn() net.Conn }); ok {
		nc = u.NetConn()
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // send RST instead of FIN
	}
	_ = conn.Close()
	return true
}

// Stats returns the number of /v1 requests served per "METHOD template".
func (s *Simulator) Stats() map[string]int64 {
	s.smu.Lock()
	defer s.smu.Unlock()
	out := make(map[string]int64, len(s.stats))
	for k, v := range s.stats {
		out[k] = v
	}
	return out
}

// ResetStats zeroes the request counters.
func (s *Simulator) ResetStats() {
	s.smu.Lock()
	s.stats = map[string]int64{}
	s.smu.Unlock()
}

func (s *Simulator) count(key string) {
	s.smu.Lock()
	s.stats[key]++
	s.smu.Unlock()
}

// serveControl is the unauthenticated, uncounted /sim API.
func (s *Simulator) serveControl(w http.ResponseWriter, r *http.Request) {
	none := faultDecision{}
	reply := func(status int, body any) { s.write(w, r, status, body, none) }
	bad := func(err error) {
		st, e := errorf(http.StatusBadRequest, "INVALID_REQUEST", "%v", err)
		reply(st, e)
	}
	type endpoint struct{ method, path string }
	ep := endpoint{r.Method, strings.TrimSuffix(r.URL.Path, "/")}
	switch ep {
	case endpoint{"GET", "/sim/stats"}:
		reply(http.StatusOK, s.Stats())
	case endpoint{"POST", "/sim/stats/reset"}:
		s.ResetStats()
		reply(http.StatusNoContent, nil)
	case endpoint{"POST", "/sim/tokens/expire"}:
		s.ExpireTokens()
		reply(http.StatusNoContent, nil)
	case endpoint{"POST", "/sim/tokens/revoke-refresh"}:
		s.RevokeRefreshTokens()
		reply(http.StatusNoContent, nil)
	case endpoint{"GET", "/sim/faults"}:
		reply(http.StatusOK, s.Faults())
	case endpoint{"PUT", "/sim/faults"}:
		var f Faults
		if st, e := decodeBody(r, &f); e != nil {
			reply(st, e)
			return
		}
		if err := s.setFaults(f); err != nil {
			bad(err)
			return
		}
		reply(http.StatusOK, s.Faults())
	case endpoint{"DELETE", "/sim/faults"}:
		s.SetFaults(Faults{})
		reply(http.StatusNoContent, nil)
	case endpoint{"GET", "/sim/prechecks"}, endpoint{"PUT", "/sim/prechecks"}:
		if r.Method == http.MethodPut {
			var p struct {
				Errors   *int `json:"errors"`
				Warnings *int `json:"warnings"`
			}
			if st, e := decodeBody(r, &p); e != nil {
				reply(st, e)
				return
			}
			if p.Errors == nil || p.Warnings == nil || *p.Errors < 0 || *p.Warnings < 0 {
				bad(errors.New(`body must be {"errors": N, "warnings": M} with N, M >= 0`))
				return
			}
			s.SetPrecheckFindings(*p.Errors, *p.Warnings)
		}
		s.mu.Lock()
		e, wn := s.precheckErrors, s.precheckWarnings
		s.mu.Unlock()
		reply(http.StatusOK, map[string]int{"errors": e, "warnings": wn})
	case endpoint{"GET", "/sim/sddc-manager"}:
		s.mu.Lock()
		s.advance(s.clk.sim())
		st := map[string]any{"version": s.inv.sddcVersion, "build": s.rel.bom(s.inv.sddcVersion)[compSDDC].Version, "upgradingTo": nil}
		if s.sddcExt != nil {
			st["upgradingTo"] = s.sddcExt.to
		}
		s.mu.Unlock()
		reply(http.StatusOK, st)
	case endpoint{"POST", "/sim/sddc-manager/upgrade"}:
		var p struct {
			Version string `json:"version"`
		}
		if st, e := decodeBody(r, &p); e != nil {
			reply(st, e)
			return
		}
		up, err := s.UpgradeSddcManager(p.Version)
		var eu *errUpgrade
		if errors.As(err, &eu) {
			st, e := errorf(eu.status, "SDDC_MANAGER_UPGRADE_REFUSED", "%s", eu.msg)
			reply(st, e)
			return
		}
		reply(http.StatusAccepted, up)
	case endpoint{"PUT", "/sim/upgrades/block"}:
		var p struct {
			Component string `json:"component"`
		}
		if st, e := decodeBody(r, &p); e != nil {
			reply(st, e)
			return
		}
		if err := s.BlockUpgrades(p.Component); err != nil {
			bad(err)
			return
		}
		reply(http.StatusNoContent, nil)
	case endpoint{"DELETE", "/sim/upgrades/block"}:
		s.UnblockUpgrades()
		reply(http.StatusNoContent, nil)
	case endpoint{"GET", "/sim/clock"}:
		reply(http.StatusOK, map[string]any{"now": stamp(s.clk.sim()), "timeScale": s.cfg.TimeScale})
	case endpoint{"GET", "/sim/routes"}:
		rs := s.Routes()
		sort.Strings(rs)
		reply(http.StatusOK, rs)
	default:
		st, e := errorf(http.StatusNotFound, "NOT_FOUND", "No control endpoint %s %s", r.Method, r.URL.Path)
		reply(st, e)
	}
}
