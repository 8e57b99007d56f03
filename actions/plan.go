package actions

import (
	"context"
	"fmt"
	"math"
)

// Plan is the answer to a dry run: what an upgrade would do.
type Plan struct {
	DryRun         bool         `json:"dry_run"`
	Target         string       `json:"target"`
	DomainID       string       `json:"domain_id"`
	DomainName     string       `json:"domain_name"`
	CurrentVersion string       `json:"current_version"`
	TargetVersion  string       `json:"target_version"`
	Bundles        []PlanBundle `json:"bundles"`
	DownloadBytes  float64      `json:"download_bytes"`
	ComponentOrder []Kind       `json:"component_order"`
	Clusters       []string     `json:"esx_clusters,omitempty"`
	Steps          []string     `json:"steps"`
}

// PlanBundle is one bundle of the plan.
type PlanBundle struct {
	ID             string  `json:"id"`
	Type           string  `json:"type"`
	Component      Kind    `json:"component"`
	Version        string  `json:"version,omitempty"`
	SizeBytes      float64 `json:"size_bytes"`
	DownloadStatus string  `json:"download_status"`
	NeedsDownload  bool    `json:"needs_download"`
	// UpgradedBy: SDDC Manager, or VCF Operations fleet management (SDDC
	// Manager itself on VCF 9; the workflow waits for it).
	UpgradedBy string `json:"upgraded_by,omitempty"`
}

// PlanUpgrade answers what StartUpgrade would do, changing nothing (only
// GET requests reach SDDC Manager).
func (e *Engine) PlanUpgrade(ctx context.Context, targetName, ref, version string) (*Plan, error) {
	u, err := e.prepare(ctx, targetName, ref, version)
	if err != nil {
		return nil, err
	}
	c, d, next := u.client, u.domain, u.next
	p := &Plan{DryRun: true, Target: u.target, DomainID: d.ID, DomainName: d.Name, CurrentVersion: u.current, TargetVersion: next.Version}
	kinds := map[Kind]bool{}
	bom := bomOf(next)
	for _, pb := range next.PatchBundles {
		b, err := c.Bundle(ctx, pb.BundleID)
		if err != nil {
			return nil, remoteErr("reading bundle "+pb.BundleID, err)
		}
		pbv := PlanBundle{ID: b.ID, Type: b.Type, Version: b.Version, SizeBytes: math.Round(b.SizeBytes), DownloadStatus: b.DownloadStatus, NeedsDownload: b.DownloadStatus != "SUCCESSFUL"}
		if len(b.Components) > 0 {
			if comp, ok := e.components.of(b.Components[0].Type); ok {
				pbv.Component, pbv.UpgradedBy = comp.Kind, e.components.upgrader(bom, comp.Kind)
				kinds[comp.Kind] = true
			}
		}
		if pbv.NeedsDownload {
			p.DownloadBytes += pbv.SizeBytes
		}
		p.Bundles = append(p.Bundles, pbv)
	}
	perCluster := false
	for _, comp := range e.components {
		if kinds[comp.Kind] {
			p.ComponentOrder = append(p.ComponentOrder, comp.Kind)
			perCluster = perCluster || comp.perCluster
		}
	}
	if perCluster {
		cls, err := c.Clusters(ctx)
		if err != nil {
			return nil, remoteErr("listing clusters", err)
		}
		for _, cl := range cls {
			if cl.DomainID == d.ID {
				p.Clusters = append(p.Clusters, cl.Name)
			}
		}
	}
	p.Steps = []string{
		"set the domain's target version to " + next.Version,
		fmt.Sprintf("download %d bundle(s) (%s)", countNeeding(p.Bundles), humanBytes(p.DownloadBytes)),
		"run the upgrade pre-checks (findings wait for an acknowledgement)",
	}
	for _, k := range p.ComponentOrder {
		name := e.components.nameOf(k, len(p.Clusters))
		if e.components.external(bom, k) {
			p.Steps = append(p.Steps, "wait for "+e.components.upgrader(bom, k)+" to upgrade "+name)
			continue
		}
		p.Steps = append(p.Steps, "upgrade "+name)
	}
	p.Steps = append(p.Steps, "validate the domain at "+next.Version)
	return p, nil
}

func countNeeding(bs []PlanBundle) int {
	n := 0
	for _, b := range bs {
		if b.NeedsDownload {
			n++
		}
	}
	return n
}

func humanBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}
