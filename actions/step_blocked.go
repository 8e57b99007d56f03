package actions

import (
	"context"
	"errors"
	"fmt"
)

// From VCF 9.1 SDDC Manager may report an upgrade BLOCKED (UpgradeStatus
// lists it): it waits for a person, e.g. to resolve a finding or confirm a
// step in the SDDC Manager UI. That is neither a failure nor something a
// retry fixes, so the workflow waits in waiting_for_unblock and goes back
// to following the upgrade once SDDC Manager reports it otherwise.

// upgradeBlocked is the Upgrade.status of a blocked upgrade.
const upgradeBlocked = "BLOCKED"

// errBlocked ends following an upgrade that SDDC Manager blocked.
var errBlocked = errors.New("the upgrade is BLOCKED in SDDC Manager")

// blockedComponent is the component whose upgrade is blocked (the last).
func blockedComponent(w *Workflow) *ComponentRun {
	if len(w.Components) == 0 {
		return nil
	}
	return &w.Components[len(w.Components)-1]
}

func blockedMessage(w *Workflow) string {
	c := blockedComponent(w)
	if c == nil {
		return ""
	}
	return fmt.Sprintf("SDDC Manager blocked the %s upgrade %s: open it in the SDDC Manager UI (Lifecycle Management, the domain's updates), "+
		"resolve what it asks for and resume it there; the workflow continues by itself once SDDC Manager no longer reports it BLOCKED.",
		components.nameOf(c.Kind, len(c.ResourceIDs)), c.UpgradeID)
}

// doWaitUnblock waits until SDDC Manager no longer reports the upgrade
// BLOCKED, then follows it again in its component's state. A cancel stops
// the waiting (the upgrade stays in SDDC Manager's hands).
func (r *run) doWaitUnblock(ctx context.Context) (State, error) {
	c := blockedComponent(r.w)
	if c == nil || c.UpgradeID == "" {
		return StateStartingUpgrades, nil
	}
	comp, ok := r.e.components.kind(c.Kind)
	if !ok {
		return "", fmt.Errorf("blocked upgrade %s of an unknown component %q", c.UpgradeID, c.Kind)
	}
	err := r.poll(ctx, "waiting for someone to unblock upgrade "+c.UpgradeID+" in SDDC Manager", true, func(ctx context.Context, cl Client) (bool, error) {
		u, err := cl.Upgrade(ctx, c.UpgradeID)
		if err != nil || u.Status == upgradeBlocked {
			return false, err
		}
		c.Status = u.Status
		return true, nil
	})
	if err != nil {
		return "", err
	}
	r.logf(levelInfo, "SDDC Manager reports the %s upgrade %s again; following it.", comp.name(len(c.ResourceIDs)), c.Status)
	return comp.State, nil
}
