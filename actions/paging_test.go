package actions

import (
	"fmt"
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
	code, plan := e.do("POST", e.upgradePath(), `{"dry_run": true}`)
	require.Equal(t, 200, code, "dry run: %v", plan)
	assert.Equal(t, []any{"sfo-m01-cl01", "sfo-m01-cl02"}, plan["esx_clusters"])
	assert.EqualValues(t, 2, e.srv.Sim.Stats()["GET /v1/clusters"], "two pages of one cluster")

	e.srv.Sim.SetTotalElementsLie(1)
	code, m := e.do("POST", e.upgradePath(), `{"dry_run": true}`)
	assert.NotEqual(t, 200, code)
	assert.Contains(t, fmt.Sprint(m), "does not add up", "%v", m)
	assert.Zero(t, e.posts())
}
