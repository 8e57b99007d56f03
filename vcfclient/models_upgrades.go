package vcfclient

// Upgrades: the request body of POST /v1/upgrades and what GET /v1/upgrades
// answers. These are API mirrors: the schemas of the VCF 5.2.1 OpenAPI file
// (plus the 9.0.2 and 9.1 additions) with their exact JSON tags, so the
// upgrade flow can send and read everything the API offers.

// UpgradeSpec is the request body of POST /v1/upgrades.
//
// SDDC Manager, vCenter: ResourceType "DOMAIN", one ResourceUpgradeSpecs
// entry with the domain id. NSX: add NsxtUpgradeUserInputSpecs. ESXi:
// ResourceType "CLUSTER", one ResourceUpgradeSpecs entry per cluster
// (PersonalitySpec for image-based clusters, EsxUpgradeOptionsSpec).
type UpgradeSpec struct {
	BundleID                     string                        `json:"bundleId"`
	ResourceType                 string                        `json:"resourceType"` // DOMAIN, CLUSTER, UNASSIGNED_HOST
	ParallelUpgrade              bool                          `json:"parallelUpgrade,omitempty"`
	DraftMode                    bool                          `json:"draftMode,omitempty"`
	ResourceUpgradeSpecs         []ResourceUpgradeSpec         `json:"resourceUpgradeSpecs"`
	NsxtUpgradeUserInputSpecs    []NsxtUpgradeUserInputSpec    `json:"nsxtUpgradeUserInputSpecs,omitempty"`
	VcenterUpgradeUserInputSpecs []VcenterUpgradeUserInputSpec `json:"vcenterUpgradeUserInputSpecs,omitempty"`
}

// ResourceUpgradeSpec is the API's ResourceUpgradeSpec schema.
type ResourceUpgradeSpec struct {
	ResourceID         string           `json:"resourceId"`
	ShutdownVms        bool             `json:"shutdownVms,omitempty"`
	ToVersion          string           `json:"toVersion,omitempty"`
	ScheduledTimestamp string           `json:"scheduledTimestamp,omitempty"`
	UpgradeNow         bool             `json:"upgradeNow,omitempty"`
	PersonalitySpec    *PersonalitySpec `json:"personalitySpec,omitempty"`
	CustomIsoSpec      *CustomISOSpec   `json:"customIsoSpec,omitempty"`
	// EnableQuickboot is deprecated in the API in favour of
	// EsxUpgradeOptionsSpec, still accepted.
	EnableQuickboot bool `json:"enableQuickboot,omitempty"`
	// EvacuateOfflineVms is deprecated in the API in favour of
	// EsxUpgradeOptionsSpec, still accepted.
	EvacuateOfflineVms    bool                   `json:"evacuateOfflineVms,omitempty"`
	EsxUpgradeOptionsSpec *EsxUpgradeOptionsSpec `json:"esxUpgradeOptionsSpec,omitempty"`
}

// PersonalitySpec is the API's PersonalitySpec schema (vLCM image upgrade).
type PersonalitySpec struct {
	PersonalityID        string                `json:"personalityId"`
	HardwareSupportSpecs []HardwareSupportSpec `json:"hardwareSupportSpecs,omitempty"`
}

// HardwareSupportSpec is the API's HardwareSupportSpec schema.
type HardwareSupportSpec struct {
	Name        string  `json:"name"`
	PackageSpec Package `json:"packageSpec"`
}

// CustomISOSpec is the API's CustomISOSpec schema.
type CustomISOSpec struct {
	ID string `json:"id"`
}

// EsxUpgradeOptionsSpec is the API's EsxUpgradeOptionsSpec schema.
type EsxUpgradeOptionsSpec struct {
	EsxUpgradeFailureAction   *EsxUpgradeFailureAction `json:"esxUpgradeFailureAction,omitempty"`
	EnforceHclValidation      bool                     `json:"enforceHclValidation,omitempty"`
	EnableQuickPatch          bool                     `json:"enableQuickPatch,omitempty"`
	EnableQuickboot           bool                     `json:"enableQuickboot,omitempty"`
	EvacuateOfflineVms        bool                     `json:"evacuateOfflineVms,omitempty"`
	DisableHac                bool                     `json:"disableHac,omitempty"`
	DisableDpm                bool                     `json:"disableDpm,omitempty"`
	PreRemediationPowerAction string                   `json:"preRemediationPowerAction,omitempty"`
}

