package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
)

// resources are the three capacities the API reports per domain and host.
var resources = []struct{ name, title, used, capacity string }{
	{"cpu", "CPU", "cpu_used_hertz", "cpu_capacity_hertz"},
	{"memory", "Memory", "memory_used_bytes", "memory_capacity_bytes"},
	{"storage", "Storage", "storage_used_bytes", "storage_capacity_bytes"},
}

// ratio is used/capacity of one entity kind ("domain" or "host") for a
// resource; a capacity of 0 gives no value rather than +Inf.
func ratio(kind, level, used, capacity string) string {
	return fmt.Sprintf("vcf_%s_%s{%s} / (vcf_%s_%s{%s} > 0)", kind, used, sel(level), kind, capacity, sel(level))
}

// overview: SDDC Managers, domains with versions and updates, capacity and
// the busiest hosts.
func overview() (grafanaDashboard, error) {
	b := newDashboard("vcf-overview", "VCF overview",
		"SDDC Managers, workload domains with their VCF version and available updates, capacity use per domain and the busiest hosts (vcf_exporter).",
		"domain").
		WithRow(dashboard.NewRowBuilder("SDDC Managers")).
		WithPanel(upStat("vcf_up", q(`vcf_up{target=~"$target"}`, "{{target}}"))).
		WithPanel(updatesStat("vcf_domain_update_available",
			q(`count(vcf_domain_update_available{`+sel("domain")+`} == 1) or vector(0)`, "domains with an update"))).
		WithPanel(stat.NewPanelBuilder().
			Title("Upgrade check age").
			Description("Time since the last successful upgrade check per SDDC Manager (vcf_upgrade_check_timestamp_seconds); it refreshes every --vcf.upgrade-check-interval.").
			Unit("s").
			Thresholds(thresholds(3600.0, "orange", 7200.0, "red")).
			ReduceOptions(lastCalc()).
			WithTarget(q(`time() - vcf_upgrade_check_timestamp_seconds{target=~"$target"}`, "{{target}}")).
			Span(6).Height(4)).
		WithPanel(stat.NewPanelBuilder().
			Title("Upgrade check").
			Description("Whether the last upgrade check of the SDDC Manager succeeded (vcf_upgrade_check_success); a failed check keeps the last good result.").
			Unit("none").
			Mappings(valueText(map[string][2]string{"0": {"Failing", "red"}, "1": {"OK", "green"}})).
			Thresholds(redBelowOne()).
			ColorMode(common.BigValueColorModeBackground).
			ReduceOptions(lastCalc()).
			WithTarget(q(`vcf_upgrade_check_success{target=~"$target"}`, "{{target}}")).
			Span(6).Height(4)).
		WithPanel(stat.NewPanelBuilder().
			Title("Scrape duration").
			Description("How long the last scrape of each SDDC Manager took: inventory fetch or reuse and every collector (vcf_scrape_duration_seconds). Keep it below the scrape timeout.").
			Unit("s").
			Thresholds(thresholds(10.0, "orange", 25.0, "red")).
			ReduceOptions(lastCalc()).
			WithTarget(q(`vcf_scrape_duration_seconds{target=~"$target"}`, "{{target}}")).
			Span(24).Height(4)).
		WithRow(dashboard.NewRowBuilder("Domains")).
		WithPanel(table.NewPanelBuilder().
			Title("Domains: version and updates").
			Description("Each workload domain with its type and status, its current VCF version, whether an upgrade path exists and the next version (the lowest applicable newer release).").
			Unit("none").
			WithTarget(qt(`max by (target, domain, type) (vcf_domain_info{`+sel("domain")+`})`).RefId("info")).
			WithTarget(qt(currentState("vcf_domain_status", "target, domain", sel("domain"))).RefId("status")).
			WithTarget(qt(`max by (target, domain, version) (vcf_domain_version_info{`+sel("domain")+`})`).RefId("version")).
			WithTarget(qt(`max by (target, domain) (vcf_domain_update_available{`+sel("domain")+`})`).RefId("update")).
			WithTarget(qt(`max by (target, domain, next_version) (label_replace(vcf_domain_next_version_info{`+sel("domain")+`}, "next_version", "$1", "version", "(.*)"))`).RefId("next")).
			WithTransformation(merge()).
			WithTransformation(organize(
				[]string{"Time", "Value #info", "Value #status", "Value #version", "Value #next"},
				map[string]string{"target": "SDDC Manager", "domain": "Domain", "type": "Type", "status": "Status",
					"version": "VCF version", "Value #update": "Update available", "next_version": "Next version"})).
			OverrideByName("Update available", []dashboard.DynamicConfigValue{
				{Id: "mappings", Value: valueText(map[string][2]string{"0": {"no", "green"}, "1": {"yes", "blue"}})},
				{Id: "custom.cellOptions", Value: map[string]any{"type": "color-text"}},
			}).
			Span(24).Height(8))

	b = b.WithRow(dashboard.NewRowBuilder("Capacity"))
	for _, r := range resources {
		b = b.WithPanel(usageBars(r.title+" use per domain",
			fmt.Sprintf("Used / capacity of %s per workload domain, from the domain's capacity in SDDC Manager (vcf_domain_%s / vcf_domain_%s).", r.name, r.used, r.capacity),
			lastCalc(), q(ratio("domain", "domain", r.used, r.capacity), "{{domain}}")).Height(7))
	}
	b = b.WithRow(dashboard.NewRowBuilder("Busiest hosts"))
	for _, r := range resources {
		b = b.WithPanel(usageBars(fmt.Sprintf("Top 10 hosts by %s use", r.name),
			fmt.Sprintf("The ten ESXi hosts of the selected domains with the highest %s use (vcf_host_%s / vcf_host_%s).", r.name, r.used, r.capacity),
			lastCalc(), qi("topk(10, "+ratio("host", "domain", r.used, r.capacity)+")", "{{host}}")).Height(9))
	}
	return b.Build()
}

