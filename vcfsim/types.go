package vcfsim

// JSON shapes of the VCF 5.2.1 and 9.0.2 APIs (components.schemas in the
// OpenAPI files), limited to the fields the simulator fills. Fields only one
// version has are omitempty and set by that version only.

type apiError struct {
	ErrorCode          string            `json:"errorCode"`
	ErrorType          string            `json:"errorType,omitempty"`
	Arguments          []string          `json:"arguments,omitempty"`
	Context            map[string]string `json:"context,omitempty"`
	Message            string            `json:"message"`
	RemediationMessage string            `json:"remediationMessage,omitempty"`
	ReferenceToken     string            `json:"referenceToken,omitempty"`
}

type pageMetadata struct {
	PageNumber    int `json:"pageNumber"`
	PageSize      int `json:"pageSize"`
	TotalElements int `json:"totalElements"`
	TotalPages    int `json:"totalPages"`
}

type page[T any] struct {
	Elements     []T           `json:"elements"`
	PageMetadata *pageMetadata `json:"pageMetadata,omitempty"`
}

func newPage[T any](elems []T) page[T] {
	if elems == nil {
		elems = []T{}
	}
	return page[T]{Elements: elems, PageMetadata: &pageMetadata{
		PageNumber: 0, PageSize: len(elems), TotalElements: len(elems), TotalPages: 1,
	}}
}

type ref struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
}

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

type resourceJSON struct {
	ResourceID string `json:"resourceId"`
	FQDN       string `json:"fqdn,omitempty"`
	Type       string `json:"type"`
	Name       string `json:"name,omitempty"`
}

type subTaskJSON struct {
	Name                string         `json:"name"`
	Type                string         `json:"type"`
	Description         string         `json:"description"`
	Status              string         `json:"status"`
	CreationTimestamp   string         `json:"creationTimestamp"`
	CompletionTimestamp string         `json:"completionTimestamp,omitempty"`
	Errors              []apiError     `json:"errors,omitempty"`
	Resources           []resourceJSON `json:"resources,omitempty"`
}

type taskJSON struct {
	ID                  string         `json:"id"`
	Name                string         `json:"name"`
	Type                string         `json:"type"`
	Status              string         `json:"status"`
	CreationTimestamp   string         `json:"creationTimestamp"`
	CompletionTimestamp string         `json:"completionTimestamp,omitempty"`
	SubTasks            []subTaskJSON  `json:"subTasks,omitempty"`
	Errors              []apiError     `json:"errors,omitempty"`
	Resources           []resourceJSON `json:"resources"`
	IsCancellable       bool           `json:"isCancellable"`
	IsRetryable         bool           `json:"isRetryable"`
}

type checkSetCandidate struct {
	CheckSetID   string `json:"checkSetId"`
	CheckSetName string `json:"checkSetName"`
	CheckSetType string `json:"checkSetType"`
}

type resourceDomainInfo struct {
	DomainID   string `json:"domainId"`
	DomainName string `json:"domainName"`
	DomainType string `json:"domainType"`
}

type checkSetQueryResource struct {
	ResourceName    string              `json:"resourceName"`
	ResourceID      string              `json:"resourceId"`
	ResourceType    string              `json:"resourceType"`
	ResourceVersion string              `json:"resourceVersion"`
	Domain          resourceDomainInfo  `json:"domain"`
	CheckSets       []checkSetCandidate `json:"checkSets"`
}

type checkSetQueryResult struct {
	QueryID   string                  `json:"queryId"`
	Resources []checkSetQueryResource `json:"resources"`
}

type assessmentOutput struct {
	PresentedArtifactsMap map[string]any `json:"presentedArtifactsMap,omitempty"`
	Status                string         `json:"status"`
	DiscoveryProgress     struct {
		ProgressMessages   []string `json:"progressMessages"`
		PercentageComplete int      `json:"percentageComplete"`
	} `json:"discoveryProgress"`
	Timestamp           string `json:"timestamp"`
	CompletionTimestamp string `json:"completionTimestamp,omitempty"`
}

