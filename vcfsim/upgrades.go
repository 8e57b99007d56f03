package vcfsim

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Simulated upgrade durations, close to what real upgrades take.
const (
	sddcOutageDelay = time.Minute      // the API goes away shortly after the POST
	sddcOutage      = time.Hour        // and stays away this long
	sddcUpgradeTime = 62 * time.Minute // the upgrade completes after it is back
	nsxUpgradeTime  = 3 * time.Hour
	vcUpgradeTime   = 90 * time.Minute
	esxHostTime     = 20 * time.Minute // per host, hosts of a cluster one by one
)

type upgrade struct {
	id         string
	spec       upgradeSpec
	bundle     *bundle
	dom        *domain
	clusters   []*cluster // ESX upgrades only
	task       *task
	start, end time.Time
	fail       bool
	applied    bool
	// hiddenReads: GET /v1/upgrades leaves the upgrade out this many more
	// times (the LagUpgrades fault).
	hiddenReads int
	// blocked (9.1): frozen with left to go, end is never (BlockUpgrades).
	blocked bool
	left    time.Duration
}

func (u *upgrade) status(now time.Time) string {
	switch {
	case now.Before(u.start):
		return "SCHEDULED"
	case u.blocked:
		return "BLOCKED"
	case now.Before(u.end):
		return "IN_PROGRESS"
	case u.fail:
		return "COMPLETED_WITH_FAILURE"
	default:
		return "COMPLETED_WITH_SUCCESS"
	}
}

// advance applies the effects of upgrades that finished by now, in the
// order they finished. Callers hold s.mu.
func (s *Simulator) advance(now time.Time) {
	s.finishSddcExternal(now)
	var due []*upgrade
	for _, u := range s.pending {
		if !now.Before(u.end) {
			due = append(due, u)
		}
	}
	if len(due) == 0 {
		return
	}
	slices.SortStableFunc(due, func(a, b *upgrade) int { return a.end.Compare(b.end) })
	for _, u := range due {
		u.applied = true
		if u.fail {
			continue
		}
		ver := u.bundle.rel.version
		switch u.bundle.comp {
		case compSDDC:
			s.inv.sddcVersion = ver
		case compNSX:
			u.dom.nsxVer = ver
		case compVC:
			u.dom.vcVer = ver
		case compESX:
			for _, cl := range u.clusters {
				cl.esxVer = ver
				for _, h := range cl.hosts {
					h.esxVer = ver
					h.tmpl = s.buildHostTmpl(h)
				}
			}
		}
		s.maybeFinishDomain(u.dom)
	}
	s.pending = slices.DeleteFunc(s.pending, func(u *upgrade) bool { return u.applied })
}

// maybeFinishDomain makes the target the domain's version once every
// component runs it.
func (s *Simulator) maybeFinishDomain(d *domain) {
	if d.target == "" {
		return
	}
	for _, st := range s.stages(d) {
		if !st.done {
			return
		}
	}
	d.version, d.target = d.target, ""
}

func (s *Simulator) domainBusy(d *domain) bool {
	for _, u := range s.pending {
		if u.dom == d {
			return true
		}
	}
	return false
}

