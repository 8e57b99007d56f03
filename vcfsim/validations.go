package vcfsim

import (
	"fmt"
	"net/http"
	"time"
)

// Release validations (POST /v1/releases/domains/{id}/validations) check a
// target version for a domain and complete after validationTime.

const validationTime = 2 * time.Minute

type validation struct {
	id, target  string
	dom         *domain
	start, end  time.Time
	ok          bool
	failMessage string
	warnings    int // 9.x: pre-check warnings reported as checks to acknowledge
}

func (s *Simulator) postValidation(r *http.Request, v vars) (int, any) {
	var body domainRelease
	if st, e := decodeBody(r, &body); e != nil {
		return st, e
	}
	if body.TargetVersion == "" {
		return errorf(http.StatusBadRequest, "TARGET_VERSION_REQUIRED", "targetVersion is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.inv.byDomain[v["domainId"]]
	if d == nil {
		return domainNotFound(v["domainId"])
	}
	rel := s.rel.byVersion[body.TargetVersion]
	if rel == nil {
		return errorf(http.StatusBadRequest, "RELEASE_NOT_FOUND", "VCF release %s not found", body.TargetVersion)
	}
	now := s.clk.sim()
	val := &validation{id: uuidFrom(s.idRand), target: rel.version, dom: d, start: now, end: now.Add(validationTime)}
	if s.prof.v9 {
		val.warnings = s.precheckWarnings
	}
	val.ok = rel.version == d.version || rel.version == d.target || isUpgradePath(rel, d.version)
	if !val.ok {
		val.failMessage = fmt.Sprintf("VCF %s is not a valid target for domain %s at version %s", rel.version, d.name, d.version)
	}
	s.validations[val.id] = val
	return http.StatusAccepted, s.validationJSON(val, now)
}

func (s *Simulator) validationJSON(val *validation, now time.Time) validationJSON {
	j := validationJSON{
		ID: val.id, Description: fmt.Sprintf("Validate target VCF version %s for domain %s", val.target, val.dom.name),
		ExecutionStatus: "IN_PROGRESS", ResultStatus: "UNKNOWN", ValidationChecks: []validationCheck{},
	}
	if now.Before(val.end) {
		if s.prof.v91 { // 9.1 lists the checks still to run as PENDING
			j.ValidationChecks = append(j.ValidationChecks, validationCheck{Description: "Target version compatibility", Severity: "INFO", ResultStatus: "PENDING"})
		}
		return j
	}
	j.ExecutionStatus, j.ResultStatus = "COMPLETED", "SUCCEEDED"
	check := validationCheck{Description: "Target version compatibility", Severity: "INFO", ResultStatus: "SUCCEEDED"}
	if !val.ok {
		j.ResultStatus = "FAILED"
		check.Severity, check.ResultStatus = "ERROR", "FAILED"
		check.ErrorResponse = &apiError{ErrorCode: "TARGET_VERSION_NOT_APPLICABLE", Message: val.failMessage}
	}
	if s.prof.v9 {
		check.Acknowledge = new(bool)
	}
	j.ValidationChecks = append(j.ValidationChecks, check)
	// 9.x says which findings need acknowledgement: here every pre-check
	// warning (PUT /sim/prechecks) when the validation started.
	var warnings []validationCheck
	for i := range val.warnings {
		ack := true
		warnings = append(warnings, validationCheck{
			Description: fmt.Sprintf("Upgrade pre-check warning %d of %d for VCF %s", i+1, val.warnings, val.target),
			Severity:    "WARNING", ResultStatus: "SUCCEEDED", Acknowledge: &ack,
			ErrorResponse: &apiError{ErrorCode: "PRECHECK_WARNING", Message: fmt.Sprintf("Pre-check warning %d: review it before the upgrade", i+1)},
		})
	}
	if s.prof.v91 && len(warnings) > 0 {
		// 9.1 nests the findings under the check they belong to; the
		// parent itself needs no acknowledgement.
		no := false
		warnings = []validationCheck{{Description: "Upgrade pre-checks for VCF " + val.target, Severity: "WARNING",
			ResultStatus: "SUCCEEDED", Acknowledge: &no, NestedValidationChecks: warnings}}
	}
	j.ValidationChecks = append(j.ValidationChecks, warnings...)
	return j
}

func (s *Simulator) getValidation(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	val := s.validations[v["validationId"]]
	if val == nil {
		return errorf(http.StatusNotFound, "VALIDATION_NOT_FOUND", "Validation %s not found", v["validationId"])
	}
	return http.StatusOK, s.validationJSON(val, s.clk.sim())
}
