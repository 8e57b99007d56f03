package actions

import (
	"context"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// Client is the part of *vcfclient.Client the workflow uses.
type Client interface {
	Domains(ctx context.Context) ([]vcfclient.Domain, error)
	Clusters(ctx context.Context) ([]vcfclient.Cluster, error)
	Releases(ctx context.Context, domainID string) ([]vcfclient.Release, error)
	FutureReleases(ctx context.Context, domainID string) ([]vcfclient.Release, error)
	DomainReleaseView(ctx context.Context, domainID string) (*vcfclient.DomainReleaseView, error)
	SetTargetRelease(ctx context.Context, domainID string, r vcfclient.DomainRelease) error
	Bundle(ctx context.Context, id string) (*vcfclient.Bundle, error)
	DownloadBundle(ctx context.Context, id string) (*vcfclient.Task, error)
	QueryCheckSets(ctx context.Context, in vcfclient.CheckSetQueryInput) (*vcfclient.CheckSetQueryResult, error)
	RunCheckSets(ctx context.Context, in vcfclient.CheckSetRunInput) (*vcfclient.Task, error)
	CheckSetRun(ctx context.Context, runID string) (*vcfclient.AssessmentOutput, error)
	Upgradables(ctx context.Context, domainID, targetVersion string) ([]vcfclient.Upgradable, error)
	UpgradableClusters(ctx context.Context, domainID string) ([]vcfclient.UpgradableCluster, error)
	UpgradableNSXT(ctx context.Context, domainID, bundleID string) (*vcfclient.NsxtResources, error)
	StartUpgrade(ctx context.Context, spec vcfclient.UpgradeSpec) (*vcfclient.Task, error)
	Upgrades(ctx context.Context) ([]vcfclient.Upgrade, error)
	Upgrade(ctx context.Context, id string) (*vcfclient.Upgrade, error)
	Task(ctx context.Context, id string) (*vcfclient.Task, error)
	ValidateRelease(ctx context.Context, domainID string, r vcfclient.DomainRelease) (*vcfclient.Validation, error)
	Validation(ctx context.Context, id string) (*vcfclient.Validation, error)
	SddcManagers(ctx context.Context) ([]vcfclient.SddcManager, error)
	RefreshToken(ctx context.Context) error
}

// Targets gives the workflow the SDDC Managers it may act on.
type Targets interface {
	// Names lists the configured SDDC Managers.
	Names() []string
	// Client returns the API client of the named SDDC Manager.
	Client(name string) (Client, bool)
	// CheckUpdates refreshes the exporter's cached upgrade check of the
	// named SDDC Manager now (versions, available updates).
	CheckUpdates(ctx context.Context, name string) error
}

// URLer is optionally implemented by Targets to give the SDDC Manager's base
// URL, used to link the UI's pre-check page in the log.
type URLer interface {
	URL(name string) string
}

// DomainLister is optionally implemented by Targets to name the domains the
// exporter knows (from its cached upgrade check), so that the state metric
// shows waiting_for_initiation for domains that never had a workflow.
type DomainLister interface {
	KnownDomains(target string) []string
}
