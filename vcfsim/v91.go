package vcfsim

import (
	"fmt"
	"net/http"
	"time"
)

// VCF 9.1 additions (../shared/vcf-api/VCF91.md): upgrades a person must
// unblock, the NSX finalize stage, nested validation checks and the
// deprecated upgrade pre-check endpoints.

// never stands for the end of a blocked upgrade: it does not progress.
var never = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// BlockUpgrades (9.1) makes the upgrades of component (SDDC_MANAGER,
// NSX_T_MANAGER, VCENTER or ESX_HOST) report BLOCKED, the running one from
// now and later ones from their start, and stop progressing until
// UnblockUpgrades: SDDC Manager waiting for a person (Domain.upgradeStatus
// lists BLOCKED from 9.1). Other versions ignore it.
func (s *Simulator) BlockUpgrades(component string) error {
	if !validComponent(component) {
		return fmt.Errorf("component %q: use one of %v", component, upgradeComponents)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.sim()
	s.advance(now)
	s.blockComp = component
	for _, u := range s.pending {
		s.maybeBlock(u, now)
	}
	return nil
}

// UnblockUpgrades lets blocked upgrades go on: each needs the time it had
// left when it was blocked.
func (s *Simulator) UnblockUpgrades() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.sim()
	s.advance(now)
	s.blockComp = ""
	for _, u := range s.pending {
		if !u.blocked {
			continue
		}
		u.blocked = false
		u.end = maxTime(now, u.start).Add(u.left)
		u.task.end = u.end
	}
}

func validComponent(c string) bool {
	for _, x := range upgradeComponents {
		if x == c {
			return true
		}
	}
	return false
}

// maybeBlock freezes u when its component is blocked. Callers hold s.mu.
func (s *Simulator) maybeBlock(u *upgrade, now time.Time) {
	if !s.prof.v91 || u.blocked || u.applied || s.blockComp != u.bundle.comp {
		return
	}
	u.blocked = true
	u.left = u.end.Sub(maxTime(now, u.start))
	u.end, u.task.end = never, never
}

// domainBlocked reports whether an upgrade of d is blocked and running.
func (s *Simulator) domainBlocked(d *domain, now time.Time) bool {
	for _, u := range s.pending {
		if u.dom == d && u.status(now) == "BLOCKED" {
			return true
		}
	}
	return false
}

// ---- deprecated in 9.1: POST /v1/upgrades/{id}/prechecks ----

// postUpgradePrecheck runs the pre-checks of an upgrade's domain and
// answers their task, as the check-sets API does.
func (s *Simulator) postUpgradePrecheck(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.upgradeByID[v["upgradeId"]]
	if u == nil {
		return errorf(http.StatusNotFound, "UPGRADE_NOT_FOUND", "Upgrade %s not found", v["upgradeId"])
	}
	now := s.clk.sim()
	res := s.checkResources(u.dom)
	q := &checkQuery{id: uuidFrom(s.idRand), domains: []*domain{u.dom}, resources: res}
	s.queries[q.id] = q
	t := s.newTask("Upgrade pre-check", "UPGRADE_PRECHECK", now, precheckDuration)
	s.runs[t.id] = &checkRun{id: t.id, query: q, start: now, end: t.end, errors: s.precheckErrors,
		warnings: s.precheckWarnings, resourcesRequested: len(res), upgradeID: u.id}
	return http.StatusAccepted, s.taskJSON(t, now)
}

func (s *Simulator) getUpgradePrecheck(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	run := s.runs[v["precheckId"]]
	if run == nil || run.upgradeID != v["upgradeId"] {
		return errorf(http.StatusNotFound, "PRECHECK_NOT_FOUND", "Pre-check %s of upgrade %s not found", v["precheckId"], v["upgradeId"])
	}
	return http.StatusOK, s.taskJSON(s.taskByID[run.id], s.clk.sim())
}
