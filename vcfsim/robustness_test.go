package vcfsim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

// TestBadBodies sends malformed or wrongly typed bodies to every endpoint
// that takes one: each must get a 4xx Error, never a 5xx or a panic.
func TestBadBodies(t *testing.T) {
	s, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	auth := "Bearer " + loginDirect(s)
	bodies := []string{"", "null", "[]", `"x"`, "{}", `{"a":`, "123", `{"targetVersion":5}`, strings.Repeat("[", 10000),
		`{"bundleId":"x","resourceType":"DOMAIN","resourceUpgradeSpecs":[{}]}`, `{"queryId":"x","resources":[{}]}`,
		`{"checkSetType":"UPGRADE","domains":[{"domainId":""}]}`, `{"bundleDownloadSpec":{"scheduledTimestamp":"soon"}}`}
	for _, rt := range s.Routes() {
		method, tmpl, _ := strings.Cut(rt, " ")
		if method == "GET" {
			continue
		}
		path := strings.NewReplacer("{id}", "x", "{domainId}", s.inv.domains[0].id).Replace(tmpl)
		if strings.HasPrefix(tmpl, "/v1/bundles/") {
			path = "/v1/bundles/" + s.rel.list[2].bundles[compSDDC].id
		}
		for _, b := range bodies {
			req := httptest.NewRequest(method, path, strings.NewReader(b))
			req.Header.Set("Authorization", auth)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if method == "DELETE" && b == `"x"` { // a valid, unknown refresh token: 204 as the spec says
				if rec.Code != http.StatusNoContent {
					t.Errorf("DELETE %s: %d", path, rec.Code)
				}
				continue
			}
			if rec.Code < 400 || rec.Code > 499 || !strings.Contains(rec.Body.String(), `"errorCode"`) {
				t.Errorf("%s %s with %.40q: %d %s", method, path, b, rec.Code, truncate(rec.Body.Bytes()))
			}
		}
	}
}

// TestConcurrentUse hammers the simulator from several clients while
// upgrades progress and faults change, for the race detector.
func TestConcurrentUse(t *testing.T) {
	c := startServer(t, fastConfig()).login()
	dom := c.domainID("mgmt-domain")
	var fut struct {
		Elements []futureRelease `json:"elements"`
	}
	c.get("/v1/releases/domains/"+dom+"/future-releases", &fut)
	next := nextRelease(fut.Elements, "5.1.1.0")
	c.do("PATCH", "/v1/releases/domains/"+dom, map[string]string{"targetVersion": next.Version})
	var wg sync.WaitGroup
	// The clients run until the changes below are made and requests have
	// been counted after them, however slowly a busy machine runs them.
	stop := make(chan struct{})
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	defer func() { // also when WaitFor below fails the test
		if !stopped() {
			close(stop)
		}
		wg.Wait()
	}()
	paths := []string{"/v1/hosts", "/v1/domains", "/v1/clusters", "/v1/upgradables/domains/" + dom, "/v1/tasks", "/v1/bundles", "/v1/releases/domains"}
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stopped(); i++ {
				resp, err := c.send("GET", paths[(g+i)%len(paths)], nil)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	for _, pb := range next.PatchBundles {
		c.do("PATCH", "/v1/bundles/"+pb.BundleID, map[string]any{"bundleDownloadSpec": map[string]bool{"downloadNow": true}})
	}
	c.srv.Sim.SetFaults(Faults{Latency: time.Millisecond, ErrorRate: 0.1})
	c.srv.Sim.SetPrecheckFindings(1, 1)
	c.srv.Sim.ResetStats()
	testutil.WaitFor(t, time.Minute, "requests counted after the reset", func() bool { return len(c.srv.Sim.Stats()) > 0 })
	close(stop)
}
