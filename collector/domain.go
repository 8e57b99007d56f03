package collector

import (
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("domain", true, func(Options) (Collector, error) {
		return listCollector[vcfclient.Domain]{families: domainFamilies, rows: domainRows}, nil
	})
}

func domainLabels(d *vcfclient.Domain) []string { return []string{d.Name} }

var domainFamilies = []Family[vcfclient.Domain]{
	// No status here: vcf_domain_status has it, and a status change must
	// not start new info series.
	gauge(newDesc("domain", "info", "Workload domain of the SDDC Manager; always 1.",
		"domain", "domain_id", "type"),
		func(d *vcfclient.Domain, emit Emit) { emit(1, d.Name, d.ID, d.Type) }),
	number(newDesc("domain", "cpu_used_hertz", "CPU used in the domain, in hertz (from the domain's capacity).", "domain"),
		domainLabels, func(d *vcfclient.Domain) float64 { return d.Capacity.CPUUsedHertz }),
	number(newDesc("domain", "cpu_capacity_hertz", "CPU capacity of the domain, in hertz.", "domain"),
		domainLabels, func(d *vcfclient.Domain) float64 { return d.Capacity.CPUTotalHertz }),
	number(newDesc("domain", "memory_used_bytes", "Memory used in the domain, in bytes.", "domain"),
		domainLabels, func(d *vcfclient.Domain) float64 { return d.Capacity.MemoryUsedBytes }),
	number(newDesc("domain", "memory_capacity_bytes", "Memory capacity of the domain, in bytes.", "domain"),
		domainLabels, func(d *vcfclient.Domain) float64 { return d.Capacity.MemoryTotalBytes }),
	number(newDesc("domain", "storage_used_bytes", "Storage used in the domain, in bytes.", "domain"),
		domainLabels, func(d *vcfclient.Domain) float64 { return d.Capacity.StorageUsedBytes }),
	number(newDesc("domain", "storage_capacity_bytes", "Storage capacity of the domain, in bytes.", "domain"),
		domainLabels, func(d *vcfclient.Domain) float64 { return d.Capacity.StorageTotalBytes }),
	number(newDesc("domain", "clusters", "Number of clusters in the domain.", "domain"),
		domainLabels, func(d *vcfclient.Domain) float64 { return float64(len(d.ClusterIDs)) }),
	stateSet(newDesc("domain", "status", "Status of the workload domain: 1 for the current state, 0 for the other states the API documents.", "domain", "state"),
		resourceStates, domainLabels, func(d *vcfclient.Domain) string { return d.Status }),
	stateSet(newDesc("domain", "upgrade_status", "Upgrade status of the workload domain (upgradeStatus.status; BLOCKED from VCF 9.1: SDDC Manager waits for a person): 1 for the current state, 0 for the other states the API documents.", "domain", "state"),
		upgradeStates, domainLabels, func(d *vcfclient.Domain) string { return d.UpgradeStatus }),
}

// upgradeStates are UpgradeStatus.status's values in the 9.1 OpenAPI file
// (5.2.1 and 9.0.2 list all but BLOCKED).
var upgradeStates = []string{"UP_TO_DATE", "SCHEDULED", "IN_PROGRESS", "READY", "AVAILABLE", "BLOCKED"}

// domainRows lists GET /v1/domains.
func domainRows(s *Scrape, yield func(*vcfclient.Domain)) error {
	inv, err := s.Inventory()
	if err != nil {
		return err
	}
	for i := range inv.Domains {
		yield(&inv.Domains[i])
	}
	return nil
}
