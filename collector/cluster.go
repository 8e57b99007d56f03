package collector

import (
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("cluster", true, func(Options) (Collector, error) {
		return listCollector[clusterRow]{families: clusterFamilies, rows: clusterRows}, nil
	})
}

// clusterRow is a cluster as its series show it.
type clusterRow struct {
	*vcfclient.Cluster
	labels []string // domain, cluster
	hosts  int
}

func (c *clusterRow) lv() []string { return c.labels }

var clusterFamilies = []Family[clusterRow]{
	// No status: vcf_cluster_status has it (see the domain's info).
	gauge(newDesc("cluster", "info", "vSphere cluster managed by the SDDC Manager; always 1.",
		"domain", "cluster", "cluster_id"),
		func(c *clusterRow, emit Emit) { emit(1, c.labels[0], c.Name, c.ID) }),
	number(newDesc("cluster", "hosts", "Number of ESXi hosts in the cluster.", "domain", "cluster"),
		(*clusterRow).lv, func(c *clusterRow) float64 { return float64(c.hosts) }),
	number(newDesc("cluster", "image_based", "1 when the cluster is managed with a vLCM image, 0 with baselines.", "domain", "cluster"),
		(*clusterRow).lv, func(c *clusterRow) float64 { return boolValue(c.IsImageBased) }),
	number(newDesc("cluster", "stretched", "1 when the cluster is stretched across two sites.", "domain", "cluster"),
		(*clusterRow).lv, func(c *clusterRow) float64 { return boolValue(c.IsStretched) }),
	stateSet(newDesc("cluster", "status", "Status of the cluster: 1 for the current state, 0 for the other states the API documents.", "domain", "cluster", "state"),
		resourceStates, (*clusterRow).lv, func(c *clusterRow) string { return c.Status }),
}

// clusterRows lists GET /v1/clusters.
func clusterRows(s *Scrape, yield func(*clusterRow)) error {
	inv, err := s.Inventory()
	if err != nil {
		return err
	}
	for i := range inv.Clusters {
		c := &inv.Clusters[i]
		yield(&clusterRow{Cluster: c, labels: []string{s.DomainName(s.clusterDomainID(c)), c.Name}, hosts: s.clusterHostCount(c)})
	}
	return nil
}
