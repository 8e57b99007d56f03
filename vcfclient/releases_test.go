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

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"5.2.1.0", "5.2.1.0", 0},
		{"5.10.0.0", "5.9.1.0", 1},
		{"5.9.1.0", "5.10.0.0", -1},
		{"5.2.0.0-24108943", "5.2.0.0", 0},
		{"5.2.0.0-24108943", "5.2.0.0-99999999", 0},
		{"5.2.1.0", "5.2.0.0-24108943", 1},
		{"5.2", "5.2.0.0", 0},
		{"5.2.0.1", "5.2", 1},
		{" 5.2.1.0 ", "5.2.1.0", 0},
		{"10.0.0.0", "9.99.99.99", 1},
		{"5.2.1.0+build7", "5.2.1.0", 0},
	} {
		got, err := CompareVersions(tc.a, tc.b)
		require.NoError(t, err, "%s vs %s", tc.a, tc.b)
		assert.Equal(t, tc.want, got, "%s vs %s", tc.a, tc.b)
	}
	for _, bad := range []string{"", "abc", "5..2", "5.2.x", "-5.2", "5.2.", "v5.2.1", "5.-1", "99999999999999999999999.1"} {
		_, err := CompareVersions(bad, "5.2.1.0")
		require.Error(t, err, bad)
		_, err = CompareVersions("5.2.1.0", bad)
		assert.Error(t, err, bad)
	}
}

func rel(v, minCompat string) Release {
	return Release{Product: "VCF", Version: v, MinCompatibleVcfVersion: minCompat, IsApplicable: true, ApplicabilityStatus: "APPLICABLE"}
}

func TestUpgradePaths(t *testing.T) {
	notApplicable := rel("5.2.0.0", "5.0.0.0")
	notApplicable.ApplicabilityStatus = "NOT_APPLICABLE"
	flagFalse := rel("5.1.5.0", "5.0.0.0")
	flagFalse.IsApplicable = false
	rs := []Release{
		rel("5.10.0.0", "5.1.0.0"),
		rel("5.2.1.0", "5.1.0.0"),
		rel("5.1.1.0", "5.1.0.0"),
		rel("5.1.0.0", "5.0.0.0"), // current itself
		rel("5.0.0.0", "4.5.0.0"), // older
		rel("6.0.0.0", "5.2.0.0"), // current too old for it
		notApplicable,
		flagFalse,
		rel("garbage", "5.0.0.0"),
		rel("5.3.0.0", "junk"),
		rel("5.4.0.0", ""), // VCF 9 may omit it: SDDC Manager's applicability decides
		func() Release { r := rel("5.5.0.0", ""); r.ApplicabilityStatus = "NOT_APPLICABLE"; return r }(),
		rel("5.9.0.0", "5.1.0.0-1234"), // build suffix ignored: compatible
	}
	var got []string
	for _, r := range UpgradePaths("5.1.0.0", rs) {
		got = append(got, r.Version)
	}
	assert.Equal(t, []string{"5.1.1.0", "5.2.1.0", "5.4.0.0", "5.9.0.0", "5.10.0.0"}, got)

	next, ok := NextRelease("5.1.0.0-22688368", rs)
	require.True(t, ok)
	assert.Equal(t, "5.1.1.0", next.Version)

	_, ok = NextRelease("6.0.0.0", rs)
	assert.False(t, ok, "up to date")
	assert.Empty(t, UpgradePaths("not-a-version", rs))
	_, ok = NextRelease("5.1.0.0", nil)
	assert.False(t, ok)
}

