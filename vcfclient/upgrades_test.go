package vcfclient

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDownloadBundleBody(t *testing.T) {
	f := newFake(t)
	var got string
	f.handle("PATCH /v1/bundles/b-1", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		writeJSON(w, 202, map[string]any{"id": "t1", "name": "download", "status": "IN_PROGRESS", "creationTimestamp": "x"})
	})
	f.handle("GET /v1/bundles/b-1", staticJSON(map[string]any{
		"id": "b-1", "type": "VMWARE_SOFTWARE", "version": "8.0.3", "downloadStatus": "SUCCESSFUL", "sizeMB": 1024.0,
		"components":          []any{map[string]any{"type": "VCENTER", "fromVersion": "8.0.2", "toVersion": "8.0.3", "description": "vc", "imageType": "PATCH"}},
		"applicabilityStatus": "AVAILABLE", "applicabilityOrder": 3, "severity": "CRITICAL",
	}))
	c := f.client(t)
	task, err := c.DownloadBundle(context.Background(), "b-1")
	require.NoError(t, err)
	assert.Equal(t, "t1", task.ID)
	assert.JSONEq(t, `{"bundleDownloadSpec":{"downloadNow":true}}`, got)
	b, err := c.Bundle(context.Background(), "b-1")
	require.NoError(t, err)
	assert.Equal(t, &Bundle{ID: "b-1", Type: "VMWARE_SOFTWARE", Version: "8.0.3", DownloadStatus: "SUCCESSFUL", SizeBytes: 1 << 30,
		Components:          []BundleComponent{{Type: "VCENTER", FromVersion: "8.0.2", ToVersion: "8.0.3", Description: "vc", ImageType: "PATCH"}},
		ApplicabilityStatus: "AVAILABLE", ApplicabilityOrder: 3}, b)
}

