package collector

import (
	"strconv"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("host", true, func(Options) (Collector, error) {
		return listCollector[hostRow]{families: hostFamilies, rows: hostRows}, nil
	})
}

// hostRow is a host as its series show it.
type hostRow struct {
	*vcfclient.Host
	labels []string // domain, cluster, host
	// gpusReported: the SDDC Manager reports GPUs (VCF 9); 5.2 does not,
	// and a count of 0 there would be a guess.
	gpusReported bool
}

func (h *hostRow) lv() []string { return h.labels }

var hostFamilies = []Family[hostRow]{
	// No status: vcf_host_status has it (see the domain's info).
	// esxi_version stays, as node_uname_info keeps the kernel release: it
	// changes once per upgrade, not with the host's condition.
	gauge(newDesc("host", "info",
		"ESXi host known to the SDDC Manager; always 1. host is the FQDN; domain and cluster are empty for unassigned hosts.",
		"domain", "cluster", "host", "host_id", "esxi_version"),
		func(h *hostRow, emit Emit) { emit(1, h.labels[0], h.labels[1], h.FQDN, h.ID, h.ESXiVersion) }),
	gauge(newDesc("host", "hardware_info", "Hardware vendor and model of the ESXi host; always 1.",
		"host", "vendor", "model"),
		func(h *hostRow, emit Emit) {
			if h.HardwareVendor != "" || h.HardwareModel != "" {
				emit(1, h.FQDN, h.HardwareVendor, h.HardwareModel)
			}
		}),
	number(newDesc("host", "cpu_used_hertz", "CPU used on the host, in hertz.", "domain", "cluster", "host"),
		(*hostRow).lv, func(h *hostRow) float64 { return h.CPUUsedHertz }),
	number(newDesc("host", "cpu_capacity_hertz", "CPU capacity of the host (all cores), in hertz.", "domain", "cluster", "host"),
		(*hostRow).lv, func(h *hostRow) float64 { return h.CPUTotalHertz }),
	number(newDesc("host", "cpu_cores", "Number of physical CPU cores of the host.", "domain", "cluster", "host"),
		(*hostRow).lv, func(h *hostRow) float64 { return h.CPUCores }),
	number(newDesc("host", "memory_used_bytes", "Memory used on the host, in bytes.", "domain", "cluster", "host"),
		(*hostRow).lv, func(h *hostRow) float64 { return h.MemoryUsedBytes }),
	number(newDesc("host", "memory_capacity_bytes", "Memory capacity of the host, in bytes.", "domain", "cluster", "host"),
		(*hostRow).lv, func(h *hostRow) float64 { return h.MemoryTotalBytes }),
	number(newDesc("host", "storage_used_bytes", "Storage used on the host, in bytes.", "domain", "cluster", "host"),
		(*hostRow).lv, func(h *hostRow) float64 { return h.StorageUsedBytes }),
	number(newDesc("host", "storage_capacity_bytes", "Storage capacity of the host, in bytes.", "domain", "cluster", "host"),
		(*hostRow).lv, func(h *hostRow) float64 { return h.StorageTotalBytes }),
	stateSet(newDesc("host", "status", "Assignment status of the ESXi host: 1 for the current state, 0 for the other states the API documents.",
		"domain", "cluster", "host", "state"),
		[]string{"ASSIGNED", "UNASSIGNED_USEABLE", "UNASSIGNED_UNUSEABLE"}, (*hostRow).lv, func(h *hostRow) string { return h.Status }),
	stateSet(newDesc("host", "configuration_status", "Configuration status of the ESXi host (configurationStatus): 1 for the current state, 0 for the other states the API documents.",
		"domain", "cluster", "host", "state"),
		resourceStates, (*hostRow).lv, func(h *hostRow) string { return h.ConfigStatus }),
	gauge(newDesc("host", "gpus",
		"Number of GPUs of the ESXi host (VCF 9 SDDC Managers report them; absent for older ones).",
		"domain", "cluster", "host"),
		func(h *hostRow, emit Emit) {
			if h.gpusReported || len(h.GPUs) > 0 {
				emit(float64(len(h.GPUs)), h.labels...)
			}
		}),
	gauge(newDesc("host", "gpu_info",
		"A GPU of the ESXi host (VCF 9): index is its position in the host's list (identical GPUs differ only there), "+
			"device and vendor its deviceName and vendorName, vgpu_state its vgpuState (READY, DRIVER_MISSING, NOT_SUPPORTED, NO_NVIDIA_GPU); always 1.",
		"domain", "cluster", "host", "index", "device", "vendor", "vgpu_state"),
		func(h *hostRow, emit Emit) {
			for j, g := range h.GPUs {
				emit(1, h.labels[0], h.labels[1], h.FQDN, strconv.Itoa(j), g.DeviceName, g.VendorName, g.VGPUState)
			}
		}),
}

// hostRows lists GET /v1/hosts.
func hostRows(s *Scrape, yield func(*hostRow)) error {
	inv, err := s.Inventory()
	if err != nil {
		return err
	}
	gpus := s.sddcManagerMajor() >= 9
	for i := range inv.Hosts {
		yield(s.hostRow(&inv.Hosts[i], gpus))
	}
	return nil
}

// hostRow names h's domain and cluster: the host's own domain reference,
// else its cluster's domain.
func (s *Scrape) hostRow(h *vcfclient.Host, gpusReported bool) *hostRow {
	domainID, cluster := h.DomainID, ""
	if c, ok := s.Cluster(h.ClusterID); ok {
		cluster = c.Name
		if domainID == "" {
			domainID = s.clusterDomainID(c)
		}
	}
	return &hostRow{Host: h, labels: []string{s.DomainName(domainID), cluster, h.FQDN}, gpusReported: gpusReported}
}
