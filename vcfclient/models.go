package vcfclient

import "encoding/json"

// This file holds the types callers see. Two kinds live here:
//
//   - Lean inventory models (Domain, Cluster, Host, SddcManager, Capacity,
//     Bundle, Release): only the fields the exporter keeps, flattened, with
//     capacities already in base units (bytes, hertz). They are built from
//     private wire structs (inventory.go, releases.go, upgrades.go); units are
//     converted in units.go and nowhere else.
//   - API mirrors (UpgradeSpec, Task, Upgrade, check-set types, ...): the
//     schemas of the VCF 5.2.1 OpenAPI file (plus the 9.0.2 additions) with
//     their exact JSON tags, so the upgrade flow can send and read
//     everything the API offers.

// Capacity is a domain's capacity in base units. Here and in Host, NaN
// means SDDC Manager sent an unusable value (non-finite or negative): it was
// dropped, counted in vcf_api_values_dropped_total and logged.
type Capacity struct {
	CPUUsedHertz      float64
	CPUTotalHertz     float64
	MemoryUsedBytes   float64
	MemoryTotalBytes  float64
	StorageUsedBytes  float64
	StorageTotalBytes float64
}

// Domain is a workload domain (GET /v1/domains).
type Domain struct {
	ID         string
	Name       string
	Type       string // MANAGEMENT, VI
	Status     string // ACTIVE, ...
	Capacity   Capacity
	ClusterIDs []string
	// UpgradeStatus is upgradeStatus.status: UP_TO_DATE, SCHEDULED,
	// IN_PROGRESS, READY, AVAILABLE (9.1: BLOCKED); "" when not reported.
	UpgradeStatus string
}

// Cluster is a vSphere cluster (GET /v1/clusters).
type Cluster struct {
	ID           string
	Name         string
	Status       string
	DomainID     string
	HostIDs      []string
	IsImageBased bool
	IsStretched  bool
}

// Host is an ESXi host (GET /v1/hosts), capacities in base units.
type Host struct {
	ID                string
	FQDN              string
	Status            string // ASSIGNED, UNASSIGNED_USEABLE, UNASSIGNED_UNUSEABLE
	ConfigStatus      string // configurationStatus: ACTIVE, ERROR, ... like a domain's status
	ESXiVersion       string
	HardwareVendor    string
	HardwareModel     string
	DomainID          string
	ClusterID         string
	CPUCores          float64 // a count; float64 so that it can be NaN (dropped)
	CPUUsedHertz      float64
	CPUTotalHertz     float64
	MemoryUsedBytes   float64
	MemoryTotalBytes  float64
	StorageUsedBytes  float64
	StorageTotalBytes float64
	GPUs              []GPU // VCF 9; nil on 5.2.1
}

// GPU is a GPU of a host (the Gpu schema, VCF 9).
type GPU struct {
	DeviceName string `json:"deviceName"`
	VendorName string `json:"vendorName"`
	VGPUState  string `json:"vgpuState"` // READY, DRIVER_MISSING, NOT_SUPPORTED, NO_NVIDIA_GPU
}

// SddcManager is an SDDC Manager appliance (GET /v1/sddc-managers).
type SddcManager struct {
	ID        string
	FQDN      string
	Version   string
	IPAddress string
	DomainID  string
}

// Inventory is the whole inventory, fetched with four list calls.
type Inventory struct {
	Domains      []Domain
	Clusters     []Cluster
	Hosts        []Host
	SddcManagers []SddcManager
}

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

// ---- check-sets (pre-checks) ----

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

// ---- upgradables ----

// Resource is the API's Resource schema.
type Resource struct {
	ResourceID string   `json:"resourceId"`
	FQDN       string   `json:"fqdn,omitempty"`
	Type       string   `json:"type"`
	Name       string   `json:"name,omitempty"`
	Sans       []string `json:"sans,omitempty"`
}

// SoftwareComponent is the API's SoftwareComponent schema.
type SoftwareComponent struct {
	ID   string `json:"id,omitempty"`
	Type string `json:"type,omitempty"`
}

// Upgradable is the API's Upgradable schema.
type Upgradable struct {
	BundleID           string              `json:"bundleId,omitempty"`
	BundleType         string              `json:"bundleType,omitempty"`
	Resource           Resource            `json:"resource"`
	SoftwareComponents []SoftwareComponent `json:"softwareComponents,omitempty"`
	Status             string              `json:"status,omitempty"` // AVAILABLE, PENDING, SCHEDULED, IN_PROGRESS, ...
	Errors             []ErrorDetail       `json:"errors,omitempty"`
}

