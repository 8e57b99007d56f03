package vcfclient

import "encoding/json"

// Check-sets (pre-checks). These are API mirrors: the schemas of the VCF
// 5.2.1 OpenAPI file (plus the 9.0.2 and 9.1 additions) with their exact
// JSON tags, so the upgrade flow can send and read everything the API
// offers.

// CheckSetQueryInput is the request body of POST /v1/system/check-sets/queries.
type CheckSetQueryInput struct {
	CheckSetType string                         `json:"checkSetType"` // "UPGRADE"
	Domains      []CheckSetQueryDomainResources `json:"domains"`
}

// CheckSetQueryDomainResources is the API's CheckSetQueryDomainResources schema.
type CheckSetQueryDomainResources struct {
	DomainID  string                  `json:"domainId"`
	Resources []CheckSetQueryResource `json:"resources,omitempty"`
}

// CheckSetQueryResource is the API's CheckSetQueryResource schema.
type CheckSetQueryResource struct {
	ResourceType          string `json:"resourceType"`
	ResourceID            string `json:"resourceId,omitempty"`
	ResourceTargetVersion string `json:"resourceTargetVersion,omitempty"`
}

// CheckSetQueryResult is the API's CheckSetQueryResult schema.
type CheckSetQueryResult struct {
	QueryID   string                        `json:"queryId"`
	Resources []CheckSetQueryResourceResult `json:"resources"`
}

// CheckSetQueryResourceResult is the API's CheckSetQueryResourceResult schema.
type CheckSetQueryResourceResult struct {
	ResourceName    string                     `json:"resourceName,omitempty"`
	ResourceID      string                     `json:"resourceId,omitempty"`
	ResourceType    string                     `json:"resourceType,omitempty"`
	ResourceVersion string                     `json:"resourceVersion,omitempty"`
	Domain          *DomainInfo                `json:"domain,omitempty"`
	CheckSets       []CheckSetCandidate        `json:"checkSets,omitempty"`
	ExtraContext    map[string]json.RawMessage `json:"extraContext,omitempty"`
}

// DomainInfo is the API's DomainInfo and ResourceDomainInfo schemas (same fields).
type DomainInfo struct {
	DomainID   string `json:"domainId,omitempty"`
	DomainName string `json:"domainName,omitempty"`
	DomainType string `json:"domainType,omitempty"` // MANAGEMENT, VI
}

// CheckSetCandidate is the API's CheckSetCandidates schema.
type CheckSetCandidate struct {
	CheckSetID   string `json:"checkSetId,omitempty"`
	CheckSetName string `json:"checkSetName,omitempty"`
	CheckSetType string `json:"checkSetType,omitempty"`
}

// CheckSetRunInput is the request body of POST /v1/system/check-sets.
type CheckSetRunInput struct {
	QueryID   string                      `json:"queryId"`
	Resources []CheckSetResourceSelection `json:"resources"`
	// Metadata is not in the 5.2.1 OpenAPI schema but SDDC Manager's own UI
	// sends it and the upgrade flow relies on it (target VCF version).
	Metadata *CheckSetRunMetadata `json:"metadata,omitempty"`
}

// CheckSetRunMetadata carries the target VCF version of a pre-check run
// and, from VCF 9.1 (AssessmentMetadata), the upgrade it checks (what the
// deprecated POST /v1/upgrades/{id}/prechecks took).
type CheckSetRunMetadata struct {
	TargetVersion string `json:"targetVersion,omitempty"`
	UpgradeID     string `json:"upgradeId,omitempty"`
}

// CheckSetResourceSelection is the API's CheckSetResourceSelection schema.
type CheckSetResourceSelection struct {
	ResourceName string                      `json:"resourceName"`
	ResourceID   string                      `json:"resourceId"`
	ResourceType string                      `json:"resourceType"`
	Domain       *DomainInfo                 `json:"domain,omitempty"`
	CheckSets    []SelectedCheckSetCandidate `json:"checkSets"`
}

// SelectedCheckSetCandidate is the API's SelectedCheckSetCandidate schema.
type SelectedCheckSetCandidate struct {
	CheckSetID string `json:"checkSetId"`
}

// AssessmentOutput is the API's AssessmentOutput schema (GET
// /v1/system/check-sets/{runId}), minus physicalPresentedData which can be
// large and is not used.
type AssessmentOutput struct {
	Status                string                     `json:"status,omitempty"` // IN_PROGRESS, COMPLETED_WITH_SUCCESS, COMPLETED_WITH_FAILURE
	PresentedArtifactsMap map[string]json.RawMessage `json:"presentedArtifactsMap,omitempty"`
	ValidationResult      *ErrorDetail               `json:"validationResult,omitempty"`
	InputValidationErrors []ErrorDetail              `json:"inputValidationErrors,omitempty"`
	DiscoveryProgress     *DiscoveryProgress         `json:"discoveryProgress,omitempty"`
	RelatedAssessmentID   string                     `json:"relatedAssessmentId,omitempty"`
	Timestamp             string                     `json:"timestamp,omitempty"`
	CompletionTimestamp   string                     `json:"completionTimestamp,omitempty"`
}

// DiscoveryProgress is the API's DiscoveryProgress schema.
type DiscoveryProgress struct {
	ProgressMessages   []string `json:"progressMessages,omitempty"`
	PercentageComplete int      `json:"percentageComplete,omitempty"`
}
