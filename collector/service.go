package collector

import (
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("service", true, func(Options) (Collector, error) {
		return healthCollector[vcfclient.VcfService]{kind: targets.HealthService, families: serviceFamilies, rows: serviceRows}, nil
	})
}

// serviceStates: the reference lists no values for VcfService.status, so
// UP and DOWN are an assumption; any other value gets its own series (and
// vcf_service_up 0), so a reading we did not expect is seen, not hidden.
var serviceStates = []string{"UP", "DOWN"}

func serviceLabels(v *vcfclient.VcfService) []string { return []string{v.Name} }

var serviceFamilies = []Family[vcfclient.VcfService]{
	number(newDesc("service", "up",
		"1 when SDDC Manager reports its service UP (GET /v1/vcf-services), else 0.",
		"service"),
		serviceLabels, func(v *vcfclient.VcfService) float64 { return boolValue(vcfclient.NormalizeStatus(v.Status) == "UP") }),
	stateSet(newDesc("service", "status",
		"Status of the SDDC Manager service as reported: 1 for the current one, 0 for the others.",
		"service", "state"),
		serviceStates, serviceLabels, func(v *vcfclient.VcfService) string { return vcfclient.NormalizeStatus(v.Status) }),
}

func serviceRows(_ *Scrape, h *targets.HealthReading, yield func(*vcfclient.VcfService)) {
	seen := map[string]bool{}
	for i := range h.Services {
		v := &h.Services[i]
		if v.Name == "" || seen[v.Name] {
			continue // one series per service name
		}
		seen[v.Name] = true
		yield(v)
	}
}
