package vcfclient

// Releases and their validation. Release is lean (built from the wire
// structs in releases.go); the rest are API mirrors with their exact JSON
// tags.

// ProductVersion is one entry of a release's bill of materials.
type ProductVersion struct {
	Name    string `json:"name"`
	Version string `json:"version"` // optional in VCF 9
	// LifecycleManagedBy says who upgrades the component (VCF 9; empty on
	// 5.2.1, where SDDC Manager upgrades everything): SDDC_MANAGER_VCF, or
	// another manager such as VCF Operations fleet management for SDDC
	// Manager itself.
	LifecycleManagedBy string `json:"lifecycleManagedBy,omitempty"`
}

// PatchBundle is a bundle a release is made of.
type PatchBundle struct {
	BundleID                 string   `json:"bundleId"`
	BundleType               string   `json:"bundleType"`
	BundleElements           []string `json:"bundleElements"`
	CumulativeFromVcfVersion string   `json:"cumulativeFromVcfVersion"`
}

// Release is a VCF release (Release or DomainFutureRelease schema; the
// applicability fields are only set by future releases).
type Release struct {
	Product                 string           `json:"product"`
	Version                 string           `json:"version"`
	MinCompatibleVcfVersion string           `json:"minCompatibleVcfVersion"`       // optional in VCF 9: empty when absent
	MinInstallerVersion     string           `json:"minInstallerVersion,omitempty"` // VCF 9
	Description             string           `json:"description"`
	ReleaseDate             string           `json:"releaseDate"`
	IsApplicable            bool             `json:"isApplicable"`
	NotApplicableReason     string           `json:"notApplicableReason,omitempty"`
	ApplicabilityStatus     string           `json:"applicabilityStatus,omitempty"`
	Bom                     []ProductVersion `json:"bom"`
	PatchBundles            []PatchBundle    `json:"patchBundles,omitempty"`
}

// TargetProductVersion is the API's TargetProductVersion schema.
type TargetProductVersion struct {
	ProductType string `json:"productType"`
	Version     string `json:"version"`
}

// DomainRelease is the request body of PATCH /v1/releases/domains/{domainId}
// and POST /v1/releases/domains/{domainId}/validations.
type DomainRelease struct {
	TargetVersion            string                 `json:"targetVersion,omitempty"`
	TargetVxRailVersion      string                 `json:"targetVxRailVersion,omitempty"`
	TargetSddcManagerVersion string                 `json:"targetSddcManagerVersion,omitempty"`
	Patches                  []TargetProductVersion `json:"patches,omitempty"`
}

// DomainReleaseView is the API's DomainReleaseView schema.
type DomainReleaseView struct {
	DomainID                 string                 `json:"domainId"`
	TargetVersion            string                 `json:"targetVersion"`
	TargetVxRailVersion      string                 `json:"targetVxRailVersion,omitempty"`
	TargetSddcManagerVersion string                 `json:"targetSddcManagerVersion,omitempty"`
	Patches                  []TargetProductVersion `json:"patches,omitempty"`
	IsCustomizedBom          bool                   `json:"isCustomizedBom,omitempty"`
}

// Validation is the API's Validation schema.
type Validation struct {
	ID                   string            `json:"id"`
	Description          string            `json:"description"`
	ExecutionStatus      string            `json:"executionStatus"` // IN_PROGRESS, FAILED, COMPLETED, ...
	ResultStatus         string            `json:"resultStatus"`    // SUCCEEDED, FAILED, FAILED_WITH_WARNINGS, ...
	ValidationChecks     []ValidationCheck `json:"validationChecks,omitempty"`
	AdditionalProperties map[string]string `json:"additionalProperties,omitempty"`
}

// ValidationCheck is the API's ValidationCheck schema.
type ValidationCheck struct {
	Description   string       `json:"description"`
	Severity      string       `json:"severity"`
	ResultStatus  string       `json:"resultStatus"`
	Acknowledge   bool         `json:"acknowledge,omitempty"` // VCF 9: the finding needs acknowledgement
	ErrorResponse *ErrorDetail `json:"errorResponse,omitempty"`
	// NestedValidationChecks (VCF 9.1) are the checks this one is made
	// of: findings can sit at any depth.
	NestedValidationChecks []ValidationCheck `json:"nestedValidationChecks,omitempty"`
}
