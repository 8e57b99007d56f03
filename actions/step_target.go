package actions

import (
	"context"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// doTarget sets the domain's target version (PATCH, once).
func (r *run) doTarget(ctx context.Context) (State, error) {
	if err := r.safePoint(); err != nil {
		return "", err
	}
	if !r.w.TargetSet {
		_, err := call(ctx, r, "setting the target version", func(ctx context.Context, c Client) (struct{}, error) {
			return struct{}{}, c.SetTargetRelease(ctx, r.w.DomainID, vcfclient.DomainRelease{TargetVersion: r.w.TargetVersion})
		})
		if err != nil {
			return "", err
		}
		r.w.TargetSet = true
		r.logf(levelInfo, "Target version set to %s.", r.w.TargetVersion)
	}
	r.logf(levelInfo, "Downloading %d bundle(s).", len(r.w.Bundles))
	return "", nil
}