func TestReleaseEndpoints(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/releases", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "d 1", r.URL.Query().Get("domainId"))
		writeJSON(w, 200, page(map[string]any{
			"product": "VCF", "version": "5.1.0.0", "minCompatibleVcfVersion": "4.5.0.0", "description": "d", "releaseDate": "2024-01-01",
			"bom":          []any{map[string]any{"name": "SDDC_MANAGER_VCF", "version": "5.1.0.0-1", "publicName": "SDDC Manager", "releaseURL": "u"}},
			"sku":          []any{map[string]any{"name": "x"}},
			"updates":      []any{},
			"isApplicable": true,
		}))
	})
	f.handle("GET /v1/releases/domains/d 1/future-releases", staticJSON(page(map[string]any{
		"product": "VCF", "version": "5.2.1.0", "minCompatibleVcfVersion": "5.0.0.0", "description": "d", "releaseDate": "2024-10-01",
		"applicabilityStatus": "APPLICABLE", "isApplicable": true,
		"reasonNotApplicable": map[string]any{"messageKey": "k"},
		"bom":                 []any{map[string]any{"name": "VCENTER", "version": "8.0.3.00300-24305161"}},
		"patchBundles":        []any{map[string]any{"bundleId": "b-1", "bundleType": "VMWARE_SOFTWARE", "bundleElements": []any{"VCENTER"}, "cumulativeFromVcfVersion": "5.0.0.0"}},
	})))
	var patched, validated string
	f.handle("PATCH /v1/releases/domains/d 1", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		patched = string(b)
		w.WriteHeader(http.StatusOK)
	})
	f.handle("POST /v1/releases/domains/d 1/validations", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		validated = string(b)
		writeJSON(w, 202, map[string]any{"id": "v1", "description": "x", "executionStatus": "IN_PROGRESS", "resultStatus": "UNKNOWN"})
	})
	f.handle("GET /v1/releases/domains/validations/v1", staticJSON(map[string]any{
		"id": "v1", "description": "x", "executionStatus": "COMPLETED", "resultStatus": "SUCCEEDED",
		"validationChecks": []any{map[string]any{"description": "c", "severity": "ERROR", "resultStatus": "SUCCEEDED", "errorResponse": map[string]any{"errorCode": "E"}}},
	}))
	f.handle("GET /v1/releases/domains/d 1", staticJSON(map[string]any{"domainId": "d 1", "targetVersion": "5.2.1.0", "patches": []any{map[string]any{"productType": "VCENTER", "version": "8"}}}))

	c := f.client(t)
	ctx := context.Background()
	rs, err := c.Releases(ctx, "d 1")
	require.NoError(t, err)
	require.Len(t, rs, 1)
	assert.Equal(t, "5.1.0.0", rs[0].Version)
	assert.Equal(t, []ProductVersion{{Name: "SDDC_MANAGER_VCF", Version: "5.1.0.0-1"}}, rs[0].Bom)

	fr, err := c.FutureReleases(ctx, "d 1")
	require.NoError(t, err)
	require.Len(t, fr, 1)
	assert.Equal(t, "APPLICABLE", fr[0].ApplicabilityStatus)
	assert.Equal(t, []PatchBundle{{BundleID: "b-1", BundleType: "VMWARE_SOFTWARE", BundleElements: []string{"VCENTER"}, CumulativeFromVcfVersion: "5.0.0.0"}}, fr[0].PatchBundles)
	next, ok := NextRelease(rs[0].Version, fr)
	require.True(t, ok)
	assert.Equal(t, "5.2.1.0", next.Version)

	require.NoError(t, c.SetTargetRelease(ctx, "d 1", DomainRelease{TargetVersion: "5.2.1.0"}))
	assert.JSONEq(t, `{"targetVersion":"5.2.1.0"}`, patched)
	v, err := c.ValidateRelease(ctx, "d 1", DomainRelease{TargetVersion: "5.2.1.0"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"targetVersion":"5.2.1.0"}`, validated)
	assert.Equal(t, "v1", v.ID)
	v, err = c.Validation(ctx, "v1")
	require.NoError(t, err)
	assert.Equal(t, "COMPLETED", v.ExecutionStatus)
	require.Len(t, v.ValidationChecks, 1)
	assert.Equal(t, "E", v.ValidationChecks[0].ErrorResponse.ErrorCode)
	view, err := c.DomainReleaseView(ctx, "d 1")
	require.NoError(t, err)
	assert.Equal(t, &DomainReleaseView{DomainID: "d 1", TargetVersion: "5.2.1.0", Patches: []TargetProductVersion{{ProductType: "VCENTER", Version: "8"}}}, view)
	assert.Equal(t, int64(1), f.count("GET /v1/releases/domains/d 1/future-releases"), "ids are path-escaped and reach the right endpoint")
}

func TestDomainReleaseJSON(t *testing.T) {
	b, err := json.Marshal(DomainRelease{TargetVersion: "5.2.1.0", Patches: []TargetProductVersion{{ProductType: "NSX_T_MANAGER", Version: "4.2.1.0"}}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"targetVersion":"5.2.1.0","patches":[{"productType":"NSX_T_MANAGER","version":"4.2.1.0"}]}`, string(b))
}
