package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
			return false, errors.New(msg)
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
	if err := r.tieToUpgrade(ctx, &in); err != nil {
		return err
	}
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
	pendingNoted := false
	return r.poll(ctx, "waiting for the release validation", true, func(ctx context.Context, c Client) (bool, error) {
		val, err := c.Validation(ctx, p.ValidationID)
		if err != nil || val.ExecutionStatus == "IN_PROGRESS" || val.ExecutionStatus == "" {
			return false, err
		}
		var f findings
		walkChecks(val.ValidationChecks, f.add)
		if f.pending > 0 {
			// A check that has not run says nothing yet, whatever the
			// validation's own status.
			if !pendingNoted {
				pendingNoted = true
				r.logf(levelInfo, "The release validation is %s with %d check(s) still PENDING; waiting for them.", val.ExecutionStatus, f.pending)
			}
			return false, nil
		}
		p.Acknowledge = f.acknowledge
		f.log(r)
		return true, nil
	})
}

// findings are what a release validation's checks report, nested checks
// (VCF 9.1 nestedValidationChecks) included at any depth.
type findings struct {
	acknowledge, pending int
	messages             []string // WARNING and ERROR checks, and failed ones
}

func (f *findings) add(ch vcfclient.ValidationCheck) {
	if ch.Acknowledge {
		f.acknowledge++
	}
	switch ch.ResultStatus {
	case "PENDING", "IN_PROGRESS":
		f.pending++
	}
	if ch.Severity != "WARNING" && ch.Severity != "ERROR" && ch.ResultStatus != "FAILED" {
		return
	}
	if len(ch.NestedValidationChecks) > 0 && !ch.Acknowledge {
		return // a group: its nested checks are the findings
	}
	msg := ch.Severity + ": " + ch.Description
	if e := ch.ErrorResponse; e != nil {
		if e.Message != "" {
			msg += ": " + e.Message
		}
		for _, n := range e.Notifications {
			msg += " [" + n.Severity + "] " + n.Message
		}
	}
	if ch.Acknowledge {
		msg += " (to acknowledge)"
	}
	f.messages = append(f.messages, msg)
}

// maxFindingsLogged bounds the log: SDDC Manager's UI has the full list.
const maxFindingsLogged = 10

func (f *findings) log(r *run) {
	for i, m := range f.messages {
		if i == maxFindingsLogged {
			r.logf(levelInfo, "… and %d more finding(s).", len(f.messages)-i)
			return
		}
		r.logf(levelInfo, "Finding %d of %d: %s", i+1, len(f.messages), m)
	}
}

// walkChecks calls f for every check, parents before their nested ones.
func walkChecks(cs []vcfclient.ValidationCheck, f func(vcfclient.ValidationCheck)) {
	for _, c := range cs {
		f(c)
		walkChecks(c.NestedValidationChecks, f)
	}
}

// tieToUpgrade names, on VCF 9.1, the upgrade the pre-checks are for
// (metadata.upgradeId, what the deprecated POST /v1/upgrades/{id}/prechecks
// took): the latest upgrade SDDC Manager lists for a bundle of the target
// release on this domain, e.g. one that failed before this run. A first run
// has none yet (its upgrades are posted after the pre-checks) and the
// metadata then names the target version only, as on 5.2 and 9.0.
func (r *run) tieToUpgrade(ctx context.Context, in *vcfclient.CheckSetRunInput) error {
	if !reportsManagers(r.w.Bom) {
		return nil // 5.2
	}
	ups, err := call(ctx, r, "listing upgrades", func(ctx context.Context, c Client) ([]vcfclient.Upgrade, error) {
		return c.Upgrades(ctx)
	})
	if err != nil {
		return err
	}
	var latest *vcfclient.Upgrade
	for i := range ups {
		u := &ups[i]
		if !r.ownsBundle(u.BundleID) || !checksResource(in, r.w.DomainID, u) {
			continue
		}
		// The list's order is not documented: the running one, else the
		// one that ended last.
		if latest == nil || (latest.EndTime != 0 && (u.EndTime == 0 || u.EndTime > latest.EndTime)) {
			latest = u
		}
	}
	if latest == nil {
		return nil
	}
	if v91, err := r.api91(ctx); err != nil || !v91 {
		return err
	}
	if in.Metadata == nil {
		in.Metadata = &vcfclient.CheckSetRunMetadata{TargetVersion: r.w.TargetVersion}
	}
	in.Metadata.UpgradeID = latest.ID
	r.logf(levelInfo, "The pre-checks are for upgrade %s (%s).", latest.ID, latest.Status)
	return nil
}

// ownsBundle: the bundle is one of the target release's.
func (r *run) ownsBundle(id string) bool {
	return slices.ContainsFunc(r.w.Bundles, func(b BundleState) bool { return b.ID == id })
}

// checksResource: the upgrade targets the domain or a resource the run
// checks (the domain's clusters for ESX).
func checksResource(in *vcfclient.CheckSetRunInput, domainID string, u *vcfclient.Upgrade) bool {
	return slices.ContainsFunc(u.ResourceUpgradeSpecs, func(s vcfclient.ResourceUpgradeSpec) bool {
		return s.ResourceID == domainID || slices.ContainsFunc(in.Resources, func(x vcfclient.CheckSetResourceSelection) bool { return x.ResourceID == s.ResourceID })
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
