package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// Kind is an upgradable component, from a bundle's components[0].type.
type Kind string

// Component kinds.
const (
	KindSDDCManager Kind = "SDDC_MANAGER"
	KindNSX         Kind = "NSX_T_MANAGER"
	KindVCenter     Kind = "VCENTER"
	KindESX         Kind = "ESX_HOST"
)

// component is one row of the component table: how one kind of component
// is upgraded.
type component struct {
	Kind Kind
	// State is the workflow's state while the component upgrades.
	State State
	// name is the component as the log names it; n is the number of
	// resources (clusters for ESXi).
	name func(n int) string
	// perCluster: the upgrade targets the domain's clusters (resource type
	// CLUSTER), not the domain.
	perCluster bool
	// timeout is the upgrade's limit (ESXi: all clusters of the bundle).
	timeout stepTimeout
	// spec fills the component's part of the upgrade request (nil: none).
	spec func(r *run, ctx context.Context, c *ComponentRun, s *vcfclient.UpgradeSpec) error
	// settle: let SDDC Manager settle after this upgrade (--actions.settle-time).
	settle bool
	// finish waits, after the upgrade reads COMPLETED_WITH_SUCCESS, for
	// what SDDC Manager still does before the component is done (nil:
	// nothing).
	finish func(r *run, ctx context.Context, c *ComponentRun) error
}

// componentTable lists the components in upgrade order.
type componentTable []component

// components is the production component table (init: the spec functions
// reach the run, which reaches the tables).
var components componentTable

func init() {
	components = componentTable{
		{Kind: KindSDDCManager, State: StateUpgradingSDDCManager, name: fixedName("SDDC Manager"), settle: true,
			timeout: stepTimeout{"sddc_manager", 4 * time.Hour}},
		{Kind: KindNSX, State: StateUpgradingNSX, name: fixedName("NSX"), spec: (*run).nsxSpec, finish: (*run).nsxFinalized,
			timeout: stepTimeout{"nsx", 24 * time.Hour}},
		{Kind: KindVCenter, State: StateUpgradingVCenter, name: fixedName("vCenter"), spec: (*run).vcenterSpec,
			timeout: stepTimeout{"vcenter", 8 * time.Hour}},
		{Kind: KindESX, State: StateUpgradingESX, name: func(n int) string { return fmt.Sprintf("ESXi (%d cluster(s))", n) },
			perCluster: true, spec: (*run).esxSpec,
			timeout: stepTimeout{"esx_cluster", 48 * time.Hour}},
	}
}

func fixedName(s string) func(int) string { return func(int) string { return s } }

// of finds the component of a bundle's components[0].type.
func (t componentTable) of(componentType string) (component, bool) {
	u := strings.ToUpper(componentType)
	i := slices.IndexFunc(t, func(c component) bool { return strings.Contains(u, string(c.Kind)) })
	if i < 0 {
		return component{}, false
	}
	return t[i], true
}

// kind finds a kind's row.
func (t componentTable) kind(k Kind) (component, bool) {
	i := slices.IndexFunc(t, func(c component) bool { return c.Kind == k })
	if i < 0 {
		return component{}, false
	}
	return t[i], true
}

// byState finds the component upgraded in state s.
func (t componentTable) byState(s State) (component, bool) {
	i := slices.IndexFunc(t, func(c component) bool { return c.State == s })
	if i < 0 {
		return component{}, false
	}
	return t[i], true
}

// nameOf names a kind for the log (the kind itself when unknown).
func (t componentTable) nameOf(k Kind, n int) string {
	if c, ok := t.kind(k); ok {
		return c.name(n)
	}
	return string(k)
}

// managedBySDDCManager is the lifecycleManagedBy of the components SDDC
// Manager upgrades (VCF 9; 5.2 names nobody: SDDC Manager upgrades all).
const managedBySDDCManager = "SDDC_MANAGER_VCF"

// Upgraders as the dry-run plan names them.
const (
	upgraderSDDCManager   = "SDDC Manager"
	upgraderVCFOperations = "VCF Operations fleet management"
)

// managedBy is who upgrades kind k according to the release's bill of
// materials ("" or managedBySDDCManager: SDDC Manager itself).
func (t componentTable) managedBy(bom []BomEntry, k Kind) string {
	for _, b := range bom {
		if c, ok := t.of(b.Name); ok && c.Kind == k {
			return b.ManagedBy
		}
	}
	return ""
}

// external reports whether SDDC Manager does not upgrade kind k: its
// lifecycle is managed elsewhere (VCF Operations fleet management on 9.x).
func (t componentTable) external(bom []BomEntry, k Kind) bool {
	m := t.managedBy(bom, k)
	return m != "" && m != managedBySDDCManager
}

// reportsManagers: the release's BOM says who manages each component's
// lifecycle (VCF 9), and so its validation checks say which findings need
// an acknowledgement.
func reportsManagers(bom []BomEntry) bool {
	return slices.ContainsFunc(bom, func(b BomEntry) bool { return b.ManagedBy != "" })
}

// upgrader names who upgrades kind k, for the dry-run plan.
func (t componentTable) upgrader(bom []BomEntry, k Kind) string {
	if !t.external(bom, k) {
		return upgraderSDDCManager
	}
	if m := t.managedBy(bom, k); m == "VCF_OPERATIONS" {
		return upgraderVCFOperations
	}
	return t.managedBy(bom, k)
}

// nsxFinalized waits for the finalize stage of NSX's upgrade (VCF 9.1,
// nsxtFinalize in GET /v1/upgradables/domains/{id}/nsxt): NSX is not done
// before it. The reference does not say whether the upgrade reads
// COMPLETED_WITH_SUCCESS before finalize ends, so it is asked either way;
// only SUCCESS ends the wait, FAILED fails it, any other value waits (and
// is logged) until the NSX timeout.
func (r *run) nsxFinalized(ctx context.Context, c *ComponentRun) error {
	if !reportsManagers(r.w.Bom) {
		return nil // 5.2
	}
	if v91, err := r.api91(ctx); err != nil || !v91 {
		return err
	}
	seen := ""
	return r.poll(ctx, "waiting for NSX's finalize stage", false, func(ctx context.Context, cl Client) (bool, error) {
		nsx, err := cl.UpgradableNSXT(ctx, r.w.DomainID, c.BundleID)
		if err != nil {
			return false, err
		}
		f := nsx.NsxtFinalize
		if f == nil {
			r.logf(levelWarning, "SDDC Manager 9.1 reports no NSX finalize stage; taking the NSX upgrade as done.")
			return true, nil
		}
		switch f.UpgradeStatus {
		case "SUCCESS":
			return true, nil
		case "FAILED":
			return false, errors.New("NSX's finalize stage " + f.ID + " FAILED; see the NSX upgrade in SDDC Manager")
		}
		if f.UpgradeStatus != seen {
			seen = f.UpgradeStatus
			r.logf(levelInfo, "NSX's finalize stage is %s; NSX is upgraded once it reports SUCCESS.", f.UpgradeStatus)
			return false, r.save()
		}
		return false, nil
	})
}
