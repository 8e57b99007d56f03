package collector

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("service", true, newServiceCollector)
}

// serviceStates: the reference lists no values for VcfService.status, so
// UP and DOWN are an assumption; any other value gets its own series (and
// vcf_service_up 0), so a reading we did not expect is seen, not hidden.
var serviceStates = []string{"UP", "DOWN"}

var (
	serviceMetrics = []metricDef[vcfclient.VcfService]{
		{newDesc("service", "up",
			"1 when SDDC Manager reports its service UP (GET /v1/vcf-services), else 0.",
			"service"), func(v *vcfclient.VcfService) float64 { return boolValue(vcfclient.NormalizeStatus(v.Status) == "UP") }},
	}
	serviceStateSets = []stateSetDef[vcfclient.VcfService]{
		{newDesc("service", "status",
			"Status of the SDDC Manager service as reported: 1 for the current one, 0 for the others.",
			"service", "state"), serviceStates,
			func(v *vcfclient.VcfService) string { return vcfclient.NormalizeStatus(v.Status) }},
	}
)

// serviceCollector exposes SDDC Manager's own services.
type serviceCollector struct{}

func newServiceCollector(Options) (Collector, error) { return serviceCollector{}, nil }

func (serviceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- healthTimestampDesc
	describeDefs(ch, serviceMetrics)
	describeDefs(ch, serviceStateSets)
}

func (serviceCollector) version(ctx context.Context, s *Scrape) any {
	return healthVersion(ctx, s, targets.HealthService)
}

func (serviceCollector) Update(ctx context.Context, s *Scrape, ch chan<- prometheus.Metric) error {
	return updateHealth(ctx, s, ch, targets.HealthService, func(h targets.HealthReading) {
		seen := map[string]bool{}
		for _, v := range h.Services {
			if v.Name == "" || seen[v.Name] {
				continue // one series per service name
			}
			seen[v.Name] = true
			emitDefs(s, ch, serviceMetrics, &v, v.Name)
			stateSets(s, ch, serviceStateSets, &v, v.Name)
		}
	})
}
