package vcfsim

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// specPath returns the OpenAPI file of an API version:
// vcf-<version>-openapi.json in $VCF_OPENAPI_DIR, else in
// ../shared/vcf-api relative to the module root.
func specPath(t *testing.T, version string) string {
	name := "vcf-" + version + "-openapi.json"
	if d := os.Getenv("VCF_OPENAPI_DIR"); d != "" {
		return filepath.Join(d, name)
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("module root (go.mod) not found")
		}
		dir = parent
	}
	return filepath.Join(dir, "..", "shared", "vcf-api", name)
}

func loadSpec(t *testing.T, version string) *openapi3.T {
	path := specPath(t, version)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("OpenAPI spec %s missing (CI=true): %v", path, err)
		}
		t.Skipf("OpenAPI spec %s not found (set VCF_OPENAPI_DIR): skipping conformance", path)
	}
	specMu.Lock()
	defer specMu.Unlock()
	sp, ok := specs[path]
	if !ok {
		sp.doc, sp.err = parseSpec(path)
		specs[path] = sp
	}
	if sp.err != nil {
		t.Fatalf("loading %s: %v", path, sp.err)
	}
	return sp.doc
}

// Each document is parsed once per test binary: they are 1.5 MB.
var (
	specMu sync.Mutex
	specs  = map[string]struct {
		doc *openapi3.T
		err error
	}{}
)

func parseSpec(path string) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false // the file is self-contained
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, err
	}
	// Real SDDC Manager puts an array under
	// presentedArtifactsMap["validation-domain-summary"] (clients read its
	// [0]) while the schema says each value is an object. We serve the
	// real shape, so this one map accepts any value.
	pam := doc.Components.Schemas["AssessmentOutput"].Value.Properties["presentedArtifactsMap"].Value
	pam.AdditionalProperties = openapi3.AdditionalProperties{Has: openapi3.Ptr(true)}
	return doc, nil
}

// conformance sends requests to a live simulator and validates each
// response against the OpenAPI document.
type conformance struct {
	t       *testing.T
	c       *tclient
	doc     *openapi3.T
	errSch  *openapi3.Schema
	covered map[string]bool // "METHOD template" with a validated 2xx answer
}

// Statuses the spec does not list per operation but the API answers
// anywhere: auth, unknown ids, wrong methods, outages. Their bodies must
// still be the Error schema.
var genericStatus = map[int]bool{400: true, 401: true, 404: true, 405: true, 503: true}

func (cf *conformance) check(method, template, path string, body any, want int) []byte {
	cf.t.Helper()
	resp, err := cf.c.send(method, path, body)
	if err != nil {
		cf.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		cf.t.Fatalf("%s %s: reading: %v", method, path, err)
	}
	data := buf.Bytes()
	if resp.StatusCode != want {
		cf.t.Errorf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, truncate(data))
		return data
	}
	if len(data) > 0 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		cf.t.Errorf("%s %s: content type %q", method, path, resp.Header.Get("Content-Type"))
	}
	var op *openapi3.Operation
	var item *openapi3.PathItem
	if template != "" {
		if item = cf.doc.Paths.Value(template); item != nil {
			op = item.GetOperation(method)
		}
	}
	if op != nil && op.Responses.Status(resp.StatusCode) != nil {
		// We route requests ourselves (every case names its template), so
		// no kin-openapi router and no server URL rewriting is needed.
		req, _ := http.NewRequest(method, path, nil)
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{
				Request: req,
				Route:   &routers.Route{Spec: cf.doc, Path: template, PathItem: item, Method: method, Operation: op},
			},
			Status: resp.StatusCode,
			Header: resp.Header,
			Options: &openapi3filter.Options{
				IncludeResponseStatus: true,
				MultiError:            true,
			},
		}
		in.SetBodyBytes(data)
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			cf.t.Errorf("%s %s -> %d does not match the spec: %v\nbody: %s", method, path, resp.StatusCode, shorten(err), truncate(data))
		} else if resp.StatusCode < 300 {
			cf.covered[method+" "+template] = true
		}
		return data
	}
	if !genericStatus[resp.StatusCode] && (resp.StatusCode != http.StatusFailedDependency || template != "/v1/upgrades") {
		cf.t.Errorf("%s %s -> %d: status not in the spec for this operation", method, path, resp.StatusCode)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		cf.t.Errorf("%s %s -> %d: body not JSON: %v", method, path, resp.StatusCode, err)
	} else if err := cf.errSch.VisitJSON(v); err != nil {
		cf.t.Errorf("%s %s -> %d: body is not an Error: %v", method, path, resp.StatusCode, err)
	} else if m, _ := v.(map[string]any); m["errorCode"] == nil || m["message"] == nil {
		cf.t.Errorf("%s %s -> %d: Error without errorCode/message: %s", method, path, resp.StatusCode, data)
	}
	return data
}

