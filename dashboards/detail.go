package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/statetimeline"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// detail: domain → cluster → host, as time series.
func detail() (grafanaDashboard, error) {
	b := newDashboard("vcf-detail", "VCF domain, cluster and host detail",
		"Capacity use over time for the selected workload domains, their clusters and ESXi hosts (vcf_exporter). Pick a domain, then a cluster, then hosts.",
		"host").
		WithRow(dashboard.NewRowBuilder("Domains"))
	for _, r := range resources {
		b = b.WithPanel(ratioSeries(r.title+" use per domain",
			fmt.Sprintf("Used / capacity of %s per workload domain (vcf_domain_%s / vcf_domain_%s).", r.name, r.used, r.capacity),
			ratio("domain", "domain", r.used, r.capacity), "{{domain}}"))
	}
	b = b.WithRow(dashboard.NewRowBuilder("Clusters"))
	for _, r := range resources {
		// Clusters have no capacity of their own in the API: sum their hosts.
		expr := fmt.Sprintf("sum by (target, domain, cluster) (vcf_host_%s{%s}) / (sum by (target, domain, cluster) (vcf_host_%s{%s}) > 0)",
			r.used, sel("cluster"), r.capacity, sel("cluster"))
		b = b.WithPanel(ratioSeries(r.title+" use per cluster",
			fmt.Sprintf("Used / capacity of %s per cluster, summed over the cluster's hosts (vcf_host_%s / vcf_host_%s).", r.name, r.used, r.capacity),
			expr, "{{domain}} / {{cluster}}"))
	}
	b = b.WithPanel(timeseries.NewPanelBuilder().
		Title("Hosts per cluster").
		Description("Number of ESXi hosts in each cluster (vcf_cluster_hosts).").
		Unit("none").Min(0).Decimals(0).
		WithTarget(q(`vcf_cluster_hosts{`+sel("cluster")+`}`, "{{domain}} / {{cluster}}")).
		Span(24).Height(6))

	b = b.WithPanel(statusTimeline("Cluster status",
		"Each cluster's status in SDDC Manager over time (vcf_cluster_status, the state that is 1).",
		`vcf_cluster_status{`+sel("cluster")+`} == 1`, "{{domain}} / {{cluster}}"))

	b = b.WithRow(dashboard.NewRowBuilder("Hosts"))
	b = b.WithPanel(statusTimeline("Host status",
		"Each host's assignment status in SDDC Manager over time (vcf_host_status, the state that is 1).",
		`vcf_host_status{`+sel("host")+`} == 1`, "{{host}}")).
		WithPanel(statusTimeline("Host configuration status",
			"Each host's configurationStatus in SDDC Manager over time (vcf_host_configuration_status, the state that is 1).",
			`vcf_host_configuration_status{`+sel("host")+`} == 1`, "{{host}}"))
	for _, r := range resources {
		b = b.WithPanel(ratioSeries(r.title+" use per host",
			fmt.Sprintf("Used / capacity of %s per ESXi host (vcf_host_%s / vcf_host_%s).", r.name, r.used, r.capacity),
			ratio("host", "host", r.used, r.capacity), "{{host}}"))
	}
	absUnits := map[string]string{"cpu": "hertz", "memory": "bytes", "storage": "bytes"}
	for _, r := range resources {
		b = b.WithPanel(timeseries.NewPanelBuilder().
			Title(r.title+" used and capacity per host").
			Description(fmt.Sprintf("Absolute %s used (solid) and capacity (dashed) per ESXi host (vcf_host_%s, vcf_host_%s).", r.name, r.used, r.capacity)).
			Unit(absUnits[r.name]).Min(0).
			WithTarget(q(fmt.Sprintf("vcf_host_%s{%s}", r.used, sel("host")), "{{host}} used")).
			WithTarget(q(fmt.Sprintf("vcf_host_%s{%s}", r.capacity, sel("host")), "{{host}} capacity").RefId("capacity")).
			OverrideByQuery("capacity", []dashboard.DynamicConfigValue{
				{Id: "custom.lineStyle", Value: map[string]any{"fill": "dash", "dash": []int{10, 10}}},
			}).
			Span(8).Height(8))
	}
	b = b.WithPanel(table.NewPanelBuilder().
		Title("Hosts").
		Description("The selected ESXi hosts with their ESXi version, SDDC Manager status, hardware and physical cores (vcf_host_info, vcf_host_status, vcf_host_hardware_info, vcf_host_cpu_cores).").
		Unit("none").
		WithTarget(qt(`max by (target, domain, cluster, host, esxi_version) (vcf_host_info{` + sel("host") + `})`).RefId("info")).
		WithTarget(qt(currentState("vcf_host_status", "target, domain, cluster, host", sel("host"))).RefId("status")).
		WithTarget(qt(`max by (target, host, vendor, model) (vcf_host_hardware_info{` + sel("target") + `,host=~"$host"})`).RefId("hardware")).
		WithTarget(qt(`max by (target, host) (vcf_host_cpu_cores{` + sel("host") + `})`).RefId("cores")).
		WithTransformation(merge()).
		WithTransformation(organize(
			[]string{"Time", "Value #info", "Value #status", "Value #hardware"},
			map[string]string{"target": "SDDC Manager", "domain": "Domain", "cluster": "Cluster", "host": "Host",
				"esxi_version": "ESXi version", "status": "Status", "vendor": "Vendor", "model": "Model", "Value #cores": "CPU cores"})).
		Span(24).Height(10))
	return b.Build()
}

func ratioSeries(title, description, expr, legend string) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Title(title).
		Description(description).
		Unit("percentunit").Min(0).Max(1).
		Thresholds(thresholds(0.8, "orange", 0.9, "red")).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed)).
		WithTarget(q(expr, legend)).
		Span(8).Height(8)
}

// statusTimeline shows a state set (one 0/1 series per state) as a
// timeline, one row per entity and state, named "<entity>: <state>".
func statusTimeline(title, description, expr, entity string) *statetimeline.PanelBuilder {
	return statetimeline.NewPanelBuilder().
		Title(title).
		Description(description).
		Unit("none").
		ShowValue(common.VisibilityModeNever).
		MergeValues(true).
		WithTarget(q(expr, entity+": {{state}}")).
		Span(12).Height(8)
}