// EsxUpgradeFailureAction is the API's EsxUpgradeFailureAction schema.
type EsxUpgradeFailureAction struct {
	Action     string `json:"action"` // FAIL, RETRY
	RetryCount int64  `json:"retryCount"`
	RetryDelay int64  `json:"retryDelay"`
}

// NsxtUpgradeUserInputSpec is the API's NsxtUpgradeUserInputSpec schema.
type NsxtUpgradeUserInputSpec struct {
	NsxtHostClusterUpgradeSpecs []NsxtHostClusterUpgradeSpec `json:"nsxtHostClusterUpgradeSpecs,omitempty"`
	NsxtEdgeClusterUpgradeSpecs []NsxtEdgeClusterUpgradeSpec `json:"nsxtEdgeClusterUpgradeSpecs,omitempty"`
	NsxtUpgradeOptions          *NsxtUpgradeOptions          `json:"nsxtUpgradeOptions,omitempty"`
	NsxtID                      string                       `json:"nsxtId,omitempty"`
}

// NsxtHostClusterUpgradeSpec is the API's NsxtHostClusterUpgradeSpec schema.
type NsxtHostClusterUpgradeSpec struct {
	HostClusterID       string `json:"hostClusterId"`
	HostParallelUpgrade bool   `json:"hostParallelUpgrade,omitempty"`
	LiveUpgrade         bool   `json:"liveUpgrade,omitempty"`
}

// NsxtEdgeClusterUpgradeSpec is the API's NsxtEdgeClusterUpgradeSpec schema.
type NsxtEdgeClusterUpgradeSpec struct {
	EdgeClusterID       string `json:"edgeClusterId"`
	EdgeParallelUpgrade bool   `json:"edgeParallelUpgrade,omitempty"`
}

// NsxtUpgradeOptions is the API's NsxtUpgradeOptions schema.
type NsxtUpgradeOptions struct {
	IsEdgeOnlyUpgrade             bool `json:"isEdgeOnlyUpgrade,omitempty"`
	IsHostClustersUpgradeParallel bool `json:"isHostClustersUpgradeParallel,omitempty"`
	IsEdgeClustersUpgradeParallel bool `json:"isEdgeClustersUpgradeParallel,omitempty"`
}

// VcenterUpgradeUserInputSpec is the API's VcenterUpgradeUserInputSpec schema.
// The schema marks TemporaryNetwork required, but an "InPlace" upgrade needs
// none, so it is a pointer left out when nil.
type VcenterUpgradeUserInputSpec struct {
	ResourceID               string            `json:"resourceId,omitempty"`
	UpgradeMechanism         string            `json:"upgradeMechanism,omitempty"` // InPlace, Migration
	StartSwitchoverTimestamp string            `json:"startSwitchoverTimestamp,omitempty"`
	TemporaryNetwork         *TemporaryNetwork `json:"temporaryNetwork,omitempty"`
}

// TemporaryNetwork is the API's TemporaryNetwork schema.
type TemporaryNetwork struct {
	NetworkMode string `json:"networkMode,omitempty"`
	IPAddress   string `json:"ipAddress,omitempty"`
	SubnetMask  string `json:"subnetMask,omitempty"`
	Gateway     string `json:"gateway,omitempty"`
}

// Upgrade is the API's Upgrade schema; Bundle is the lean Bundle.
type Upgrade struct {
	ID                       string                    `json:"id"`
	BundleID                 string                    `json:"bundleId"`
	ResourceType             string                    `json:"resourceType"`
	ParallelUpgrade          bool                      `json:"parallelUpgrade,omitempty"`
	ResourceUpgradeSpecs     []ResourceUpgradeSpec     `json:"resourceUpgradeSpecs"`
	Status                   string                    `json:"status"` // COMPLETED_WITH_SUCCESS, ...
	TaskID                   string                    `json:"taskId"`
	NsxtUpgradeUserInputSpec *NsxtUpgradeUserInputSpec `json:"nsxtUpgradeUserInputSpec,omitempty"`
	// Bundle is decoded from the API's "bundle" through the lean Bundle
	// conversion (sizeMB to bytes); it is not marshalled back.
	Bundle                      *Bundle                      `json:"-"`
	EndTime                     int64                        `json:"endTime,omitempty"`
	VcenterUpgradeUserInputSpec *VcenterUpgradeUserInputSpec `json:"vcenterUpgradeUserInputSpec,omitempty"`
}
