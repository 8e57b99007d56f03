package actions

import (
	"cmp"
	"context"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// Success is what SDDC Manager shows, never what it stops saying: an empty
// or short upgradables list is only "done" once SDDC Manager reports the
// domain's current release at the target. Silence while the versions
// differ is read again with back-off, then stops the workflow for a
// person; a target release set by someone else stops it at once.

// silentReadings is how many times SDDC Manager may offer nothing to
// upgrade while the domain is below the target before the workflow stops
// (with back-off from the poll interval, doubling, capped at the maximum
// back-off: about 12 minutes with the defaults' 30s and 5m).
const silentReadings = 6

func needsAPerson(w *Workflow) string {
	return "A person must look at the domain in SDDC Manager: " + w.LastError +
		" Start a new workflow once the domain's state is understood."
}

// domainView is what SDDC Manager reports of the domain's release.
type domainView struct {
	current, target string
}

// at names the current release for messages.
func (v domainView) at() string { return cmp.Or(v.current, "(no release reported)") }

func (r *run) readDomainView(ctx context.Context) (domainView, error) {
	rels, err := call(ctx, r, "reading the domain's release", func(ctx context.Context, c Client) ([]vcfclient.Release, error) {
		return c.Releases(ctx, r.w.DomainID)
	})
	if err != nil {
		return domainView{}, err
	}
	view, err := call(ctx, r, "reading the domain's target release", func(ctx context.Context, c Client) (*vcfclient.DomainReleaseView, error) {
		return c.DomainReleaseView(ctx, r.w.DomainID)
	})
	if err != nil {
		return domainView{}, err
	}
	return domainView{current: lowestRelease(rels), target: view.TargetVersion}, nil
}

// lowestRelease is the domain's current release from GET
// /v1/releases?domainId=, which answers it as one element. Should the list
// hold more (the endpoint's summary also mentions target versions), the
// lowest counts: a listed target is never read as reached.
func lowestRelease(rels []vcfclient.Release) string {
	cur := ""
	for i, rel := range rels {
		if n, err := vcfclient.CompareVersions(rel.Version, cur); i == 0 || err == nil && n < 0 {
			cur = rel.Version
		}
	}
	return cur
}

func sameVersion(a, b string) bool {
	n, err := vcfclient.CompareVersions(a, b)
	return err == nil && n == 0
}

// checkTarget stops the workflow when the domain's target release is no
// longer the workflow's (and the domain is not at it already).
func (r *run) checkTarget(ctx context.Context) (domainView, error) {
	v, err := r.readDomainView(ctx)
	if err != nil {
		return v, err
	}
	if v.target != "" && !sameVersion(v.target, r.w.TargetVersion) && !sameVersion(v.current, r.w.TargetVersion) {
		return v, stop(StateTargetChanged, "the target release of domain %s is now VCF %s, not %s: someone else changed it while the workflow ran (domain at VCF %s).",
			r.w.DomainName, v.target, r.w.TargetVersion, v.at())
	}
	return v, nil
}

// confirmDone is asked when SDDC Manager offers nothing more to upgrade:
// true once it shows the domain at the target; false to read again later
// (after a back-off it sleeps here); a stop when the silence lasts.
func (r *run) confirmDone(ctx context.Context, silent *int) (bool, error) {
	v, err := r.checkTarget(ctx)
	if err != nil {
		return false, err
	}
	if sameVersion(v.current, r.w.TargetVersion) {
		return true, nil
	}
	*silent++
	if *silent == 1 {
		r.logf(levelWarning, "SDDC Manager lists nothing left to upgrade, but reports domain %s at VCF %s, not %s; reading again.",
			r.w.DomainName, v.at(), r.w.TargetVersion)
		if err := r.save(); err != nil {
			return false, err
		}
	}
	if *silent >= silentReadings {
		return false, stop(StateVersionMismatch, "SDDC Manager lists nothing left to upgrade on domain %s, but reports it at VCF %s, not %s (read %d times).",
			r.w.DomainName, v.at(), r.w.TargetVersion, *silent)
	}
	wait := r.e.backoff()
	return false, r.sleep(ctx, wait.ForAttempt(float64(*silent-1)))
}

// verifyAtTarget is the last word before success: SDDC Manager shows the
// domain at the target.
func (r *run) verifyAtTarget(ctx context.Context) error {
	v, err := r.checkTarget(ctx)
	if err != nil {
		return err
	}
	if !sameVersion(v.current, r.w.TargetVersion) {
		return stop(StateVersionMismatch, "the validation passed, but SDDC Manager reports domain %s at VCF %s, not %s.",
			r.w.DomainName, v.at(), r.w.TargetVersion)
	}
	r.logf(levelInfo, "SDDC Manager reports domain %s at VCF %s.", r.w.DomainName, v.current)
	return nil
}
