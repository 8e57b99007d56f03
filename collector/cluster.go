package collector

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("cluster", true, func(Options) (Collector, error) { return clusterCollector{}, nil })
}

var (
	// No status: vcf_cluster_status has it (see domainInfoDesc).
	clusterInfoDesc = newDesc("cluster", "info", "vSphere cluster managed by the SDDC Manager; always 1.",
		"domain", "cluster", "cluster_id")
	clusterHostsDesc = newDesc("cluster", "hosts", "Number of ESXi hosts in the cluster.",
		"domain", "cluster")
	clusterMetrics = []metricDef[vcfclient.Cluster]{
		{newDesc("cluster", "image_based", "1 when the cluster is managed with a vLCM image, 0 with baselines.", "domain", "cluster"),
			func(c *vcfclient.Cluster) float64 { return boolValue(c.IsImageBased) }},
		{newDesc("cluster", "stretched", "1 when the cluster is stretched across two sites.", "domain", "cluster"),
			func(c *vcfclient.Cluster) float64 { return boolValue(c.IsStretched) }},
	}
	clusterStateSets = []stateSetDef[vcfclient.Cluster]{
		{newDesc("cluster", "status", "Status of the cluster: 1 for the current state, 0 for the other states the API documents.", "domain", "cluster", "state"),
			resourceStates, func(c *vcfclient.Cluster) string { return c.Status }},
	}
)

// clusterCollector exposes GET /v1/clusters.
type clusterCollector struct{}

func (clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- clusterInfoDesc
	ch <- clusterHostsDesc
	describeDefs(ch, clusterMetrics)
	describeDefs(ch, clusterStateSets)
}

func (clusterCollector) Update(_ context.Context, s *Scrape, ch chan<- prometheus.Metric) error {
	inv, err := s.Inventory()
	if err != nil {
		return err
	}
	for i := range inv.Clusters {
		c := &inv.Clusters[i]
		domain := s.DomainName(s.clusterDomainID(c))
		ch <- s.gauge(clusterInfoDesc, 1, domain, c.Name, c.ID)
		ch <- s.gauge(clusterHostsDesc, float64(s.clusterHostCount(c)), domain, c.Name)
		emitDefs(s, ch, clusterMetrics, c, domain, c.Name)
		stateSets(s, ch, clusterStateSets, c, domain, c.Name)
	}
	return nil
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
