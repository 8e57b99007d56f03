package vcfclient

import (
	"context"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// pagingGenerations are the simulated paging generations.
var pagingGenerations = []struct {
	name string
	opt  vcfsim.Option
}{
	{"5.2.1", vcfsim.WithVCFVersion(vcfsim.VCF521)},
	{"9.0.2", vcfsim.WithVCFVersion(vcfsim.VCF902)},
	{"9.1.0", vcfsim.WithVCFVersion(vcfsim.VCF910)},
}

// TestSimPagingMatrix: each generation, first page numbered 0 or 1, with
// its default page sizes or capped at 37 a page: the inventory holds every
// host, cluster and domain, each once, and nothing is counted as a
// mismatch.
func TestSimPagingMatrix(t *testing.T) {
	const domains, clusters, hosts, unassigned = 4, 3, 9, 5 // 113 hosts
	for _, gen := range pagingGenerations {
		for _, base := range []int{0, 1} {
			for _, limit := range []int{0, 37} {
				t.Run(fmt.Sprintf("%s/base %d/cap %d", gen.name, base, limit), func(t *testing.T) {
					srv, c := startSim(t, func(cfg *vcfsim.Config) {
						gen.opt(cfg)
						vcfsim.WithInventory(domains, clusters, hosts, unassigned)(cfg)
						vcfsim.WithPaging(base, limit)(cfg)
					})
					inv, err := c.Inventory(context.Background())
					require.NoError(t, err)
					assert.Equal(t, domains*clusters*hosts+unassigned, distinct(inv.Hosts, func(h Host) string { return h.ID }))
					assert.Equal(t, domains*clusters, distinct(inv.Clusters, func(c Cluster) string { return c.ID }))
					assert.Equal(t, domains, distinct(inv.Domains, func(d Domain) string { return d.ID }))
					assert.Len(t, inv.Hosts, domains*clusters*hosts+unassigned, "no host twice")
					for _, e := range []string{endpointHosts, endpointClusters, endpointDomains} {
						assert.InDelta(t, 0, testutil.ToFloat64(c.metrics.listMismatches.WithLabelValues(e)), 0, e)
					}
					t.Logf("requests: hosts %d, clusters %d, domains %d", srv.Sim.Stats()["GET /v1/hosts"], srv.Sim.Stats()["GET /v1/clusters"], srv.Sim.Stats()["GET /v1/domains"])
				})
			}
		}
	}
}

// TestSimListsThatDoNotAddUp: a lying totalElements fails the inventory
// and is counted; a list changing during the walk is read again once.
func TestSimListsThatDoNotAddUp(t *testing.T) {
	_, c := startSim(t, func(cfg *vcfsim.Config) {
		vcfsim.WithVCFVersion(vcfsim.VCF902)(cfg)
		vcfsim.WithPaging(1, 10)(cfg)
		vcfsim.WithTotalElementsLie(1)(cfg)
	})
	_, err := c.Inventory(context.Background())
	var le *ListError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, 1, le.Total-le.Distinct)
	assert.Positive(t, testutil.ToFloat64(c.metrics.listMismatches.WithLabelValues(le.Endpoint)))

	srv, c := startSim(t, func(cfg *vcfsim.Config) {
		vcfsim.WithVCFVersion(vcfsim.VCF902)(cfg)
		vcfsim.WithPaging(0, 10)(cfg)
	})
	srv.Sim.ShiftNextPage(1)
	hosts, err := c.Hosts(context.Background())
	require.NoError(t, err)
	assert.Len(t, hosts, 26)
	assert.EqualValues(t, 6, srv.Sim.Stats()["GET /v1/hosts"], "two walks of three pages")
	assert.InDelta(t, 1, testutil.ToFloat64(c.metrics.listDuplicates.WithLabelValues(endpointHosts)), 0)
	assert.InDelta(t, 0, testutil.ToFloat64(c.metrics.listMismatches.WithLabelValues(endpointHosts)), 0)
}

func distinct[T any](xs []T, id func(T) string) int {
	seen := map[string]bool{}
	for _, x := range xs {
		seen[id(x)] = true
	}
	return len(seen)
}

// TestSimTasksPaged: /v1/tasks is paged in every version; two tasks a
// page, numbered from 1, still list every task once.
func TestSimTasksPaged(t *testing.T) {
	srv, c := startSim(t, vcfsim.WithPaging(1, 2))
	ctx := context.Background()
	seeded, err := c.Tasks(ctx) // the demo's own tasks (a failed one, backups)
	require.NoError(t, err)
	want := map[string]bool{}
	for _, task := range seeded {
		want[task.ID] = true
	}
	bundles, err := c.Bundles(ctx)
	require.NoError(t, err)
	started := 0
	for _, b := range bundles {
		if b.DownloadStatus != "PENDING" {
			continue
		}
		task, err := c.DownloadBundle(ctx, b.ID)
		require.NoError(t, err)
		want[task.ID] = true
		started++
	}
	require.Greater(t, started, 2, "more tasks than a page")
	before := srv.Sim.Stats()["GET /v1/tasks"]
	tasks, err := c.Tasks(ctx)
	require.NoError(t, err)
	got := map[string]bool{}
	for _, task := range tasks {
		got[task.ID] = true
	}
	assert.Equal(t, want, got)
	assert.Len(t, tasks, len(want))
	assert.EqualValues(t, (len(want)+1)/2, srv.Sim.Stats()["GET /v1/tasks"]-before)
}
