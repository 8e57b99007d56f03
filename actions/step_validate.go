package actions

import (
	"context"
	"fmt"
	"strings"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// doValidate validates the domain at the target version (started once).
func (r *run) doValidate(ctx context.Context) (State, error) {
	if err := r.safePoint(); err != nil {
		return "", err
	}
	v := &r.w.Validation
	if v.ID == "" {
		v.Requested = true
		if err := r.save(); err != nil {
			return "", err
		}
		val, err := call(ctx, r, "starting the validation", func(ctx context.Context, c Client) (*vcfclient.Validation, error) {
			return c.ValidateRelease(ctx, r.w.DomainID, vcfclient.DomainRelease{TargetVersion: r.w.TargetVersion})
		})
		if err != nil {
			return "", err
		}
		v.ID = val.ID
		if err := r.save(); err != nil {
			return "", err
		}
	}
	var last *vcfclient.Validation
	err := r.poll(ctx, "waiting for the validation", true, func(ctx context.Context, c Client) (bool, error) {
		val, err := c.Validation(ctx, v.ID)
		if err != nil {
			return false, err
		}
		last = val
		return val.ExecutionStatus != "IN_PROGRESS" && val.ExecutionStatus != "", nil
	})
	if err != nil {
		return "", err
	}
	if last.ExecutionStatus != "COMPLETED" || last.ResultStatus == "FAILED" {
		var msgs []string
		for _, c := range last.ValidationChecks {
			if c.ResultStatus != "SUCCEEDED" && c.ErrorResponse != nil {
				msgs = append(msgs, c.ErrorResponse.Message)
			}
		}
		return "", fmt.Errorf("validation %s ended %s/%s %s", v.ID, last.ExecutionStatus, last.ResultStatus, strings.Join(msgs, "; "))
	}
	if err := r.verifyAtTarget(ctx); err != nil {
		return "", err
	}
	r.logf(levelInfo, "Domain upgraded to VCF %s (validation %s).", r.w.TargetVersion, last.ResultStatus)
	return "", nil
}
