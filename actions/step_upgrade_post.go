package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// Sending an upgrade request exactly once: the intent is saved before the
// POST, and every POST, retries included, is a decision taken fresh: an
// upgrade SDDC Manager already knows of is adopted; an unknown outcome is
// read several times with back-off (the list may lag); a cancel resolves
// that outcome and never starts anything new; the target release is still
// the domain's.

// lookupReadings is how many times GET /v1/upgrades is read, with back-off
// from the poll interval, before a POST whose outcome is unknown counts as
// not having reached SDDC Manager.
const lookupReadings = 4

// postOnce sends the component's POST /v1/upgrades unless it was sent or
// SDDC Manager already runs that upgrade.
func (r *run) postOnce(ctx context.Context, c *ComponentRun, name string) error {
	refused := "" // SDDC Manager answered that the component is already upgrading
	for c.Phase == PhasePlanned || c.Phase == PhasePosting {
		u, err := r.knownUpgrade(ctx, c)
		if err != nil {
			return err
		}
		if u != nil {
			c.UpgradeID, c.TaskID, c.Status, c.Phase = u.ID, u.TaskID, u.Status, PhaseRunning
			r.logf(levelInfo, "Found the %s upgrade %s on SDDC Manager (status %s); following it.", name, u.ID, u.Status)
			return r.save()
		}
		if refused != "" {
			c.Phase = PhaseFailed
			return fmt.Errorf("SDDC Manager says the %s is already being upgraded (%s) but lists no such upgrade after %d readings", name, refused, lookupReadings)
		}
		if err := r.safePoint(); err != nil {
			return err // nothing of ours runs: a cancel starts nothing new
		}
		if _, err := r.checkTarget(ctx); err != nil {
			return err
		}
		if c.Phase == PhasePosting {
			r.logf(levelInfo, "No %s upgrade found on SDDC Manager after %d readings; starting it.", name, lookupReadings)
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
			switch {
			case alreadyUpgrading(err):
				refused = shortErr(err)
				r.logf(levelWarning, "SDDC Manager answers that the %s is already being upgraded (%s); looking the upgrade up to follow it.", name, refused)
			case r.retryable(err):
				// Unknown outcome: looked up before any new POST.
				r.logf(levelWarning, "Starting the %s upgrade: %v; checking whether it started.", name, shortErr(err))
			default:
				c.Phase = PhaseFailed
				return fmt.Errorf("SDDC Manager refused the %s upgrade: %w", name, err)
			}
			if err := r.save(); err != nil {
				return err
			}
			if err := r.overdue("starting the " + name + " upgrade"); err != nil {
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

// knownUpgrade finds an upgrade of c SDDC Manager already knows of: before
// a first POST, one that runs (someone else's, or a person's, is followed
// rather than sent again; the others are remembered as preexisting); after
// a POST of unknown outcome, one not preexisting, read several times with
// back-off since the list may not show a new upgrade at once.
func (r *run) knownUpgrade(ctx context.Context, c *ComponentRun) (*vcfclient.Upgrade, error) {
	if c.Phase == PhasePlanned {
		if err := r.safePoint(); err != nil {
			return nil, err
		}
		ups, err := call(ctx, r, "listing existing upgrades", upgrades)
		if err != nil {
			return nil, err
		}
		c.PreexistingUpgradeIDs = nil
		for i, u := range ups {
			if !upgradeOf(&u, c) {
				continue
			}
			if upgradeRunning(u.Status) {
				return &ups[i], nil
			}
			c.PreexistingUpgradeIDs = append(c.PreexistingUpgradeIDs, u.ID)
		}
		return nil, nil
	}
	wait := r.e.backoff()
	for i := range lookupReadings {
		if i > 0 {
			// Not cut short by a cancel: the outcome is resolved first.
			if err := r.sleepFull(ctx, wait.Duration()); err != nil {
				return nil, err
			}
		}
		u, err := r.findUpgrade(ctx, c)
		if err != nil || u != nil {
			return u, err
		}
	}
	return nil, nil
}

// upgradeOf: u upgrades c's bundle on one of c's resources.
func upgradeOf(u *vcfclient.Upgrade, c *ComponentRun) bool {
	if u.BundleID != c.BundleID {
		return false
	}
	var ids []string
	for _, rs := range u.ResourceUpgradeSpecs {
		ids = append(ids, rs.ResourceID)
	}
	return len(ids) == 0 || overlaps(ids, c.ResourceIDs)
}

func upgradeRunning(status string) bool {
	return status != "" && status != "COMPLETED_WITH_SUCCESS" && !upgradeFailed(status)
}

// alreadyUpgrading: SDDC Manager refused the POST because the component is
// being upgraded (the answer to a second POST of a running upgrade).
func alreadyUpgrading(err error) bool {
	var ae *vcfclient.APIError
	if !errors.As(err, &ae) || (!vcfclient.IsBadRequest(err) && !vcfclient.IsConflict(err)) {
		return false
	}
	text := ae.ErrorCode + " " + ae.Message
	for _, n := range ae.Nested {
		text += " " + n.ErrorCode + " " + n.Message
	}
	text = strings.ToUpper(text)
	for _, s := range []string{"IN_PROGRESS", "IN PROGRESS", "ALREADY"} {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
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
		if !upgradeOf(u, c) || slices.Contains(c.PreexistingUpgradeIDs, u.ID) {
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