// UpgradableCluster is the API's UpgradablesClusterResource schema
// (GET /v1/upgradables/domains/{domainId}/clusters).
type UpgradableCluster struct {
	ResourceID                        string                    `json:"resourceId"`
	ResourceType                      string                    `json:"resourceType"`
	PrimaryCluster                    bool                      `json:"primaryCluster,omitempty"`
	SoftwareInfo                      *SoftwareInfo             `json:"softwareInfo,omitempty"`
	VlcmEnabled                       bool                      `json:"vlcmEnabled,omitempty"`
	ConfiguredHardwareSupportManagers []HardwareSupportPackage  `json:"configuredHardwareSupportManagers,omitempty"`
	AvailableHardwareSupportManagers  []HardwareSupportPackages `json:"availableHardwareSupportManagers,omitempty"`
}

// SoftwareInfo is the API's SoftwareInfo schema (a vLCM image).
type SoftwareInfo struct {
	BaseImage       BaseImageInfo            `json:"baseImage"`
	AddOn           *AddOnInfo               `json:"addOn,omitempty"`
	Components      map[string]ComponentInfo `json:"components,omitempty"`
	HardwareSupport *HardwareSupportInfo     `json:"hardwareSupport,omitempty"`
}

// BaseImageInfo is the API's BaseImageInfo schema.
type BaseImageInfo struct {
	Version string            `json:"version"`
	Details *BaseImageDetails `json:"details,omitempty"`
}

// BaseImageDetails is the API's BaseImageDetails schema.
type BaseImageDetails struct {
	DisplayName      string `json:"displayName"`
	DisplayVersion   string `json:"displayVersion"`
	ReleaseTimestamp string `json:"releaseTimestamp,omitempty"`
}

// AddOnInfo is the API's AddOnInfo schema.
type AddOnInfo struct {
	Version        string `json:"version"`
	Name           string `json:"name"`
	Vendor         string `json:"vendor"`
	DisplayName    string `json:"displayName,omitempty"`
	DisplayVersion string `json:"displayVersion,omitempty"`
}

// ComponentInfo is the API's ComponentInfo schema; details are kept raw.
type ComponentInfo struct {
	Version string          `json:"version"`
	Details json.RawMessage `json:"details,omitempty"`
}

// HardwareSupportInfo is the API's HardwareSupportInfo schema.
type HardwareSupportInfo struct {
	Packages map[string]HardwareSupportPackageInfo `json:"packages"`
}

// HardwareSupportPackageInfo is the API's HardwareSupportPackageInfo schema.
type HardwareSupportPackageInfo struct {
	Pkg     string `json:"pkg"`
	Version string `json:"version"`
}

// Package is the API's Package (and PackageSpec) schema.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// HardwareSupportPackage is the API's HardwareSupportPackage schema.
type HardwareSupportPackage struct {
	Name        string  `json:"name"`
	DisplayName string  `json:"displayName,omitempty"`
	Pkg         Package `json:"pkg"`
}

// HardwareSupportPackages is the API's HardwareSupportPackages schema.
type HardwareSupportPackages struct {
	Name        string    `json:"name"`
	DisplayName string    `json:"displayName"`
	Packages    []Package `json:"packages"`
}

// NsxtResources is the API's NsxtResources schema.
type NsxtResources struct {
	NsxtHostClusters       []NsxtHostCluster       `json:"nsxtHostClusters,omitempty"`
	NsxtEdgeClusters       []NsxtEdgeCluster       `json:"nsxtEdgeClusters,omitempty"`
	NsxtManagerCluster     *NsxtManagerCluster     `json:"nsxtManagerCluster,omitempty"`
	NsxtUpgradeCoordinator *NsxtUpgradeCoordinator `json:"nsxtUpgradeCoordinator,omitempty"`
	// NsxtFinalize (VCF 9.1) is the NSX upgrade's finalize stage.
	NsxtFinalize *NsxtFinalize `json:"nsxtFinalize,omitempty"`
	BundleID     string        `json:"bundleId,omitempty"`
	DomainID     string        `json:"domainId,omitempty"`
}

