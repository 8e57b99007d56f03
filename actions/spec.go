package actions

import (
	"context"
	"errors"
	"strings"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// spec builds the POST /v1/upgrades body of a component from the config's
// options: the common part here, the component's own part from its row of
// the component table.
func (r *run) spec(ctx context.Context, c *ComponentRun) (vcfclient.UpgradeSpec, error) {
	s := vcfclient.UpgradeSpec{BundleID: c.BundleID, ResourceType: c.ResourceType}
	for _, id := range c.ResourceIDs {
		s.ResourceUpgradeSpecs = append(s.ResourceUpgradeSpecs, vcfclient.ResourceUpgradeSpec{ResourceID: id, UpgradeNow: true})
	}
	if comp, ok := r.e.components.kind(c.Kind); ok && comp.spec != nil {
		if err := comp.spec(r, ctx, c, &s); err != nil {
			return s, err
		}
	}
	return s, nil
}

// esxSpec: the ESXi options per cluster, and the vLCM image of the
// clusters that have one configured (by cluster name or id).
func (r *run) esxSpec(ctx context.Context, _ *ComponentRun, s *vcfclient.UpgradeSpec) error {
	opts := r.e.config().ESX
	s.ParallelUpgrade = opts.ParallelClusterUpgrade
	for i := range s.ResourceUpgradeSpecs {
		rs := &s.ResourceUpgradeSpecs[i]
		rs.EnableQuickboot = opts.EnableQuickboot
		rs.EvacuateOfflineVms = opts.EvacuateOfflineVMs
		rs.EsxUpgradeOptionsSpec = &vcfclient.EsxUpgradeOptionsSpec{
			EnableQuickboot:      opts.EnableQuickboot,
			EvacuateOfflineVms:   opts.EvacuateOfflineVMs,
			EnforceHclValidation: opts.EnforceHCLValidation,
			DisableHac:           opts.DisableHAC,
			DisableDpm:           opts.DisableDPM,
		}
	}
	if len(opts.Personalities) == 0 {
		return nil
	}
	cls, err := call(ctx, r, "listing clusters", func(ctx context.Context, c Client) ([]vcfclient.Cluster, error) {
		return c.Clusters(ctx)
	})
	if err != nil {
		return err
	}
	for i := range s.ResourceUpgradeSpecs {
		rs := &s.ResourceUpgradeSpecs[i]
		id := opts.Personalities[rs.ResourceID]
		for _, cl := range cls {
			if id == "" && cl.ID == rs.ResourceID {
				id = opts.Personalities[cl.Name]
			}
		}
		if id != "" {
			rs.PersonalitySpec = &vcfclient.PersonalitySpec{PersonalityID: id}
		}
	}
	return nil
}

// nsxSpec: the NSX upgrade options for the domain's NSX Manager, host
// clusters and edge clusters.
func (r *run) nsxSpec(ctx context.Context, c *ComponentRun, s *vcfclient.UpgradeSpec) error {
	opts := r.e.config().NSX
	nsx, err := call(ctx, r, "reading the NSX upgrade resources", func(ctx context.Context, cl Client) (*vcfclient.NsxtResources, error) {
		return cl.UpgradableNSXT(ctx, r.w.DomainID, c.BundleID)
	})
	if err != nil {
		return err
	}
	in := vcfclient.NsxtUpgradeUserInputSpec{
		NsxtUpgradeOptions: &vcfclient.NsxtUpgradeOptions{
			IsEdgeOnlyUpgrade:             opts.EdgeOnly,
			IsHostClustersUpgradeParallel: opts.HostClustersParallel,
			IsEdgeClustersUpgradeParallel: opts.EdgeClustersParallelOrDefault(),
		},
	}
	if nsx.NsxtManagerCluster != nil {
		in.NsxtID = nsx.NsxtManagerCluster.ID
	}
	for _, hc := range nsx.NsxtHostClusters {
		in.NsxtHostClusterUpgradeSpecs = append(in.NsxtHostClusterUpgradeSpecs, vcfclient.NsxtHostClusterUpgradeSpec{
			HostClusterID: hc.ID, HostParallelUpgrade: opts.HostParallelUpgrade, LiveUpgrade: opts.LiveUpgrade,
		})
	}
	for _, ec := range nsx.NsxtEdgeClusters {
		in.NsxtEdgeClusterUpgradeSpecs = append(in.NsxtEdgeClusterUpgradeSpecs, vcfclient.NsxtEdgeClusterUpgradeSpec{
			EdgeClusterID: ec.ID, EdgeParallelUpgrade: opts.EdgeParallelUpgradeOrDefault(),
		})
	}
	s.NsxtUpgradeUserInputSpecs = []vcfclient.NsxtUpgradeUserInputSpec{in}
	return nil
}

// vcenterSpec: the vCenter upgrade mechanism, for the vCenter the
// pre-checks named.
func (r *run) vcenterSpec(_ context.Context, _ *ComponentRun, s *vcfclient.UpgradeSpec) error {
	vcID := r.w.Precheck.ResourceIDs["VCENTER"]
	if vcID == "" {
		for t, id := range r.w.Precheck.ResourceIDs {
			if strings.Contains(strings.ToUpper(t), "VCENTER") {
				vcID = id
			}
		}
	}
	if vcID == "" {
		return errors.New("no vCenter resource id known from the pre-checks")
	}
	s.VcenterUpgradeUserInputSpecs = []vcfclient.VcenterUpgradeUserInputSpec{{
		ResourceID: vcID, UpgradeMechanism: r.e.config().VCenter.UpgradeMechanismOrDefault(),
	}}
	return nil
}
