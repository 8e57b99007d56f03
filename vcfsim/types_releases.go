package vcfsim

// JSON shapes of releases, their validation and bundles.

type productVersion struct {
	Name               string `json:"name"`
	Version            string `json:"version"`
	PublicName         string `json:"publicName"`
	ReleaseURL         string `json:"releaseURL,omitempty"`
	LifecycleManagedBy string `json:"lifecycleManagedBy,omitempty"` // 9.x
}

type patchBundle struct {
	BundleID                 string   `json:"bundleId"`
	BundleType               string   `json:"bundleType"`
	BundleElements           []string `json:"bundleElements"`
	CumulativeFromVcfVersion string   `json:"cumulativeFromVcfVersion"`
}

type messagePack struct {
	Component  string   `json:"component,omitempty"`
	MessageKey string   `json:"messageKey"`
	Arguments  []string `json:"arguments,omitempty"`
	Message    string   `json:"message,omitempty"`
}

type releaseJSON struct {
	Product                 string           `json:"product"`
	Version                 string           `json:"version"`
	MinCompatibleVcfVersion string           `json:"minCompatibleVcfVersion,omitempty"` // optional in 9.x
	MinInstallerVersion     string           `json:"minInstallerVersion,omitempty"`     // 9.x
	Description             string           `json:"description"`
	ReleaseDate             string           `json:"releaseDate"`
	Bom                     []productVersion `json:"bom"`
	IsApplicable            bool             `json:"isApplicable"`
	NotApplicableReason     string           `json:"notApplicableReason,omitempty"`
	PatchBundles            []patchBundle    `json:"patchBundles"`
	Eol                     string           `json:"eol,omitempty"`
	UpgradeOrder            string           `json:"upgradeOrder,omitempty"`
}

type futureReleaseJSON struct {
	ReasonNotApplicable  *messagePack  `json:"reasonNotApplicable,omitempty"`
	ReasonsNotApplicable []messagePack `json:"reasonsNotApplicable,omitempty"`
	Warnings             []messagePack `json:"warnings,omitempty"`
	ApplicabilityStatus  string        `json:"applicabilityStatus"`
	releaseJSON
}

type targetProductVersion struct {
	ProductType string `json:"productType"`
	Version     string `json:"version"`
}

type domainReleaseView struct {
	DomainID                 string                 `json:"domainId"`
	TargetVersion            string                 `json:"targetVersion"`
	TargetSddcManagerVersion string                 `json:"targetSddcManagerVersion,omitempty"`
	Patches                  []targetProductVersion `json:"patches"`
	IsCustomizedBom          bool                   `json:"isCustomizedBom"`
}

type domainRelease struct {
	TargetVersion            string                 `json:"targetVersion"`
	TargetVxRailVersion      string                 `json:"targetVxRailVersion"`
	TargetSddcManagerVersion string                 `json:"targetSddcManagerVersion"`
	Patches                  []targetProductVersion `json:"patches"`
}

type validationCheck struct {
	Description   string    `json:"description"`
	Severity      string    `json:"severity"`
	ResultStatus  string    `json:"resultStatus"`
	Acknowledge   *bool     `json:"acknowledge,omitempty"` // 9.x
	ErrorResponse *apiError `json:"errorResponse,omitempty"`
	// NestedValidationChecks (9.1) are the checks this one is made of.
	NestedValidationChecks []validationCheck `json:"nestedValidationChecks,omitempty"`
}

type validationJSON struct {
	ID               string            `json:"id"`
	Description      string            `json:"description"`
	ExecutionStatus  string            `json:"executionStatus"`
	ResultStatus     string            `json:"resultStatus"`
	ValidationChecks []validationCheck `json:"validationChecks"`
}

type bundleComponent struct {
	Description  string `json:"description"`
	Vendor       string `json:"vendor"`
	ReleasedDate string `json:"releasedDate"`
	ToVersion    string `json:"toVersion"`
	FromVersion  string `json:"fromVersion"`
	ImageType    string `json:"imageType"`
	ID           string `json:"id"`
	Type         string `json:"type"`
}

type bundleJSON struct {
	ID                  string            `json:"id"`
	Type                string            `json:"type"`
	Description         string            `json:"description"`
	Version             string            `json:"version"`
	Severity            string            `json:"severity"`
	Vendor              string            `json:"vendor"`
	ReleasedDate        string            `json:"releasedDate"`
	IsCumulative        bool              `json:"isCumulative"`
	IsCompliant         bool              `json:"isCompliant"`
	SizeMB              float64           `json:"sizeMB"`
	DownloadStatus      string            `json:"downloadStatus"`
	Components          []bundleComponent `json:"components"`
	ApplicabilityStatus string            `json:"applicabilityStatus,omitempty"`
	ApplicabilityOrder  int               `json:"applicabilityOrder"`
	IsPartiallyUpgraded bool              `json:"isPartiallyUpgraded"`
}
