package collector

import (
	"context"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// Off by default: each read starts one password expiry check task per
// resource type on SDDC Manager (visible in its task list) and needs a role
// that may read credentials, more than monitoring should need.
func init() {
	registerCollector("credential", false, newCredentialCollector)
}

// credentialLabels name an account; never its password.
var credentialLabels = []string{"domain", "resource_type", "resource_name", "username"}

// credentialStates are ExpirationDetails.status ("One among: ACTIVE,
// EXPIRING, EXPIRED, UNKNOWN").
var credentialStates = []string{"ACTIVE", "EXPIRING", "EXPIRED", "UNKNOWN"}

var (
	credentialMetrics = []metricDef[vcfclient.CredentialExpiry]{
		{newDesc("credential", "password_expiry_timestamp_seconds",
			"Unix time the account's password expires (POST /v1/credentials/expirations).",
			credentialLabels...), func(c *vcfclient.CredentialExpiry) float64 { return unixSeconds(c.Expiry) }},
	}
	credentialStateSets = []stateSetDef[vcfclient.CredentialExpiry]{
		{newDesc("credential", "password_expiration_status",
			"SDDC Manager's expiration status of the account's password: 1 for the current state, 0 for the others.",
			append(credentialLabels, "state")...), credentialStates,
			func(c *vcfclient.CredentialExpiry) string { return c.Status }},
	}
)

// credentialCollector exposes password expiry per account.
type credentialCollector struct{}

func newCredentialCollector(Options) (Collector, error) { return credentialCollector{}, nil }

func (credentialCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- healthTimestampDesc
	describeDefs(ch, credentialMetrics)
	describeDefs(ch, credentialStateSets)
}

func (credentialCollector) version(ctx context.Context, s *Scrape) any {
	return healthVersion(ctx, s, targets.HealthCredential)
}

func (credentialCollector) Update(ctx context.Context, s *Scrape, ch chan<- prometheus.Metric) error {
	return updateHealth(ctx, s, ch, targets.HealthCredential, func(h targets.HealthReading) {
		seen := map[[3]string]bool{}
		for _, c := range h.Credentials {
			k := [3]string{c.ResourceType, c.ResourceName, c.Username}
			if seen[k] {
				continue // one series per account
			}
			seen[k] = true
			domain := strings.Join(c.Domains, ",")
			emitDefs(s, ch, credentialMetrics, &c, domain, c.ResourceType, c.ResourceName, c.Username)
			stateSets(s, ch, credentialStateSets, &c, domain, c.ResourceType, c.ResourceName, c.Username)
		}
	})
}
