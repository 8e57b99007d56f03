package collector

import (
	"strings"
	"testing"
	"time"

	promcfg "github.com/prometheus/common/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	itestutil "github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
	"github.com/vcf-exporter/vcf_exporter/vcfsim/vcfsimtest"
)

// TestDomainUpgradeBlocked910: an upgrade SDDC Manager 9.1 blocks shows as
// vcf_domain_upgrade_status{state="BLOCKED"} 1, read from GET /v1/domains.
func TestDomainUpgradeBlocked910(t *testing.T) {
	clk := itestutil.NewClock(fixedNow)
	srv := vcfsimtest.New(t, vcfsim.WithVCFVersion(vcfsim.VCF910), vcfsim.WithInventory(2, 1, 2, 1), vcfsim.WithNow(clk.Now))
	user, pass := srv.Credentials()
	c, err := vcfclient.New(vcfclient.Config{URL: srv.URL, Username: user, Password: promcfg.Secret(pass)})
	require.NoError(t, err)
	ctx := t.Context()
	doms, err := c.Domains(ctx)
	require.NoError(t, err)
	mgmt := doms[0].ID
	fut, err := c.FutureReleases(ctx, mgmt)
	require.NoError(t, err)
	var next *vcfclient.Release
	for i := range fut {
		if fut[i].Version == "9.1.0.0" {
			next = &fut[i]
		}
	}
	require.NotNil(t, next)
	require.NoError(t, c.SetTargetRelease(ctx, mgmt, vcfclient.DomainRelease{TargetVersion: next.Version}))
	for _, b := range next.PatchBundles {
		_, err := c.DownloadBundle(ctx, b.BundleID)
		require.NoError(t, err)
	}
	clk.Add(time.Hour)
	require.NoError(t, srv.Sim.BlockUpgrades("NSX_T_MANAGER"))
	_, err = c.StartUpgrade(ctx, vcfclient.UpgradeSpec{BundleID: next.PatchBundles[1].BundleID, ResourceType: "DOMAIN",
		ResourceUpgradeSpecs: []vcfclient.ResourceUpgradeSpec{{ResourceID: mgmt, UpgradeNow: true}}})
	require.NoError(t, err)

	got := exposition(t, newSet(t, "domain"), newTarget(t, srv, targets.Options{}))
	assert.Contains(t, got, `vcf_domain_upgrade_status{domain="mgmt-domain",state="BLOCKED"} 1`)
	assert.Contains(t, got, `vcf_domain_upgrade_status{domain="mgmt-domain",state="IN_PROGRESS"} 0`)
	assert.Equal(t, 6, strings.Count(got, `vcf_domain_upgrade_status{domain="mgmt-domain"`))
}
