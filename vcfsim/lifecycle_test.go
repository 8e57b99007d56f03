package vcfsim

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

type futureRelease struct {
	Version                 string `json:"version"`
	MinCompatibleVcfVersion string `json:"minCompatibleVcfVersion"`
	ApplicabilityStatus     string `json:"applicabilityStatus"`
	IsApplicable            bool   `json:"isApplicable"`
	NotApplicableReason     string `json:"notApplicableReason"`
	Bom                     []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"bom"`
	PatchBundles []struct {
		BundleID string `json:"bundleId"`
	} `json:"patchBundles"`
}

type upgradablesPage struct {
	Elements []struct {
		BundleID string `json:"bundleId"`
		Status   string `json:"status"`
		Resource struct {
			ResourceID string `json:"resourceId"`
			Type       string `json:"type"`
		} `json:"resource"`
	} `json:"elements"`
}

type taskResp struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Errors []struct {
		ErrorCode string `json:"errorCode"`
		Message   string `json:"message"`
	} `json:"errors"`
}

// nextRelease applies the exporter's rule (docs/metrics.md, "Updates and
// versions"): the lowest applicable release above current whose
// minCompatibleVcfVersion current satisfies.
func nextRelease(rels []futureRelease, current string) *futureRelease {
	var best *futureRelease
	for i := range rels {
		r := &rels[i]
		if r.ApplicabilityStatus == "APPLICABLE" && r.IsApplicable && cmpVersion(r.Version, current) > 0 &&
			cmpVersion(current, r.MinCompatibleVcfVersion) >= 0 && (best == nil || cmpVersion(r.Version, best.Version) < 0) {
			best = r
		}
	}
	return best
}

// TestUpgradeLifecycle drives the management domain through a whole
// upgrade over HTTP only, in the order docs/actions.md ("The workflow")
// describes.
func TestUpgradeLifecycle(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TimeScale = 18000 // 5 simulated hours per second; the flow takes ~10 h
	c := startClocked(t, cfg).login()
	if st, b := c.do("PUT", "/sim/prechecks", map[string]int{"errors": 2, "warnings": 3}); st != http.StatusOK {
		t.Fatalf("PUT /sim/prechecks: %d %s", st, b)
	}
	dom := c.domainID("mgmt-domain")

	// Detect the update.
	var cur struct {
		Elements []futureRelease `json:"elements"`
	}
	c.get("/v1/releases?domainId="+dom, &cur)
	if len(cur.Elements) == 0 || cur.Elements[0].Version != "5.1.1.0" {
		t.Fatalf("current release: %+v", cur.Elements)
	}
	var fut struct {
		Elements []futureRelease `json:"elements"`
	}
	c.get("/v1/releases/domains/"+dom+"/future-releases", &fut)
	next := nextRelease(fut.Elements, "5.1.1.0")
	if next == nil || next.Version != "5.2.0.0" {
		t.Fatalf("next release = %+v", next)
	}
	var sawNA, sawMinAbove bool
	for _, r := range fut.Elements {
		sawNA = sawNA || (!r.IsApplicable && r.ApplicabilityStatus == "NOT_APPLICABLE" && r.NotApplicableReason != "")
		sawMinAbove = sawMinAbove || cmpVersion(r.MinCompatibleVcfVersion, "5.1.1.0") > 0
	}
	if !sawNA || !sawMinAbove {
		t.Errorf("future releases lack a not-applicable one (%v) or one with minCompatibleVcfVersion above current (%v)", sawNA, sawMinAbove)
	}
	bom := map[string]string{}
	for _, p := range next.Bom {
		bom[p.Name] = p.Version
	}

	// Target: not applicable versions are refused.
	for v, want := range map[string]int{"9.0.0.0": 400, "5.2.1.1": 400, "7.7.7.7": 404, "": 400} {
		if st, b := c.do("PATCH", "/v1/releases/domains/"+dom, map[string]string{"targetVersion": v}); st != want {
			t.Errorf("target %q: got %d %s, want %d", v, st, b, want)
		}
	}
	if st, b := c.do("PATCH", "/v1/releases/domains/"+dom, map[string]string{"targetVersion": next.Version}); st != http.StatusOK {
		t.Fatalf("target: %d %s", st, b)
	}
	var view struct {
		TargetVersion string `json:"targetVersion"`
	}
	c.get("/v1/releases/domains/"+dom, &view)
	if view.TargetVersion != next.Version {
		t.Fatalf("release view target = %q", view.TargetVersion)
	}

	// Before the download nothing is available.
	upPath := "/v1/upgradables/domains/" + dom + "?targetVersion=" + next.Version
	var ups upgradablesPage
	c.get(upPath, &ups)
	for _, u := range ups.Elements {
		if u.Status == "AVAILABLE" {
			t.Fatalf("%s AVAILABLE before its bundle was downloaded", u.Resource.Type)
		}
	}

	// Download, one bundle at a time.
	for _, pb := range next.PatchBundles {
		st, b := c.do("PATCH", "/v1/bundles/"+pb.BundleID, map[string]any{"bundleDownloadSpec": map[string]bool{"downloadNow": true}})
		if st != http.StatusAccepted {
			t.Fatalf("download %s: %d %s", pb.BundleID, st, b)
		}
		var task taskResp
		mustJSON(t, b, &task)
		if task.Status != "IN_PROGRESS" {
			t.Errorf("download task status %q", task.Status)
		}
		c.eventually("bundle download", func() bool {
			var bj struct{ DownloadStatus string }
			c.get("/v1/bundles/"+pb.BundleID, &bj)
			return bj.DownloadStatus == "SUCCESSFUL"
		})
		if st, _ := c.do("PATCH", "/v1/bundles/"+pb.BundleID, map[string]any{"bundleDownloadSpec": map[string]bool{"downloadNow": true}}); st != http.StatusConflict {
			t.Errorf("second download of a downloaded bundle: %d, want 409", st)
		}
	}

	// Pre-checks.
	var q1 struct {
		QueryID   string `json:"queryId"`
		Resources []map[string]any
	}
	st, b := c.do("POST", "/v1/system/check-sets/queries", map[string]any{"checkSetType": "UPGRADE", "domains": []map[string]string{{"domainId": dom}}})
	if st != http.StatusOK {
		t.Fatalf("check-set query: %d %s", st, b)
	}
	mustJSON(t, b, &q1)
	var wanted []map[string]string
	for _, r := range q1.Resources {
		typ := r["resourceType"].(string)
		target := bom[typ]
		if typ == compSDDC {
			target = bom[bomName[compSDDC]]
		}
		wanted = append(wanted, map[string]string{"resourceType": typ, "resourceTargetVersion": target})
	}
	var q2 struct {
		QueryID   string           `json:"queryId"`
		Resources []map[string]any `json:"resources"`
	}
	st, b = c.do("POST", "/v1/system/check-sets/queries", map[string]any{"checkSetType": "UPGRADE",
		"domains": []map[string]any{{"domainId": dom, "resources": wanted}}})
	if st != http.StatusOK {
		t.Fatalf("check-set query with targets: %d %s", st, b)
	}
	mustJSON(t, b, &q2)
	var vcenterID string
	var sel []map[string]any
	for _, r := range q2.Resources {
		var sets []map[string]any
		for _, cs := range r["checkSets"].([]any) {
			sets = append(sets, map[string]any{"checkSetId": cs.(map[string]any)["checkSetId"]})
		}
		sel = append(sel, map[string]any{"resourceType": r["resourceType"], "resourceId": r["resourceId"],
			"resourceName": r["resourceName"], "domain": r["domain"], "checkSets": sets})
		if r["resourceType"] == compVC {
			vcenterID = r["resourceId"].(string)
		}
	}
	if vcenterID == "" || len(sel) != len(q1.Resources) {
		t.Fatalf("check-set resources: %v", q2.Resources)
	}
	st, b = c.do("POST", "/v1/system/check-sets", map[string]any{"queryId": q2.QueryID, "resources": sel,
		"metadata": map[string]string{"targetVersion": next.Version}})
	if st != http.StatusAccepted {
		t.Fatalf("check-set run: %d %s", st, b)
	}
	var run taskResp
	mustJSON(t, b, &run)
	var assess struct {
		Status                string `json:"status"`
		PresentedArtifactsMap map[string][]struct {
			ErrorValidationsCount int `json:"errorValidationsCount"`
			WarningGapsCount      int `json:"warningGapsCount"`
		} `json:"presentedArtifactsMap"`
	}
	c.eventually("pre-check run", func() bool {
		c.get("/v1/system/check-sets/"+run.ID, &assess)
		return assess.Status != "IN_PROGRESS"
	})
	sum := assess.PresentedArtifactsMap["validation-domain-summary"]
	if assess.Status != "COMPLETED_WITH_SUCCESS" || len(sum) == 0 || sum[0].ErrorValidationsCount != 2 || sum[0].WarningGapsCount != 3 {
		t.Fatalf("pre-check result: %+v", assess)
	}

	// Upgrade components one at a time.
	var order []string
	for round := 0; ; round++ {
		if round > 10 {
			t.Fatal("upgrade did not converge")
		}
		c.get(upPath, &ups)
		var avail []string // resource ids
		bundleID, types := "", map[string]bool{}
		for _, u := range ups.Elements {
			if u.Status == "AVAILABLE" {
				avail = append(avail, u.Resource.ResourceID)
				bundleID = u.BundleID
				types[u.Resource.Type] = true
			}
		}
		if len(avail) == 0 {
			break
		}
		if len(types) != 1 {
			t.Fatalf("more than one component AVAILABLE: %v", types)
		}
		var bj struct {
			Components []struct{ Type string } `json:"components"`
		}
		c.get("/v1/bundles/"+bundleID, &bj)
		comp := bj.Components[0].Type
		order = append(order, comp)
		spec := map[string]any{"bundleId": bundleID, "resourceType": "DOMAIN",
			"resourceUpgradeSpecs": []map[string]any{{"resourceId": dom, "upgradeNow": true}}}
		switch {
		case strings.Contains(comp, compSDDC):
			// A cluster spec for a domain bundle is refused.
			bad := map[string]any{"bundleId": bundleID, "resourceType": "CLUSTER", "resourceUpgradeSpecs": []map[string]any{{"resourceId": avail[0]}}}
			if st, _ := c.do("POST", "/v1/upgrades", bad); st != http.StatusBadRequest {
				t.Errorf("CLUSTER spec with SDDC bundle: %d, want 400", st)
			}
		case strings.Contains(comp, compNSX):
			var nsx struct {
				NsxtManagerCluster struct{ ID string }   `json:"nsxtManagerCluster"`
				NsxtHostClusters   []struct{ ID string } `json:"nsxtHostClusters"`
			}
			c.get("/v1/upgradables/domains/"+dom+"/nsxt?bundleId="+bundleID, &nsx)
			var hcs []map[string]any
			for _, hc := range nsx.NsxtHostClusters {
				hcs = append(hcs, map[string]any{"hostClusterId": hc.ID, "liveUpgrade": false, "hostParallelUpgrade": false})
			}
			spec["nsxtUpgradeUserInputSpecs"] = []map[string]any{{"nsxtId": nsx.NsxtManagerCluster.ID,
				"nsxtUpgradeOptions":          map[string]bool{"isEdgeOnlyUpgrade": false, "isHostClustersUpgradeParallel": true},
				"nsxtHostClusterUpgradeSpecs": hcs}}
		case strings.Contains(comp, compVC):
			spec["vcenterUpgradeUserInputSpecs"] = []map[string]any{{"resourceId": vcenterID, "upgradeMechanism": "InPlace"}}
		case strings.Contains(comp, compESX):
			var cls struct {
				Elements []struct {
					ResourceID   string `json:"resourceId"`
					ResourceType string `json:"resourceType"`
				} `json:"elements"`
			}
			c.get("/v1/upgradables/domains/"+dom+"/clusters", &cls)
			var specs []map[string]any
			for _, cl := range cls.Elements {
				if slices.Contains(avail, cl.ResourceID) {
					specs = append(specs, map[string]any{"resourceId": cl.ResourceID, "upgradeNow": true, "enableQuickboot": true,
						"esxUpgradeOptionsSpec": map[string]any{"enableQuickboot": true, "evacuateOfflineVms": false}})
				}
			}
			if len(specs) != len(avail) {
				t.Fatalf("upgradable clusters %v vs available %v", cls.Elements, avail)
			}
			spec["resourceType"], spec["resourceUpgradeSpecs"] = "CLUSTER", specs
		default:
			t.Fatalf("unexpected component %q", comp)
		}
		st, b := c.do("POST", "/v1/upgrades", spec)
		if st != http.StatusAccepted {
			t.Fatalf("upgrade %s: %d %s", comp, st, b)
		}
		var task taskResp
		mustJSON(t, b, &task)
		c.checkUpgradeIDIsTaskID(task.ID)
		upgradeID := task.ID // as on SDDC Manager: poll GET /v1/upgrades/{the task's id}
		if comp == compSDDC {
			// The whole API goes away for about an hour, then comes back.
			saw503 := false
			c.eventually("SDDC Manager outage and return", func() bool {
				st, _ := c.do("GET", "/v1/domains", nil)
				saw503 = saw503 || st == http.StatusServiceUnavailable
				return saw503 && st == http.StatusOK
			})
		}
		c.eventually(comp+" upgrade", func() bool {
			var u struct{ Status string }
			c.get("/v1/upgrades/"+upgradeID, &u)
			if u.Status == "COMPLETED_WITH_FAILURE" {
				t.Fatalf("%s upgrade failed", comp)
			}
			return u.Status == "COMPLETED_WITH_SUCCESS"
		})
		c.get("/v1/tasks/"+task.ID, &task)
		if task.Status != "SUCCESSFUL" {
			t.Errorf("task of %s upgrade: %q", comp, task.Status)
		}
	}
	if want := []string{compSDDC, compNSX, compVC, compESX}; !slices.Equal(order, want) {
		t.Fatalf("upgrade order %v, want %v", order, want)
	}

	// Validate the target.
	st, b = c.do("POST", "/v1/releases/domains/"+dom+"/validations", map[string]string{"targetVersion": next.Version})
	if st != http.StatusAccepted {
		t.Fatalf("validation: %d %s", st, b)
	}
	var val struct {
		ID, ExecutionStatus, ResultStatus string
	}
	mustJSON(t, b, &val)
	c.eventually("validation", func() bool {
		c.get("/v1/releases/domains/validations/"+val.ID, &val)
		return val.ExecutionStatus != "IN_PROGRESS"
	})
	if val.ExecutionStatus != "COMPLETED" || val.ResultStatus != "SUCCEEDED" {
		t.Fatalf("validation: %+v", val)
	}

	// The domain now runs the target.
	c.get("/v1/releases?domainId="+dom, &cur)
	if cur.Elements[0].Version != next.Version {
		t.Errorf("domain version %s, want %s", cur.Elements[0].Version, next.Version)
	}
	var hosts struct {
		Elements []struct{ EsxiVersion string } `json:"elements"`
	}
	c.get("/v1/hosts?domainId="+dom, &hosts)
	for _, h := range hosts.Elements {
		if h.EsxiVersion != bom["ESX_HOST"] {
			t.Fatalf("host esxiVersion %s, want %s", h.EsxiVersion, bom["ESX_HOST"])
		}
	}
	var mgrs struct {
		Elements []struct{ Version string } `json:"elements"`
	}
	c.get("/v1/sddc-managers", &mgrs)
	if mgrs.Elements[0].Version != bom["SDDC_MANAGER_VCF"] {
		t.Errorf("SDDC Manager version %s, want %s", mgrs.Elements[0].Version, bom["SDDC_MANAGER_VCF"])
	}
	var after struct {
		Elements []futureRelease `json:"elements"`
	}
	c.get("/v1/releases/domains/"+dom+"/future-releases", &after)
	if n := nextRelease(after.Elements, next.Version); n == nil || n.Version != "5.2.1.0" {
		t.Errorf("after the upgrade the next release is %+v, want 5.2.1.0", n)
	}
}

// checkUpgradeIDIsTaskID proves that the upgrade a POST /v1/upgrades task
// started is listed under the task's id, which clients poll.
func (c *tclient) checkUpgradeIDIsTaskID(taskID string) {
	c.t.Helper()
	var id string
	// The SDDC Manager may already be going down: retry through 503s.
	c.eventually("upgrade listing", func() bool {
		st, b := c.do("GET", "/v1/upgrades", nil)
		if st != http.StatusOK {
			return false
		}
		var ups struct {
			Elements []struct{ ID, TaskID string } `json:"elements"`
		}
		mustJSON(c.t, b, &ups)
		for _, u := range ups.Elements {
			if u.TaskID == taskID {
				id = u.ID
			}
		}
		return true
	})
	if id != taskID {
		c.t.Fatalf("upgrade of task %s is listed as %q, want the task's id", taskID, id)
	}
}

func TestUpgradeRejectsWrongBundle(t *testing.T) {
	c := startClocked(t, fastConfig()).login()
	dom := c.domainID("mgmt-domain")
	var fut struct {
		Elements []futureRelease `json:"elements"`
	}
	c.get("/v1/releases/domains/"+dom+"/future-releases", &fut)
	next := nextRelease(fut.Elements, "5.1.1.0")
	if st, b := c.do("PATCH", "/v1/releases/domains/"+dom, map[string]string{"targetVersion": next.Version}); st != http.StatusOK {
		t.Fatalf("target: %d %s", st, b)
	}
	sddc, esx := next.PatchBundles[0].BundleID, next.PatchBundles[3].BundleID
	domainSpec := func(bundle, id string) map[string]any {
		return map[string]any{"bundleId": bundle, "resourceType": "DOMAIN", "resourceUpgradeSpecs": []map[string]any{{"resourceId": id}}}
	}
	cases := []struct {
		name string
		body any
		want int
	}{
		{"not downloaded", domainSpec(sddc, dom), http.StatusFailedDependency},
		{"unknown bundle", domainSpec("nope", dom), http.StatusBadRequest},
		{"unknown domain", domainSpec(sddc, "nope"), http.StatusBadRequest},
		{"ESX bundle as DOMAIN", domainSpec(esx, dom), http.StatusBadRequest},
		{"missing specs", map[string]any{"bundleId": sddc, "resourceType": "DOMAIN"}, http.StatusBadRequest},
		{"bad resource type", map[string]any{"bundleId": sddc, "resourceType": "PLANET", "resourceUpgradeSpecs": []map[string]any{{"resourceId": dom}}}, http.StatusBadRequest},
		{"bad JSON", `{"bundleId":`, http.StatusBadRequest},
	}
	for _, tc := range cases {
		if st, b := c.do("POST", "/v1/upgrades", tc.body); st != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, st, b, tc.want)
		}
	}
	// After the download the ESX bundle is still not AVAILABLE (SDDC first).
	for _, pb := range next.PatchBundles {
		c.do("PATCH", "/v1/bundles/"+pb.BundleID, map[string]any{"bundleDownloadSpec": map[string]bool{"downloadNow": true}})
	}
	c.eventually("downloads", func() bool {
		var bj struct{ DownloadStatus string }
		c.get("/v1/bundles/"+esx, &bj)
		return bj.DownloadStatus == "SUCCESSFUL"
	})
	var cls struct {
		Elements []struct{ ResourceID string } `json:"elements"`
	}
	c.get("/v1/upgradables/domains/"+dom+"/clusters", &cls)
	body := map[string]any{"bundleId": esx, "resourceType": "CLUSTER", "resourceUpgradeSpecs": []map[string]any{{"resourceId": cls.Elements[0].ResourceID}}}
	if st, b := c.do("POST", "/v1/upgrades", body); st != http.StatusBadRequest || !strings.Contains(string(b), "UPGRADE_NOT_AVAILABLE") {
		t.Errorf("ESX before SDDC Manager: %d %s, want 400 UPGRADE_NOT_AVAILABLE", st, b)
	}
}
