package vcfsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func v9Config() Config {
	cfg := fastConfig()
	cfg.VCFVersion = VCF902
	return cfg
}

// TestHostsPaging902: 9.x pages GET /v1/hosts (from 1, default and largest
// size HostsPageSize); a client that does not page misses hosts. 5.2.1
// ignores the parameters.
func TestHostsPaging902(t *testing.T) {
	type hostsPage struct {
		Elements []struct {
			ID   string          `json:"id"`
			FQDN string          `json:"fqdn"`
			Gpus json.RawMessage `json:"gpus"`
		} `json:"elements"`
		PageMetadata pageMetadata `json:"pageMetadata"`
	}
	cfg := v9Config()
	cfg.HostsPageSize = 7
	cfg.PageBase = 1
	c := startServer(t, cfg).login()
	total := len(c.srv.Sim.inv.hosts) // 26

	var unpaged hostsPage
	c.get("/v1/hosts", &unpaged)
	if len(unpaged.Elements) != 7 || unpaged.PageMetadata != (pageMetadata{PageNumber: 1, PageSize: 7, TotalElements: total, TotalPages: 4}) {
		t.Fatalf("unpaged: %d hosts, %+v", len(unpaged.Elements), unpaged.PageMetadata)
	}
	seen := map[string]bool{}
	for page := 1; page <= 4; page++ {
		var p hostsPage
		c.get(fmt.Sprintf("/v1/hosts?page=%d&size=1000", page), &p) // size capped at 7
		if p.PageMetadata.PageNumber != page || p.PageMetadata.TotalPages != 4 || p.PageMetadata.PageSize != len(p.Elements) {
			t.Fatalf("page %d: %+v with %d hosts", page, p.PageMetadata, len(p.Elements))
		}
		for _, h := range p.Elements {
			if seen[h.ID] {
				t.Fatalf("host %s on two pages", h.ID)
			}
			seen[h.ID] = true
		}
	}
	if len(seen) != total {
		t.Fatalf("pages hold %d hosts, want %d", len(seen), total)
	}
	var beyond, huge, small, one hostsPage
	c.get("/v1/hosts?page=5", &beyond)
	c.get("/v1/hosts?page=9223372036854775807&size=7", &huge)
	c.get("/v1/hosts?page=2&size=3", &small)
	c.get("/v1/hosts?fqdn="+unpaged.Elements[2].FQDN, &one)
	if len(beyond.Elements) != 0 || len(huge.Elements) != 0 || huge.PageMetadata.TotalElements != total || len(small.Elements) != 3 || small.PageMetadata.TotalPages != 9 || len(one.Elements) != 1 {
		t.Fatalf("page 5: %d hosts; page 2 of 3: %+v; by fqdn: %d", len(beyond.Elements), small.PageMetadata, len(one.Elements))
	}
	for _, q := range []string{"page=0", "size=-1", "page=x"} {
		if st, b := c.do("GET", "/v1/hosts?"+q, nil); st != http.StatusBadRequest {
			t.Errorf("?%s: %d %s", q, st, b)
		}
	}

	old := startServer(t, fastConfig()).login()
	var all hostsPage
	old.get("/v1/hosts?page=2&size=3", &all)
	if len(all.Elements) != total || all.PageMetadata.TotalPages != 1 || all.Elements[0].Gpus != nil {
		t.Fatalf("5.2.1 paged or has gpus: %d hosts, %+v", len(all.Elements), all.PageMetadata)
	}
}

