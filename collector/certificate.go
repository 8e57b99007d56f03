package collector

import (
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("certificate", true, func(Options) (Collector, error) {
		return healthCollector[certificateRow]{kind: targets.HealthCertificate, families: certificateFamilies, rows: certificateRows}, nil
	})
}

// certificateRow is a resource's certificate under its domain's current
// name; never the PEM.
type certificateRow struct {
	*vcfclient.Certificate
	labels []string // domain, resource_type, resource_name
}

func (c *certificateRow) lv() []string { return c.labels }

// certificateStates are Certificate.expirationStatus ("One among: ACTIVE,
// ABOUT_TO_EXPIRE, EXPIRED" in 5.2.1, 9.0.2 and 9.1.0).
var certificateStates = []string{"ACTIVE", "ABOUT_TO_EXPIRE", "EXPIRED"}

var certificateFamilies = []Family[certificateRow]{
	number(newDesc("certificate", "expiry_timestamp_seconds",
		"Unix time after which the resource's certificate is not valid (notAfter of GET /v1/domains/{id}/resource-certificates).",
		"domain", "resource_type", "resource_name"),
		(*certificateRow).lv, func(c *certificateRow) float64 { return unixSeconds(c.NotAfter) }),
	stateSet(newDesc("certificate", "expiration_status",
		"SDDC Manager's expiration status of the resource's certificate: 1 for the current state, 0 for the others.",
		"domain", "resource_type", "resource_name", "state"),
		certificateStates, (*certificateRow).lv, func(c *certificateRow) string { return c.ExpirationStatus }),
}

func certificateRows(s *Scrape, h *targets.HealthReading, yield func(*certificateRow)) {
	for _, c := range soonestCertificates(h.Certificates) {
		// The reading may be up to an interval old: follow the current
		// inventory (domain deleted: no series).
		if domain, ok := s.domainByID(c.DomainID); ok {
			yield(&certificateRow{Certificate: &c, labels: []string{domain, c.ResourceType, c.ResourceName}})
		}
	}
}

// soonestCertificates keeps one certificate per domain, resource type and
// name, the one expiring first (a resource listed twice would otherwise make
// duplicate series).
func soonestCertificates(cs []vcfclient.Certificate) []vcfclient.Certificate {
	type key struct{ domain, typ, name string }
	idx := map[key]int{}
	var out []vcfclient.Certificate
	for _, c := range cs {
		k := key{c.DomainID, c.ResourceType, c.ResourceName}
		i, seen := idx[k]
		switch {
		case !seen:
			idx[k] = len(out)
			out = append(out, c)
		case !c.NotAfter.IsZero() && (out[i].NotAfter.IsZero() || c.NotAfter.Before(out[i].NotAfter)):
			out[i] = c
		}
	}
	return out
}
