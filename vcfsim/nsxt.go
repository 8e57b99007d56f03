package vcfsim

import (
	"net/http"
	"time"
)

// GET /v1/upgradables/domains/{id}/nsxt: the NSX units of a domain and,
// from 9.1, the upgrade's finalize stage.

// nsxFinalizeTime is the NSX upgrade's finalize stage, simulated.
const nsxFinalizeTime = 20 * time.Minute

// nsxtFinalize is the NSX upgrade's finalize stage (9.1 NsxtFinalize).
type nsxtFinalize struct {
	ID            string `json:"id"`
	UpgradeStatus string `json:"upgradeStatus"`
	Version       string `json:"version"`
}

func (s *Simulator) getUpgradableNsxt(r *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.inv.byDomain[v["domainId"]]
	if d == nil {
		return domainNotFound(v["domainId"])
	}
	bundleID := r.URL.Query().Get("bundleId")
	if bundleID != "" && s.rel.bundles[bundleID] == nil {
		return errorf(http.StatusNotFound, "BUNDLE_NOT_FOUND", "Bundle %s not found", bundleID)
	}
	nsxBuild := s.rel.bom(d.nsxVer)[compNSX].Version
	status := "NOT_STARTED"
	if d.target != "" && cmpVersion(d.nsxVer, d.target) >= 0 {
		status = "SUCCESS"
	}
	type unit struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		UpgradeStatus  string `json:"upgradeStatus"`
		ResourceHealth string `json:"resourceHealth"`
		Version        string `json:"version"`
		UpgradedUnits  *int   `json:"upgradedUnits,omitempty"`
		TotalUnits     *int   `json:"totalUnits,omitempty"`
		DomainID       string `json:"domainId,omitempty"`
		PrimaryCluster *bool  `json:"primaryCluster,omitempty"`
		VLcmEnabled    *bool  `json:"vLcmEnabled,omitempty"`
	}
	out := struct {
		NsxtHostClusters []unit `json:"nsxtHostClusters"`
		NsxtEdgeClusters []unit `json:"nsxtEdgeClusters"`
		NsxtManager      unit   `json:"nsxtManagerCluster"`
		Coordinator      struct {
			ID             string `json:"id"`
			UpgradeStatus  string `json:"upgradeStatus"`
			ResourceHealth string `json:"resourceHealth"`
			Version        string `json:"version"`
			EnabledOn      string `json:"enabledOn"`
		} `json:"nsxtUpgradeCoordinator"`
		Finalize *nsxtFinalize `json:"nsxtFinalize,omitempty"` // 9.1
		BundleID string        `json:"bundleId,omitempty"`
		DomainID string        `json:"domainId"`
	}{BundleID: bundleID, DomainID: d.id}
	if s.prof.v91 {
		out.Finalize = &nsxtFinalize{ID: d.nsxID + "-finalize", UpgradeStatus: s.nsxFinalize(d, s.clk.sim()), Version: nsxBuild}
	}
	out.NsxtManager = unit{ID: d.nsxID, Name: d.nsxFQDN, UpgradeStatus: status, ResourceHealth: "HEALTHY", Version: nsxBuild}
	out.NsxtEdgeClusters = []unit{{ID: d.edgeID, Name: d.name + "-ec01", UpgradeStatus: status, ResourceHealth: "HEALTHY", Version: nsxBuild}}
	for i, cl := range d.clusters {
		total, done, primary, vlcm := len(cl.hosts), 0, i == 0, cl.imageBased
		if status == "SUCCESS" {
			done = total
		}
		out.NsxtHostClusters = append(out.NsxtHostClusters, unit{ID: cl.id, Name: cl.name, UpgradeStatus: status, ResourceHealth: "HEALTHY",
			Version: nsxBuild, UpgradedUnits: &done, TotalUnits: &total, DomainID: d.id, PrimaryCluster: &primary, VLcmEnabled: &vlcm})
	}
	out.Coordinator.ID, out.Coordinator.UpgradeStatus, out.Coordinator.ResourceHealth = d.nsxID+"-uc", status, "HEALTHY"
	out.Coordinator.Version, out.Coordinator.EnabledOn = nsxBuild, d.nsxVIP
	return http.StatusOK, out
}

// nsxFinalize is the finalize stage of d's latest NSX upgrade: by default
// its last nsxFinalizeTime (the upgrade is IN_PROGRESS until finalize
// ends); with Config.NsxFinalizeAfterUpgrade it follows the upgrade, which
// reads COMPLETED_WITH_SUCCESS meanwhile. The reference does not say which.
func (s *Simulator) nsxFinalize(d *domain, now time.Time) (status string) {
	var last *upgrade
	for _, u := range s.upgrades {
		if u.dom == d && u.bundle.comp == compNSX {
			last = u
		}
	}
	switch {
	case last == nil && d.target != "" && cmpVersion(d.nsxVer, d.target) >= 0:
		return "SUCCESS"
	case last == nil:
		return "NOT_STARTED"
	case last.fail && !now.Before(last.end):
		return "FAILED"
	}
	from, to := last.end.Add(-nsxFinalizeTime), last.end
	if s.cfg.NsxFinalizeAfterUpgrade {
		from, to = last.end, last.end.Add(nsxFinalizeTime)
	}
	switch {
	case now.Before(from):
		return "NOT_STARTED"
	case now.Before(to):
		return "IN_PROGRESS"
	}
	return "SUCCESS"
}

// nsxFinalizing: SDDC Manager offers nothing after NSX until its finalize
// stage is over (only visible with NsxFinalizeAfterUpgrade).
func (s *Simulator) nsxFinalizing(d *domain, now time.Time) bool {
	return s.prof.v91 && s.nsxFinalize(d, now) == "IN_PROGRESS"
}
