package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// Phase is where a component's upgrade request stands.
type Phase string

// Component run phases.
const (
	PhasePlanned Phase = "planned" // chosen, nothing sent yet
	PhasePosting Phase = "posting" // intent recorded, POST /v1/upgrades about to be sent
	PhaseRunning Phase = "running" // POST answered; upgrade id recorded once known
	PhaseDone    Phase = "done"    // COMPLETED_WITH_SUCCESS
	PhaseFailed  Phase = "failed"  // ended otherwise
)

// doNextComponent picks the next component SDDC Manager offers as
// AVAILABLE and enters its upgrade state; with none left, the workflow goes
// on to the validation.
func (r *run) doNextComponent(ctx context.Context) (State, error) {
	if err := r.safePoint(); err != nil {
		return "", err
	}
	silent := 0 // readings offering nothing while the domain is below the target
	for {
		ups, err := call(ctx, r, "listing upgradable components", func(ctx context.Context, c Client) ([]vcfclient.Upgradable, error) {
			return c.Upgradables(ctx, r.w.DomainID, r.w.TargetVersion)
		})
		if err != nil {
			return "", err
		}
		var avail []vcfclient.Upgradable
		busy, pending, unknown := false, "", ""
		for _, u := range ups {
			if u.Status == "AVAILABLE" || u.Status == "PENDING" {
				// Never sent to SDDC Manager, nor waited for here: what it does
				// not upgrade (SDDC Manager itself on 9.x) was waited for in
				// waiting_for_sddc_manager_upgrade.
				ext, err := r.upgradedElsewhere(ctx, u.BundleID)
				if err != nil && u.Status == "AVAILABLE" {
					return "", err // a PENDING bundle is read again when it becomes available
				}
				if ext {
					continue
				}
			}
			switch u.Status {
			case "AVAILABLE":
				avail = append(avail, u)
			case "IN_PROGRESS", "SCHEDULED":
				busy = true
			case "PENDING":
				if pending == "" {
					pending = u.Resource.Type + " " + u.Resource.Name
					for _, e := range u.Errors {
						pending += ": " + e.Message
					}
				}
			default:
				// The references list no status values: one we do not know
				// is neither upgraded nor taken as done. Only the domain's
				// own release can say it is done (confirmDone).
				unknown = fmt.Sprintf("%s %s is %q", u.Resource.Type, u.Resource.Name, u.Status)
			}
		}
		if len(avail) == 0 && !busy && pending == "" {
			if unknown != "" && silent == 0 {
				r.logf(levelWarning, "SDDC Manager lists %s, a status this exporter does not know; it upgrades nothing on it and goes by the domain's release.", unknown)
			}
			done, err := r.confirmDone(ctx, &silent)
			if err != nil {
				return "", err
			}
			if done {
				r.logf(levelInfo, "No component left to upgrade; validating the domain.")
				return "", nil
			}
			continue
		}
		silent = 0
		if len(avail) == 0 && !busy {
			if err := r.overdue("waiting for a PENDING component to become available (" + pending + ")"); err != nil {
				return "", err
			}
		}
		if len(avail) > 0 {
			if next, err := r.plan(ctx, avail); next != "" || err != nil {
				return next, err
			}
			// SDDC Manager may list a component as AVAILABLE for a moment
			// after its upgrade: never send the same upgrade again, wait.
		}
		if err := r.overdue("waiting for the next upgradable component"); err != nil {
			return "", err
		}
		if err := r.sleep(ctx, r.e.opts.PollInterval); err != nil {
			return "", err
		}
	}
}

// plan records the upgrade of the first available bundle and returns its
// component's state; "" when that upgrade was sent already.
func (r *run) plan(ctx context.Context, avail []vcfclient.Upgradable) (State, error) {
	bundleID := avail[0].BundleID
	var ids []string
	for _, u := range avail {
		if u.BundleID == bundleID {
			ids = append(ids, u.Resource.ResourceID)
		}
	}
	if r.alreadyUpgraded(bundleID, ids) {
		return "", nil
	}
	comp, err := r.bundleComponent(ctx, bundleID)
	if err != nil {
		return "", err
	}
	cr := ComponentRun{BundleID: bundleID, Kind: comp.Kind, ResourceType: "DOMAIN", ResourceIDs: []string{r.w.DomainID}, Phase: PhasePlanned}
	if comp.perCluster {
		cr.ResourceType, cr.ResourceIDs = "CLUSTER", ids
	}
	r.w.Components = append(r.w.Components, cr)
	r.logf(levelInfo, "Upgrading %s with bundle %s.", comp.name(len(cr.ResourceIDs)), bundleID)
	return comp.State, nil
}

func (r *run) alreadyUpgraded(bundleID string, ids []string) bool {
	return slices.ContainsFunc(r.w.Components, func(c ComponentRun) bool {
		return c.BundleID == bundleID && overlaps(c.ResourceIDs, ids)
	})
}

func overlaps(a, b []string) bool {
	return slices.ContainsFunc(a, func(x string) bool { return slices.Contains(b, x) })
}

