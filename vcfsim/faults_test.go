package vcfsim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFaultLatency(t *testing.T) {
	c := startServer(t, DefaultConfig()).login()
	c.srv.Sim.SetFaults(Faults{Latency: 60 * time.Millisecond})
	start := time.Now()
	if st, _ := c.do("GET", "/v1/domains", nil); st != http.StatusOK {
		t.Fatal(st)
	}
	if took := time.Since(start); took < 60*time.Millisecond {
		t.Fatalf("request took %s with 60ms latency", took)
	}
}

func TestFaultJitterDraws(t *testing.T) {
	s, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	s.SetFaults(Faults{Latency: 10 * time.Millisecond, Jitter: 40 * time.Millisecond})
	seen := map[time.Duration]bool{}
	for i := 0; i < 50; i++ {
		d := s.decideFaults("GET /v1/hosts", "/v1/hosts").delay
		if d < 10*time.Millisecond || d >= 50*time.Millisecond {
			t.Fatalf("delay %s outside [10ms, 50ms)", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Fatalf("jitter produced only %d distinct delays", len(seen))
	}
}

func TestFaultErrorRate(t *testing.T) {
	c := startServer(t, DefaultConfig()).login()
	c.srv.Sim.SetFaults(Faults{ErrorRate: 1})
	st, b := c.do("GET", "/v1/domains", nil)
	if st != http.StatusServiceUnavailable || !strings.Contains(string(b), `"errorCode"`) {
		t.Fatalf("rate 1: %d %s, want 503 Error", st, b)
	}
	c.srv.Sim.SetFaults(Faults{ErrorRate: 1, ErrorCode: 500})
	if st, _ := c.do("GET", "/v1/domains", nil); st != http.StatusInternalServerError {
		t.Fatalf("error code 500: got %d", st)
	}
	c.srv.Sim.SetFaults(Faults{ErrorRate: 0.3})
	failed := 0
	for i := 0; i < 200; i++ {
		if st, _ := c.do("GET", "/v1/sddc-managers", nil); st == http.StatusServiceUnavailable {
			failed++
		}
	}
	if failed < 30 || failed > 90 {
		t.Fatalf("rate 0.3 failed %d of 200", failed)
	}
	c.srv.Sim.SetFaults(Faults{})
	if st, _ := c.do("GET", "/v1/domains", nil); st != http.StatusOK {
		t.Fatalf("after clearing faults: %d", st)
	}
}

func TestFaultFailEndpoint(t *testing.T) {
	c := startServer(t, DefaultConfig()).login()
	c.srv.Sim.SetFaults(Faults{FailEndpoint: "GET /v1/hosts", FailCode: 503, FailCount: 2})
	for i, want := range []int{503, 503, 200, 200} {
		if st, _ := c.do("GET", "/v1/hosts", nil); st != want {
			t.Fatalf("request %d: %d, want %d", i, st, want)
		}
	}
	c.srv.Sim.SetFaults(Faults{FailEndpoint: "GET /v1/hosts/{id}"})
	var hosts hostsPage
	c.get("/v1/hosts", &hosts) // other endpoints are unaffected
	for i := 0; i < 3; i++ {
		if st, b := c.do("GET", "/v1/hosts/"+hosts.Elements[0].ID, nil); st != http.StatusInternalServerError || !strings.Contains(string(b), "errorCode") {
			t.Fatalf("FailCount 0 must fail every request: %d %s", st, b)
		}
	}
}

func TestFaultOutage503(t *testing.T) {
	c := startClocked(t, DefaultConfig()).login()
	c.srv.Sim.SetFaults(Faults{Outage: 300 * time.Millisecond})
	if st, _ := c.do("GET", "/v1/domains", nil); st != http.StatusServiceUnavailable {
		t.Fatalf("during outage: %d", st)
	}
	if st, _ := c.do("POST", "/v1/tokens", map[string]string{"username": "admin@local", "password": "VMware1!VMware1!"}); st != http.StatusServiceUnavailable {
		t.Fatalf("token creation during outage: %d", st)
	}
	c.clk.Add(299 * time.Millisecond)
	if st, _ := c.do("GET", "/v1/domains", nil); st != http.StatusServiceUnavailable {
		t.Fatalf("1 ms before the end of the outage: %d", st)
	}
	c.clk.Add(time.Millisecond)
	if st, _ := c.do("GET", "/v1/domains", nil); st != http.StatusOK {
		t.Fatalf("after the outage: %d", st)
	}
}

func TestFaultOutageRefuse(t *testing.T) {
	c := startClocked(t, DefaultConfig()).login()
	c.srv.Sim.SetFaults(Faults{Outage: 300 * time.Millisecond, OutageMode: "refuse"})
	resp, err := c.send("GET", "/v1/domains", nil)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("refuse outage answered HTTP %d", resp.StatusCode)
	}
	c.clk.Add(300 * time.Millisecond)
	if st, _ := c.do("GET", "/v1/domains", nil); st != http.StatusOK {
		t.Fatalf("after the outage: %d", st)
	}
}

func TestFaultMalformedAndTruncated(t *testing.T) {
	c := startServer(t, DefaultConfig()).login()
	c.srv.Sim.SetFaults(Faults{Malformed: "GET /v1/domains", Truncate: "GET /v1/clusters"})
	st, b := c.do("GET", "/v1/domains", nil)
	var v any
	if st != http.StatusOK || json.Unmarshal(b, &v) == nil {
		t.Fatalf("malformed: %d, body valid JSON: %s", st, truncate(b))
	}
	resp, err := c.send("GET", "/v1/clusters", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated body read error = %v, want unexpected EOF", err)
	}
	var hosts hostsPage
	c.get("/v1/hosts", &hosts) // others stay intact
}

func TestFaultSlowBody(t *testing.T) {
	c := startServer(t, DefaultConfig()).login()
	c.srv.Sim.SetFaults(Faults{SlowBody: 200 * time.Millisecond})
	start := time.Now()
	var hosts hostsPage
	c.get("/v1/hosts", &hosts)
	if took := time.Since(start); took < 180*time.Millisecond {
		t.Fatalf("slow body took %s", took)
	}
	if len(hosts.Elements) == 0 {
		t.Fatal("no hosts")
	}
}

func TestFaultFailUpgrade(t *testing.T) {
	c := startClocked(t, fastConfig()).login()
	dom := c.domainID("mgmt-domain")
	var fut struct {
		Elements []futureRelease `json:"elements"`
	}
	c.get("/v1/releases/domains/"+dom+"/future-releases", &fut)
	next := nextRelease(fut.Elements, "5.1.1.0")
	c.do("PATCH", "/v1/releases/domains/"+dom, map[string]string{"targetVersion": next.Version})
	sddc := next.PatchBundles[0].BundleID
	c.do("PATCH", "/v1/bundles/"+sddc, map[string]any{"bundleDownloadSpec": map[string]bool{"downloadNow": true}})
	c.eventually("download", func() bool {
		var bj struct{ DownloadStatus string }
		c.get("/v1/bundles/"+sddc, &bj)
		return bj.DownloadStatus == "SUCCESSFUL"
	})
	if st, b := c.do("PUT", "/sim/faults", `{"failUpgrade":"SDDC_MANAGER"}`); st != http.StatusOK {
		t.Fatalf("PUT /sim/faults: %d %s", st, b)
	}
	spec := map[string]any{"bundleId": sddc, "resourceType": "DOMAIN", "resourceUpgradeSpecs": []map[string]any{{"resourceId": dom, "upgradeNow": true}}}
	st, b := c.do("POST", "/v1/upgrades", spec)
	if st != http.StatusAccepted {
		t.Fatalf("upgrade: %d %s", st, b)
	}
	var task taskResp
	mustJSON(t, b, &task)
	c.checkUpgradeIDIsTaskID(task.ID)
	id := task.ID
	c.eventually("failed upgrade", func() bool {
		st, b := c.do("GET", "/v1/upgrades/"+id, nil)
		var u struct{ Status string }
		if st == http.StatusOK {
			mustJSON(t, b, &u)
		}
		return u.Status == "COMPLETED_WITH_FAILURE"
	})
	c.get("/v1/tasks/"+task.ID, &task)
	if task.Status != "FAILED" || len(task.Errors) == 0 || task.Errors[0].Message == "" {
		t.Fatalf("failed task: %+v", task)
	}
	var mgrs struct{ Elements []struct{ Version string } }
	c.get("/v1/sddc-managers", &mgrs)
	if mgrs.Elements[0].Version != "5.1.1.0-23480823" {
		t.Fatalf("failed upgrade changed the version to %s", mgrs.Elements[0].Version)
	}
	// The component is offered again, and a retry without the fault works.
	var ups upgradablesPage
	c.get("/v1/upgradables/domains/"+dom, &ups)
	if ups.Elements[0].Status != "AVAILABLE" {
		t.Fatalf("after failure: %+v", ups.Elements[0])
	}
	c.srv.Sim.SetFaults(Faults{})
	if st, b := c.do("POST", "/v1/upgrades", spec); st != http.StatusAccepted {
		t.Fatalf("retry: %d %s", st, b)
	}
	c.eventually("retried upgrade", func() bool {
		st, b := c.do("GET", "/v1/sddc-managers", nil)
		return st == http.StatusOK && strings.Contains(string(b), next.Bom[0].Version)
	})
}

func TestStatsAndControlAPI(t *testing.T) {
	c := startServer(t, DefaultConfig())
	c.do("GET", "/v1/domains", nil) // 401, still counted
	c.login()
	var hosts hostsPage
	c.get("/v1/hosts", &hosts)
	c.get("/v1/hosts/"+hosts.Elements[0].ID, &struct{}{})
	c.get("/v1/hosts/"+hosts.Elements[1].ID, &struct{}{})
	c.do("GET", "/v1/unknown", nil)
	c.do("GET", "/sim/stats", nil) // not counted
	var stats map[string]int64
	c.get("/sim/stats", &stats)
	want := map[string]int64{"GET /v1/domains": 1, "POST /v1/tokens": 1, "GET /v1/hosts": 1, "GET /v1/hosts/{id}": 2, "GET /v1/unknown": 1}
	for k, v := range want {
		if stats[k] != v {
			t.Errorf("stats[%q] = %d, want %d (all: %v)", k, stats[k], v, stats)
		}
	}
	if len(stats) != len(want) {
		t.Errorf("stats %v, want %v", stats, want)
	}
	if st, _ := c.do("POST", "/sim/stats/reset", nil); st != http.StatusNoContent {
		t.Fatal(st)
	}
	if s := c.srv.Sim.Stats(); len(s) != 0 {
		t.Fatalf("after reset: %v", s)
	}
	// Faults over HTTP, with duration strings.
	st, b := c.do("PUT", "/sim/faults", `{"latency":"5ms","failEndpoint":"GET /v1/domains","failCount":1,"errorCode":500}`)
	if st != http.StatusOK {
		t.Fatalf("PUT /sim/faults: %d %s", st, b)
	}
	f := c.srv.Sim.Faults()
	if f.Latency != 5*time.Millisecond || f.FailEndpoint != "GET /v1/domains" || f.FailCount != 1 {
		t.Fatalf("faults %+v", f)
	}
	for _, body := range []string{`{"latency":"soon"}`, `{"errorRate":3}`, `{"outageMode":"boom"}`, `nope`} {
		if st, _ := c.do("PUT", "/sim/faults", body); st != http.StatusBadRequest {
			t.Errorf("PUT /sim/faults %s: %d, want 400", body, st)
		}
	}
	if st, _ := c.do("DELETE", "/sim/faults", nil); st != http.StatusNoContent {
		t.Fatal(st)
	}
	if st, _ := c.do("PUT", "/sim/prechecks", `{"errors":-1,"warnings":0}`); st != http.StatusBadRequest {
		t.Errorf("negative prechecks accepted: %d", st)
	}
	if st, _ := c.do("GET", "/sim/nothing", nil); st != http.StatusNotFound {
		t.Errorf("unknown control endpoint: %d", st)
	}
}

func TestConfigLatency(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Latency = 200 * time.Millisecond
	c := startServer(t, cfg)
	start := time.Now()
	c.login() // POST /v1/tokens is delayed too
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Fatalf("login took %s with --latency 200ms", took)
	}
	// /sim is not delayed: with an hour of latency it still answers.
	cfg.Latency = time.Hour
	c = startServer(t, cfg)
	c.hc.Timeout = 30 * time.Second
	if st, _ := c.do("GET", "/sim/stats", nil); st != http.StatusOK {
		t.Errorf("/sim/stats: %d", st)
	}
}

