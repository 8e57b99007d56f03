package actions

import (
	"context"
	"fmt"
	"strings"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// doPrechecks runs the upgrade pre-checks of the domain and reads their
// findings; findings wait for an acknowledgement (doWaitAck).
func (r *run) doPrechecks(ctx context.Context) (State, error) {
	p := &r.w.Precheck
	if p.RunID == "" {
		// A run whose id was not recorded is simply started again: pre-checks
		// change nothing.
		if err := r.startPrechecks(ctx); err != nil {
			return "", err
		}
	}
	var out *vcfclient.AssessmentOutput
	err := r.poll(ctx, "waiting for the pre-checks", true, func(ctx context.Context, c Client) (bool, error) {
		var err error
		if out, err = c.CheckSetRun(ctx, p.RunID); err != nil {
			return false, err
		}
		switch out.Status {
		case "COMPLETED_WITH_SUCCESS":
			return true, nil
		case "COMPLETED_WITH_FAILURE":
			msg := "pre-check run " + p.RunID + " ended COMPLETED_WITH_FAILURE"
			if out.ValidationResult != nil && out.ValidationResult.Message != "" {
				msg += ": " + out.ValidationResult.Message
			}
			return false, &stepError{msg}
		}
		return false, nil
	})
	if err != nil {
		return "", err
	}
	errs, warns, err := out.DomainSummary()
	if err != nil {
		return "", fmt.Errorf("reading the pre-check summary: %w", err)
	}
	p.Errors, p.Warnings = errs, warns
	if reportsManagers(r.w.Bom) {
		if err := r.findingsToAcknowledge(ctx); err != nil {
			return "", err
		}
	}
	p.Done = true
	if noFindingsToAcknowledge(r.w) {
		r.logf(levelInfo, "Pre-checks passed (%d errors, %d warnings).", errs, warns)
		return "", nil
	}
	link := ""
	if u, ok := r.e.targets.(URLer); ok {
		if base := strings.TrimRight(u.URL(r.w.Target), "/"); base != "" {
			link = fmt.Sprintf(" Review them in the [SDDC Manager UI](%s/) (Lifecycle Management, the domain's pre-check results),", base)
		}
	}
	r.logf(levelInfo, "Pre-checks found %d error(s) and %d warning(s)%s.%s then acknowledge to continue.", errs, warns, ackNote(p.Acknowledge), link)
	return "", nil
}

// startPrechecks queries the check-sets of the domain's resources at their
// target versions and starts a run of them.
func (r *run) startPrechecks(ctx context.Context) error {
	if err := r.safePoint(); err != nil {
		return err
	}
	p := &r.w.Precheck
	query := func(res []vcfclient.CheckSetQueryResource) func(ctx context.Context, c Client) (*vcfclient.CheckSetQueryResult, error) {
		return func(ctx context.Context, c Client) (*vcfclient.CheckSetQueryResult, error) {
			return c.QueryCheckSets(ctx, vcfclient.CheckSetQueryInput{
				CheckSetType: "UPGRADE",
				Domains:      []vcfclient.CheckSetQueryDomainResources{{DomainID: r.w.DomainID, Resources: res}},
			})
		}
	}
	q1, err := call(ctx, r, "querying pre-check sets", query(nil))
	if err != nil {
		return err
	}
	var res []vcfclient.CheckSetQueryResource
	for _, x := range q1.Resources {
		res = append(res, vcfclient.CheckSetQueryResource{ResourceType: x.ResourceType, ResourceTargetVersion: r.bomVersion(x.ResourceType)})
	}
	q2, err := call(ctx, r, "querying pre-check sets for the target versions", query(res))
	if err != nil {
		return err
	}
	in := q2.RunInput(r.w.TargetVersion)
	p.ResourceIDs = map[string]string{}
	for _, x := range q2.Resources {
		if _, ok := p.ResourceIDs[x.ResourceType]; !ok {
			p.ResourceIDs[x.ResourceType] = x.ResourceID
		}
	}
	p.QueryID = q2.QueryID
	p.Requested = true
	if err := r.save(); err != nil {
		return err
	}
	task, err := call(ctx, r, "starting the pre-checks", func(ctx context.Context, c Client) (*vcfclient.Task, error) {
		return c.RunCheckSets(ctx, in)
	})
	if err != nil {
		return err
	}
	p.RunID = task.ID
	r.logf(levelInfo, "Pre-check run %s started (%d resources).", p.RunID, len(in.Resources))
	return r.save()
}

// bomVersion is the target release's version of a resource type.
func (r *run) bomVersion(resourceType string) string {
	for _, b := range r.w.Bom {
		if strings.EqualFold(b.Name, resourceType) {
			return b.Version
		}
	}
	for _, b := range r.w.Bom {
		n, t := strings.ToUpper(b.Name), strings.ToUpper(resourceType)
		if strings.HasPrefix(n, t) || strings.HasPrefix(t, n) {
			return b.Version
		}
	}
	return ""
}

// noFindingsToAcknowledge: the pre-checks found nothing, or the findings
// were acknowledged (the waiting_acknowledgement state is skipped).
func noFindingsToAcknowledge(w *Workflow) bool {
	return w.Precheck.Errors+w.Precheck.Warnings+w.Precheck.Acknowledge == 0 || w.Acknowledged
}

func ackNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d of them marked for acknowledgement", n)
}

// findingsToAcknowledge counts the checks that VCF 9 marks as needing an
// acknowledgement (ValidationCheck.acknowledge), from a release validation
// of the target version. A validation changes nothing: one whose id was
// not recorded is simply started again.
func (r *run) findingsToAcknowledge(ctx context.Context) error {
	p := &r.w.Precheck
	if p.ValidationID == "" {
		val, err := call(ctx, r, "validating the target release", func(ctx context.Context, c Client) (*vcfclient.Validation, error) {
			return c.ValidateRelease(ctx, r.w.DomainID, vcfclient.DomainRelease{TargetVersion: r.w.TargetVersion})
		})
		if err != nil {
			return err
		}
		p.ValidationID = val.ID
		if err := r.save(); err != nil {
			return err
		}
	}
	return r.poll(ctx, "waiting for the release validation", true, func(ctx context.Context, c Client) (bool, error) {
		val, err := c.Validation(ctx, p.ValidationID)
		if err != nil || val.ExecutionStatus == "IN_PROGRESS" || val.ExecutionStatus == "" {
			return false, err
		}
		p.Acknowledge = 0
		for _, ch := range val.ValidationChecks {
			if ch.Acknowledge {
				p.Acknowledge++
			}
		}
		return true, nil
	})
}

// doWaitAck waits for the acknowledgement of the pre-check findings.
func (r *run) doWaitAck(ctx context.Context) (State, error) {
	for {
		if err := r.safePoint(); err != nil {
			return "", err
		}
		if r.w.Acknowledged {
			r.logf(levelInfo, "Continuing after acknowledgement.")
			return "", nil
		}
		if err := r.overdue("waiting for the acknowledgement of the pre-check findings"); err != nil {
			return "", err
		}
		if err := r.sleep(ctx, r.e.opts.PollInterval); err != nil {
			return "", err
		}
	}
}
