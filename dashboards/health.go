package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
)

// health: certificates, tasks, SDDC Manager's services, backups and
// passwords (the certificate, task, service, backup and credential
// collectors).
func health() (grafanaDashboard, error) {
	target, domain := sel("target"), sel("domain")
	// Days-left thresholds are red from far below zero: thresholds' green
	// base step is for nothing.
	return newDashboard("vcf-health", "VCF health",
		"What SDDC Manager knows about the instance's health: certificate expiry per resource, failed and running tasks, SDDC Manager's services, backups and password expiry (the last one needs --collector.credential).",
		"domain").
		WithPanel(table.NewPanelBuilder().
			Title("Certificates by days left").
			Description("Days until each resource's certificate expires, soonest first, negative once expired, with SDDC Manager's own expiration status (vcf_certificate_expiry_timestamp_seconds, vcf_certificate_expiration_status).").
			Unit("none").Decimals(1).
			Thresholds(thresholds(-1e12, "red", 7.0, "orange", 30.0, "green")).
			WithTarget(qt(`sort((vcf_certificate_expiry_timestamp_seconds{` + domain + `} - time()) / 86400)`).RefId("days")).
			WithTarget(qt(`max by (target, domain, resource_type, resource_name, state) (vcf_certificate_expiration_status{` + domain + `} == 1)`).RefId("status")).
			WithTransformation(merge()).
			WithTransformation(organize([]string{"Time", "Value #status"},
				map[string]string{"target": "SDDC Manager", "domain": "Domain", "resource_type": "Type", "resource_name": "Resource", "state": "Status", "Value #days": "Days left"})).
			Span(16).Height(10)).
		WithPanel(stat.NewPanelBuilder().
			Title("Certificates to act on").
			Description("Certificates SDDC Manager reports EXPIRED or ABOUT_TO_EXPIRE (vcf_certificate_expiration_status).").
			Unit("none").
			Thresholds(thresholds(1.0, "red")).
			ColorMode(common.BigValueColorModeBackground).
			ReduceOptions(lastCalc()).
			WithTarget(q(`sum(vcf_certificate_expiration_status{`+domain+`,state="EXPIRED"}) or vector(0)`, "expired")).
			WithTarget(q(`sum(vcf_certificate_expiration_status{`+domain+`,state="ABOUT_TO_EXPIRE"}) or vector(0)`, "about to expire").RefId("soon")).
			Span(8).Height(5)).
		WithPanel(stat.NewPanelBuilder().
			Title("SDDC Manager services").
			Description("Each SDDC Manager service as SDDC Manager reports it (vcf_service_up; vcf_service_status names any other status).").
			Unit("none").
			Mappings(valueText(map[string][2]string{"0": {"not UP", "red"}, "1": {"UP", "green"}})).
			ColorMode(common.BigValueColorModeBackground).
			TextMode(common.BigValueTextModeValueAndName).
			ReduceOptions(lastCalc()).
			WithTarget(q(`vcf_service_up{`+target+`}`, "{{service}}")).
			Span(8).Height(5)).
		WithPanel(bargauge.NewPanelBuilder().
			Title("Tasks running or completed in 24 h").
			Description("SDDC Manager tasks by status: running now or completed in the last 24 hours (vcf_tasks).").
			Unit("none").Min(0).Decimals(0).
			Orientation(common.VizOrientationHorizontal).
			ReduceOptions(lastCalc()).
			WithTarget(q(`sum by (target, status) (vcf_tasks{`+target+`})`, "{{target}} {{status}}")).
			Span(8).Height(7)).
		WithPanel(table.NewPanelBuilder().
			Title("Failed tasks by type").
			Description("Tasks that FAILED or TIMED_OUT in the last 24 hours, by type (vcf_tasks); SDDC Manager's task list says why.").
			Unit("none").
			WithTarget(qt(`sum by (target, type, status) (vcf_tasks{` + target + `,status=~"FAILED|TIMED_OUT"})`)).
			WithTransformation(organize([]string{"Time"},
				map[string]string{"target": "SDDC Manager", "type": "Type", "status": "Status", "Value": "Tasks"})).
			Span(8).Height(7)).
		WithPanel(stat.NewPanelBuilder().
			Title("Since the last failed task").
			Description("Time since the newest failed task completed, within the last 7 days (vcf_task_last_failure_timestamp_seconds).").
			Unit("s").
			Thresholds(thresholds(0.0, "red", 86400.0, "green")).
			ReduceOptions(lastCalc()).
			WithTarget(q(`time() - max by (target) (vcf_task_last_failure_timestamp_seconds{`+target+`})`, "{{target}}")).
			Span(8).Height(7)).
		WithPanel(stat.NewPanelBuilder().
			Title("Backup").
			Description("Whether SDDC Manager's backup is configured, and the age of its last successful backup (vcf_backup_configured, vcf_backup_last_success_timestamp_seconds).").
			Unit("s").
			ColorMode(common.BigValueColorModeBackground).
			Thresholds(thresholds(48*3600.0, "red")).
			ReduceOptions(lastCalc()).
			WithTarget(q(`time() - max by (target) (vcf_backup_last_success_timestamp_seconds{`+target+`})`, "{{target}} last backup")).
			WithTarget(q(`max by (target) (vcf_backup_configured{`+target+`})`, "{{target}} configured").RefId("configured")).
			OverrideByRegexp(".* configured", []dashboard.DynamicConfigValue{
				{Id: "unit", Value: "none"},
				{Id: "mappings", Value: valueText(map[string][2]string{"0": {"not configured", "red"}, "1": {"configured", "green"}})},
			}).
			Span(12).Height(5)).
		WithPanel(table.NewPanelBuilder().
			Title("Passwords by days left").
			Description("Days until each account's password expires, soonest first (vcf_credential_password_expiry_timestamp_seconds; needs --collector.credential).").
			Unit("none").Decimals(1).
			Thresholds(thresholds(-1e12, "red", 14.0, "green")).
			WithTarget(qt(`sort((vcf_credential_password_expiry_timestamp_seconds{` + target + `} - time()) / 86400)`)).
			WithTransformation(organize([]string{"Time"},
				map[string]string{"target": "SDDC Manager", "domain": "Domain", "resource_type": "Type", "resource_name": "Resource", "username": "User", "Value": "Days left"})).
			Span(12).Height(8)).
		WithPanel(stat.NewPanelBuilder().
			Title("Health data age").
			Description("Time since each kind of health data was last read from SDDC Manager (vcf_health_last_success_timestamp_seconds); a growing age and vcf_scrape_collector_success 0 mean the reads fail, often a missing privilege.").
			Unit("s").
			ReduceOptions(lastCalc()).
			WithTarget(q(`time() - max by (target, kind) (vcf_health_last_success_timestamp_seconds{`+target+`})`, "{{target}} {{kind}}")).
			Span(24).Height(4)).
		Build()
}
