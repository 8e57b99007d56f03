// Package dashboards builds the Grafana dashboards shipped in this folder
// with the Grafana Foundation SDK. The JSON files beside it are generated:
// edit the Go code and run `go generate ./dashboards` (TestGenerated fails
// when they differ).
//
// Every dashboard is provisioning-safe: the data source is a template
// variable (no __inputs), and the variables are chained
// target → domain → cluster → host, multi-select with "All".
package dashboards

//go:generate go run ./gen -out .

import (
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

// The SDK marks its classic dashboard model deprecated in favour of
// dashboardv2, which Grafana reads only from version 12 with a feature
// toggle; file provisioning and import everywhere else take this JSON.
type (
	grafanaDashboard = dashboard.Dashboard        //nolint:staticcheck // classic JSON model, see above
	dashboardBuilder = dashboard.DashboardBuilder //nolint:staticcheck // classic JSON model, see above
)

// Dashboard is one generated file.
type Dashboard struct {
	File  string
	Build func() (grafanaDashboard, error)
}

// All lists the dashboards written by `go generate`.
var All = []Dashboard{
	{"vcf-overview.json", overview},
	{"vcf-detail.json", detail},
	{"vcf-upgrades.json", upgrades},
	{"vcf-health.json", health},
	{"vcf-overview-influxdb.json", overviewInfluxDB},
}

// JSON renders a dashboard the way the committed files are written.
func JSON(d Dashboard) ([]byte, error) {
	db, err := d.Build()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.File, err)
	}
	// Unique panel ids (links and "view panel" use them), and the panel's
	// data source, which Grafana reads before the queries' own: the SDK
	// leaves both unset.
	id := uint32(0)
	for _, p := range db.Panels {
		id++
		switch {
		case p.Panel != nil:
			p.Panel.Id = cog.ToPtr(id)
			if len(p.Panel.Targets) > 0 {
				p.Panel.Datasource = queryDS(p.Panel.Targets[0])
			}
		case p.RowPanel != nil:
			p.RowPanel.Id = id
		}
	}
	b, err := json.MarshalIndent(db, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.File, err)
	}
	return append(b, '\n'), nil
}

// queryDS is the data source a query names.
func queryDS(q variants.Dataquery) *common.DataSourceRef {
	switch q := q.(type) {
	case prometheus.Dataquery:
		return q.Datasource
	case fluxQuery:
		return q.Datasource
	}
	return nil
}

// The data source of every panel and variable: the "datasource" variable.
func promDS() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}
}

// sel is the label selector of the chained variables up to the given level
// ("target", "domain", "cluster" or "host").
func sel(level string) string {
	s := `target=~"$target"`
	for _, l := range []string{"domain", "cluster", "host"} {
		if levelIndex(l) > levelIndex(level) {
			break
		}
		s += fmt.Sprintf(`,%s=~"$%s"`, l, l)
	}
	return s
}

func levelIndex(l string) int {
	switch l {
	case "domain":
		return 1
	case "cluster":
		return 2
	case "host":
		return 3
	}
	return 0
}

// baseDashboard has the settings every dashboard shares and its data
// source variable of the given plugin type.
func baseDashboard(uid, title, description, dsType string, tags ...string) *dashboardBuilder {
	//nolint:staticcheck // classic JSON model, see grafanaDashboard
	b := dashboard.NewDashboardBuilder(title)
	return b.Uid(uid).
		Description(description).
		Tags(append([]string{"vcf", "vcf_exporter"}, tags...)).
		Refresh("1m").
		Time("now-6h", "now").
		Timezone(common.TimeZoneBrowser).
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").
			Label("Data source").
			Type(dsType))
}

// newDashboard starts a Prometheus dashboard with the variables down to
// the given level.
func newDashboard(uid, title, description, level string) *dashboardBuilder {
	b := baseDashboard(uid, title, description, "prometheus")
	// Each variable lists the values of its level under the levels above.
	vars := []struct{ name, label, metric string }{
		{"target", "SDDC Manager", "vcf_up"},
		{"domain", "Domain", "vcf_domain_info"},
		{"cluster", "Cluster", "vcf_cluster_info"},
		{"host", "Host", "vcf_host_info"},
	}
	for i, v := range vars {
		if levelIndex(v.name) > levelIndex(level) {
			break
		}
		q := fmt.Sprintf("label_values(%s, %s)", v.metric, v.name)
		if i > 0 {
			q = fmt.Sprintf("label_values(%s{%s}, %s)", v.metric, sel(vars[i-1].name), v.name)
		}
		b = b.WithVariable(chainedVar(v.name, v.label, q, promDS()))
	}
	return b
}

func chainedVar(name, label, query string, ds common.DataSourceRef) *dashboard.QueryVariableBuilder {
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Query(dashboard.StringOrMap{String: cog.ToPtr(query)}).
		Definition(query).
		Datasource(ds).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc).
		Multi(true).
		IncludeAll(true).
		// "All" is a regex so that hosts without a domain or cluster
		// (unassigned, empty label) are included too.
		AllValue(".*").
		Current(dashboard.VariableOption{
			Selected: cog.ToPtr(true),
			Text:     dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
			Value:    dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
		})
}

// q is a range query; qi an instant query (tables, stats of "now");
// qt an instant query formatted as a table.
func q(expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Expr(expr).LegendFormat(legend).Range().Datasource(promDS())
}

func qi(expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Expr(expr).LegendFormat(legend).Instant().Datasource(promDS())
}

func qt(expr string) *prometheus.DataqueryBuilder {
	return qi(expr, "__auto").Format(prometheus.PromQueryFormatTable)
}

// valueText maps numeric values to text and color (0/1 states).
func valueText(m map[string][2]string) []dashboard.ValueMapping {
	opts := map[string]dashboard.ValueMappingResult{}
	for v, tc := range m {
		opts[v] = dashboard.ValueMappingResult{Text: cog.ToPtr(tc[0]), Color: cog.ToPtr(tc[1])}
	}
	return []dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{Type: dashboard.MappingTypeValueToText, Options: opts}}}
}

// thresholds from green over the given steps (value, color).
func thresholds(steps ...any) *dashboard.ThresholdsConfigBuilder {
	s := []dashboard.Threshold{{Color: "green"}}
	for i := 0; i+1 < len(steps); i += 2 {
		v := steps[i].(float64)
		s = append(s, dashboard.Threshold{Value: &v, Color: steps[i+1].(string)})
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(s)
}

// organize hides and renames table columns.
func organize(exclude []string, rename map[string]string) dashboard.DataTransformerConfig {
	ex := map[string]bool{}
	for _, c := range exclude {
		ex[c] = true
	}
	return dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
		"excludeByName": ex, "renameByName": rename,
	}}
}

func merge() dashboard.DataTransformerConfig {
	return dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}
}

func lastCalc() *common.ReduceDataOptionsBuilder {
	return common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false)
}

// currentState is a table query giving each entity's current state of a
// state set as the label status (the _info metrics do not carry it).
func currentState(metric, by, selector string) string {
	return fmt.Sprintf(`max by (%s, status) (label_replace(%s{%s} == 1, "status", "$1", "state", "(.*)"))`, by, metric, selector)
}