// TestShapes902 checks the 9.x fields (VCF9.md) are served in the 9.x
// modes and absent in 5.2.1 mode.
func TestShapes902(t *testing.T) {
	// Per version: the prefix of the future releases of the management
	// domain, SDDC Manager's version, and a valid next target.
	want := map[string]struct{ releases, sddc, next string }{
		VCF521: {"5.", "5.1.1.0-", "5.2.0.0"},
		VCF902: {"9.0.", "9.0.0.0-", "9.0.1.0"},
		VCF910: {"9.1.", "9.1.0.0-", "9.1.0.0"},
	}
	for _, version := range Versions() {
		cfg := fastConfig()
		cfg.VCFVersion = version
		cfg.PrecheckWarnings = 2
		c := startClocked(t, cfg).login()
		v9 := version != VCF521
		w := want[version]
		get := func(path string) string {
			st, b := c.do("GET", path, nil)
			if st != http.StatusOK {
				t.Fatalf("%s GET %s: %d %s", version, path, st, b)
			}
			return string(b)
		}
		has := func(what, body, s string) {
			if strings.Contains(body, s) != v9 {
				t.Errorf("%s: %s contains %s: %v, want %v", version, what, s, !v9, v9)
			}
		}
		hosts := get("/v1/hosts")
		has("hosts", hosts, `"gpus":[{"deviceName":"NVIDIA`)
		has("hosts", hosts, `"vgpuState":"DRIVER_MISSING"`)
		has("hosts", hosts, `"vgpuState":"NO_NVIDIA_GPU"`)
		if strings.Contains(hosts, `"isPrimary"`) == v9 || strings.Contains(hosts, `"isVsanEsaEligible"`) == v9 {
			t.Errorf("%s: isPrimary/isVsanEsaEligible served wrongly", version)
		}
		if doms := get("/v1/domains"); strings.Contains(doms, "vropsIntegrationStatus") == v9 {
			t.Errorf("%s: vropsIntegrationStatus served wrongly", version)
		}
		mgmt := c.domainID("mgmt-domain")
		var fut struct {
			Elements []struct {
				Version                 string  `json:"version"`
				MinCompatibleVcfVersion *string `json:"minCompatibleVcfVersion"`
				MinInstallerVersion     string  `json:"minInstallerVersion"`
				Bom                     []struct {
					Name               string `json:"name"`
					LifecycleManagedBy string `json:"lifecycleManagedBy"`
				} `json:"bom"`
			} `json:"elements"`
		}
		c.get("/v1/releases/domains/"+mgmt+"/future-releases", &fut)
		withoutMin, managed := 0, map[string]string{}
		for _, r := range fut.Elements {
			if !strings.HasPrefix(r.Version, w.releases) && r.Version != "9.0.0.0" {
				t.Errorf("%s: release %s", version, r.Version)
			}
			if r.MinCompatibleVcfVersion == nil {
				withoutMin++
			}
			if (r.MinInstallerVersion != "") != v9 {
				t.Errorf("%s: release %s minInstallerVersion %q", version, r.Version, r.MinInstallerVersion)
			}
			for _, p := range r.Bom {
				managed[p.Name] = p.LifecycleManagedBy
			}
		}
		if v9 && (withoutMin == 0 || withoutMin == len(fut.Elements) || managed["SDDC_MANAGER_VCF"] != ManagedByVcfOperations || managed["VCENTER"] != ManagedBySddcManager) {
			t.Errorf("9.x: %d of %d releases without minCompatibleVcfVersion, managed by %v", withoutMin, len(fut.Elements), managed)
		}
		if !v9 && (withoutMin != 0 || managed["VCENTER"] != "") {
			t.Errorf("5.2.1: %d releases without minCompatibleVcfVersion, managed by %v", withoutMin, managed)
		}
		var sm struct{ Elements []struct{ Version string } }
		c.get("/v1/sddc-managers", &sm)
		if !strings.HasPrefix(sm.Elements[0].Version, w.sddc) {
			t.Errorf("%s: SDDC Manager version %s", version, sm.Elements[0].Version)
		}

		// Release validations: 9.x says which checks need acknowledgement.
		next := w.next
		st, b := c.do("POST", "/v1/releases/domains/"+mgmt+"/validations", map[string]string{"targetVersion": next})
		if st != http.StatusAccepted {
			t.Fatalf("%s: validation: %d %s", version, st, b)
		}
		var val struct{ ID string }
		mustJSON(t, b, &val)
		var checks struct {
			ExecutionStatus  string
			ValidationChecks []nestedCheck
		}
		c.eventually("validation", func() bool {
			c.get("/v1/releases/domains/validations/"+val.ID, &checks)
			return checks.ExecutionStatus == "COMPLETED"
		})
		acks, nested := 0, 0
		var walk func(cs []nestedCheck, depth int)
		walk = func(cs []nestedCheck, depth int) {
			for _, ch := range cs {
				if (ch.Acknowledge != nil) != v9 {
					t.Errorf("%s: acknowledge %v", version, ch.Acknowledge)
				}
				if ch.Acknowledge != nil && *ch.Acknowledge && ch.Severity == "WARNING" {
					acks++
					nested += depth
				}
				walk(ch.NestedValidationChecks, depth+1)
			}
		}
		walk(checks.ValidationChecks, 0)
		if v9 && acks != 2 {
			t.Errorf("9.x: %d warnings to acknowledge, want 2: %+v", acks, checks.ValidationChecks)
		}
		// 9.1 nests them (nestedValidationChecks); earlier versions cannot.
		if wantNested := map[bool]int{true: 2}[version == VCF910]; nested != wantNested {
			t.Errorf("%s: %d nested warnings, want %d", version, nested, wantNested)
		}
	}
}