type upgradableJSON struct {
	BundleID           string            `json:"bundleId"`
	BundleType         string            `json:"bundleType"`
	Resource           resourceJSON      `json:"resource"`
	SoftwareComponents []softwareCompRef `json:"softwareComponents"`
	Status             string            `json:"status"`
	Errors             []apiError        `json:"errors,omitempty"`
}

type softwareCompRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type resourceUpgradeSpec struct {
	ResourceID         string          `json:"resourceId"`
	ShutdownVms        *bool           `json:"shutdownVms,omitempty"`
	ToVersion          string          `json:"toVersion,omitempty"`
	ScheduledTimestamp string          `json:"scheduledTimestamp,omitempty"`
	UpgradeNow         *bool           `json:"upgradeNow,omitempty"`
	PersonalitySpec    *personalitySpc `json:"personalitySpec,omitempty"`
	EnableQuickboot    *bool           `json:"enableQuickboot,omitempty"`
	EvacuateOfflineVms *bool           `json:"evacuateOfflineVms,omitempty"`
	EsxUpgradeOptions  map[string]any  `json:"esxUpgradeOptionsSpec,omitempty"`
}

type personalitySpc struct {
	PersonalityID string `json:"personalityId"`
}

type nsxtUpgradeUserInputSpec struct {
	NsxtHostClusterUpgradeSpecs []struct {
		HostClusterID       string `json:"hostClusterId"`
		HostParallelUpgrade *bool  `json:"hostParallelUpgrade,omitempty"`
		LiveUpgrade         *bool  `json:"liveUpgrade,omitempty"`
	} `json:"nsxtHostClusterUpgradeSpecs,omitempty"`
	NsxtEdgeClusterUpgradeSpecs []struct {
		EdgeClusterID       string `json:"edgeClusterId"`
		EdgeParallelUpgrade *bool  `json:"edgeParallelUpgrade,omitempty"`
	} `json:"nsxtEdgeClusterUpgradeSpecs,omitempty"`
	NsxtUpgradeOptions map[string]any `json:"nsxtUpgradeOptions,omitempty"`
	NsxtID             string         `json:"nsxtId,omitempty"`
}

type vcenterUpgradeUserInputSpec struct {
	ResourceID       string         `json:"resourceId,omitempty"`
	UpgradeMechanism string         `json:"upgradeMechanism,omitempty"`
	TemporaryNetwork map[string]any `json:"temporaryNetwork"` // required by the schema
}

type upgradeSpec struct {
	BundleID                     string                        `json:"bundleId"`
	ResourceType                 string                        `json:"resourceType"`
	ParallelUpgrade              bool                          `json:"parallelUpgrade"`
	DraftMode                    bool                          `json:"draftMode"`
	ResourceUpgradeSpecs         []resourceUpgradeSpec         `json:"resourceUpgradeSpecs"`
	NsxtUpgradeUserInputSpecs    []nsxtUpgradeUserInputSpec    `json:"nsxtUpgradeUserInputSpecs"`
	VcenterUpgradeUserInputSpecs []vcenterUpgradeUserInputSpec `json:"vcenterUpgradeUserInputSpecs"`
}

type upgradeJSON struct {
	ID                          string                       `json:"id"`
	BundleID                    string                       `json:"bundleId"`
	ResourceType                string                       `json:"resourceType"`
	ParallelUpgrade             bool                         `json:"parallelUpgrade"`
	ResourceUpgradeSpecs        []resourceUpgradeSpec        `json:"resourceUpgradeSpecs"`
	Status                      string                       `json:"status"`
	TaskID                      string                       `json:"taskId"`
	NsxtUpgradeUserInputSpec    *nsxtUpgradeUserInputSpec    `json:"nsxtUpgradeUserInputSpec,omitempty"`
	Bundle                      *bundleJSON                  `json:"bundle,omitempty"`
	EndTime                     int64                        `json:"endTime,omitempty"`
	VcenterUpgradeUserInputSpec *vcenterUpgradeUserInputSpec `json:"vcenterUpgradeUserInputSpec,omitempty"`
}
