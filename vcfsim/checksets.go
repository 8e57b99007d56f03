package vcfsim

import (
	"net/http"
	"strings"
	"time"
)

// precheckDuration is how long a check-set run takes, simulated.
const precheckDuration = 10 * time.Minute

type checkQuery struct {
	id        string
	domains   []*domain
	resources []checkSetQueryResource
}

type checkRun struct {
	id                 string
	query              *checkQuery
	start, end         time.Time
	errors, warnings   int
	resourcesRequested int
	upgradeID          string // 9.1 metadata.upgradeId, or the deprecated endpoint's
}

// checkResources lists a domain's resources that check sets apply to.
func (s *Simulator) checkResources(d *domain) []checkSetQueryResource {
	info := resourceDomainInfo{DomainID: d.id, DomainName: d.name, DomainType: d.typ}
	bom := func(v string) map[string]productVersion { return s.rel.bom(v) }
	out := []checkSetQueryResource{
		{ResourceName: s.inv.sddcFQDN, ResourceID: s.inv.sddcID, ResourceType: compSDDC, ResourceVersion: bom(s.inv.sddcVersion)[compSDDC].Version, Domain: info},
		{ResourceName: d.nsxFQDN, ResourceID: d.nsxID, ResourceType: compNSX, ResourceVersion: bom(d.nsxVer)[compNSX].Version, Domain: info},
		{ResourceName: d.vcFQDN, ResourceID: d.vcID, ResourceType: compVC, ResourceVersion: bom(d.vcVer)[compVC].Version, Domain: info},
	}
	for _, cl := range d.clusters {
		out = append(out, checkSetQueryResource{ResourceName: cl.name, ResourceID: cl.id, ResourceType: compESX, ResourceVersion: bom(cl.esxVer)[compESX].Version, Domain: info})
	}
	return out
}