// TestSddcManagerUpgrade902: in 9.x POST /v1/upgrades refuses SDDC
// Manager's bundle, the domain's other components wait in PENDING, and
// UpgradeSddcManager (VCF Operations) takes the API down and moves SDDC
// Manager to the target, after which NSX becomes AVAILABLE. Time moves
// only when the test moves it.
func TestSddcManagerUpgrade902(t *testing.T) {
	clk := newFakeClock()
	cfg := v9Config()
	cfg.TimeScale, cfg.Now, cfg.TokenTTL = 1, clk.Now, 24*time.Hour
	c := startServer(t, cfg).login()
	sim := c.srv.Sim
	mgmt := c.domainID("mgmt-domain")
	var fut struct{ Elements []futureRelease }
	c.get("/v1/releases/domains/"+mgmt+"/future-releases", &fut)
	next := nextRelease(fut.Elements, "9.0.0.0")
	if next == nil || next.Version != "9.0.1.0" {
		t.Fatalf("next release: %+v", next)
	}
	if st, b := c.do("PATCH", "/v1/releases/domains/"+mgmt, map[string]string{"targetVersion": next.Version}); st != http.StatusOK {
		t.Fatalf("target: %d %s", st, b)
	}
	for _, pb := range next.PatchBundles {
		c.do("PATCH", "/v1/bundles/"+pb.BundleID, map[string]any{"bundleDownloadSpec": map[string]bool{"downloadNow": true}})
	}
	statuses := func() map[string]string {
		var ups upgradablesPage
		c.get("/v1/upgradables/domains/"+mgmt, &ups)
		out := map[string]string{}
		for _, u := range ups.Elements {
			out[u.Resource.Type] = u.Status
		}
		return out
	}
	clk.Add(time.Hour) // downloads done
	if s := statuses(); s["SDDC_MANAGER"] != "PENDING" || s["NSXT_MANAGER"] != "PENDING" {
		t.Fatalf("before the SDDC Manager upgrade: %v", s)
	}
	spec := map[string]any{"bundleId": next.PatchBundles[0].BundleID, "resourceType": "DOMAIN", "resourceUpgradeSpecs": []map[string]any{{"resourceId": mgmt, "upgradeNow": true}}}
	st, b := c.do("POST", "/v1/upgrades", spec)
	if st != http.StatusBadRequest || !strings.Contains(string(b), "SDDC_MANAGER_UPGRADE_MANAGED_BY_VCF_OPERATIONS") {
		t.Fatalf("SDDC Manager upgrade through the API: %d %s", st, b)
	}

	// Refused external upgrades.
	for _, v := range []string{"", "9.0.0.0", "8.0.0.0"} {
		if _, err := sim.UpgradeSddcManager(v); err == nil {
			t.Errorf("UpgradeSddcManager(%q) accepted", v)
		}
	}
	if _, err := startServer(t, fastConfig()).srv.Sim.UpgradeSddcManager("5.2.0.0"); err == nil {
		t.Error("5.2.1 accepted an external SDDC Manager upgrade")
	}

	// Through the control API, as a non-Go test would.
	resp, err := c.hc.Post(c.srv.URL+"/sim/sddc-manager/upgrade", "application/json", strings.NewReader(`{"version":"9.0.1.0"}`))
	if err != nil {
		t.Fatal(err)
	}
	var up SddcManagerUpgrade
	if err := json.NewDecoder(resp.Body).Decode(&up); err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /sim/sddc-manager/upgrade: %d %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	if up.End.Sub(up.Start) != sddcUpgradeTime || up.OutageEnd.Sub(up.OutageStart) != sddcOutage {
		t.Fatalf("upgrade window %+v", up)
	}
	if _, err := sim.UpgradeSddcManager("9.0.2.0"); err == nil {
		t.Error("a second SDDC Manager upgrade was accepted while one runs")
	}
	if s := statuses(); s["SDDC_MANAGER"] != "IN_PROGRESS" || s["NSXT_MANAGER"] != "PENDING" {
		t.Fatalf("during the upgrade (before the outage): %v", s)
	}
	simState := func() string {
		st, b := c.do("GET", "/sim/sddc-manager", nil)
		if st != http.StatusOK {
			t.Fatalf("GET /sim/sddc-manager: %d %s", st, b)
		}
		return string(b)
	}
	if got := simState(); got != `{"build":"9.0.0.0-24703748","upgradingTo":"9.0.1.0","version":"9.0.0.0"}` {
		t.Fatalf("GET /sim/sddc-manager during the upgrade: %s", got)
	}
	clk.Add(sddcOutageDelay)
	if st, _ := c.do("GET", "/v1/sddc-managers", nil); st != http.StatusServiceUnavailable {
		t.Fatalf("during the outage: %d, want 503", st)
	}
	clk.Add(sddcUpgradeTime - sddcOutageDelay - time.Second)
	if v := sim.SddcManagerVersion(); v != "9.0.0.0" {
		t.Fatalf("a second before the end SDDC Manager runs %s", v)
	}
	clk.Add(time.Second)
	if st, b := c.do("GET", "/v1/sddc-managers", nil); st != http.StatusOK || !strings.Contains(string(b), `"version":"9.0.1.0-`) {
		t.Fatalf("after the upgrade: %d %s", st, b)
	}
	if s := statuses(); s["SDDC_MANAGER"] != "SUCCESS" || s["NSXT_MANAGER"] != "AVAILABLE" {
		t.Fatalf("after the SDDC Manager upgrade: %v", s)
	}
	if got := simState(); got != `{"build":"9.0.1.0-24962180","upgradingTo":null,"version":"9.0.1.0"}` {
		t.Fatalf("GET /sim/sddc-manager after the upgrade: %s", got)
	}
	var ups struct{ Elements []any }
	c.get("/v1/upgrades", &ups)
	if len(ups.Elements) != 0 {
		t.Errorf("the external upgrade shows in /v1/upgrades: %v", ups.Elements)
	}
}