func TestEmpty202IsAZeroTask(t *testing.T) {
	f := newFake(t)
	f.handle("POST /v1/system/check-sets", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	c := f.client(t)
	task, err := c.RunCheckSets(context.Background(), CheckSetRunInput{QueryID: "q"})
	require.NoError(t, err)
	assert.Equal(t, &Task{}, task)
}

func TestUpgradeSpecJSON(t *testing.T) {
	// ESXi cluster upgrade, the step the predecessor never implemented.
	esx := UpgradeSpec{
		BundleID: "esx-bundle", ResourceType: "CLUSTER", ParallelUpgrade: true,
		ResourceUpgradeSpecs: []ResourceUpgradeSpec{
			{ResourceID: "cl-1", UpgradeNow: true, PersonalitySpec: &PersonalitySpec{PersonalityID: "p-1", HardwareSupportSpecs: []HardwareSupportSpec{{Name: "dell-hsm", PackageSpec: Package{Name: "fw", Version: "1.2"}}}},
				EsxUpgradeOptionsSpec: &EsxUpgradeOptionsSpec{EnableQuickboot: true, EvacuateOfflineVms: true, DisableHac: true, PreRemediationPowerAction: "DO_NOT_CHANGE_VMS_POWER_STATE",
					EsxUpgradeFailureAction: &EsxUpgradeFailureAction{Action: "RETRY", RetryCount: 3, RetryDelay: 300}}},
			{ResourceID: "cl-2", ScheduledTimestamp: "2026-01-01T00:00:00Z", CustomIsoSpec: &CustomISOSpec{ID: "iso"}},
		},
	}
	b, err := json.Marshal(esx)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"bundleId":"esx-bundle","resourceType":"CLUSTER","parallelUpgrade":true,
		"resourceUpgradeSpecs":[
			{"resourceId":"cl-1","upgradeNow":true,
			 "personalitySpec":{"personalityId":"p-1","hardwareSupportSpecs":[{"name":"dell-hsm","packageSpec":{"name":"fw","version":"1.2"}}]},
			 "esxUpgradeOptionsSpec":{"enableQuickboot":true,"evacuateOfflineVms":true,"disableHac":true,"preRemediationPowerAction":"DO_NOT_CHANGE_VMS_POWER_STATE",
			   "esxUpgradeFailureAction":{"action":"RETRY","retryCount":3,"retryDelay":300}}},
			{"resourceId":"cl-2","scheduledTimestamp":"2026-01-01T00:00:00Z","customIsoSpec":{"id":"iso"}}
		]}`, string(b))

	nsx := UpgradeSpec{BundleID: "nsx", ResourceType: "DOMAIN", ResourceUpgradeSpecs: []ResourceUpgradeSpec{{ResourceID: "d1", UpgradeNow: true}},
		NsxtUpgradeUserInputSpecs: []NsxtUpgradeUserInputSpec{{NsxtID: "nsx-1",
			NsxtUpgradeOptions:          &NsxtUpgradeOptions{IsEdgeClustersUpgradeParallel: true, IsHostClustersUpgradeParallel: true},
			NsxtHostClusterUpgradeSpecs: []NsxtHostClusterUpgradeSpec{{HostClusterID: "hc-1", HostParallelUpgrade: true, LiveUpgrade: false}},
			NsxtEdgeClusterUpgradeSpecs: []NsxtEdgeClusterUpgradeSpec{{EdgeClusterID: "ec-1", EdgeParallelUpgrade: true}}}}}
	b, err = json.Marshal(nsx)
	require.NoError(t, err)
	assert.JSONEq(t, `{"bundleId":"nsx","resourceType":"DOMAIN","resourceUpgradeSpecs":[{"resourceId":"d1","upgradeNow":true}],
		"nsxtUpgradeUserInputSpecs":[{"nsxtId":"nsx-1","nsxtUpgradeOptions":{"isEdgeClustersUpgradeParallel":true,"isHostClustersUpgradeParallel":true},
		"nsxtHostClusterUpgradeSpecs":[{"hostClusterId":"hc-1","hostParallelUpgrade":true}],
		"nsxtEdgeClusterUpgradeSpecs":[{"edgeClusterId":"ec-1","edgeParallelUpgrade":true}]}]}`, string(b))

	vc := UpgradeSpec{BundleID: "vc", ResourceType: "DOMAIN", ResourceUpgradeSpecs: []ResourceUpgradeSpec{{ResourceID: "d1", UpgradeNow: true}},
		VcenterUpgradeUserInputSpecs: []VcenterUpgradeUserInputSpec{{ResourceID: "vc-1", UpgradeMechanism: "InPlace"}}}
	b, err = json.Marshal(vc)
	require.NoError(t, err)
	assert.JSONEq(t, `{"bundleId":"vc","resourceType":"DOMAIN","resourceUpgradeSpecs":[{"resourceId":"d1","upgradeNow":true}],
		"vcenterUpgradeUserInputSpecs":[{"resourceId":"vc-1","upgradeMechanism":"InPlace"}]}`, string(b))
}

func TestCheckSetRunInput(t *testing.T) {
	var q CheckSetQueryResult
	require.NoError(t, json.Unmarshal([]byte(`{"queryId":"q-1","resources":[
		{"resourceName":"vc01","resourceId":"vc-1","resourceType":"VCENTER","resourceVersion":"8.0.2",
		 "domain":{"domainId":"d1","domainName":"m01","domainType":"MANAGEMENT"},
		 "checkSets":[{"checkSetId":"cs-1","checkSetName":"n","checkSetType":"UPGRADE"},{"checkSetId":"cs-2"}],
		 "extraContext":{"k":{"a":1}}}]}`), &q))
	in := q.RunInput("5.2.1.0")
	b, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"queryId":"q-1","metadata":{"targetVersion":"5.2.1.0"},"resources":[
		{"resourceName":"vc01","resourceId":"vc-1","resourceType":"VCENTER",
		 "domain":{"domainId":"d1","domainName":"m01","domainType":"MANAGEMENT"},
		 "checkSets":[{"checkSetId":"cs-1"},{"checkSetId":"cs-2"}]}]}`, string(b))

	qi, err := json.Marshal(CheckSetQueryInput{CheckSetType: "UPGRADE", Domains: []CheckSetQueryDomainResources{{DomainID: "d1", Resources: []CheckSetQueryResource{{ResourceType: "VCENTER", ResourceTargetVersion: "8.0.3"}}}}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"checkSetType":"UPGRADE","domains":[{"domainId":"d1","resources":[{"resourceType":"VCENTER","resourceTargetVersion":"8.0.3"}]}]}`, string(qi))
}

func TestDomainSummary(t *testing.T) {
	parse := func(s string) *AssessmentOutput {
		var a AssessmentOutput
		require.NoError(t, json.Unmarshal([]byte(s), &a))
		return &a
	}
	e, w, err := parse(`{"status":"COMPLETED_WITH_SUCCESS","presentedArtifactsMap":{"validation-domain-summary":[{"errorValidationsCount":2,"warningGapsCount":5,"other":"x"}]}}`).DomainSummary()
	require.NoError(t, err)
	assert.Equal(t, 2, e)
	assert.Equal(t, 5, w)
	e, w, err = parse(`{"presentedArtifactsMap":{"validation-domain-summary":[{"errorValidationsCount":"0","warningGapsCount":"3"}]}}`).DomainSummary()
	require.NoError(t, err, "counts as strings are tolerated")
	assert.Equal(t, 0, e)
	assert.Equal(t, 3, w)
	for _, bad := range []string{
		`{}`,
		`{"presentedArtifactsMap":{}}`,
		`{"presentedArtifactsMap":{"validation-domain-summary":[]}}`,
		`{"presentedArtifactsMap":{"validation-domain-summary":{"errorValidationsCount":1}}}`,
		`{"presentedArtifactsMap":{"validation-domain-summary":[{"warningGapsCount":1}]}}`,
		`{"presentedArtifactsMap":{"validation-domain-summary":[{"errorValidationsCount":1.5,"warningGapsCount":1}]}}`,
		`{"presentedArtifactsMap":{"validation-domain-summary":[{"errorValidationsCount":"many","warningGapsCount":1}]}}`,
		`{"presentedArtifactsMap":{"validation-domain-summary":null}}`,
	} {
		_, _, err := parse(bad).DomainSummary()
		assert.Error(t, err, bad)
	}
}

func TestUpgradesAndTasksDecode(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/upgrades/u-1", staticJSON(map[string]any{
		"id": "u-1", "bundleId": "b-1", "resourceType": "CLUSTER", "status": "COMPLETED_WITH_SUCCESS", "taskId": "t-1",
		"resourceUpgradeSpecs": []any{map[string]any{"resourceId": "cl-1", "upgradeNow": true}},
		"bundle":               map[string]any{"id": "b-1", "type": "VMWARE_SOFTWARE", "downloadStatus": "SUCCESSFUL", "sizeMB": 2, "components": []any{map[string]any{"type": "ESX_HOST"}}},
		"endTime":              1700000000000,
	}))
	f.handle("GET /v1/tasks/t-1", staticJSON(map[string]any{
		"id": "t-1", "name": "upgrade", "status": "FAILED", "creationTimestamp": "x",
		"errors":    []any{map[string]any{"errorCode": "E1", "message": "m", "nestedErrors": []any{map[string]any{"errorCode": "E2"}}}},
		"subTasks":  []any{map[string]any{"name": "s", "type": "t", "description": "d", "status": "FAILED", "creationTimestamp": "x", "stages": []any{map[string]any{"name": "st", "status": "FAILED"}}, "subTasks": []any{map[string]any{"name": "inner"}}}},
		"resources": []any{map[string]any{"resourceId": "cl-1", "type": "CLUSTER"}},
	}))
	f.handle("GET /v1/upgradables/domains/d1", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "5.2.1.0", r.URL.Query().Get("targetVersion"))
		writeJSON(w, 200, page(map[string]any{"bundleId": "b-1", "bundleType": "VMWARE_SOFTWARE", "status": "AVAILABLE",
			"resource": map[string]any{"resourceId": "d1", "type": "DOMAIN"}, "softwareComponents": []any{map[string]any{"id": "x", "type": "ESX_HOST"}}}))
	})
	f.handle("GET /v1/upgradables/domains/d1/clusters", staticJSON(map[string]any{"elements": []any{map[string]any{
		"resourceId": "cl-1", "resourceType": "CLUSTER", "primaryCluster": true, "vlcmEnabled": true,
		"softwareInfo":                     map[string]any{"baseImage": map[string]any{"version": "8.0.3-0.0.24022510"}, "components": map[string]any{"c": map[string]any{"version": "1", "details": map[string]any{"x": 1}}}},
		"availableHardwareSupportManagers": []any{map[string]any{"name": "hsm", "displayName": "HSM", "packages": []any{map[string]any{"name": "p", "version": "1"}}}},
	}}}))
	f.handle("GET /v1/upgradables/domains/d1/nsxt", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "b-2", r.URL.Query().Get("bundleId"))
		writeJSON(w, 200, map[string]any{"domainId": "d1", "bundleId": "b-2",
			"nsxtManagerCluster": map[string]any{"id": "nsx-1", "version": "4.1"},
			"nsxtHostClusters":   []any{map[string]any{"id": "hc-1", "totalUnits": 4}},
			"nsxtEdgeClusters":   []any{map[string]any{"id": "ec-1"}}})
	})
	c := f.client(t)
	ctx := context.Background()
	u, err := c.Upgrade(ctx, "u-1")
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED_WITH_SUCCESS", u.Status)
	require.NotNil(t, u.Bundle)
	assert.Equal(t, float64(2<<20), u.Bundle.SizeBytes)
	assert.Equal(t, "ESX_HOST", u.Bundle.Components[0].Type)
	assert.Equal(t, int64(1700000000000), u.EndTime)

	task, err := c.Task(ctx, "t-1")
	require.NoError(t, err)
	assert.Equal(t, "E2", task.Errors[0].NestedErrors[0].ErrorCode)
	assert.Equal(t, "inner", task.SubTasks[0].SubTasks[0].Name)
	assert.Equal(t, "FAILED", task.SubTasks[0].Stages[0].Status)

	ups, err := c.Upgradables(ctx, "d1", "5.2.1.0")
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.Equal(t, "AVAILABLE", ups[0].Status)
	assert.Equal(t, "DOMAIN", ups[0].Resource.Type)

	cls, err := c.UpgradableClusters(ctx, "d1")
	require.NoError(t, err)
	require.Len(t, cls, 1)
	assert.True(t, cls[0].VlcmEnabled)
	assert.Equal(t, "8.0.3-0.0.24022510", cls[0].SoftwareInfo.BaseImage.Version)
	assert.Equal(t, "p", cls[0].AvailableHardwareSupportManagers[0].Packages[0].Name)

	nsx, err := c.UpgradableNSXT(ctx, "d1", "b-2")
	require.NoError(t, err)
	assert.Equal(t, "nsx-1", nsx.NsxtManagerCluster.ID)
	assert.Equal(t, 4, nsx.NsxtHostClusters[0].TotalUnits)
}