// upgradedElsewhere: the release's BOM says SDDC Manager does not upgrade
// the bundle's component (lifecycleManagedBy, VCF 9).
func (r *run) upgradedElsewhere(ctx context.Context, bundleID string) (bool, error) {
	if !reportsManagers(r.w.Bom) {
		return false, nil // 5.2: SDDC Manager upgrades everything
	}
	comp, err := r.bundleComponent(ctx, bundleID)
	if err != nil {
		return false, err
	}
	return r.e.components.external(r.w.Bom, comp.Kind), nil
}

// bundleComponent finds the component a bundle upgrades.
func (r *run) bundleComponent(ctx context.Context, id string) (component, error) {
	typ := ""
	for _, b := range r.w.Bundles {
		if b.ID == id && b.Kind != "" {
			typ = b.Kind
		}
	}
	if typ == "" {
		bundle, err := call(ctx, r, "reading bundle "+id, func(ctx context.Context, c Client) (*vcfclient.Bundle, error) {
			return c.Bundle(ctx, id)
		})
		if err != nil {
			return component{}, err
		}
		if len(bundle.Components) == 0 {
			return component{}, fmt.Errorf("bundle %s lists no components", id)
		}
		typ = bundle.Components[0].Type
	}
	comp, ok := r.e.components.of(typ)
	if !ok {
		return component{}, fmt.Errorf("bundle %s upgrades an unsupported component %q", id, typ)
	}
	return comp, nil
}

// doUpgrade drives the current component's upgrade: it sends the upgrade
// request once (looking up an upgrade whose POST outcome is unknown before
// sending another), follows it to its end, and goes back to
// starting_upgrades.
func (r *run) doUpgrade(ctx context.Context) (State, error) {
	if len(r.w.Components) == 0 {
		return StateStartingUpgrades, nil
	}
	c := &r.w.Components[len(r.w.Components)-1]
	comp, _ := r.e.components.kind(c.Kind)
	name := r.e.components.nameOf(c.Kind, len(c.ResourceIDs))
	if err := r.postOnce(ctx, c, name); err != nil {
		return "", err
	}
	if c.Phase == PhaseRunning && c.UpgradeID == "" {
		if err := r.resolveUpgradeID(ctx, c); err != nil {
			return "", err
		}
	}
	if c.Phase == PhaseRunning {
		err := r.follow(ctx, c, name)
		if errors.Is(err, errBlocked) {
			r.logf(levelWarning, "%s", blockedMessage(r.w))
			return StateWaitingUnblock, r.save()
		}
		if err != nil {
			return "", err
		}
		if comp.finish != nil {
			if err := comp.finish(r, ctx, c); err != nil {
				return "", err
			}
		}
		c.Phase = PhaseDone
		r.logf(levelInfo, "%s upgrade completed.", name)
		if comp.settle && r.e.opts.SettleTime > 0 {
			r.w.SettleUntil = r.now().Add(r.e.opts.SettleTime).UTC()
			r.logf(levelInfo, "Letting SDDC Manager settle for %s.", r.e.opts.SettleTime)
		}
		if err := r.save(); err != nil {
			return "", err
		}
	}
	if c.Phase == PhaseFailed {
		return "", fmt.Errorf("the %s upgrade %s failed", name, c.UpgradeID)
	}
	if !r.w.SettleUntil.IsZero() {
		if d := r.w.SettleUntil.Sub(r.now()); d > 0 {
			if err := r.sleepFull(ctx, d); err != nil {
				return "", err
			}
		}
		r.w.SettleUntil = time.Time{}
	}
	return StateStartingUpgrades, nil
}

// follow polls the component's upgrade until it ends.
func (r *run) follow(ctx context.Context, c *ComponentRun, name string) error {
	cancelNoted := false
	var last *vcfclient.Upgrade
	err := r.poll(ctx, "waiting for the "+name+" upgrade", false, func(ctx context.Context, cl Client) (bool, error) {
		if r.w.CancelRequested && !cancelNoted {
			cancelNoted = true
			r.logf(levelWarning, "The running %s upgrade is not aborted; the workflow stops after it ends.", name)
			if err := r.save(); err != nil {
				return false, err
			}
		}
		u, err := cl.Upgrade(ctx, c.UpgradeID)
		if err != nil {
			return false, err
		}
		last = u
		if u.TaskID != "" {
			c.TaskID = u.TaskID
		}
		if u.Status != c.Status {
			c.Status = u.Status
			if err := r.save(); err != nil {
				return false, err
			}
		}
		if u.Status == upgradeBlocked {
			return false, errBlocked
		}
		return u.Status == "COMPLETED_WITH_SUCCESS" || upgradeFailed(u.Status), nil
	})
	if err != nil {
		return err
	}
	c.Ended = r.now().UTC()
	if upgradeFailed(last.Status) {
		c.Phase = PhaseFailed
		return fmt.Errorf("the %s upgrade %s ended %s%s", name, c.UpgradeID, last.Status, r.taskErrors(ctx, c.TaskID))
	}
	return nil
}
