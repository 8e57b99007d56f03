package vcfclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	json "github.com/goccy/go-json"
)

const (
	endpointBundles              = "/v1/bundles"
	endpointBundle               = "/v1/bundles/{id}"
	endpointCheckSetQueries      = "/v1/system/check-sets/queries"
	endpointCheckSets            = "/v1/system/check-sets"
	endpointCheckSetRun          = "/v1/system/check-sets/{runId}"
	endpointUpgradables          = "/v1/upgradables/domains/{domainId}"
	endpointUpgradableClusters   = "/v1/upgradables/domains/{domainId}/clusters"
	endpointUpgradableNSXT       = "/v1/upgradables/domains/{domainId}/nsxt"
	endpointUpgrades             = "/v1/upgrades"
	endpointUpgrade              = "/v1/upgrades/{upgradeId}"
	endpointTasks                = "/v1/tasks"
	endpointTask                 = "/v1/tasks/{id}"
	artifactValidationDomainSumm = "validation-domain-summary"
)

// ---- bundles ----

// bundleWire is the Bundle schema's fields we keep; sizeMB is MiB.
type bundleWire struct {
	ID                  string            `json:"id"`
	Type                string            `json:"type"`
	Version             string            `json:"version"`
	Description         string            `json:"description"`
	DownloadStatus      string            `json:"downloadStatus"`
	SizeMB              float64           `json:"sizeMB"`
	Components          []BundleComponent `json:"components"`
	ApplicabilityStatus string            `json:"applicabilityStatus"`
	ApplicabilityOrder  int               `json:"applicabilityOrder"`
	IsCumulative        bool              `json:"isCumulative"`
	IsCompliant         bool              `json:"isCompliant"`
	ReleasedDate        string            `json:"releasedDate"`
}

func (w *bundleWire) listID() string { return w.ID }

func (w *bundleWire) model() (Bundle, error) {
	return Bundle{
		ID:                  w.ID,
		Type:                w.Type,
		Version:             w.Version,
		Description:         w.Description,
		DownloadStatus:      w.DownloadStatus,
		SizeBytes:           mibToBytes(w.SizeMB),
		Components:          w.Components,
		ApplicabilityStatus: w.ApplicabilityStatus,
		ApplicabilityOrder:  w.ApplicabilityOrder,
		IsCumulative:        w.IsCumulative,
		IsCompliant:         w.IsCompliant,
		ReleasedDate:        w.ReleasedDate,
	}, nil
}

// Bundles lists the bundles known to SDDC Manager (GET /v1/bundles).
func (c *Client) Bundles(ctx context.Context) ([]Bundle, error) {
	return list(ctx, c, newRequest(http.MethodGet, endpointBundles), (*bundleWire).model)
}

// Bundle gets one bundle (GET /v1/bundles/{id}); poll it for DownloadStatus.
func (c *Client) Bundle(ctx context.Context, id string) (*Bundle, error) {
	return get(ctx, c, endpointBundle, id, (*bundleWire).model)
}

// DownloadBundle starts the download of a bundle now (PATCH
// /v1/bundles/{id} with {"bundleDownloadSpec":{"downloadNow":true}}). Not
// retried (except after a 401).
func (c *Client) DownloadBundle(ctx context.Context, id string) (*Task, error) {
	return c.UpdateBundle(ctx, id, BundleUpdateSpec{BundleDownloadSpec: &BundleDownloadSpec{DownloadNow: true}})
}

// UpdateBundle sends any BundleUpdateSpec (schedule or cancel a download).
func (c *Client) UpdateBundle(ctx context.Context, id string, spec BundleUpdateSpec) (*Task, error) {
	if id == "" {
		return nil, errors.New("vcfclient: UpdateBundle: empty bundle id")
	}
	req := newRequest(http.MethodPatch, endpointBundle, id)
	req.body = spec
	return c.doTask(ctx, req)
}

