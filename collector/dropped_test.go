package collector

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// A value vcfclient dropped as unusable (NaN) is left out, not exported as
// NaN or +Inf; the object's other values are exported.
func TestDroppedValuesLeftOut(t *testing.T) {
	inv := &vcfclient.Inventory{
		Domains: []vcfclient.Domain{{ID: "d", Name: "mgmt", Capacity: vcfclient.Capacity{CPUTotalHertz: math.NaN(), MemoryTotalBytes: 1}}},
		Hosts:   []vcfclient.Host{{ID: "h", FQDN: "esx", DomainID: "d", CPUCores: math.NaN(), CPUTotalHertz: 2e9}},
	}
	s := &Scrape{Snapshot: &targets.Snapshot{Inventory: inv}}
	var out samples
	for _, name := range []string{"host", "domain"} {
		c, err := factories[name](Options{})
		require.NoError(t, err)
		require.NoError(t, c.Update(t.Context(), s, &out))
	}
	seen := map[string]bool{}
	for _, smp := range out {
		seen[smp.desc.Name] = true
	}
	require.False(t, seen["vcf_host_cpu_cores"], "cpu_cores dropped")
	require.True(t, seen["vcf_host_cpu_capacity_hertz"], "cpu_capacity_hertz kept")
	require.False(t, seen["vcf_domain_cpu_capacity_hertz"], "domain cpu_capacity_hertz dropped")
	require.True(t, seen["vcf_domain_memory_capacity_bytes"], "domain memory_capacity_bytes kept")
}
