package vcfclient

import "encoding/json"

// Upgradables: what SDDC Manager offers to upgrade in a domain. These are
// API mirrors: the schemas of the VCF 5.2.1 OpenAPI file (plus the 9.0.2 and
// 9.1 additions) with their exact JSON tags, so the upgrade flow can send
// and read everything the API offers.

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
