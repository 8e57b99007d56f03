package collector

import (
	"strings"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// Off by default: each read starts one password expiry check task per
// resource type on SDDC Manager (visible in its task list) and needs a role
// that may read credentials, more than monitoring should need.
func init() {
	registerCollector("credential", false, func(Options) (Collector, error) {
		return healthCollector[credentialRow]{kind: targets.HealthCredential, families: credentialFamilies, rows: credentialRows}, nil
	})
}

// credentialRow names an account; never its password.
type credentialRow struct {
	*vcfclient.CredentialExpiry
	labels []string // domain, resource_type, resource_name, username
}

func (c *credentialRow) lv() []string { return c.labels }

// credentialStates are ExpirationDetails.status ("One among: ACTIVE,
// EXPIRING, EXPIRED, UNKNOWN").
var credentialStates = []string{"ACTIVE", "EXPIRING", "EXPIRED", "UNKNOWN"}

var credentialFamilies = []Family[credentialRow]{
	number(newDesc("credential", "password_expiry_timestamp_seconds",
		"Unix time the account's password expires (POST /v1/credentials/expirations).",
		"domain", "resource_type", "resource_name", "username"),
		(*credentialRow).lv, func(c *credentialRow) float64 { return unixSeconds(c.Expiry) }),
	stateSet(newDesc("credential", "password_expiration_status",
		"SDDC Manager's expiration status of the account's password: 1 for the current state, 0 for the others.",
		"domain", "resource_type", "resource_name", "username", "state"),
		credentialStates, (*credentialRow).lv, func(c *credentialRow) string { return c.Status }),
}

func credentialRows(_ *Scrape, h *targets.HealthReading, yield func(*credentialRow)) {
	seen := map[[3]string]bool{}
	for i := range h.Credentials {
		c := &h.Credentials[i]
		k := [3]string{c.ResourceType, c.ResourceName, c.Username}
		if seen[k] {
			continue // one series per account
		}
		seen[k] = true
		yield(&credentialRow{CredentialExpiry: c, labels: []string{strings.Join(c.Domains, ","), c.ResourceType, c.ResourceName, c.Username}})
	}
}
