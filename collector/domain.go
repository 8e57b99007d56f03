package collector

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("domain", true, func(Options) (Collector, error) { return domainCollector{}, nil })
}

var (
	// No status here: vcf_domain_status has it, and a status change must
	// not start new info series.
	domainInfoDesc = newDesc("domain", "info", "Workload domain of the SDDC Manager; always 1.",
		"domain", "domain_id", "type")
	domainMetrics = []metricDef[vcfclient.Capacity]{
		{newDesc("domain", "cpu_used_hertz", "CPU used in the domain, in hertz (from the domain's capacity).", "domain"),
			func(c *vcfclient.Capacity) float64 { return c.CPUUsedHertz }},
		{newDesc("domain", "cpu_capacity_hertz", "CPU capacity of the domain, in hertz.", "domain"),
			func(c *vcfclient.Capacity) float64 { return c.CPUTotalHertz }},
		{newDesc("domain", "memory_used_bytes", "Memory used in the domain, in bytes.", "domain"),
			func(c *vcfclient.Capacity) float64 { return c.MemoryUsedBytes }},
		{newDesc("domain", "memory_capacity_bytes", "Memory capacity of the domain, in bytes.", "domain"),
			func(c *vcfclient.Capacity) float64 { return c.MemoryTotalBytes }},
		{newDesc("domain", "storage_used_bytes", "Storage used in the domain, in bytes.", "domain"),
			func(c *vcfclient.Capacity) float64 { return c.StorageUsedBytes }},
		{newDesc("domain", "storage_capacity_bytes", "Storage capacity of the domain, in bytes.", "domain"),
			func(c *vcfclient.Capacity) float64 { return c.StorageTotalBytes }},
	}
	domainClustersDesc = newDesc("domain", "clusters", "Number of clusters in the domain.", "domain")
	domainStateSets    = []stateSetDef[vcfclient.Domain]{
		{newDesc("domain", "status", "Status of the workload domain: 1 for the current state, 0 for the other states the API documents.", "domain", "state"),
			resourceStates, func(d *vcfclient.Domain) string { return d.Status }},
		{newDesc("domain", "upgrade_status", "Upgrade status of the workload domain (upgradeStatus.status; BLOCKED from VCF 9.1: SDDC Manager waits for a person): 1 for the current state, 0 for the other states the API documents.", "domain", "state"),
			upgradeStates, func(d *vcfclient.Domain) string { return d.UpgradeStatus }},
	}
	// upgradeStates are UpgradeStatus.status's values in the 9.1 OpenAPI
	// file (5.2.1 and 9.0.2 list all but BLOCKED).
	upgradeStates = []string{"UP_TO_DATE", "SCHEDULED", "IN_PROGRESS", "READY", "AVAILABLE", "BLOCKED"}
)

// domainCollector exposes GET /v1/domains.
type domainCollector struct{}

func (domainCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- domainInfoDesc
	ch <- domainClustersDesc
	describeDefs(ch, domainMetrics)
	describeDefs(ch, domainStateSets)
}

func (domainCollector) Update(_ context.Context, s *Scrape, ch chan<- prometheus.Metric) error {
	inv, err := s.Inventory()
	if err != nil {
		return err
	}
	for i := range inv.Domains {
		d := &inv.Domains[i]
		ch <- s.gauge(domainInfoDesc, 1, d.Name, d.ID, d.Type)
		emitDefs(s, ch, domainMetrics, &d.Capacity, d.Name)
		ch <- s.gauge(domainClustersDesc, float64(len(d.ClusterIDs)), d.Name)
		stateSets(s, ch, domainStateSets, d, d.Name)
	}
	return nil
}
