package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
)

// upgrades: the /actions upgrade workflows (vcf_upgrade_workflow_*), shown
// when the exporter runs with --actions.token-file.
func upgrades() (grafanaDashboard, error) {
	return newDashboard("vcf-upgrades", "VCF upgrades",
		"Upgrade workflows driven by vcf_exporter's /actions API: state over time per domain, the current step and how long it runs, pre-check findings waiting for acknowledgement, and how the last runs ended.",
		"domain").
		WithPanel(statusTimeline("Workflow state per domain",
			"The upgrade workflow's state over time, one row per domain and state (vcf_upgrade_workflow_state == 1). waiting_for_initiation is the idle state.",
			`vcf_upgrade_workflow_state{`+sel("domain")+`} == 1`, "{{domain}}").Span(24).Height(9)).
		WithPanel(table.NewPanelBuilder().
			Title("Current step").
			Description("Each domain's workflow state now and how long its current step has been running (vcf_upgrade_workflow_state, vcf_upgrade_workflow_step_start_timestamp_seconds).").
			Unit("none").
			WithTarget(qt(`max by (target, domain, state) (vcf_upgrade_workflow_state{`+sel("domain")+`} == 1)`).RefId("state")).
			WithTarget(qt(`max by (target, domain) (time() - vcf_upgrade_workflow_step_start_timestamp_seconds{`+sel("domain")+`})`).RefId("running")).
			WithTransformation(merge()).
			WithTransformation(organize([]string{"Time", "Value #state"},
				map[string]string{"target": "SDDC Manager", "domain": "Domain", "state": "State", "Value #running": "Step running for"})).
			OverrideByName("Step running for", []dashboard.DynamicConfigValue{{Id: "unit", Value: "s"}}).
			Span(12).Height(8)).
		WithPanel(stat.NewPanelBuilder().
			Title("Waiting for acknowledgement").
			Description("Domains whose upgrade waits for someone to review the pre-check findings in SDDC Manager and acknowledge them (POST /actions/v1/domains/{domain}/upgrade/acknowledge).").
			Unit("none").
			Mappings(valueText(map[string][2]string{"0": {"no", "green"}, "1": {"waiting", "orange"}})).
			Thresholds(thresholds(1.0, "orange")).
			ColorMode(common.BigValueColorModeBackground).
			ReduceOptions(lastCalc()).
			WithTarget(q(`vcf_upgrade_workflow_state{`+sel("domain")+`,state="waiting_acknowledgement"}`, "{{domain}}")).
			Span(12).Height(4)).
		WithPanel(stat.NewPanelBuilder().
			Title("Last result").
			Description("How the last workflow of each domain ended; the end state stays until the next upgrade starts (vcf_upgrade_workflow_state for successfully_completed, failed, cancelled, and stopped_* when SDDC Manager does not show the domain at the target or its target release was changed: a person must look).").
			Unit("none").
			TextMode(common.BigValueTextModeName).
			ColorMode(common.BigValueColorModeBackground).
			ReduceOptions(lastCalc()).
			WithTarget(q(`vcf_upgrade_workflow_state{`+sel("domain")+`,state=~"successfully_completed|failed|cancelled|stopped_.*"} == 1`, "{{domain}}: {{state}}")).
			OverrideByRegexp(".*: successfully_completed", []dashboard.DynamicConfigValue{{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "green"}}}).
			OverrideByRegexp(".*: (failed|stopped_.*)", []dashboard.DynamicConfigValue{{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "red"}}}).
			OverrideByRegexp(".*: cancelled", []dashboard.DynamicConfigValue{{Id: "color", Value: map[string]any{"mode": "fixed", "fixedColor": "orange"}}}).
			Span(12).Height(4)).
		WithPanel(bargauge.NewPanelBuilder().
			Title("Workflows ended since the exporter started").
			Description("Upgrade workflows that ended per domain: all of them, the failed and the cancelled ones; the others succeeded (vcf_upgrade_workflow_runs_total, _failures_total, _cancellations_total).").
			Unit("none").Min(0).Decimals(0).
			Orientation(common.VizOrientationHorizontal).
			ReduceOptions(lastCalc()).
			WithTarget(q(`sum by (target, domain) (vcf_upgrade_workflow_runs_total{`+sel("domain")+`})`, "{{domain}} ended")).
			WithTarget(q(`sum by (target, domain) (vcf_upgrade_workflow_failures_total{`+sel("domain")+`})`, "{{domain}} failed").RefId("failed")).
			WithTarget(q(`sum by (target, domain) (vcf_upgrade_workflow_cancellations_total{`+sel("domain")+`})`, "{{domain}} cancelled").RefId("cancelled")).
			Span(12).Height(6)).
		WithPanel(stat.NewPanelBuilder().
			Title("Workflow storage problems").
			Description("Workflow files that cannot be read or belong to no configured SDDC Manager (each blocks its domain until moved away) and failed writes of a workflow's state (each fails its workflow), per exporter (vcf_upgrade_workflow_unreadable_files, vcf_upgrade_workflow_orphaned_files, vcf_upgrade_workflow_save_errors_total).").
			Unit("none").
			Thresholds(thresholds(1.0, "red")).
			ReduceOptions(lastCalc()).
			WithTarget(q(`sum by (instance) (vcf_upgrade_workflow_unreadable_files)`, "unreadable files {{instance}}")).
			WithTarget(q(`sum by (instance) (vcf_upgrade_workflow_orphaned_files)`, "orphaned files {{instance}}").RefId("orphaned")).
			WithTarget(q(`sum by (instance) (vcf_upgrade_workflow_save_errors_total)`, "save errors {{instance}}").RefId("save")).
			Span(12).Height(6)).
		Build()
}
