package vcfsim

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// What a domain can upgrade next (GET /v1/upgradables/...): each component
// of the target release is a stage whose status follows the simulated
// upgrades.

// stage is one upgradable resource of a domain for its target release.
type stage struct {
	comp    string
	cluster *cluster
	res     resourceJSON
	done    bool
}

func (s *Simulator) stages(d *domain) []stage {
	t := d.target
	at := func(v string) bool { return cmpVersion(v, t) >= 0 }
	out := []stage{
		{comp: compSDDC, done: at(s.inv.sddcVersion), res: resourceJSON{ResourceID: s.inv.sddcID, FQDN: s.inv.sddcFQDN, Type: "SDDC_MANAGER", Name: s.inv.sddcFQDN}},
		{comp: compNSX, done: at(d.nsxVer), res: resourceJSON{ResourceID: d.nsxID, FQDN: d.nsxFQDN, Type: "NSXT_MANAGER", Name: d.nsxFQDN}},
		{comp: compVC, done: at(d.vcVer), res: resourceJSON{ResourceID: d.vcID, FQDN: d.vcFQDN, Type: "VCENTER", Name: d.vcFQDN}},
	}
	for _, cl := range d.clusters {
		out = append(out, stage{comp: compESX, cluster: cl, done: at(cl.esxVer), res: resourceJSON{ResourceID: cl.id, Type: "CLUSTER", Name: cl.name}})
	}
	return out
}

// running returns the unfinished upgrade of a stage, if any.
func (s *Simulator) running(d *domain, st stage) *upgrade {
	for _, u := range s.pending {
		// SDDC Manager is shared: its upgrade runs for every domain.
		if u.bundle.comp != st.comp || (st.comp != compSDDC && u.dom != d) {
			continue
		}
		if st.cluster == nil || slices.Contains(u.clusters, st.cluster) {
			return u
		}
	}
	return nil
}

// lastFailure returns the error of the latest failed upgrade of a stage.
func (s *Simulator) lastFailure(d *domain, st stage, rel *release) *apiError {
	for i := len(s.upgrades) - 1; i >= 0; i-- {
		u := s.upgrades[i]
		if u.dom == d && u.bundle == rel.bundles[st.comp] && (st.cluster == nil || slices.Contains(u.clusters, st.cluster)) {
			if u.fail {
				return u.task.failErr
			}
			return nil
		}
	}
	return nil
}

// upgradables computes each stage's status: finished ones SUCCESS, the
// running one IN_PROGRESS, the first unfinished component AVAILABLE once
// its bundle is downloaded (every cluster for ESX), the rest PENDING.
func (s *Simulator) upgradables(d *domain, now time.Time) []upgradableJSON {
	out := []upgradableJSON{}
	if d.target == "" {
		return out
	}
	rel := s.rel.byVersion[d.target]
	blocked := false // an earlier component is not finished yet
	blockedComp := ""
	for _, st := range s.stages(d) {
		b := rel.bundles[st.comp]
		bj := s.bundleJSON(b, now)
		u := upgradableJSON{
			BundleID: b.id, BundleType: bj.Type, Resource: st.res,
			SoftwareComponents: []softwareCompRef{{ID: st.res.ResourceID, Type: st.comp}},
		}
		switch {
		case st.comp == compNSX && s.nsxFinalizing(d, now):
			u.Status = "IN_PROGRESS"
			blocked, blockedComp = true, st.comp
		case st.done:
			u.Status = "SUCCESS"
		case s.prof.v9 && st.comp == compSDDC:
			// VCF Operations fleet management upgrades SDDC Manager; the
			// domain's other components wait for it.
			u.Status = "PENDING"
			if s.sddcExt != nil {
				u.Status = "IN_PROGRESS"
			} else {
				u.Errors = []apiError{*errSddcByVcfOps(d.target)}
			}
			blocked, blockedComp = true, st.comp
		case s.running(d, st) != nil:
			u.Status = "IN_PROGRESS"
			blocked, blockedComp = true, st.comp
		case blocked && (st.comp != compESX || blockedComp != compESX):
			u.Status = "PENDING"
		case bj.DownloadStatus != "SUCCESSFUL":
			u.Status = "PENDING"
			u.Errors = []apiError{{ErrorCode: "BUNDLE_NOT_DOWNLOADED", Message: fmt.Sprintf("Bundle %s is not downloaded (%s)", b.id, bj.DownloadStatus)}}
			blocked, blockedComp = true, st.comp
		default:
			u.Status = "AVAILABLE"
			if e := s.lastFailure(d, st, rel); e != nil {
				u.Errors = []apiError{*e}
			}
			blocked, blockedComp = true, st.comp
		}
		out = append(out, u)
	}
	return out
}

func (s *Simulator) getUpgradables(r *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.inv.byDomain[v["domainId"]]
	if d == nil {
		return domainNotFound(v["domainId"])
	}
	if tv := r.URL.Query().Get("targetVersion"); tv != "" && tv != d.target {
		return http.StatusOK, newPage([]upgradableJSON{})
	}
	return http.StatusOK, newPage(s.upgradables(d, s.clk.sim()))
}

func (s *Simulator) getUpgradableClusters(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.inv.byDomain[v["domainId"]]
	if d == nil {
		return domainNotFound(v["domainId"])
	}
	type clusterRes struct {
		ResourceID     string        `json:"resourceId"`
		ResourceType   string        `json:"resourceType"`
		PrimaryCluster bool          `json:"primaryCluster"`
		SoftwareInfo   *softwareInfo `json:"softwareInfo,omitempty"`
		VlcmEnabled    bool          `json:"vlcmEnabled"`
	}
	out := []clusterRes{}
	for i, cl := range d.clusters {
		c := clusterRes{ResourceID: cl.id, ResourceType: "CLUSTER", PrimaryCluster: i == 0, VlcmEnabled: cl.imageBased}
		if cl.imageBased {
			esx := s.rel.bom(cl.esxVer)[compESX].Version
			si := &softwareInfo{}
			si.BaseImage.Version = esx
			si.BaseImage.Details.DisplayName = "ESXi"
			si.BaseImage.Details.DisplayVersion = esx
			c.SoftwareInfo = si
		}
		out = append(out, c)
	}
	return http.StatusOK, struct {
		Elements []clusterRes `json:"elements"`
	}{out}
}