// NsxtHostCluster is the API's NsxtHostCluster schema.
type NsxtHostCluster struct {
	ID                                string                    `json:"id,omitempty"`
	Name                              string                    `json:"name,omitempty"`
	UpgradeStatus                     string                    `json:"upgradeStatus,omitempty"`
	ResourceHealth                    string                    `json:"resourceHealth,omitempty"`
	UpgradedUnits                     int                       `json:"upgradedUnits,omitempty"`
	TotalUnits                        int                       `json:"totalUnits,omitempty"`
	DomainID                          string                    `json:"domainId,omitempty"`
	Version                           string                    `json:"version,omitempty"`
	PrimaryCluster                    bool                      `json:"primaryCluster,omitempty"`
	VLcmEnabled                       bool                      `json:"vLcmEnabled,omitempty"`
	ConfiguredHardwareSupportManagers []HardwareSupportPackage  `json:"configuredHardwareSupportManagers,omitempty"`
	AvailableHardwareSupportManagers  []HardwareSupportPackages `json:"availableHardwareSupportManagers,omitempty"`
	NsxtComponentID                   string                    `json:"nsxtComponentId,omitempty"`
}

// NsxtEdgeCluster is the API's NsxtEdgeCluster schema.
type NsxtEdgeCluster struct {
	ID             string `json:"id,omitempty"`
	Name           string `json:"name,omitempty"`
	UpgradeStatus  string `json:"upgradeStatus,omitempty"`
	ResourceHealth string `json:"resourceHealth,omitempty"`
	Version        string `json:"version,omitempty"`
}

// NsxtManagerCluster is the API's NsxtManagerCluster schema.
type NsxtManagerCluster struct {
	ID             string `json:"id,omitempty"`
	Name           string `json:"name,omitempty"`
	UpgradeStatus  string `json:"upgradeStatus,omitempty"`
	ResourceHealth string `json:"resourceHealth,omitempty"`
	Version        string `json:"version,omitempty"`
}

// NsxtFinalize is the API's NsxtFinalize schema (VCF 9.1).
type NsxtFinalize struct {
	ID            string `json:"id"`
	UpgradeStatus string `json:"upgradeStatus"`
	Version       string `json:"version"`
}

// NsxtUpgradeCoordinator is the API's NsxtUpgradeCoordinator schema.
type NsxtUpgradeCoordinator struct {
	ID             string `json:"id,omitempty"`
	UpgradeStatus  string `json:"upgradeStatus,omitempty"`
	ResourceHealth string `json:"resourceHealth,omitempty"`
	Version        string `json:"version,omitempty"`
	EnabledOn      string `json:"enabledOn,omitempty"`
}

// ---- upgrades ----

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

// ---- tasks ----

// Task is the API's Task schema.
type Task struct {
	ID                         string        `json:"id"`
	Name                       string        `json:"name"`
	LocalizableDescriptionPack *MessagePack  `json:"localizableDescriptionPack,omitempty"`
	Type                       string        `json:"type,omitempty"`
	Status                     string        `json:"status"` // PENDING, IN_PROGRESS, SUCCESSFUL, FAILED, ...
	CreationTimestamp          string        `json:"creationTimestamp"`
	CompletionTimestamp        string        `json:"completionTimestamp,omitempty"`
	SubTasks                   []SubTask     `json:"subTasks,omitempty"`
	Errors                     []ErrorDetail `json:"errors,omitempty"`
	Resources                  []Resource    `json:"resources,omitempty"`
	ResolutionStatus           string        `json:"resolutionStatus,omitempty"`
	IsCancellable              bool          `json:"isCancellable,omitempty"`
	IsRetryable                bool          `json:"isRetryable,omitempty"`
}

// SubTask is the API's SubTask schema.
type SubTask struct {
	Name                string        `json:"name"`
	Type                string        `json:"type"`
	Description         string        `json:"description"`
	Status              string        `json:"status"`
	CreationTimestamp   string        `json:"creationTimestamp"`
	CompletionTimestamp string        `json:"completionTimestamp,omitempty"`
	Stages              []Stage       `json:"stages,omitempty"`
	Errors              []ErrorDetail `json:"errors,omitempty"`
	Resources           []Resource    `json:"resources,omitempty"`
	SubTasks            []SubTask     `json:"subTasks,omitempty"`
}

// Stage is the API's Stage schema.
type Stage struct {
	Name                string        `json:"name"`
	Type                string        `json:"type"`
	Description         string        `json:"description"`
	Status              string        `json:"status"`
	CreationTimestamp   string        `json:"creationTimestamp"`
	CompletionTimestamp string        `json:"completionTimestamp,omitempty"`
	Errors              []ErrorDetail `json:"errors,omitempty"`
}

// MessagePack is the API's MessagePack schema.
type MessagePack struct {
	Component  string   `json:"component,omitempty"`
	MessageKey string   `json:"messageKey"`
	Arguments  []string `json:"arguments,omitempty"`
	Message    string   `json:"message,omitempty"`
	Bundle     string   `json:"bundle,omitempty"`
}
