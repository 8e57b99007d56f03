package collector

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// The API may leave out a cluster's domain reference or its host list; the
// scrape index then falls back to the domain's cluster list and to the hosts
// that point at the cluster.
func TestScrapeIndexFallbacks(t *testing.T) {
	inv := &vcfclient.Inventory{
		Domains: []vcfclient.Domain{
			{ID: "d1", Name: "mgmt", ClusterIDs: []string{"c1", "c2"}},
			{ID: "d2", Name: "vi"},
		},
		Clusters: []vcfclient.Cluster{
			{ID: "c1", Name: "no-refs"}, // domain and hosts from elsewhere
			{ID: "c2", Name: "own-refs", DomainID: "d2", HostIDs: []string{"h9"}}, // its own references win
		},
		Hosts: []vcfclient.Host{{ID: "h1", ClusterID: "c1"}, {ID: "h2", ClusterID: "c1"}, {ID: "h3", ClusterID: "c2"}, {ID: "h4"}},
	}
	s := &Scrape{Snapshot: &targets.Snapshot{Inventory: inv}}
	c1, _ := s.Cluster("c1")
	c2, _ := s.Cluster("c2")
	assert.Equal(t, "d1", s.clusterDomainID(c1))
	assert.Equal(t, 2, s.clusterHostCount(c1))
	assert.Equal(t, "d2", s.clusterDomainID(c2))
	assert.Equal(t, 1, s.clusterHostCount(c2))
	assert.Equal(t, "mgmt", s.DomainName("d1"))
	assert.Empty(t, s.DomainName("nope"))
}
