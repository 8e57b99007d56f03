package collector

import (
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("sddc_manager", true, func(Options) (Collector, error) {
		return listCollector[sddcManagerRow]{families: sddcManagerFamilies, rows: sddcManagerRows}, nil
	})
}

type sddcManagerRow struct {
	*vcfclient.SddcManager
	domain string
}

var sddcManagerFamilies = []Family[sddcManagerRow]{
	gauge(newDesc("sddc_manager", "info",
		"SDDC Manager appliance with its version, its major version (5, 9: the API generation) and the domain it belongs to; always 1.",
		"fqdn", "version", "major_version", "domain"),
		func(m *sddcManagerRow, emit Emit) {
			emit(1, m.FQDN, m.Version, vcfclient.MajorVersion(m.Version), m.domain)
		}),
}

// sddcManagerRows lists GET /v1/sddc-managers.
func sddcManagerRows(s *Scrape, yield func(*sddcManagerRow)) error {
	inv, err := s.Inventory()
	if err != nil {
		return err
	}
	for i := range inv.SddcManagers {
		m := &inv.SddcManagers[i]
		yield(&sddcManagerRow{SddcManager: m, domain: s.DomainName(m.DomainID)})
	}
	return nil
}
