package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
)

// The InfluxDB sink's schema (docs/influxdb.md): one measurement per entity
// kind, identity labels as tags, values as fields without the measurement
// prefix, _info labels as string fields.
const (
	influxTarget = "vcf_target" // metrics of the SDDC Manager itself (vcf_up: field up)
	influxDomain = "vcf_domain"
	influxHost   = "vcf_host"
	// Fields of vcf_domain holding the current and the next VCF version
	// (from vcf_domain_version_info / vcf_domain_next_version_info).
	influxVersionField     = "version"
	influxNextVersionField = "next_version"
)

// fluxQuery is a Grafana InfluxDB (Flux) target; the SDK has no InfluxDB
// query type, so this is the documented shape: refId, datasource, query.
type fluxQuery struct {
	RefID      string                `json:"refId,omitempty"`
	Datasource *common.DataSourceRef `json:"datasource,omitempty"`
	Query      string                `json:"query"`
}

func (fluxQuery) ImplementsDataqueryVariant() {}

// DataqueryType tells the SDK which data source plugin runs the query.
func (fluxQuery) DataqueryType() string { return "influxdb" }

func (q fluxQuery) Equals(other variants.Dataquery) bool {
	o, ok := other.(fluxQuery)
	return ok && o.RefID == q.RefID && o.Query == q.Query
}

func (q fluxQuery) Validate() error {
	if q.Query == "" {
		return fmt.Errorf("flux query %s: empty", q.RefID)
	}
	return nil
}

type fluxBuilder struct{ q fluxQuery }

var _ cog.Builder[variants.Dataquery] = (*fluxBuilder)(nil)

func flux(refID, query string) *fluxBuilder {
	ds := influxDS()
	return &fluxBuilder{fluxQuery{RefID: refID, Datasource: &ds, Query: query}}
}

func (b *fluxBuilder) Build() (variants.Dataquery, error) { return b.q, nil }

func influxDS() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("influxdb"), Uid: cog.ToPtr("${datasource}")}
}

// fluxFilter keeps one measurement's points of the selected variables;
// ${var:regex} turns a multi-selection into one regex ("All" is .*).
func fluxFilter(measurement, level string, fields ...string) string {
	f := fmt.Sprintf(`r._measurement == %q and r.target =~ /^${target:regex}$/`, measurement)
	if level == "domain" {
		f += ` and r.domain =~ /^${domain:regex}$/`
	}
	if len(fields) > 0 {
		f += " and ("
		for i, field := range fields {
			if i > 0 {
				f += " or "
			}
			f += fmt.Sprintf("r._field == %q", field)
		}
		f += ")"
	}
	return fmt.Sprintf(`from(bucket: v.defaultBucket)
  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)
  |> filter(fn: (r) => %s)`, f)
}

// fluxRatio is used/capacity per series of the measurement, the last value.
func fluxRatio(measurement, level, used, capacity string, group []string) string {
	return fluxFilter(measurement, level, used, capacity) + fmt.Sprintf(`
  |> last()
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> filter(fn: (r) => r.%s > 0.0)
  |> map(fn: (r) => ({_time: r._time, %s, _value: float(v: r.%s) / float(v: r.%s)}))
  |> group()`, capacity, keepColumns(group), used, capacity)
}

func keepColumns(cols []string) string {
	s := ""
	for i, c := range cols {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s: r.%s", c, c)
	}
	return s
}

// fluxTagVar lists a tag's values of a measurement under the selected
// variables above it.
func fluxTagVar(name, label, measurement, above string) *dashboard.QueryVariableBuilder {
	filter := fmt.Sprintf(`r._measurement == %q`, measurement)
	if above != "" {
		filter += fmt.Sprintf(` and r.%s =~ /^${%s:regex}$/`, above, above)
	}
	query := fmt.Sprintf(`from(bucket: v.defaultBucket)
  |> range(start: v.timeRangeStart, stop: v.timeRangeStop)
  |> filter(fn: (r) => %s)
  |> keep(columns: [%q])
  |> group()
  |> distinct(column: %q)`, filter, name, name)
	return chainedVar(name, label, query, influxDS())
}

// overviewInfluxDB is the overview for data written by the InfluxDB sink
// (Flux): domains with versions and updates, capacity per domain, busiest
// hosts.
func overviewInfluxDB() (grafanaDashboard, error) {
	b := baseDashboard("vcf-overview-influxdb", "VCF overview (InfluxDB)",
		"Workload domains with their VCF version and available updates, capacity use per domain and the busiest hosts, from the InfluxDB sink of vcf_exporter (Flux).",
		"influxdb", "influxdb").
		WithVariable(fluxTagVar("target", "SDDC Manager", influxDomain, "")).
		WithVariable(fluxTagVar("domain", "Domain", influxDomain, "target")).
		WithRow(dashboard.NewRowBuilder("Domains")).
		WithPanel(upStat("field up of vcf_target", flux("A", fluxFilter(influxTarget, "target", "up")))).
		WithPanel(updatesStat("field update_available of vcf_domain", flux("A", fluxFilter(influxDomain, "domain", "update_available")+`
  |> last()
  |> group()
  |> sum()`))).
		WithPanel(table.NewPanelBuilder().
			Title("Domains: version and updates").
			Description("Each workload domain's current VCF version, whether an upgrade path exists and the next version (string fields of vcf_domain).").
			Unit("none").
			WithTarget(flux("A", fluxFilter(influxDomain, "domain", influxVersionField, "update_available", influxNextVersionField)+`
  |> last()
  |> pivot(rowKey: ["target", "domain"], columnKey: ["_field"], valueColumn: "_value")
  |> group()
  |> keep(columns: ["target", "domain", "`+influxVersionField+`", "update_available", "`+influxNextVersionField+`"])`)).
			WithTransformation(organize(nil, map[string]string{"target": "SDDC Manager", "domain": "Domain",
				influxVersionField: "VCF version", "update_available": "Update available", influxNextVersionField: "Next version"})).
			Span(12).Height(8))

	b = b.WithRow(dashboard.NewRowBuilder("Capacity"))
	for _, r := range resources {
		b = b.WithPanel(usageBars(r.title+" use per domain",
			fmt.Sprintf("Used / capacity of %s per workload domain (fields %s / %s of vcf_domain).", r.name, r.used, r.capacity),
			rowValues(), flux("A", fluxRatio(influxDomain, "domain", r.used, r.capacity, []string{"domain"}))).Height(7))
	}
	b = b.WithRow(dashboard.NewRowBuilder("Busiest hosts"))
	for _, r := range resources {
		b = b.WithPanel(usageBars(fmt.Sprintf("Top 10 hosts by %s use", r.name),
			fmt.Sprintf("The ten ESXi hosts of the selected domains with the highest %s use (fields %s / %s of vcf_host).", r.name, r.used, r.capacity),
			rowValues(), flux("A", fluxRatio(influxHost, "domain", r.used, r.capacity, []string{"host"})+`
  |> top(n: 10)`)).Height(9))
	}
	return b.Build()
}

// rowValues shows every row of a Flux table (one table, one row per entity).
func rowValues() *common.ReduceDataOptionsBuilder {
	return common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(true)
}
