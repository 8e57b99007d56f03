package collector

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("host", true, func(Options) (Collector, error) { return hostCollector{}, nil })
}

var (
	// No status: vcf_host_status has it (see domainInfoDesc). esxi_version
	// stays, as node_uname_info keeps the kernel release: it changes once
	// per upgrade, not with the host's condition.
	hostInfoDesc = newDesc("host", "info",
		"ESXi host known to the SDDC Manager; always 1. host is the FQDN; domain and cluster are empty for unassigned hosts.",
		"domain", "cluster", "host", "host_id", "esxi_version")
	hostHardwareInfoDesc = newDesc("host", "hardware_info", "Hardware vendor and model of the ESXi host; always 1.",
		"host", "vendor", "model")
	hostGPUsDesc = newDesc("host", "gpus",
		"Number of GPUs of the ESXi host (VCF 9 SDDC Managers report them; absent for older ones).",
		"domain", "cluster", "host")
	hostGPUInfoDesc = newDesc("host", "gpu_info",
		"A GPU of the ESXi host (VCF 9): index is its position in the host's list (identical GPUs differ only there), "+
			"device and vendor its deviceName and vendorName, vgpu_state its vgpuState (READY, DRIVER_MISSING, NOT_SUPPORTED, NO_NVIDIA_GPU); always 1.",
		"domain", "cluster", "host", "index", "device", "vendor", "vgpu_state")
	hostMetrics = []metricDef[vcfclient.Host]{
		{newDesc("host", "cpu_used_hertz", "CPU used on the host, in hertz.", "domain", "cluster", "host"),
			func(h *vcfclient.Host) float64 { return h.CPUUsedHertz }},
		{newDesc("host", "cpu_capacity_hertz", "CPU capacity of the host (all cores), in hertz.", "domain", "cluster", "host"),
			func(h *vcfclient.Host) float64 { return h.CPUTotalHertz }},
		{newDesc("host", "cpu_cores", "Number of physical CPU cores of the host.", "domain", "cluster", "host"),
			func(h *vcfclient.Host) float64 { return h.CPUCores }},
		{newDesc("host", "memory_used_bytes", "Memory used on the host, in bytes.", "domain", "cluster", "host"),
			func(h *vcfclient.Host) float64 { return h.MemoryUsedBytes }},
		{newDesc("host", "memory_capacity_bytes", "Memory capacity of the host, in bytes.", "domain", "cluster", "host"),
			func(h *vcfclient.Host) float64 { return h.MemoryTotalBytes }},
		{newDesc("host", "storage_used_bytes", "Storage used on the host, in bytes.", "domain", "cluster", "host"),
			func(h *vcfclient.Host) float64 { return h.StorageUsedBytes }},
		{newDesc("host", "storage_capacity_bytes", "Storage capacity of the host, in bytes.", "domain", "cluster", "host"),
			func(h *vcfclient.Host) float64 { return h.StorageTotalBytes }},
	}
	hostStateSets = []stateSetDef[vcfclient.Host]{
		{newDesc("host", "status", "Assignment status of the ESXi host: 1 for the current state, 0 for the other states the API documents.", "domain", "cluster", "host", "state"),
			[]string{"ASSIGNED", "UNASSIGNED_USEABLE", "UNASSIGNED_UNUSEABLE"}, func(h *vcfclient.Host) string { return h.Status }},
		{newDesc("host", "configuration_status", "Configuration status of the ESXi host (configurationStatus): 1 for the current state, 0 for the other states the API documents.", "domain", "cluster", "host", "state"),
			resourceStates, func(h *vcfclient.Host) string { return h.ConfigStatus }},
	}
)

// hostCollector exposes GET /v1/hosts.
type hostCollector struct{}

func (hostCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- hostInfoDesc
	ch <- hostHardwareInfoDesc
	ch <- hostGPUsDesc
	ch <- hostGPUInfoDesc
	describeDefs(ch, hostMetrics)
	describeDefs(ch, hostStateSets)
}

func (hostCollector) Update(_ context.Context, s *Scrape, ch chan<- prometheus.Metric) error {
	inv, err := s.Inventory()
	if err != nil {
		return err
	}
	// 5.2 does not report GPUs: a count of 0 there would be a guess.
	gpusReported := s.sddcManagerMajor() >= 9
	for i := range inv.Hosts {
		h := &inv.Hosts[i]
		domainID, cluster := h.DomainID, ""
		if c, ok := s.Cluster(h.ClusterID); ok {
			cluster = c.Name
			if domainID == "" {
				domainID = s.clusterDomainID(c)
			}
		}
		domain := s.DomainName(domainID)
		ch <- s.gauge(hostInfoDesc, 1, domain, cluster, h.FQDN, h.ID, h.ESXiVersion)
		if h.HardwareVendor != "" || h.HardwareModel != "" {
			ch <- s.gauge(hostHardwareInfoDesc, 1, h.FQDN, h.HardwareVendor, h.HardwareModel)
		}
		emitDefs(s, ch, hostMetrics, h, domain, cluster, h.FQDN)
		stateSets(s, ch, hostStateSets, h, domain, cluster, h.FQDN)
		if gpusReported || len(h.GPUs) > 0 {
			ch <- s.gauge(hostGPUsDesc, float64(len(h.GPUs)), domain, cluster, h.FQDN)
		}
		for j, g := range h.GPUs {
			ch <- s.gauge(hostGPUInfoDesc, 1, domain, cluster, h.FQDN, strconv.Itoa(j), g.DeviceName, g.VendorName, g.VGPUState)
		}
	}
	return nil
}
