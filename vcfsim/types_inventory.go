package vcfsim

// JSON shapes of the inventory: domains, clusters, hosts, SDDC Managers.

type vcenterRef struct {
	ID   string `json:"id"`
	FQDN string `json:"fqdn,omitempty"`
}

type nsxClusterRef struct {
	ID      string `json:"id"`
	VIPFQDN string `json:"vipFqdn,omitempty"`
	VIP     string `json:"vip,omitempty"`
}

type hostRef struct {
	ID        string `json:"id"`
	IPAddress string `json:"ipAddress,omitempty"`
	FQDN      string `json:"fqdn,omitempty"`
}

type metric struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

type capacity struct {
	CPU struct {
		Used          metric `json:"used"`
		Total         metric `json:"total"`
		NumberOfCores int    `json:"numberOfCores"`
		NumberOfPkgs  int    `json:"numberOfCPUPackages"`
	} `json:"cpu"`
	Memory struct {
		Used  metric `json:"used"`
		Total metric `json:"total"`
	} `json:"memory"`
	Storage struct {
		Used  metric `json:"used"`
		Total metric `json:"total"`
	} `json:"storage"`
}

type upgradeStatusView struct {
	Status             string `json:"status"`
	CompletedResources int    `json:"completedResources"`
	TotalResources     int    `json:"totalResources"`
}

type licensingInfo struct {
	LicensingMode      string `json:"licensingMode"`
	SubscriptionStatus string `json:"subscriptionStatus"`
	IsRegistered       bool   `json:"isRegistered"`
	IsSubscribed       bool   `json:"isSubscribed"`
}

type domainJSON struct {
	ID                      string             `json:"id"`
	Name                    string             `json:"name"`
	OrgName                 string             `json:"orgName"`
	Status                  string             `json:"status"`
	UpgradeState            string             `json:"upgradeState,omitempty"`
	UpgradeStatus           *upgradeStatusView `json:"upgradeStatus,omitempty"`
	Type                    string             `json:"type"`
	VraIntegrationStatus    string             `json:"vraIntegrationStatus,omitempty"`   // 5.2.1
	VropsIntegrationStatus  string             `json:"vropsIntegrationStatus,omitempty"` // 5.2.1
	VrliIntegrationStatus   string             `json:"vrliIntegrationStatus,omitempty"`  // 5.2.1
	Owners                  []string           `json:"owners"`
	Vcenters                []vcenterRef       `json:"vcenters"`
	SsoID                   string             `json:"ssoId"`
	SsoName                 string             `json:"ssoName"`
	IsManagementSsoDomain   bool               `json:"isManagementSsoDomain"`
	Clusters                []ref              `json:"clusters"`
	NsxtCluster             nsxClusterRef      `json:"nsxtCluster"`
	LicensingInfo           licensingInfo      `json:"licensingInfo"`
	Capacity                capacity           `json:"capacity"`
	Tags                    []any              `json:"tags"`
	ElmStatus               string             `json:"elmStatus"`
	LifecycleManagementMode string             `json:"lifecycleManagementMode"`
	IsNetworkSeparation     bool               `json:"isNetworkSeparationEnabled"`
	IsSecurityEnabled       bool               `json:"isSecurityEnabled"`
	IsPrimaryDomainForNsx   bool               `json:"isPrimaryDomainForNsx"`
}

type clusterJSON struct {
	ID                   string     `json:"id"`
	Domain               ref        `json:"domain"`
	Name                 string     `json:"name"`
	Status               string     `json:"status"`
	PrimaryDatastoreName string     `json:"primaryDatastoreName"`
	PrimaryDatastoreType string     `json:"primaryDatastoreType"`
	Hosts                []hostRef  `json:"hosts"`
	IsStretched          bool       `json:"isStretched"`
	IsDefault            bool       `json:"isDefault"`
	FailuresToTolerate   int        `json:"failuresToTolerate"`
	Tags                 []any      `json:"tags"`
	IsImageBased         bool       `json:"isImageBased"`
	Capacity             capacity   `json:"capacity"`
	Vcenter              vcenterRef `json:"vcenter"`
	MoRefID              string     `json:"managedObjectReferenceId"`
	VsanClusterMode      string     `json:"vsanClusterMode,omitempty"`
	ConfigManagerEnabled *bool      `json:"configManagerEnabled,omitempty"` // 9.x
	IsImported           *bool      `json:"isImported,omitempty"`           // 9.x
}

type cpuCore struct {
	FrequencyMHz float64 `json:"frequencyMHz"`
	Model        string  `json:"model"`
	Manufacturer string  `json:"manufacturer"`
}

