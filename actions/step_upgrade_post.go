package actions

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// Sending an upgrade request exactly once: the intent is saved before the
// POST, and an upgrade whose POST outcome is unknown is looked up on SDDC
// Manager before any second attempt.

// postOnce sends the component's POST /v1/upgrades unless it was sent: a
// POST whose outcome is unknown is looked up on SDDC Manager first.
func (r *run) postOnce(ctx context.Context, c *ComponentRun, name string) error {
	for c.Phase == PhasePlanned || c.Phase == PhasePosting {
		if c.Phase == PhasePosting {
			// The POST may or may not have reached SDDC Manager.
			u, err := r.findUpgrade(ctx, c)
			if err != nil {
				return err
			}
			if u != nil {
				c.UpgradeID, c.TaskID, c.Status, c.Phase = u.ID, u.TaskID, u.Status, PhaseRunning
				r.logf(levelInfo, "Found the %s upgrade %s already started (status %s); following it.", name, u.ID, u.Status)
				return r.save()
			}
			r.logf(levelInfo, "No %s upgrade found on SDDC Manager; starting it.", name)
		} else if err := r.notePreexisting(ctx, c); err != nil {
			return err
		}
		spec, err := r.spec(ctx, c)
		if err != nil {
			return err
		}
		c.Phase = PhasePosting
		c.Posted = r.now().UTC()
		if err := r.save(); err != nil {
			return err
		}
		task, err := r.postUpgrade(ctx, spec)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !r.transient(err) {
				c.Phase = PhaseFailed
				return fmt.Errorf("SDDC Manager refused the %s upgrade: %w", name, err)
			}
			// Unknown outcome: look it up (after a pause) before any new POST.
			r.logf(levelWarning, "Starting the %s upgrade: %v; checking whether it started.", name, shortErr(err))
			if err := r.save(); err != nil {
				return err
			}
			if err := r.overdue("starting the " + name + " upgrade"); err != nil {
				return err
			}
			if err := r.sleep(ctx, r.e.opts.PollInterval); err != nil {
				return err
			}
			continue
		}
		// The API returns a Task; record its id at once, then find the
		// upgrade it belongs to.
		c.TaskID, c.Phase = task.ID, PhaseRunning
		r.logf(levelInfo, "%s upgrade started (task %s).", name, task.ID)
		if err := r.save(); err != nil {
			return err
		}
		r.e.testHook("upgrade-started")
	}
	return nil
}

// notePreexisting remembers the upgrades of c's bundle that exist before
// our POST: after a crash, only a new one can be ours.
func (r *run) notePreexisting(ctx context.Context, c *ComponentRun) error {
	if err := r.safePoint(); err != nil {
		return err
	}
	before, err := call(ctx, r, "listing existing upgrades", upgrades)
	if err != nil {
		return err
	}
	c.PreexistingUpgradeIDs = nil
	for _, u := range before {
		if u.BundleID == c.BundleID {
			c.PreexistingUpgradeIDs = append(c.PreexistingUpgradeIDs, u.ID)
		}
	}
	return nil
}

// postUpgrade sends POST /v1/upgrades once, without retry: its outcome is
// looked up (findUpgrade) before any second attempt.
func (r *run) postUpgrade(ctx context.Context, spec vcfclient.UpgradeSpec) (*vcfclient.Task, error) {
	cctx, cancel := context.WithTimeout(ctx, r.e.opts.RequestTimeout)
	defer cancel()
	r.e.testHook("before-post-upgrade")
	return r.api().StartUpgrade(cctx, spec)
}

func upgrades(ctx context.Context, c Client) ([]vcfclient.Upgrade, error) { return c.Upgrades(ctx) }

func upgradeFailed(status string) bool {
	switch status {
	case "COMPLETED_WITH_FAILURE", "FAILED", "CANCELLED", "CANCELED", "ABORTED":
		return true
	}
	return false
}

// findUpgrade looks on SDDC Manager for an upgrade of c's bundle and
// resources, so that an upgrade whose POST result was not recorded is adopted
// instead of sent again.
func (r *run) findUpgrade(ctx context.Context, c *ComponentRun) (*vcfclient.Upgrade, error) {
	ups, err := call(ctx, r, "looking up upgrades already started", upgrades)
	if err != nil {
		return nil, err
	}
	var found *vcfclient.Upgrade
	for i := range ups {
		u := &ups[i]
		if u.BundleID != c.BundleID || slices.Contains(c.PreexistingUpgradeIDs, u.ID) {
			continue
		}
		var ids []string
		for _, rs := range u.ResourceUpgradeSpecs {
			ids = append(ids, rs.ResourceID)
		}
		if len(ids) > 0 && !overlaps(ids, c.ResourceIDs) {
			continue
		}
		// Prefer one that is running or succeeded, then the latest.
		if found == nil || upgradeFailed(found.Status) || !upgradeFailed(u.Status) {
			found = u
		}
	}
	return found, nil
}

// resolveUpgradeID finds the upgrade started by task c.TaskID: SDDC Manager
// answers POST /v1/upgrades with a Task whose id may be the upgrade's id or
// the id of the upgrade's task.
func (r *run) resolveUpgradeID(ctx context.Context, c *ComponentRun) error {
	return r.poll(ctx, "finding the upgrade of task "+c.TaskID, false, func(ctx context.Context, cl Client) (bool, error) {
		ups, err := cl.Upgrades(ctx)
		if err != nil {
			return false, err
		}
		for _, u := range ups {
			if u.ID == c.TaskID || u.TaskID == c.TaskID {
				c.UpgradeID, c.Status = u.ID, u.Status
				return true, r.save()
			}
		}
		return false, nil
	})
}

// taskErrors returns the VCF errors of a task, for the log.
func (r *run) taskErrors(ctx context.Context, taskID string) string {
	if taskID == "" {
		return ""
	}
	cctx, cancel := context.WithTimeout(ctx, r.e.opts.RequestTimeout)
	defer cancel()
	t, err := r.api().Task(cctx, taskID)
	if err != nil || t == nil {
		return ""
	}
	var msgs []string
	var walk func(es []vcfclient.ErrorDetail)
	walk = func(es []vcfclient.ErrorDetail) {
		for _, e := range es {
			m := e.Message
			if e.ErrorCode != "" {
				m = e.ErrorCode + ": " + m
			}
			if e.RemediationMessage != "" {
				m += " (remediation: " + e.RemediationMessage + ")"
			}
			msgs = append(msgs, m)
			walk(e.NestedErrors)
		}
	}
	walk(t.Errors)
	var sub func(ss []vcfclient.SubTask)
	sub = func(ss []vcfclient.SubTask) {
		for _, s := range ss {
			walk(s.Errors)
			for _, st := range s.Stages {
				walk(st.Errors)
			}
			sub(s.SubTasks)
		}
	}
	sub(t.SubTasks)
	if len(msgs) == 0 {
		return ""
	}
	return ": " + strings.Join(slices.Compact(msgs), "; ")
}