func (s *Simulator) postUpgrade(r *http.Request, _ vars) (int, any) {
	var spec upgradeSpec
	if st, e := decodeBody(r, &spec); e != nil {
		return st, e
	}
	if spec.BundleID == "" || spec.ResourceType == "" || len(spec.ResourceUpgradeSpecs) == 0 {
		return errorf(http.StatusBadRequest, "INVALID_UPGRADE_SPEC", "bundleId, resourceType and resourceUpgradeSpecs are required")
	}
	for _, rs := range spec.ResourceUpgradeSpecs {
		if rs.ResourceID == "" {
			return errorf(http.StatusBadRequest, "INVALID_UPGRADE_SPEC", "resourceUpgradeSpecs[].resourceId is required")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.sim()
	b := s.rel.bundles[spec.BundleID]
	if b == nil {
		return errorf(http.StatusBadRequest, "BUNDLE_NOT_FOUND", "Bundle %s not found", spec.BundleID)
	}
	// Resolve the domain and the stages the spec names.
	var d *domain
	var clusters []*cluster
	switch spec.ResourceType {
	case "DOMAIN":
		if b.comp == compESX {
			return errorf(http.StatusBadRequest, "INVALID_RESOURCE_TYPE", "ESX bundles upgrade resourceType CLUSTER")
		}
		if len(spec.ResourceUpgradeSpecs) != 1 {
			return errorf(http.StatusBadRequest, "INVALID_UPGRADE_SPEC", "resourceType DOMAIN takes exactly one resourceUpgradeSpecs entry")
		}
		if d = s.inv.byDomain[spec.ResourceUpgradeSpecs[0].ResourceID]; d == nil {
			return errorf(http.StatusBadRequest, "DOMAIN_NOT_FOUND", "Domain %s not found", spec.ResourceUpgradeSpecs[0].ResourceID)
		}
	case "CLUSTER":
		if b.comp != compESX {
			return errorf(http.StatusBadRequest, "INVALID_RESOURCE_TYPE", "%s bundles upgrade resourceType DOMAIN", b.comp)
		}
		for _, rs := range spec.ResourceUpgradeSpecs {
			cl := s.inv.byCluster[rs.ResourceID]
			if cl == nil {
				return errorf(http.StatusBadRequest, "CLUSTER_NOT_FOUND", "Cluster %s not found", rs.ResourceID)
			}
			if d != nil && cl.domain != d {
				return errorf(http.StatusBadRequest, "INVALID_UPGRADE_SPEC", "All clusters must belong to one domain")
			}
			if slices.Contains(clusters, cl) {
				return errorf(http.StatusBadRequest, "INVALID_UPGRADE_SPEC", "Cluster %s listed twice", cl.id)
			}
			d = cl.domain
			clusters = append(clusters, cl)
		}
	default:
		return errorf(http.StatusBadRequest, "INVALID_RESOURCE_TYPE", "resourceType %q is not supported; use DOMAIN or CLUSTER", spec.ResourceType)
	}
	if s.prof.v9 && b.comp == compSDDC {
		return http.StatusBadRequest, errSddcByVcfOps(b.rel.version)
	}
	if d.target == "" || s.rel.byVersion[d.target].bundles[b.comp] != b {
		return errorf(http.StatusBadRequest, "BUNDLE_NOT_APPLICABLE", "Bundle %s is not part of the target release of domain %s", b.id, d.name)
	}
	// The bundle must be what upgradables offer as AVAILABLE.
	ups := s.upgradables(d, now)
	for _, st := range s.stages(d) {
		if st.comp != b.comp || (st.cluster != nil && !slices.Contains(clusters, st.cluster)) {
			continue
		}
		var u upgradableJSON
		for _, x := range ups {
			if x.Resource.ResourceID == st.res.ResourceID && x.BundleID == b.id {
				u = x
			}
		}
		if u.Status == "PENDING" && len(u.Errors) > 0 && u.Errors[0].ErrorCode == "BUNDLE_NOT_DOWNLOADED" {
			return errorf(http.StatusFailedDependency, "BUNDLE_NOT_DOWNLOADED", "Bundle %s is not downloaded", b.id)
		}
		if u.Status != "AVAILABLE" {
			return errorf(http.StatusBadRequest, "UPGRADE_NOT_AVAILABLE", "Upgrade of %s %s is not available (status %s)", st.res.Type, st.res.Name, u.Status)
		}
	}
	if e := s.checkUpgradeInputs(d, &spec); e != nil {
		return http.StatusBadRequest, e
	}
	start := now
	if rs := spec.ResourceUpgradeSpecs[0]; (rs.UpgradeNow == nil || !*rs.UpgradeNow) && rs.ScheduledTimestamp != "" {
		t, err := time.Parse(time.RFC3339, rs.ScheduledTimestamp)
		if err != nil {
			return errorf(http.StatusBadRequest, "INVALID_SCHEDULED_TIMESTAMP", "scheduledTimestamp: %v", err)
		}
		start = maxTime(t, now)
	}
	return http.StatusAccepted, s.startUpgrade(d, b, clusters, spec, now, start)
}

// errSddcByVcfOps says that in 9.x SDDC Manager is not upgraded through
// its own API.
func errSddcByVcfOps(version string) *apiError {
	return &apiError{ErrorCode: "SDDC_MANAGER_UPGRADE_MANAGED_BY_VCF_OPERATIONS", ErrorType: "ERROR",
		Message:            "SDDC Manager is upgraded to VCF " + version + " from VCF Operations fleet management, not through the SDDC Manager API",
		RemediationMessage: "Upgrade SDDC Manager in VCF Operations > Fleet Management > Lifecycle, then upgrade the domain's components here"}
}

// checkUpgradeInputs validates the NSX and vCenter user inputs.
func (s *Simulator) checkUpgradeInputs(d *domain, spec *upgradeSpec) *apiError {
	for _, n := range spec.NsxtUpgradeUserInputSpecs {
		if n.NsxtID != "" && n.NsxtID != d.nsxID {
			return &apiError{ErrorCode: "NSXT_NOT_FOUND", Message: fmt.Sprintf("NSX %s is not the NSX of domain %s", n.NsxtID, d.name)}
		}
		for _, hc := range n.NsxtHostClusterUpgradeSpecs {
			if cl := s.inv.byCluster[hc.HostClusterID]; cl == nil || cl.domain != d {
				return &apiError{ErrorCode: "NSXT_HOST_CLUSTER_NOT_FOUND", Message: fmt.Sprintf("Host cluster %q is not in domain %s", hc.HostClusterID, d.name)}
			}
		}
		for _, ec := range n.NsxtEdgeClusterUpgradeSpecs {
			if ec.EdgeClusterID != d.edgeID {
				return &apiError{ErrorCode: "NSXT_EDGE_CLUSTER_NOT_FOUND", Message: fmt.Sprintf("Edge cluster %q is not in domain %s", ec.EdgeClusterID, d.name)}
			}
		}
	}
	for _, vc := range spec.VcenterUpgradeUserInputSpecs {
		if vc.ResourceID != "" && vc.ResourceID != d.vcID {
			return &apiError{ErrorCode: "VCENTER_NOT_FOUND", Message: fmt.Sprintf("vCenter %s is not the vCenter of domain %s", vc.ResourceID, d.name)}
		}
	}
	return nil
}

func (s *Simulator) startUpgrade(d *domain, b *bundle, clusters []*cluster, spec upgradeSpec, now, start time.Time) taskJSON {
	var dur time.Duration
	var res []resourceJSON
	for _, st := range s.stages(d) {
		if st.comp == b.comp && (st.cluster == nil || slices.Contains(clusters, st.cluster)) {
			res = append(res, st.res)
		}
	}
	switch b.comp {
	case compSDDC:
		dur = sddcUpgradeTime
		s.outages = append(s.outages, window{start.Add(sddcOutageDelay), start.Add(sddcOutageDelay + sddcOutage)})
	case compNSX:
		dur = nsxUpgradeTime
	case compVC:
		dur = vcUpgradeTime
	case compESX:
		for _, cl := range clusters {
			c := time.Duration(len(cl.hosts)) * esxHostTime
			if spec.ParallelUpgrade {
				dur = max(dur, c)
			} else {
				dur += c
			}
		}
	}
	to := b.rel.builds[b.comp]
	t := s.newTask(fmt.Sprintf("Upgrade %s to %s", publicName[b.comp], to), "UPGRADE", now, start.Sub(now)+dur, res...)
	u := &upgrade{id: t.id, spec: spec, bundle: b, dom: d, clusters: clusters, task: t, start: start, end: t.end, hiddenReads: s.lagUpgradesFault()}
	if s.prof.v91 && start.After(now) {
		t.queuedUntil = start
	}
	if s.failUpgradeFault() == b.comp {
		u.fail = true
		if s.prof.v91 && b.comp == compESX {
			// 9.1 reports a host remediation that ran out of time as such.
			t.failStatus = "TIMED_OUT"
		}
		t.failErr = &apiError{
			ErrorCode: "UPGRADE_FAILED", ErrorType: "ERROR",
			Message:            fmt.Sprintf("Upgrade of %s in domain %s to %s failed", publicName[b.comp], d.name, to),
			RemediationMessage: "Review the upgrade logs, fix the cause and retry the upgrade",
			ReferenceToken:     u.id[:6],
		}
	}
	for i := range u.spec.VcenterUpgradeUserInputSpecs {
		if u.spec.VcenterUpgradeUserInputSpecs[i].TemporaryNetwork == nil {
			u.spec.VcenterUpgradeUserInputSpecs[i].TemporaryNetwork = map[string]any{}
		}
	}
	s.upgrades = append(s.upgrades, u)
	s.upgradeByID[u.id] = u
	s.pending = append(s.pending, u)
	s.maybeBlock(u, now)
	return s.taskJSON(t, now)
}

func (s *Simulator) upgradeJSON(u *upgrade, now time.Time) upgradeJSON {
	bj := s.bundleJSON(u.bundle, now)
	j := upgradeJSON{
		ID: u.id, BundleID: u.bundle.id, ResourceType: u.spec.ResourceType, ParallelUpgrade: u.spec.ParallelUpgrade,
		ResourceUpgradeSpecs: u.spec.ResourceUpgradeSpecs, Status: u.status(now), TaskID: u.task.id, Bundle: &bj,
	}
	if len(u.spec.NsxtUpgradeUserInputSpecs) > 0 {
		j.NsxtUpgradeUserInputSpec = &u.spec.NsxtUpgradeUserInputSpecs[0]
	}
	if len(u.spec.VcenterUpgradeUserInputSpecs) > 0 {
		j.VcenterUpgradeUserInputSpec = &u.spec.VcenterUpgradeUserInputSpecs[0]
	}
	if !now.Before(u.end) {
		j.EndTime = u.end.UnixMilli()
	}
	return j
}

func (s *Simulator) getUpgrades(r *http.Request, _ vars) (int, any) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.sim()
	out := []upgradeJSON{}
	for _, u := range s.upgrades {
		if u.hiddenReads > 0 {
			u.hiddenReads--
			continue
		}
		j := s.upgradeJSON(u, now)
		if v := q.Get("status"); v != "" && v != j.Status {
			continue
		}
		if v := q.Get("bundleId"); v != "" && v != j.BundleID {
			continue
		}
		if v := q.Get("bundleType"); v != "" && v != j.Bundle.Type {
			continue
		}
		out = append(out, j)
	}
	return http.StatusOK, newPage(out)
}

func (s *Simulator) getUpgrade(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.upgradeByID[v["upgradeId"]]
	if u == nil {
		return errorf(http.StatusNotFound, "UPGRADE_NOT_FOUND", "Upgrade %s not found", v["upgradeId"])
	}
	return http.StatusOK, s.upgradeJSON(u, s.clk.sim())
}
