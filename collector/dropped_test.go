package collector

import (
	"math"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
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
	ch := make(chan prometheus.Metric, 100)
	require.NoError(t, hostCollector{}.Update(t.Context(), s, ch))
	require.NoError(t, domainCollector{}.Update(t.Context(), s, ch))
	close(ch)
	seen := map[*prometheus.Desc]bool{}
	for m := range ch {
		seen[m.Desc()] = true
	}
	require.False(t, seen[hostMetrics[2].desc], "cpu_cores dropped")
	require.True(t, seen[hostMetrics[1].desc], "cpu_capacity_hertz kept")
	require.False(t, seen[domainMetrics[1].desc], "domain cpu_capacity_hertz dropped")
	require.True(t, seen[domainMetrics[3].desc], "domain memory_capacity_bytes kept")
}
