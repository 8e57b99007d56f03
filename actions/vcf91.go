package actions

import (
	"context"
	"errors"
	"fmt"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// api91 reports whether SDDC Manager serves the VCF 9.1 API, learnt from
// the version it reports: 9.1 nests pre-check results, adds NSX's finalize
// stage and ties check-set runs to an upgrade (metadata.upgradeId). On a
// 9.0 SDDC Manager the workflow sends and waits for none of that.
func (r *run) api91(ctx context.Context) (bool, error) {
	ms, err := call(ctx, r, "reading SDDC Manager's version", func(ctx context.Context, c Client) ([]vcfclient.SddcManager, error) {
		return c.SddcManagers(ctx)
	})
	if err != nil {
		return false, err
	}
	if len(ms) == 0 {
		return false, errors.New("SDDC Manager lists no SDDC Manager appliance")
	}
	cmp, err := vcfclient.CompareVersions(ms[0].Version, "9.1")
	if err != nil {
		return false, fmt.Errorf("comparing SDDC Manager's version: %w", err)
	}
	return cmp >= 0, nil
}
