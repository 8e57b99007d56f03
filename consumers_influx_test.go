package main

// The InfluxDB half of the consumers' acceptance test: the exporter's
// InfluxDB sink feeds a real InfluxDB 1.8 (Flux) and every Flux query of the
// InfluxDB dashboard and of the Home Assistant influxdb package runs against
// it, the latter composed exactly as Home Assistant's influxdb sensor does.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	yaml3 "go.yaml.in/yaml/v3"

	"github.com/vcf-exporter/vcf_exporter/internal/influxtest"
	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

// haSlug turns a name into Home Assistant's entity id part.
var haSlug = regexp.MustCompile(`[^a-z0-9]+`)

// fluxCheck is one Flux query and what its records must satisfy.
type fluxCheck struct {
	source, query string
	verify        func(values []any) string
}

func TestConsumersInfluxDB(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	db := influxtest.Start(t)
	bucket := db.CreateDatabase(t, "vcf")
	tokenFile := filepath.Join(t.TempDir(), "influx.token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(db.Token), 0o600))
	startConsumerExporter(t, "--influxdb.url="+db.URL, "--influxdb.org=-", "--influxdb.bucket="+bucket,
		"--influxdb.token-file="+tokenFile, "--influxdb.interval=1s")
	ha := newHARenderer(t)

	query := func(q string) ([]any, error) {
		recs, err := db.TryQuery(t.Context(), q)
		if err != nil {
			return nil, err
		}
		vals := make([]any, len(recs))
		for i, r := range recs {
			vals[i] = r.Value()
		}
		return vals, nil
	}
	// The sink's first write, including the cancelled workflow.
	testutil.WaitFor(t, 30*time.Second, "the InfluxDB sink's first points", func() bool {
		v, err := query(fmt.Sprintf(`from(bucket: %q) |> range(start: -1h) |> filter(fn: (r) => r._measurement == "vcf_upgrade_workflow" and r._field == "state") |> last()`, bucket))
		return err == nil && len(v) > 0
	})

	checks := append(influxDashboardChecks(t, bucket, query), haInfluxChecks(t, ha, bucket)...)
	checks = append(checks, fieldChecks(bucket, checks)...)
	t.Logf("%d Flux queries", len(checks))
	deadline := time.Now().Add(30 * time.Second)
	for {
		var failed []string
		for _, c := range checks {
			vals, err := query(c.query)
			why := ""
			switch {
			case err != nil:
				why = err.Error()
			case len(vals) == 0:
				why = "returned no records"
			default:
				why = c.verify(vals)
			}
			if why != "" {
				failed = append(failed, fmt.Sprintf("%s: %s\n    %s", c.source, why, strings.ReplaceAll(c.query, "\n", " ")))
			}
		}
		if len(failed) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d Flux queries fail against the real InfluxDB:\n%s", len(failed), len(checks), strings.Join(failed, "\n"))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// influxDashboardChecks: the InfluxDB dashboard's queries with Grafana's
// Flux variables set (bucket, time range) and the template variables at
// "All" and at the first value of each, resolved through the chain.
func influxDashboardChecks(t *testing.T, bucket string, query func(string) ([]any, error)) []fluxCheck {
	var db struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Query string `json:"query"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name  string
				Query any
			} `json:"list"`
		} `json:"templating"`
	}
	const f = "dashboards/vcf-overview-influxdb.json"
	readJSON(t, f, &db)
	grafana := strings.NewReplacer("v.defaultBucket", strconv.Quote(bucket),
		"v.timeRangeStart", "-1h", "v.timeRangeStop", "now()")
	any1 := func([]any) string { return "" }
	var checks []fluxCheck
	all, first := map[string]string{}, map[string]string{}
	for _, v := range db.Templating.List[1:] {
		q := grafana.Replace(v.Query.(string))
		all[v.Name] = ".*"
		checks = append(checks, fluxCheck{f + " variable " + v.Name, substitute(q, all), any1})
		vals, err := query(substitute(q, first))
		require.NoError(t, err, "%s variable %s", f, v.Name)
		require.NotEmpty(t, vals, "%s variable %s has no values", f, v.Name)
		var s []string
		for _, x := range vals {
			s = append(s, fmt.Sprint(x))
		}
		sort.Strings(s)
		first[v.Name] = regexp.QuoteMeta(s[0])
	}
	for _, p := range db.Panels {
		for _, tg := range p.Targets {
			if tg.Query == "" {
				continue
			}
			q := grafana.Replace(tg.Query)
			checks = append(checks,
				fluxCheck{fmt.Sprintf("%s %q (All)", f, p.Title), substitute(q, all), any1},
				fluxCheck{fmt.Sprintf("%s %q (%v)", f, p.Title, first), substitute(q, first), any1})
		}
	}
	return checks
}

// haInfluxChecks: each queries_flux entry as Home Assistant runs it
// (from/range prefix, group function suffix); the first record's _value is
// the sensor's state, which the template sensors reading it must turn into
// a number (or a boolean), and the text sensors show a version or a
// workflow state.
func haInfluxChecks(t *testing.T, ha *haRenderer, bucket string) []fluxCheck {
	const f = "examples/home-assistant/packages/vcf_influxdb.yaml"
	p := loadHAPackage(t, filepath.Base(f))
	require.Len(t, p.Sensor, 1)
	pl := p.Sensor[0]
	require.Equal(t, "influxdb", pl.Platform)
	require.Equal(t, bucket, pl.Bucket, "the test's database is the example's bucket")
	var checks []fluxCheck
	for _, q := range pl.QueriesFlux {
		q := q
		group := "|> limit(n: 1)" // Home Assistant's default without group_function
		if q.GroupFunction != "" {
			group = fmt.Sprintf(`|> %s(column: "_value")`, q.GroupFunction)
		}
		full := fmt.Sprintf(`from(bucket:%q) |> range(start: %s, stop: now()) |> %s %s`, pl.Bucket, q.RangeStart, q.Query, group)
		entity := "sensor." + strings.Trim(haSlug.ReplaceAllString(strings.ToLower(q.Name), "_"), "_")
		checks = append(checks, fluxCheck{f + " " + q.Name, full, func(vals []any) string {
			state := fmt.Sprint(vals[0])
			if v, ok := vals[0].(float64); ok {
				state = strconv.FormatFloat(v, 'f', -1, 64)
			}
			var jobs []haJob
			var kinds []string
			for _, tb := range p.Template {
				for _, e := range tb.Sensor {
					if strings.Contains(e.State, "'"+entity+"'") {
						jobs = append(jobs, haJob{Template: e.State, States: map[string]string{entity: state}})
						kinds = append(kinds, "number")
					}
				}
				for _, e := range tb.BinarySensor {
					if strings.Contains(e.State, "'"+entity+"'") {
						jobs = append(jobs, haJob{Template: e.State, States: map[string]string{entity: state}})
						kinds = append(kinds, "bool")
					}
				}
			}
			if len(jobs) == 0 {
				// A text sensor shown as it is.
				return wantOutput(state, "", restKind(q, false))
			}
			for i, r := range ha.render(jobs) {
				if why := wantOutput(r.Out, r.Error, kinds[i]); why != "" {
					return fmt.Sprintf("template sensor from state %q: %s", state, why)
				}
			}
			return ""
		}})
	}
	return checks
}

var (
	fluxMeasurement = regexp.MustCompile(`r\._measurement == "(\w+)"`)
	fluxField       = regexp.MustCompile(`r\._field == "(\w+)"`)
)

// fieldChecks: every field a query filters on exists in its measurement
// (a query reading several fields returns records even when one is
// misspelt).
func fieldChecks(bucket string, checks []fluxCheck) []fluxCheck {
	seen := map[string]bool{}
	var out []fluxCheck
	for _, c := range checks {
		m := fluxMeasurement.FindStringSubmatch(c.query)
		if m == nil {
			continue
		}
		for _, f := range fluxField.FindAllStringSubmatch(c.query, -1) {
			if key := m[1] + "." + f[1]; !seen[key] {
				seen[key] = true
				out = append(out, fluxCheck{c.source + " reads field " + key, fmt.Sprintf(
					`from(bucket: %q) |> range(start: -1h) |> filter(fn: (r) => r._measurement == %q and r._field == %q) |> last()`,
					bucket, m[1], f[1]), func([]any) string { return "" }})
			}
		}
	}
	return out
}

// TestComposeExporterFlags: the exporter accepts the command line the
// compose file gives it (kingpin rejects an unknown flag before --help).
func TestComposeExporterFlags(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Command []string `yaml:"command"`
		} `yaml:"services"`
	}
	b, err := os.ReadFile(filepath.Join("examples", "docker-compose.yml"))
	require.NoError(t, err)
	require.NoError(t, yaml3.Unmarshal(b, &compose))
	args := compose.Services["vcf-exporter"].Command
	require.NotEmpty(t, args)
	out, err := exec.Command(buildExporter(t), append(slices.Clone(args), "--help")...).CombinedOutput()
	require.NoError(t, err, "%v: %s", args, out)
}
