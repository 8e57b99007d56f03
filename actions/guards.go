package actions

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// The guards a start passes besides the domain's own checks (prepare):
// the stored record of the domain, and the other drivers of SDDC Manager.

// storedUnfinished refuses a start while the storage directory holds an
// unfinished workflow of the domain: the record lives there, not in memory
// (after a failed save, memory says failed while the file says running).
func (e *Engine) storedUnfinished(k wfKey, domain string) error {
	w, err := e.store.Peek(k.target, k.domainID)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fail(ErrConflict, "the stored workflow of domain %s cannot be read (%v): no new workflow overwrites it", domain, err)
	case !e.states.terminal(w.State):
		return fail(ErrConflict, "domain %s has an unfinished workflow in the storage directory (state %s, last saved %s) that could not record its end: "+
			"make the storage writable and restart the exporter to resume it", domain, w.State, w.StepStarted.Format("2006-01-02 15:04:05 MST"))
	}
	return nil
}

// otherDriver refuses a start while SDDC Manager already upgrades the
// domain: another exporter, or a person in the UI.
func otherDriver(ctx context.Context, c Client, d *vcfclient.Domain) error {
	ups, err := c.Upgrades(ctx)
	if err != nil {
		return remoteErr("listing the upgrades on SDDC Manager", err)
	}
	for _, u := range ups {
		if !upgradeRunning(u.Status) || !onDomain(u, d) {
			continue
		}
		var ids []string
		for _, rs := range u.ResourceUpgradeSpecs {
			ids = append(ids, rs.ResourceID)
		}
		return fail(ErrConflict, "SDDC Manager already runs upgrade %s of domain %s (bundle %s, %s %s, status %s): another exporter or a person drives it; wait until it ends",
			u.ID, d.Name, u.BundleID, u.ResourceType, strings.Join(ids, ", "), u.Status)
	}
	switch d.UpgradeStatus {
	case "IN_PROGRESS", "SCHEDULED":
		return fail(ErrConflict, "SDDC Manager reports an upgrade of domain %s %s (upgradeStatus): another exporter or a person drives it; wait until it ends",
			d.Name, d.UpgradeStatus)
	}
	return nil
}

// onDomain: the upgrade's resources are the domain or its clusters.
func onDomain(u vcfclient.Upgrade, d *vcfclient.Domain) bool {
	return slices.ContainsFunc(u.ResourceUpgradeSpecs, func(rs vcfclient.ResourceUpgradeSpec) bool {
		return rs.ResourceID == d.ID || slices.Contains(d.ClusterIDs, rs.ResourceID)
	})
}
