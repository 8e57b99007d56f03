package actions

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// TestListsArePagedAndCrossChecked: the workflow reads its lists through
// vcfclient's paging: with 9.1's paging, pages numbered from 1 and one
// element a page, the plan names every cluster; once totalElements does
// not match the pages, the start is refused with the reason and nothing is
// posted.
func TestListsArePagedAndCrossChecked(t *testing.T) {
	e := newEnv(t, func(c *vcfsim.Config) {
		vcfsim.WithVCFVersion(vcfsim.VCF910)(c)
		vcfsim.WithPaging(1, 1)(c)
	})
	plan, err := e.plan("")
	require.NoError(t, err, "dry run")
	assert.Equal(t, []any{"sfo-m01-cl01", "sfo-m01-cl02"}, plan["esx_clusters"])
	assert.EqualValues(t, 2, e.srv.Sim.Stats()["GET /v1/clusters"], "two pages of one cluster")

	e.srv.Sim.SetTotalElementsLie(1)
	_, err = e.plan("")
	require.ErrorContains(t, err, "does not add up")
	assert.Zero(t, e.posts())
}