func shorten(err error) string {
	s := err.Error()
	if len(s) > 2000 {
		s = s[:2000] + "..."
	}
	return s
}

// TestConformance validates every endpoint of each simulated API version
// against that version's OpenAPI file.
func TestConformance(t *testing.T) {
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) { testConformance(t, v) })
	}
}

func testConformance(t *testing.T, version string) {
	doc := loadSpec(t, version)
	v9 := version != VCF521
	cfg := fastConfig()
	cfg.VCFVersion = version
	cfg.PrecheckErrors, cfg.PrecheckWarnings = 1, 2
	cfg.HostsPageSize = 10 // 26 hosts: three pages in 9.x
	c := startClocked(t, cfg)
	cf := &conformance{t: t, c: c, doc: doc, errSch: doc.Components.Schemas["Error"].Value, covered: map[string]bool{}}
	js := func(b []byte, out any) { mustJSON(t, b, out) }
	creds := map[string]string{"username": "admin@local", "password": "VMware1!VMware1!"}

	// Tokens.
	cf.check("GET", "/v1/domains", "/v1/domains", nil, 401)
	cf.check("POST", "/v1/tokens", "/v1/tokens", map[string]string{"username": "admin@local"}, 400)
	cf.check("POST", "/v1/tokens", "/v1/tokens", map[string]string{"username": "admin@local", "password": "no"}, 401)
	var tp struct {
		AccessToken  string
		RefreshToken struct{ ID string }
	}
	js(cf.check("POST", "/v1/tokens", "/v1/tokens", creds, 201), &tp)
	c.token = tp.AccessToken
	cf.check("PATCH", "/v1/tokens/access-token/refresh", "/v1/tokens/access-token/refresh", `"`+tp.RefreshToken.ID+`"`, 200)
	cf.check("PATCH", "/v1/tokens/access-token/refresh", "/v1/tokens/access-token/refresh", `"unknown"`, 404)
	cf.check("PATCH", "/v1/tokens/access-token/refresh", "/v1/tokens/access-token/refresh", `{}`, 400)
	cf.check("DELETE", "/v1/tokens/refresh-token", "/v1/tokens/refresh-token", `"`+tp.RefreshToken.ID+`"`, 204)

	// Inventory.
	var doms struct{ Elements []struct{ ID, Name string } }
	js(cf.check("GET", "/v1/domains", "/v1/domains", nil, 200), &doms)
	cf.check("GET", "/v1/domains", "/v1/domains?type=VI", nil, 200)
	dom := doms.Elements[0].ID
	cf.check("GET", "/v1/domains/{id}", "/v1/domains/"+dom, nil, 200)
	cf.check("GET", "/v1/domains/{id}", "/v1/domains/nope", nil, 404)
	var cls struct{ Elements []struct{ ID string } }
	js(cf.check("GET", "/v1/clusters", "/v1/clusters", nil, 200), &cls)
	cf.check("GET", "/v1/clusters", "/v1/clusters?isStretched=perhaps", nil, 400)
	cf.check("GET", "/v1/clusters/{id}", "/v1/clusters/"+cls.Elements[0].ID, nil, 200)
	cf.check("GET", "/v1/clusters/{id}", "/v1/clusters/nope", nil, 404)
	var hosts struct{ Elements []struct{ ID string } }
	js(cf.check("GET", "/v1/hosts", "/v1/hosts", nil, 200), &hosts)
	cf.check("GET", "/v1/hosts", "/v1/hosts?status=UNASSIGNED_USEABLE", nil, 200)
	cf.check("GET", "/v1/hosts", "/v1/hosts?status=SIDEWAYS", nil, 400)
	cf.check("GET", "/v1/hosts/{id}", "/v1/hosts/"+hosts.Elements[0].ID, nil, 200)
	cf.check("GET", "/v1/hosts/{id}", "/v1/hosts/nope", nil, 404)
	if v9 {
		cf.check("GET", "/v1/hosts", "/v1/hosts?page=3&size=10", nil, 200)
		cf.check("GET", "/v1/hosts", "/v1/hosts?page=9", nil, 200)
		cf.check("GET", "/v1/hosts", "/v1/hosts?size=0", nil, 400)
		cf.check("GET", "/v1/hosts", "/v1/hosts?fqdn=nope", nil, 200)
	}
	cf.check("GET", "/v1/sddc-managers", "/v1/sddc-managers", nil, 200)

	// Releases.
	cf.check("GET", "/v1/releases", "/v1/releases", nil, 200)
	cf.check("GET", "/v1/releases", "/v1/releases?domainId="+dom+"&getFutureReleases=true", nil, 200)
	cf.check("GET", "/v1/releases", "/v1/releases?versionGt=5.2.0.0", nil, 200)
	cf.check("GET", "/v1/releases", "/v1/releases?domainId=nope", nil, 404)
	cf.check("GET", "/v1/releases/domains", "/v1/releases/domains", nil, 200)
	cf.check("GET", "/v1/releases/domains/{domainId}", "/v1/releases/domains/"+dom, nil, 200)
	cf.check("GET", "/v1/releases/domains/{domainId}", "/v1/releases/domains/nope", nil, 404)
	var fut struct{ Elements []futureRelease }
	js(cf.check("GET", "/v1/releases/domains/{domainId}/future-releases", "/v1/releases/domains/"+dom+"/future-releases", nil, 200), &fut)
	cf.check("GET", "/v1/releases/domains/{domainId}/future-releases", "/v1/releases/domains/nope/future-releases", nil, 404)
	current, notPath := map[string]string{VCF521: "5.1.1.0", VCF902: "9.0.0.0", VCF910: "9.0.2.0"}[version],
		map[string]string{VCF521: "9.0.0.0", VCF902: "9.0.2.1", VCF910: "9.1.0.1"}[version]
	next := nextRelease(fut.Elements, current)
	cf.check("PATCH", "/v1/releases/domains/{domainId}", "/v1/releases/domains/"+dom, map[string]string{"targetVersion": "1.2.3.4"}, 404)
	cf.check("PATCH", "/v1/releases/domains/{domainId}", "/v1/releases/domains/"+dom, map[string]string{"targetVersion": notPath}, 400)
	cf.check("PATCH", "/v1/releases/domains/{domainId}", "/v1/releases/domains/nope", map[string]string{"targetVersion": next.Version}, 404)
	cf.check("PATCH", "/v1/releases/domains/{domainId}", "/v1/releases/domains/"+dom, map[string]string{"targetVersion": next.Version}, 200)

	// Bundles. The upgrade before the download fails with 424. The
	// upgrade tested is SDDC Manager's in 5.2.1; in 9.x SDDC Manager is
	// upgraded by VCF Operations (refused here, done through the
	// simulator) and the upgrade tested is NSX's.
	sddcBundle := next.PatchBundles[0].BundleID
	spec := func(bundle string) map[string]any {
		return map[string]any{"bundleId": bundle, "resourceType": "DOMAIN", "resourceUpgradeSpecs": []map[string]any{{"resourceId": dom, "upgradeNow": true}}}
	}
	upBundle := sddcBundle
	if v9 {
		cf.check("POST", "/v1/upgrades", "/v1/upgrades", spec(sddcBundle), 400)
		cf.check("GET", "/v1/upgradables/domains/{domainId}", "/v1/upgradables/domains/"+dom, nil, 200)
		if c.srv.Sim.SddcManagerVersion() != next.Version { // 9.1.0: SDDC Manager runs 9.1 already
			if _, err := c.srv.Sim.UpgradeSddcManager(next.Version); err != nil {
				t.Fatal(err)
			}
			c.eventually("SDDC Manager upgraded by VCF Operations", func() bool {
				return c.srv.Sim.SddcManagerVersion() == next.Version
			})
		}
		upBundle = next.PatchBundles[1].BundleID
	}
	upSpec := spec(upBundle)
	cf.check("POST", "/v1/upgrades", "/v1/upgrades", upSpec, 424)
	cf.check("GET", "/v1/bundles", "/v1/bundles", nil, 200)
	cf.check("GET", "/v1/bundles/{id}", "/v1/bundles/"+sddcBundle, nil, 200)
	cf.check("GET", "/v1/bundles/{id}", "/v1/bundles/nope", nil, 404)
	dl := map[string]any{"bundleDownloadSpec": map[string]bool{"downloadNow": true}}
	cf.check("PATCH", "/v1/bundles/{id}", "/v1/bundles/"+upBundle, map[string]any{}, 400)
	cf.check("PATCH", "/v1/bundles/{id}", "/v1/bundles/"+upBundle, dl, 202)
	cf.check("PATCH", "/v1/bundles/{id}", "/v1/bundles/"+upBundle, dl, 409)
	c.eventually("download", func() bool {
		var b struct{ DownloadStatus string }
		js(cf.check("GET", "/v1/bundles/{id}", "/v1/bundles/"+upBundle, nil, 200), &b)
		return b.DownloadStatus == "SUCCESSFUL"
	})

	// Check sets.
	cf.check("POST", "/v1/system/check-sets/queries", "/v1/system/check-sets/queries", map[string]any{"checkSetType": "UPGRADE"}, 400)
	cf.check("POST", "/v1/system/check-sets/queries", "/v1/system/check-sets/queries", map[string]any{"checkSetType": "UPGRADE", "domains": []map[string]string{{"domainId": "nope"}}}, 400)
	var q struct {
		QueryID   string
		Resources []map[string]any
	}
	js(cf.check("POST", "/v1/system/check-sets/queries", "/v1/system/check-sets/queries", map[string]any{"checkSetType": "UPGRADE", "domains": []map[string]string{{"domainId": dom}}}, 200), &q)
	var sel []map[string]any
	for _, r := range q.Resources {
		sets := []map[string]any{}
		for _, cs := range r["checkSets"].([]any) {
			sets = append(sets, map[string]any{"checkSetId": cs.(map[string]any)["checkSetId"]})
		}
		sel = append(sel, map[string]any{"resourceType": r["resourceType"], "resourceId": r["resourceId"], "resourceName": r["resourceName"], "domain": r["domain"], "checkSets": sets})
	}
	cf.check("POST", "/v1/system/check-sets", "/v1/system/check-sets", map[string]any{"queryId": "nope", "resources": sel}, 400)
	var run struct{ ID string }
	js(cf.check("POST", "/v1/system/check-sets", "/v1/system/check-sets", map[string]any{"queryId": q.QueryID, "resources": sel}, 202), &run)
	cf.check("GET", "/v1/system/check-sets/{runId}", "/v1/system/check-sets/nope", nil, 404)
	c.eventually("check run", func() bool {
		var a struct{ Status string }
		js(cf.check("GET", "/v1/system/check-sets/{runId}", "/v1/system/check-sets/"+run.ID, nil, 200), &a)
		return a.Status == "COMPLETED_WITH_SUCCESS"
	})

	// Upgradables and the upgrade.
	cf.check("GET", "/v1/upgradables/domains/{domainId}", "/v1/upgradables/domains/"+dom, nil, 200)
	cf.check("GET", "/v1/upgradables/domains/{domainId}", "/v1/upgradables/domains/nope", nil, 404)
	cf.check("GET", "/v1/upgradables/domains/{domainId}/clusters", "/v1/upgradables/domains/"+dom+"/clusters", nil, 200)
	cf.check("GET", "/v1/upgradables/domains/{domainId}/clusters", "/v1/upgradables/domains/nope/clusters", nil, 404)
	cf.check("GET", "/v1/upgradables/domains/{domainId}/nsxt", "/v1/upgradables/domains/"+dom+"/nsxt?bundleId="+next.PatchBundles[1].BundleID, nil, 200)
	cf.check("GET", "/v1/upgradables/domains/{domainId}/nsxt", "/v1/upgradables/domains/nope/nsxt", nil, 404)
	cf.check("POST", "/v1/upgrades", "/v1/upgrades", map[string]any{"bundleId": sddcBundle}, 400)
	var task struct{ ID string }
	if version == VCF910 {
		// The upgrade waits for a person: BLOCKED on the upgrade and the
		// domain, then it goes on.
		if err := c.srv.Sim.BlockUpgrades("NSX_T_MANAGER"); err != nil {
			t.Fatal(err)
		}
	}
	js(cf.check("POST", "/v1/upgrades", "/v1/upgrades", upSpec, 202), &task)
	if version == VCF910 {
		var u struct{ Status string }
		js(cf.check("GET", "/v1/upgrades/{upgradeId}", "/v1/upgrades/"+task.ID, nil, 200), &u)
		var d struct{ UpgradeStatus struct{ Status string } }
		js(cf.check("GET", "/v1/domains/{id}", "/v1/domains/"+dom, nil, 200), &d)
		if u.Status != "BLOCKED" || d.UpgradeStatus.Status != "BLOCKED" {
			t.Errorf("blocked upgrade: upgrade %s, domain %s, want BLOCKED", u.Status, d.UpgradeStatus.Status)
		}
		c.srv.Sim.UnblockUpgrades()
	}
	// The SDDC Manager upgrade takes the API down for a simulated hour;
	// the remaining checks run once it is back and done.
	var upgradeID string
	c.eventually("upgrade done", func() bool {
		st, b := c.do("GET", "/v1/upgrades", nil)
		if st != http.StatusOK {
			return false
		}
		var ups struct{ Elements []struct{ ID, Status string } }
		js(b, &ups)
		upgradeID = ups.Elements[0].ID
		return ups.Elements[0].Status == "COMPLETED_WITH_SUCCESS"
	})
	cf.check("GET", "/v1/upgrades", "/v1/upgrades", nil, 200)
	cf.check("GET", "/v1/upgrades", "/v1/upgrades?status=COMPLETED_WITH_SUCCESS", nil, 200)
	cf.check("GET", "/v1/upgrades/{upgradeId}", "/v1/upgrades/"+upgradeID, nil, 200)
	cf.check("GET", "/v1/upgrades/{upgradeId}", "/v1/upgrades/nope", nil, 404)
	cf.check("GET", "/v1/tasks", "/v1/tasks", nil, 200)
	cf.check("GET", "/v1/tasks", "/v1/tasks?taskStatus=SUCCESSFUL", nil, 200)
	cf.check("GET", "/v1/tasks", "/v1/tasks?pageNumber=1&pageSize=1", nil, 200)
	cf.check("GET", "/v1/tasks", "/v1/tasks?pageSize=0", nil, 400)
	cf.check("GET", "/v1/tasks/{id}", "/v1/tasks/"+task.ID, nil, 200)
	cf.check("GET", "/v1/tasks/{id}", "/v1/tasks/nope", nil, 404)

	// Upgrade pre-checks: the deprecated endpoint, and on 9.1 check-set
	// runs tied to the upgrade.
	var pre struct{ ID string }
	js(cf.check("POST", "/v1/upgrades/{upgradeId}/prechecks", "/v1/upgrades/"+upgradeID+"/prechecks", nil, 202), &pre)
	cf.check("POST", "/v1/upgrades/{upgradeId}/prechecks", "/v1/upgrades/nope/prechecks", nil, 404)
	cf.check("GET", "/v1/upgrades/{upgradeId}/prechecks/{precheckId}", "/v1/upgrades/"+upgradeID+"/prechecks/"+pre.ID, nil, 200)
	cf.check("GET", "/v1/upgrades/{upgradeId}/prechecks/{precheckId}", "/v1/upgrades/"+upgradeID+"/prechecks/nope", nil, 404)
	withMeta := func(id string) map[string]any {
		return map[string]any{"queryId": q.QueryID, "resources": sel, "metadata": map[string]any{"targetVersion": next.Version, "upgradeId": id}}
	}
	cf.check("POST", "/v1/system/check-sets", "/v1/system/check-sets", withMeta(upgradeID), 202)
	if version == VCF910 {
		cf.check("POST", "/v1/system/check-sets", "/v1/system/check-sets", withMeta("nope"), 400)
	}

	// Validations.
	cf.check("POST", "/v1/releases/domains/{domainId}/validations", "/v1/releases/domains/"+dom+"/validations", map[string]string{}, 400)
	var val struct{ ID string }
	js(cf.check("POST", "/v1/releases/domains/{domainId}/validations", "/v1/releases/domains/"+dom+"/validations", map[string]string{"targetVersion": next.Version}, 202), &val)
	cf.check("GET", "/v1/releases/domains/validations/{validationId}", "/v1/releases/domains/validations/nope", nil, 404)
	c.eventually("validation", func() bool {
		var v struct{ ExecutionStatus string }
		js(cf.check("GET", "/v1/releases/domains/validations/{validationId}", "/v1/releases/domains/validations/"+val.ID, nil, 200), &v)
		return v.ExecutionStatus == "COMPLETED"
	})

	checkHealth(cf, c, dom)

	// Generic errors.
	cf.check("DELETE", "/v1/domains", "/v1/domains", nil, 405)
	cf.check("GET", "", "/v1/no/such/thing", nil, 404)
	c.srv.Sim.SetFaults(Faults{FailEndpoint: "GET /v1/hosts", FailCode: 500, FailCount: 1})
	cf.check("GET", "/v1/hosts", "/v1/hosts", nil, 500)
	c.srv.Sim.SetFaults(Faults{Outage: time.Minute})
	cf.check("GET", "/v1/domains", "/v1/domains", nil, 503)
	c.srv.Sim.SetFaults(Faults{})

	var missing []string
	for _, r := range c.srv.Sim.Routes() {
		if !cf.covered[r] {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		t.Errorf("endpoints without a validated success answer: %v", missing)
	}
	if t.Failed() {
		return
	}
	t.Logf("validated %d endpoints against %s", len(cf.covered), filepath.Base(specPath(t, version)))
}

// TestConformanceSpecMissing runs TestConformance in a child process with
// a missing spec: it must skip, or fail when CI=true.
func TestConformanceSpecMissing(t *testing.T) {
	if os.Getenv("VCFSIM_CHILD") == "1" {
		t.Skip("child process")
	}
	missing := filepath.Join(t.TempDir(), "absent")
	for _, ci := range []string{"", "true"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConformance$", "-test.v")
		cmd.Env = append(os.Environ(), "VCF_OPENAPI_DIR="+missing, "CI="+ci, "VCFSIM_CHILD=1")
		out, err := cmd.CombinedOutput()
		switch {
		case ci == "" && (err != nil || !bytes.Contains(out, []byte("--- SKIP: TestConformance"))):
			t.Errorf("without CI: err=%v, want a skip:\n%s", err, out)
		case ci == "true" && (err == nil || !bytes.Contains(out, []byte("missing (CI=true)"))):
			t.Errorf("with CI=true: err=%v, want a failure:\n%s", err, out)
		}
	}
}

// TestConformanceValidatorBites proves the validation above can fail: a
// Bundle without its required downloadStatus is rejected.
func TestConformanceValidatorBites(t *testing.T) {
	doc := loadSpec(t, VCF521)
	item := doc.Paths.Value("/v1/bundles/{id}")
	req, _ := http.NewRequest(http.MethodGet, "/v1/bundles/x", nil)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req,
			Route:   &routers.Route{Spec: doc, Path: "/v1/bundles/{id}", PathItem: item, Method: "GET", Operation: item.Get},
		},
		Status:  200,
		Header:  http.Header{"Content-Type": {"application/json"}},
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes([]byte(`{"id":"x","type":"VMWARE_SOFTWARE","sizeMB":"big"}`))
	if err := openapi3filter.ValidateResponse(context.Background(), in); err == nil {
		t.Fatal("a Bundle missing downloadStatus with a string sizeMB passed validation")
	}
}