// A 502 from FailEndpoint either keeps the request from the handler (the
// change never happens) or, with FailAfter, replaces the answer of a
// request that was processed (the change happened).
func TestFaultFailBeforeOrAfterProcessing(t *testing.T) {
	for _, after := range []bool{false, true} {
		c := startServer(t, DefaultConfig()).login()
		dom := c.domainID("mgmt-domain")
		c.srv.Sim.SetFaults(Faults{FailEndpoint: "PATCH /v1/releases/domains/{domainId}", FailCode: 502, FailCount: 1, FailAfter: after})
		if st, b := c.do("PATCH", "/v1/releases/domains/"+dom, map[string]string{"targetVersion": "5.2.0.0"}); st != http.StatusBadGateway {
			t.Fatalf("after=%v: %d %s, want 502", after, st, b)
		}
		var view struct {
			TargetVersion string `json:"targetVersion"`
		}
		c.get("/v1/releases/domains/"+dom, &view)
		if got := view.TargetVersion == "5.2.0.0"; got != after {
			t.Fatalf("after=%v: target %q: the change happened = %v", after, view.TargetVersion, got)
		}
	}
}

// Empty answers one request of the named endpoint with an empty page.
func TestFaultEmptyOnce(t *testing.T) {
	c := startServer(t, DefaultConfig()).login()
	c.srv.Sim.SetFaults(Faults{Empty: "GET /v1/domains"})
	var n []int
	for range 3 {
		var p page[json.RawMessage]
		c.get("/v1/domains", &p)
		if p.PageMetadata.TotalElements != len(p.Elements) {
			t.Fatalf("page metadata says %d of %d", p.PageMetadata.TotalElements, len(p.Elements))
		}
		n = append(n, len(p.Elements))
	}
	if n[0] != 0 || n[1] == 0 || n[2] != n[1] {
		t.Fatalf("domains per read %v, want one empty answer, then all", n)
	}
	if f := c.srv.Sim.Faults(); f.Empty != "" {
		t.Fatalf("the used one-shot still shows: %+v", f)
	}
}

// LagUpgrades leaves a new upgrade out of the list for N reads.
func TestFaultLagUpgrades(t *testing.T) {
	s, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	s.SetFaults(Faults{LagUpgrades: 2})
	s.mu.Lock()
	d := s.inv.domains[0]
	d.target = "5.2.0.0"
	b := s.rel.byVersion["5.2.0.0"].bundles[compSDDC]
	now := s.clk.sim()
	tj := s.startUpgrade(d, b, nil, upgradeSpec{BundleID: b.id, ResourceType: "DOMAIN", ResourceUpgradeSpecs: []resourceUpgradeSpec{{ResourceID: d.id}}}, now, now)
	s.mu.Unlock()
	r := httptest.NewRequest(http.MethodGet, "/v1/upgrades", nil)
	for i, want := range []int{0, 0, 1, 1} {
		_, body := s.getUpgrades(r, nil)
		if n := len(body.(page[upgradeJSON]).Elements); n != want {
			t.Fatalf("read %d: %d upgrades, want %d", i, n, want)
		}
	}
	if st, _ := s.getUpgrade(r, vars{"upgradeId": tj.ID}); st != http.StatusOK {
		t.Fatalf("GET /v1/upgrades/{id} of a lagging upgrade: %d", st)
	}
}
