package vcfclient

// Bundles. Bundle is lean (built from the wire structs in upgrades.go, size
// converted in units.go); the request bodies are API mirrors.

// Bundle is a lean Bundle: size converted from the API's sizeMB (MiB).
type Bundle struct {
	ID                  string
	Type                string // SDDC_MANAGER, VMWARE_SOFTWARE, VXRAIL
	Version             string
	Description         string
	DownloadStatus      string // PENDING, SCHEDULED, IN_PROGRESS, SUCCESSFUL, FAILED, RECALLED
	SizeBytes           float64
	Components          []BundleComponent
	ApplicabilityStatus string
	ApplicabilityOrder  int
	IsCumulative        bool
	IsCompliant         bool
	ReleasedDate        string
}

// BundleComponent is a component a bundle upgrades; Type is what the upgrade
// flow branches on (contains SDDC_MANAGER, NSX_T_MANAGER, VCENTER, ESX_HOST).
type BundleComponent struct {
	ID          string `json:"id,omitempty"`
	Type        string `json:"type,omitempty"`
	ImageType   string `json:"imageType,omitempty"`
	FromVersion string `json:"fromVersion,omitempty"`
	ToVersion   string `json:"toVersion,omitempty"`
	Description string `json:"description,omitempty"`
	Vendor      string `json:"vendor,omitempty"`
}

// BundleUpdateSpec is the request body of PATCH /v1/bundles/{id}.
type BundleUpdateSpec struct {
	BundleDownloadSpec        *BundleDownloadSpec `json:"bundleDownloadSpec,omitempty"`
	CompatibilitySetsFilePath string              `json:"compatibilitySetsFilePath,omitempty"`
}

// BundleDownloadSpec is the API's BundleDownloadSpec schema.
type BundleDownloadSpec struct {
	ScheduledTimestamp string `json:"scheduledTimestamp,omitempty"`
	DownloadNow        bool   `json:"downloadNow,omitempty"`
	CancelNow          bool   `json:"cancelNow,omitempty"`
}