// TestUpgradeLifecycle902 drives a whole 9.x domain upgrade over HTTP the
// way a client must on VCF 9: SDDC Manager through VCF Operations (the
// simulator's control), then exactly one POST /v1/upgrades per component
// SDDC Manager manages (NSX, vCenter, all ESX clusters), after which the
// domain and its hosts run the target.
func TestUpgradeLifecycle902(t *testing.T) {
	clk := newFakeClock()
	cfg := v9Config()
	cfg.TimeScale, cfg.Now, cfg.TokenTTL = 1, clk.Now, 30*24*time.Hour
	c := startServer(t, cfg).login()
	mgmt := c.domainID("mgmt-domain")
	var fut struct{ Elements []futureRelease }
	c.get("/v1/releases/domains/"+mgmt+"/future-releases", &fut)
	next := nextRelease(fut.Elements, "9.0.0.0")
	c.do("PATCH", "/v1/releases/domains/"+mgmt, map[string]string{"targetVersion": next.Version})
	for _, pb := range next.PatchBundles {
		c.do("PATCH", "/v1/bundles/"+pb.BundleID, map[string]any{"bundleDownloadSpec": map[string]bool{"downloadNow": true}})
	}
	clk.Add(time.Hour)
	if _, err := c.srv.Sim.UpgradeSddcManager(next.Version); err != nil {
		t.Fatal(err)
	}
	clk.Add(sddcUpgradeTime)

	posts := map[string]int{}
	for round := 0; ; round++ {
		if round > 5 {
			t.Fatal("upgrade did not converge")
		}
		var ups upgradablesPage
		c.get("/v1/upgradables/domains/"+mgmt, &ups)
		spec := map[string]any{"resourceType": "DOMAIN", "resourceUpgradeSpecs": []map[string]any{{"resourceId": mgmt, "upgradeNow": true}}}
		var clusters []map[string]any
		typ := ""
		for _, u := range ups.Elements {
			if u.Status == "AVAILABLE" {
				spec["bundleId"], typ = u.BundleID, u.Resource.Type
				if typ == "CLUSTER" {
					clusters = append(clusters, map[string]any{"resourceId": u.Resource.ResourceID, "upgradeNow": true})
				}
			}
		}
		if typ == "" {
			break
		}
		if clusters != nil {
			spec["resourceType"], spec["resourceUpgradeSpecs"] = "CLUSTER", clusters
		}
		if st, b := c.do("POST", "/v1/upgrades", spec); st != http.StatusAccepted {
			t.Fatalf("upgrade %s: %d %s", typ, st, b)
		}
		posts[typ]++
		clk.Add(6 * time.Hour)
	}
	if want := map[string]int{"NSXT_MANAGER": 1, "VCENTER": 1, "CLUSTER": 1}; fmt.Sprint(posts) != fmt.Sprint(want) {
		t.Fatalf("POSTs per component %v, want %v", posts, want)
	}
	var rels struct{ Elements []struct{ Version string } }
	c.get("/v1/releases?domainId="+mgmt, &rels)
	var hosts struct {
		Elements []struct{ EsxiVersion string }
	}
	c.get("/v1/hosts?domainId="+mgmt, &hosts)
	if rels.Elements[0].Version != next.Version || !strings.HasPrefix(hosts.Elements[0].EsxiVersion, next.Version+"-") {
		t.Fatalf("after the upgrade: domain at %s, hosts at %s", rels.Elements[0].Version, hosts.Elements[0].EsxiVersion)
	}
}

type nestedCheck struct {
	Severity               string
	Acknowledge            *bool
	NestedValidationChecks []nestedCheck
}
