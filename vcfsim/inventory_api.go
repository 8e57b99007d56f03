package vcfsim

import (
	"net/http"
	"strconv"
)

func domainNotFound(id string) (int, any) {
	return errorf(http.StatusNotFound, "DOMAIN_NOT_FOUND", "Domain %s not found", id)
}

// domainJSON renders a domain. Callers hold s.mu.
func (s *Simulator) domainJSON(d *domain, step int64) domainJSON {
	j := domainJSON{
		ID: d.id, Name: d.name, OrgName: "Rainpole", Status: d.status, Type: d.typ,
		Owners:                  []string{},
		Vcenters:                []vcenterRef{{ID: d.vcID, FQDN: d.vcFQDN}},
		SsoID:                   d.ssoID,
		SsoName:                 "vsphere.local",
		IsManagementSsoDomain:   true,
		NsxtCluster:             nsxClusterRef{ID: d.nsxID, VIPFQDN: d.nsxFQDN, VIP: d.nsxVIP},
		LicensingInfo:           licensingInfo{LicensingMode: "PERPETUAL", SubscriptionStatus: "UNSUBSCRIBED"},
		Capacity:                s.capacityOf(d.hosts, step),
		Tags:                    []any{},
		ElmStatus:               "LINKED",
		LifecycleManagementMode: "BASELINES_AND_IMAGES",
		IsPrimaryDomainForNsx:   true,
	}
	if !s.prof.v9 { // removed in 9.x
		j.VraIntegrationStatus, j.VropsIntegrationStatus, j.VrliIntegrationStatus = "NOT_CONFIGURED", "NOT_CONFIGURED", "NOT_CONFIGURED"
	}
	for _, cl := range d.clusters {
		j.Clusters = append(j.Clusters, ref{ID: cl.id, Name: cl.name})
	}
	us := upgradeStatusView{Status: "UP_TO_DATE"}
	switch {
	case s.prof.v91 && s.domainBlocked(d, s.clk.sim()):
		us.Status = "BLOCKED"
	case s.domainBusy(d):
		us.Status = "IN_PROGRESS"
	case d.target != "":
		us.Status = "READY"
	default:
		for _, rel := range s.rel.list {
			if isUpgradePath(rel, d.version) {
				us.Status = "AVAILABLE"
				break
			}
		}
	}
	if d.target != "" {
		for _, st := range s.stages(d) {
			us.TotalResources++
			if st.done {
				us.CompletedResources++
			}
		}
	}
	j.UpgradeStatus = &us
	return j
}

