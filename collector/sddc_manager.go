package collector

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("sddc_manager", true, func(Options) (Collector, error) { return sddcManagerCollector{}, nil })
}

var sddcManagerInfoDesc = newDesc("sddc_manager", "info",
	"SDDC Manager appliance with its version, its major version (5, 9: the API generation) and the domain it belongs to; always 1.",
	"fqdn", "version", "major_version", "domain")

// sddcManagerCollector exposes GET /v1/sddc-managers.
type sddcManagerCollector struct{}

func (sddcManagerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- sddcManagerInfoDesc }

func (sddcManagerCollector) Update(_ context.Context, s *Scrape, ch chan<- prometheus.Metric) error {
	inv, err := s.Inventory()
	if err != nil {
		return err
	}
	for _, m := range inv.SddcManagers {
		ch <- s.gauge(sddcManagerInfoDesc, 1, m.FQDN, m.Version, vcfclient.MajorVersion(m.Version), s.DomainName(m.DomainID))
	}
	return nil
}
