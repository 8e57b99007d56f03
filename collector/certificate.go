package collector

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("certificate", true, newCertificateCollector)
}

// certificateLabels name a resource's certificate; never the PEM.
var certificateLabels = []string{"domain", "resource_type", "resource_name"}

// certificateStates are Certificate.expirationStatus ("One among: ACTIVE,
// ABOUT_TO_EXPIRE, EXPIRED" in 5.2.1, 9.0.2 and 9.1.0).
var certificateStates = []string{"ACTIVE", "ABOUT_TO_EXPIRE", "EXPIRED"}

var (
	certificateMetrics = []metricDef[vcfclient.Certificate]{
		{newDesc("certificate", "expiry_timestamp_seconds",
			"Unix time after which the resource's certificate is not valid (notAfter of GET /v1/domains/{id}/resource-certificates).",
			certificateLabels...), func(c *vcfclient.Certificate) float64 { return unixSeconds(c.NotAfter) }},
	}
	certificateStateSets = []stateSetDef[vcfclient.Certificate]{
		{newDesc("certificate", "expiration_status",
			"SDDC Manager's expiration status of the resource's certificate: 1 for the current state, 0 for the others.",
			append(certificateLabels, "state")...), certificateStates,
			func(c *vcfclient.Certificate) string { return c.ExpirationStatus }},
	}
)

// certificateCollector exposes the expiry of every resource certificate
// SDDC Manager manages, per domain.
type certificateCollector struct{}

func newCertificateCollector(Options) (Collector, error) { return certificateCollector{}, nil }

func (certificateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- healthTimestampDesc
	describeDefs(ch, certificateMetrics)
	describeDefs(ch, certificateStateSets)
}

func (certificateCollector) version(ctx context.Context, s *Scrape) any {
	return healthVersion(ctx, s, targets.HealthCertificate)
}

func (certificateCollector) Update(ctx context.Context, s *Scrape, ch chan<- prometheus.Metric) error {
	return updateHealth(ctx, s, ch, targets.HealthCertificate, func(h targets.HealthReading) {
		for _, c := range soonestCertificates(h.Certificates) {
			// The reading may be up to an interval old: follow the
			// current inventory (domain deleted: no series).
			domain, ok := s.domainByID(c.DomainID)
			if !ok {
				continue
			}
			emitDefs(s, ch, certificateMetrics, &c, domain, c.ResourceType, c.ResourceName)
			stateSets(s, ch, certificateStateSets, &c, domain, c.ResourceType, c.ResourceName)
		}
	})
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
