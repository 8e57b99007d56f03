package actions

import (
	"context"
	"errors"
	"fmt"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// On VCF 9 SDDC Manager's own upgrade is not started through its API but
// from VCF Operations fleet management (its BOM entry's lifecycleManagedBy),
// and SDDC Manager upgrades the domain's other components only once it runs
// the target release. The workflow waits for that in
// waiting_for_sddc_manager_upgrade.

// sddcManagerUpgradesItself: the target release leaves SDDC Manager's
// upgrade to SDDC Manager (5.2), so there is nothing to wait for.
func sddcManagerUpgradesItself(w *Workflow) bool {
	return !components.external(w.Bom, KindSDDCManager)
}

// sddcManagerTarget is the version SDDC Manager must report: its BOM
// entry's, else the release's.
func sddcManagerTarget(w *Workflow) string {
	for _, b := range w.Bom {
		if c, ok := components.of(b.Name); ok && c.Kind == KindSDDCManager && b.Version != "" {
			return b.Version
		}
	}
	return w.TargetVersion
}

func sddcManagerWaitMessage(w *Workflow) string {
	return fmt.Sprintf("Upgrade SDDC Manager to %s from VCF Operations fleet management (Fleet Management > Lifecycle); the workflow continues by itself once SDDC Manager reports that version.", sddcManagerTarget(w))
}

// doWaitSDDCManager waits until SDDC Manager reports its target version,
// riding out the API outage of its upgrade.
func (r *run) doWaitSDDCManager(ctx context.Context) (State, error) {
	if err := r.safePoint(); err != nil {
		return "", err
	}
	want := sddcManagerTarget(r.w)
	logged := false
	err := r.poll(ctx, "waiting for SDDC Manager to report "+want, true, func(ctx context.Context, c Client) (bool, error) {
		ms, err := c.SddcManagers(ctx)
		if err != nil {
			return false, err
		}
		if len(ms) == 0 {
			return false, errors.New("SDDC Manager lists no SDDC Manager appliance")
		}
		have := ms[0].Version
		cmp, err := vcfclient.CompareVersions(have, want)
		if err != nil {
			return false, fmt.Errorf("comparing SDDC Manager's version: %w", err)
		}
		if cmp >= 0 {
			r.logf(levelInfo, "SDDC Manager runs %s.", have)
			return true, nil
		}
		if !logged {
			logged = true
			r.logf(levelInfo, "SDDC Manager runs %s. %s", have, sddcManagerWaitMessage(r.w))
			if err := r.save(); err != nil {
				return false, err
			}
		}
		return false, nil
	})
	return "", err
}