func (s *Simulator) postCheckSetQuery(r *http.Request, _ vars) (int, any) {
	var in struct {
		CheckSetType string `json:"checkSetType"`
		Domains      []struct {
			DomainID  string `json:"domainId"`
			Resources []struct {
				ResourceType          string `json:"resourceType"`
				ResourceID            string `json:"resourceId"`
				ResourceTargetVersion string `json:"resourceTargetVersion"`
			} `json:"resources"`
		} `json:"domains"`
	}
	if st, e := decodeBody(r, &in); e != nil {
		return st, e
	}
	if in.CheckSetType == "" || len(in.Domains) == 0 {
		return errorf(http.StatusBadRequest, "INVALID_CHECK_SET_QUERY", "checkSetType and domains are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := &checkQuery{id: uuidFrom(s.idRand)}
	for _, qd := range in.Domains {
		d := s.inv.byDomain[qd.DomainID]
		if d == nil {
			return errorf(http.StatusBadRequest, "DOMAIN_NOT_FOUND", "Domain %q not found", qd.DomainID)
		}
		q.domains = append(q.domains, d)
		for _, res := range s.checkResources(d) {
			target := ""
			if len(qd.Resources) > 0 {
				found := false
				for _, want := range qd.Resources {
					if want.ResourceType == "" {
						return errorf(http.StatusBadRequest, "INVALID_CHECK_SET_QUERY", "resources[].resourceType is required")
					}
					if want.ResourceType == res.ResourceType && (want.ResourceID == "" || want.ResourceID == res.ResourceID) {
						found, target = true, want.ResourceTargetVersion
					}
				}
				if !found {
					continue
				}
			}
			name := strings.ToLower(strings.ReplaceAll(res.ResourceType, "_", "-"))
			cs := checkSetCandidate{CheckSetID: name + "-" + strings.ToLower(in.CheckSetType), CheckSetType: in.CheckSetType,
				CheckSetName: publicName[res.ResourceType] + " " + strings.ToLower(in.CheckSetType) + " checks"}
			if target != "" {
				cs.CheckSetID += "-" + target
				cs.CheckSetName += " for " + target
			}
			res.CheckSets = []checkSetCandidate{cs}
			q.resources = append(q.resources, res)
		}
	}
	s.queries[q.id] = q
	out := checkSetQueryResult{QueryID: q.id, Resources: q.resources}
	if out.Resources == nil {
		out.Resources = []checkSetQueryResource{}
	}
	return http.StatusOK, out
}

func (s *Simulator) postCheckSetRun(r *http.Request, _ vars) (int, any) {
	var in struct {
		QueryID   string `json:"queryId"`
		Resources []struct {
			ResourceName string `json:"resourceName"`
			ResourceID   string `json:"resourceId"`
			ResourceType string `json:"resourceType"`
			CheckSets    []struct {
				CheckSetID string `json:"checkSetId"`
			} `json:"checkSets"`
		} `json:"resources"`
		// Metadata is 9.1's AssessmentMetadata.
		Metadata *struct {
			TargetVersion string `json:"targetVersion"`
			UpgradeID     string `json:"upgradeId"`
		} `json:"metadata"`
	}
	if st, e := decodeBody(r, &in); e != nil {
		return st, e
	}
	if in.QueryID == "" || len(in.Resources) == 0 {
		return errorf(http.StatusBadRequest, "INVALID_CHECK_SET_RUN", "queryId and resources are required")
	}
	upgradeID := ""
	if in.Metadata != nil && s.prof.v91 { // earlier versions ignore it
		upgradeID = in.Metadata.UpgradeID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if upgradeID != "" && s.upgradeByID[upgradeID] == nil {
		return errorf(http.StatusBadRequest, "UPGRADE_NOT_FOUND", "Upgrade %s not found", upgradeID)
	}
	q := s.queries[in.QueryID]
	if q == nil {
		return errorf(http.StatusBadRequest, "QUERY_NOT_FOUND", "Check-set query %q not found", in.QueryID)
	}
	var res []resourceJSON
	for _, sel := range in.Resources {
		if sel.ResourceID == "" || sel.ResourceType == "" || sel.ResourceName == "" || len(sel.CheckSets) == 0 {
			return errorf(http.StatusBadRequest, "INVALID_CHECK_SET_RUN", "resources need resourceId, resourceType, resourceName and checkSets")
		}
		known := false
		for _, qr := range q.resources {
			known = known || (qr.ResourceID == sel.ResourceID && qr.ResourceType == sel.ResourceType)
		}
		if !known {
			return errorf(http.StatusBadRequest, "RESOURCE_NOT_IN_QUERY", "Resource %s %s is not part of query %s", sel.ResourceType, sel.ResourceID, q.id)
		}
		for _, cs := range sel.CheckSets {
			if cs.CheckSetID == "" {
				return errorf(http.StatusBadRequest, "INVALID_CHECK_SET_RUN", "checkSets[].checkSetId is required")
			}
		}
		res = append(res, resourceJSON{ResourceID: sel.ResourceID, Type: sel.ResourceType, Name: sel.ResourceName})
	}
	now := s.clk.sim()
	t := s.newTask("Upgrade pre-check", "UPGRADE_PRECHECK", now, precheckDuration, res...)
	run := &checkRun{id: t.id, query: q, start: now, end: t.end, errors: s.precheckErrors, warnings: s.precheckWarnings,
		resourcesRequested: len(res), upgradeID: upgradeID}
	s.runs[run.id] = run
	return http.StatusAccepted, s.taskJSON(t, now)
}

func (s *Simulator) getCheckSetRun(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	run := s.runs[v["runId"]]
	if run == nil {
		return errorf(http.StatusNotFound, "CHECK_RUN_NOT_FOUND", "Check-set run %s not found", v["runId"])
	}
	now := s.clk.sim()
	out := assessmentOutput{Status: "IN_PROGRESS", Timestamp: stamp(run.start)}
	out.DiscoveryProgress.ProgressMessages = []string{"Running checks"}
	if now.Before(run.end) {
		out.DiscoveryProgress.PercentageComplete = int(100 * now.Sub(run.start) / run.end.Sub(run.start))
		return http.StatusOK, out
	}
	out.Status = "COMPLETED_WITH_SUCCESS"
	out.CompletionTimestamp = stamp(run.end)
	out.DiscoveryProgress.ProgressMessages = []string{"Checks completed"}
	out.DiscoveryProgress.PercentageComplete = 100
	var summaries []any
	for _, d := range run.query.domains {
		summaries = append(summaries, map[string]any{
			"domainId": d.id, "domainName": d.name, "domainType": d.typ,
			"errorValidationsCount":      run.errors,
			"warningGapsCount":           run.warnings,
			"successfulValidationsCount": max(0, 40*run.resourcesRequested-run.errors-run.warnings),
			"silencedValidationsCount":   0,
		})
	}
	// Real SDDC Manager returns an array here (clients read [0]), although
	// the schema declares the map values as objects.
	out.PresentedArtifactsMap = map[string]any{"validation-domain-summary": summaries}
	return http.StatusOK, out
}