func (s *Simulator) getDomains(r *http.Request, _ vars) (int, any) {
	typ := r.URL.Query().Get("type")
	p, err := s.pageRequest(r, pathDomains)
	if err != nil {
		return badPage(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	step := s.step()
	out := []domainJSON{}
	for _, d := range s.inv.domains {
		if typ == "" || typ == d.typ {
			out = append(out, s.domainJSON(d, step))
		}
	}
	return http.StatusOK, pageOf(s, p, out)
}

func (s *Simulator) getDomain(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.inv.byDomain[v["id"]]
	if d == nil {
		return domainNotFound(v["id"])
	}
	return http.StatusOK, s.domainJSON(d, s.step())
}

func (s *Simulator) clusterJSON(cl *cluster, step int64) clusterJSON {
	j := clusterJSON{
		ID: cl.id, Domain: ref{ID: cl.domain.id, Name: cl.domain.name, Type: cl.domain.typ}, Name: cl.name, Status: cl.status,
		PrimaryDatastoreName: cl.datastoreName, PrimaryDatastoreType: "VSAN",
		IsDefault: cl == cl.domain.clusters[0], FailuresToTolerate: 1, Tags: []any{}, IsImageBased: cl.imageBased,
		Capacity: s.capacityOf(cl.hosts, step),
		Vcenter:  vcenterRef{ID: cl.domain.vcID, FQDN: cl.domain.vcFQDN},
		MoRefID:  cl.moref,
	}
	if s.prof.v9 {
		j.ConfigManagerEnabled, j.IsImported = &cl.imageBased, new(bool)
	}
	j.Hosts = make([]hostRef, 0, len(cl.hosts))
	for _, h := range cl.hosts {
		j.Hosts = append(j.Hosts, hostRef{ID: h.id, IPAddress: h.ip, FQDN: h.fqdn})
	}
	return j
}

// boolParam parses an optional boolean query parameter.
func boolParam(r *http.Request, name string) (val, set bool, err error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, false, nil
	}
	b, err := strconv.ParseBool(v)
	return b, true, err
}

func (s *Simulator) getClusters(r *http.Request, _ vars) (int, any) {
	stretched, hasStretched, err1 := boolParam(r, "isStretched")
	image, hasImage, err2 := boolParam(r, "isImageBased")
	if err1 != nil || err2 != nil {
		return errorf(http.StatusBadRequest, "INVALID_QUERY_PARAMETER", "isStretched and isImageBased must be true or false")
	}
	domainID := r.URL.Query().Get("domainId")
	p, err := s.pageRequest(r, pathClusters)
	if err != nil {
		return badPage(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	step := s.step()
	out := []clusterJSON{}
	for _, cl := range s.inv.clusters {
		if (domainID != "" && cl.domain.id != domainID) || (hasStretched && stretched) || (hasImage && image != cl.imageBased) {
			continue
		}
		out = append(out, s.clusterJSON(cl, step))
	}
	return http.StatusOK, pageOf(s, p, out)
}

func (s *Simulator) getCluster(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.inv.byCluster[v["id"]]
	if cl == nil {
		return errorf(http.StatusNotFound, "CLUSTER_NOT_FOUND", "Cluster %s not found", v["id"])
	}
	return http.StatusOK, s.clusterJSON(cl, s.step())
}

func (s *Simulator) getHosts(r *http.Request, _ vars) (int, any) {
	q := r.URL.Query()
	status, domainID, clusterID, poolID := q.Get("status"), q.Get("domainId"), q.Get("clusterId"), q.Get("networkpoolId")
	storageType, datastore := q.Get("storageType"), q.Get("datastoreName")
	switch status {
	case "", "ASSIGNED", "UNASSIGNED_USEABLE", "UNASSIGNED_UNUSEABLE":
	default:
		return errorf(http.StatusBadRequest, "INVALID_HOST_STATUS", "status must be ASSIGNED, UNASSIGNED_USEABLE or UNASSIGNED_UNUSEABLE")
	}
	p, err := s.pageRequest(r, pathHosts)
	if err != nil {
		return badPage(err)
	}
	fqdn := q.Get("fqdn") // 9.x
	body := s.hostsPage(p, func(h *host) bool {
		switch {
		case s.prof.v9 && fqdn != "" && h.fqdn != fqdn,
			status != "" && h.status != status,
			domainID != "" && (h.domain == nil || h.domain.id != domainID),
			clusterID != "" && (h.cluster == nil || h.cluster.id != clusterID),
			poolID != "" && poolID != s.inv.poolID,
			storageType != "" && storageType != "VSAN",
			datastore != "" && (h.cluster == nil || h.cluster.datastoreName != datastore):
			return false
		}
		return true
	})
	return http.StatusOK, body
}

func (s *Simulator) getHost(_ *http.Request, v vars) (int, any) {
	h := s.inv.byHost[v["id"]] // the map is immutable after New
	if h == nil {
		return errorf(http.StatusNotFound, "HOST_NOT_FOUND", "Host %s not found", v["id"])
	}
	return http.StatusOK, s.hostBody(h)
}

func (s *Simulator) getSddcManagers(_ *http.Request, _ vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mgmt := s.inv.domains[0]
	m := sddcManagerJSON{
		Domain: ref{ID: mgmt.id, Name: mgmt.name, Type: mgmt.typ},
		ID:     s.inv.sddcID, FQDN: s.inv.sddcFQDN, IPAddress: s.inv.sddcIP,
		Version: s.rel.bom(s.inv.sddcVersion)[compSDDC].Version,
	}
	m.BasicAuthDetails.Status = "ENABLED"
	m.BasicAuthDetails.Username = "admin"
	return http.StatusOK, newPage([]sddcManagerJSON{m})
}