// usageBars shows usage ratios (0..1) as horizontal bars, one per series
// (or per row with reduce.Values).
func usageBars(title, description string, reduce *common.ReduceDataOptionsBuilder, target cog.Builder[variants.Dataquery]) *bargauge.PanelBuilder {
	return bargauge.NewPanelBuilder().
		Title(title).
		Description(description).
		Unit("percentunit").Min(0).Max(1).
		Thresholds(thresholds(0.8, "orange", 0.9, "red")).
		DisplayMode(common.BarGaugeDisplayModeGradient).
		Orientation(common.VizOrientationHorizontal).
		ReduceOptions(reduce).
		WithTarget(target).
		Span(8)
}

// redBelowOne colors 0/1 health values: 0 red, 1 green.
func redBelowOne() *dashboard.ThresholdsConfigBuilder {
	one := 1.0
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).
		Steps([]dashboard.Threshold{{Color: "red"}, {Value: &one, Color: "green"}})
}

// upStat and updatesStat are the overview's first two panels, shared by its
// Prometheus and InfluxDB variants; source names the series or field read.
func upStat(source string, query cog.Builder[variants.Dataquery]) *stat.PanelBuilder {
	return stat.NewPanelBuilder().
		Title("SDDC Managers up").
		Description("1 when the exporter's last inventory refresh of the SDDC Manager succeeded (" + source + ").").
		Unit("none").
		Mappings(valueText(map[string][2]string{"0": {"Down", "red"}, "1": {"Up", "green"}})).
		Thresholds(redBelowOne()).
		ColorMode(common.BigValueColorModeBackground).
		ReduceOptions(lastCalc()).
		WithTarget(query).
		Span(6).Height(4)
}

func updatesStat(source string, query cog.Builder[variants.Dataquery]) *stat.PanelBuilder {
	return stat.NewPanelBuilder().
		Title("Domains with an update").
		Description("Workload domains for which an applicable newer VCF release exists (" + source + ").").
		Unit("none").
		Thresholds(thresholds(1.0, "blue")).
		ReduceOptions(lastCalc()).
		WithTarget(query).
		Span(6).Height(4)
}
