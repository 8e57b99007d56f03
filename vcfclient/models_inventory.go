package vcfclient

// The inventory as callers see it: lean models with only the fields the
// exporter keeps, flattened, capacities already in base units (bytes, hertz).
// They are built from private wire structs (inventory.go); units are
// converted in units.go and nowhere else.

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