type disk struct {
	CapacityMB   float64 `json:"capacityMB"`
	DiskType     string  `json:"diskType"`
	Manufacturer string  `json:"manufacturer"`
	Model        string  `json:"model"`
}

type ipAddress struct {
	IPAddress string `json:"ipAddress"`
	Type      string `json:"type"`
}

type physicalNic struct {
	DeviceName string `json:"deviceName"`
	MacAddress string `json:"macAddress"`
	Speed      int64  `json:"speed"`
	Unit       string `json:"unit"`
	State      string `json:"state"`
}

type hostNetwork struct {
	Type   string `json:"type"`
	VlanID int    `json:"vlanId"`
	MTU    int    `json:"mtu"`
}

type softwareInfo struct {
	BaseImage struct {
		Version string `json:"version"`
		Details struct {
			DisplayName    string `json:"displayName"`
			DisplayVersion string `json:"displayVersion"`
			ReleaseDate    string `json:"releaseDate,omitempty"`
		} `json:"details"`
	} `json:"baseImage"`
	AddOn *struct {
		Version        string `json:"version"`
		Name           string `json:"name"`
		Vendor         string `json:"vendor"`
		DisplayName    string `json:"displayName"`
		DisplayVersion string `json:"displayVersion"`
	} `json:"addOn,omitempty"`
}

type hostJSON struct {
	ID                    string        `json:"id"`
	SerialNumber          string        `json:"serialNumber"`
	EsxiVersion           string        `json:"esxiVersion"`
	SSHThumbprint         string        `json:"sshThumbprint"`
	SSLThumbprint         string        `json:"sslThumbprint"`
	FQDN                  string        `json:"fqdn"`
	HardwareVendor        string        `json:"hardwareVendor"`
	HardwareModel         string        `json:"hardwareModel"`
	IsPrimary             *bool         `json:"isPrimary,omitempty"`         // 5.2.1
	IsVsanEsaEligible     *bool         `json:"isVsanEsaEligible,omitempty"` // 5.2.1
	IPAddresses           []ipAddress   `json:"ipAddresses"`
	CPU                   hostCPU       `json:"cpu"`
	Memory                hostMemory    `json:"memory"`
	Storage               hostStorage   `json:"storage"`
	PhysicalNics          []physicalNic `json:"physicalNics"`
	HostNetworks          []hostNetwork `json:"hostNetworks"`
	Domain                *ref          `json:"domain,omitempty"`
	Networkpool           ref           `json:"networkpool"`
	Cluster               *ref          `json:"cluster,omitempty"`
	Status                string        `json:"status"`
	CompatibleStorageType string        `json:"compatibleStorageType"`
	BundleRepoDatastore   string        `json:"bundleRepoDatastore,omitempty"`
	Hybrid                bool          `json:"hybrid"`
	SoftwareInfo          *softwareInfo `json:"softwareInfo,omitempty"`
	Tags                  []any         `json:"tags"`
	ConfigurationStatus   string        `json:"configurationStatus"`
	DatastoreType         string        `json:"datastoreType,omitempty"`
	Gpus                  []gpuJSON     `json:"gpus,omitempty"` // 9.x
}

type gpuJSON struct {
	DeviceName string `json:"deviceName"`
	VendorName string `json:"vendorName"`
	VgpuState  string `json:"vgpuState"` // READY, DRIVER_MISSING, NOT_SUPPORTED, NO_NVIDIA_GPU
}

type hostCPU struct {
	FrequencyMHz     float64   `json:"frequencyMHz"`
	UsedFrequencyMHz float64   `json:"usedFrequencyMHz"`
	Cores            int       `json:"cores"`
	CPUCores         []cpuCore `json:"cpuCores"`
}

type hostMemory struct {
	TotalCapacityMB float64 `json:"totalCapacityMB"`
	UsedCapacityMB  float64 `json:"usedCapacityMB"`
}

type hostStorage struct {
	TotalCapacityMB float64 `json:"totalCapacityMB"`
	UsedCapacityMB  float64 `json:"usedCapacityMB"`
	Disks           []disk  `json:"disks"`
}

type sddcManagerJSON struct {
	Domain           ref `json:"domain"`
	BasicAuthDetails struct {
		Status   string `json:"status"`
		Username string `json:"username,omitempty"`
	} `json:"basicAuthDetails"`
	ID        string `json:"id"`
	FQDN      string `json:"fqdn"`
	Version   string `json:"version"`
	IPAddress string `json:"ipAddress"`
}
