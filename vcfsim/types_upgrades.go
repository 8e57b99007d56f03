package vcfsim

// JSON shapes of pre-checks (check-sets), upgradables and upgrades.

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