// doTask sends req and decodes a Task answer. Some SDDC Manager builds
// answer 202 with an empty body; that gives a zero Task, not an error.
func (c *Client) doTask(ctx context.Context, req request) (*Task, error) {
	var t Task
	err := c.do(ctx, req, func(dec *json.Decoder) error {
		err := dec.Decode(&t)
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// ---- check-sets ----

// QueryCheckSets queries the pre-check sets available for resources (POST
// /v1/system/check-sets/queries). It changes nothing on the server but is a
// POST, so it is not retried (except after a 401).
func (c *Client) QueryCheckSets(ctx context.Context, in CheckSetQueryInput) (*CheckSetQueryResult, error) {
	req := newRequest(http.MethodPost, endpointCheckSetQueries)
	req.body = in
	var out CheckSetQueryResult
	if err := c.do(ctx, req, decodeInto(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// RunCheckSets starts a pre-check run (POST /v1/system/check-sets). The
// returned Task's ID is the run id for CheckSetRun. Not retried (except
// after a 401).
func (c *Client) RunCheckSets(ctx context.Context, in CheckSetRunInput) (*Task, error) {
	req := newRequest(http.MethodPost, endpointCheckSets)
	req.body = in
	return c.doTask(ctx, req)
}

// CheckSetRun polls a pre-check run (GET /v1/system/check-sets/{runId}).
func (c *Client) CheckSetRun(ctx context.Context, runID string) (*AssessmentOutput, error) {
	return get(ctx, c, endpointCheckSetRun, runID, keep[AssessmentOutput])
}

// RunInput builds the pre-check run input from a query result as the
// upgrade flow needs it: every resource with only its identity, domain and
// the ids of its check-sets, and the target VCF version as metadata.
func (r *CheckSetQueryResult) RunInput(targetVersion string) CheckSetRunInput {
	in := CheckSetRunInput{QueryID: r.QueryID, Resources: make([]CheckSetResourceSelection, 0, len(r.Resources))}
	if targetVersion != "" {
		in.Metadata = &CheckSetRunMetadata{TargetVersion: targetVersion}
	}
	for _, res := range r.Resources {
		sel := CheckSetResourceSelection{
			ResourceName: res.ResourceName,
			ResourceID:   res.ResourceID,
			ResourceType: res.ResourceType,
			Domain:       res.Domain,
			CheckSets:    make([]SelectedCheckSetCandidate, 0, len(res.CheckSets)),
		}
		for _, cs := range res.CheckSets {
			sel.CheckSets = append(sel.CheckSets, SelectedCheckSetCandidate{CheckSetID: cs.CheckSetID})
		}
		in.Resources = append(in.Resources, sel)
	}
	return in
}

// DomainSummary reads errorValidationsCount and warningGapsCount from
// presentedArtifactsMap["validation-domain-summary"][0]. It fails when the
// artefact is missing or malformed, so a caller can never mistake "no
// summary" for "no errors".
func (a *AssessmentOutput) DomainSummary() (errors, warnings int, err error) {
	raw, ok := a.PresentedArtifactsMap[artifactValidationDomainSumm]
	if !ok || len(raw) == 0 {
		return 0, 0, fmt.Errorf("vcfclient: assessment has no %q artefact", artifactValidationDomainSumm)
	}
	var items []struct {
		Errors   *flexInt `json:"errorValidationsCount"`
		Warnings *flexInt `json:"warningGapsCount"`
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		return 0, 0, fmt.Errorf("vcfclient: %q artefact: %w", artifactValidationDomainSumm, err)
	}
	if len(items) == 0 {
		return 0, 0, fmt.Errorf("vcfclient: %q artefact is empty", artifactValidationDomainSumm)
	}
	if items[0].Errors == nil || items[0].Warnings == nil {
		return 0, 0, fmt.Errorf("vcfclient: %q artefact lacks errorValidationsCount or warningGapsCount", artifactValidationDomainSumm)
	}
	return int(*items[0].Errors), int(*items[0].Warnings), nil
}

// ---- upgradables ----

func keep[T any](w *T) (T, error) { return *w, nil }

// Upgradables lists a domain's upgradable resources, for targetVersion when
// not empty (GET /v1/upgradables/domains/{domainId}?targetVersion=).
func (c *Client) Upgradables(ctx context.Context, domainID, targetVersion string) ([]Upgradable, error) {
	if domainID == "" {
		return nil, errors.New("vcfclient: Upgradables: empty domain id")
	}
	req := newRequest(http.MethodGet, endpointUpgradables, domainID)
	if targetVersion != "" {
		req.query = url.Values{"targetVersion": {targetVersion}}
	}
	return list(ctx, c, req, keep[Upgradable])
}

// UpgradableClusters lists a domain's clusters with their vLCM image and
// hardware support managers (GET /v1/upgradables/domains/{domainId}/clusters),
// needed to build ESXi cluster upgrade specs.
func (c *Client) UpgradableClusters(ctx context.Context, domainID string) ([]UpgradableCluster, error) {
	if domainID == "" {
		return nil, errors.New("vcfclient: UpgradableClusters: empty domain id")
	}
	return list(ctx, c, newRequest(http.MethodGet, endpointUpgradableClusters, domainID), keep[UpgradableCluster])
}

// UpgradableNSXT returns a domain's NSX resources for an NSX bundle (GET
// /v1/upgradables/domains/{domainId}/nsxt?bundleId=).
func (c *Client) UpgradableNSXT(ctx context.Context, domainID, bundleID string) (*NsxtResources, error) {
	if domainID == "" {
		return nil, errors.New("vcfclient: UpgradableNSXT: empty domain id")
	}
	req := newRequest(http.MethodGet, endpointUpgradableNSXT, domainID)
	if bundleID != "" {
		req.query = url.Values{"bundleId": {bundleID}}
	}
	var out NsxtResources
	if err := c.do(ctx, req, decodeInto(&out)); err != nil {
		return nil, err
	}
	return &out, nil
}

// ---- upgrades ----

// StartUpgrade starts an upgrade (POST /v1/upgrades). It is never retried,
// except once after a 401 (the server rejected the request before acting):
// starting an upgrade twice is the one thing this client must not do. On
// any other failure the caller must look at Upgrades() before trying again.
func (c *Client) StartUpgrade(ctx context.Context, spec UpgradeSpec) (*Task, error) {
	if spec.BundleID == "" || spec.ResourceType == "" || len(spec.ResourceUpgradeSpecs) == 0 {
		return nil, errors.New("vcfclient: StartUpgrade: bundleId, resourceType and resourceUpgradeSpecs are required")
	}
	req := newRequest(http.MethodPost, endpointUpgrades)
	req.body = spec
	return c.doTask(ctx, req)
}

// upgradeWire decodes an Upgrade with its lean Bundle.
type upgradeWire struct {
	Upgrade
	BundleW *bundleWire `json:"bundle"`
}

func (w *upgradeWire) listID() string { return w.ID }

func (w *upgradeWire) model() (Upgrade, error) {
	u := w.Upgrade
	if w.BundleW != nil {
		b, _ := w.BundleW.model()
		u.Bundle = &b
	}
	return u, nil
}

// Upgrades lists the upgrades (GET /v1/upgrades).
func (c *Client) Upgrades(ctx context.Context) ([]Upgrade, error) {
	return list(ctx, c, newRequest(http.MethodGet, endpointUpgrades), (*upgradeWire).model)
}

// Upgrade gets one upgrade (GET /v1/upgrades/{upgradeId}); poll it for Status.
func (c *Client) Upgrade(ctx context.Context, id string) (*Upgrade, error) {
	return get(ctx, c, endpointUpgrade, id, (*upgradeWire).model)
}

// ---- tasks ----

func (t *Task) listID() string { return t.ID }

// Tasks lists the tasks (GET /v1/tasks), following pages.
func (c *Client) Tasks(ctx context.Context) ([]Task, error) {
	return list(ctx, c, newRequest(http.MethodGet, endpointTasks), keep[Task])
}

// Task gets one task (GET /v1/tasks/{id}).
func (c *Client) Task(ctx context.Context, id string) (*Task, error) {
	return get(ctx, c, endpointTask, id, keep[Task])
}
