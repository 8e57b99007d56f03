package main

// Acceptance test of what users put on top of the exporter: every PromQL
// expression of the Grafana dashboards (dashboards/*.json), the Prometheus
// rules (examples/prometheus/vcf.rules.yml) and the Home Assistant packages
// (examples/home-assistant/packages/) runs against a real Prometheus that
// scrapes the exporter (watching vcfsim) with the rules loaded. Home
// Assistant templates are rendered with jinja2 (testdata/ha_template.py)
// against the real query responses.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
	yaml3 "go.yaml.in/yaml/v3"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// consumerTarget is the SDDC Manager's name in the example files.
const consumerTarget = "sfo"

// workflowStates are the states of vcf_upgrade_workflow_state.
var workflowStates = []string{"waiting_for_initiation", "targeting_new_vcf_version", "downloading_bundles",
	"running_prechecks", "waiting_acknowledgement", "waiting_for_sddc_manager_upgrade", "starting_upgrades", "upgrading_sddcmanager", "upgrading_nsx",
	"upgrading_vcenter", "upgrading_esx_cluster", "waiting_for_unblock", "validating", "successfully_completed", "failed", "cancelled",
	"state_file_unreadable", "stopped_version_mismatch", "stopped_target_release_changed", "orphaned_workflow"}

var versionRe = regexp.MustCompile(`^\d+(\.\d+)+$`)

// startConsumerExporter runs the exporter against a real-clock vcfsim as
// target "sfo", with /actions on, and leaves one finished (cancelled)
// upgrade workflow behind so that every workflow series exists.
func startConsumerExporter(t *testing.T, extraArgs ...string) *exporterProc {
	t.Helper()
	bin := buildExporter(t)
	srv, err := vcfsim.NewServer(vcfsim.DefaultConfig())
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	simCfg := srv.Sim.Config()
	dir := t.TempDir()
	const token = "consumers-test-token-0123456789abcdef"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "token"), []byte(token), 0o600))
	exp := startExporter(t, bin, []string{"VCF_PASSWORD=" + simCfg.Password}, append([]string{
		"--vcf.url=" + srv.URL, "--vcf.username=" + simCfg.Username, "--vcf.target-name=" + consumerTarget,
		"--actions.token-file=" + filepath.Join(dir, "token"), "--storage.path=" + filepath.Join(dir, "data"),
		"--actions.poll-interval=100ms", "--collector.credential"}, extraArgs...)...)

	call := func(method, path string) (int, map[string]any) {
		req, err := http.NewRequest(method, "http://"+exp.addr+"/actions/v1"+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return resp.StatusCode, body
	}
	code, body := call(http.MethodPost, "/domains/mgmt-domain/upgrade")
	require.Equal(t, http.StatusAccepted, code, "%v", body)
	code, body = call(http.MethodPost, "/domains/mgmt-domain/upgrade/cancel")
	require.Equal(t, http.StatusAccepted, code, "%v", body)
	testutil.WaitFor(t, 30*time.Second, "the cancelled workflow", func() bool {
		_, body := call(http.MethodGet, "/domains/mgmt-domain/upgrade")
		return body["state"] == "cancelled"
	})
	return exp
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v), path)
}

// check is one expression and what its answer must satisfy.
type check struct {
	source string // file and place, for the failure message
	expr   string
	// verify returns "" when the answer is right, else why not.
	verify func(v model.Vector, raw []byte) string
}

func atLeastOne(v model.Vector, _ []byte) string {
	if len(v) == 0 {
		return "returned no series"
	}
	return ""
}

func exactlyOne(v model.Vector, _ []byte) string {
	if len(v) != 1 {
		return fmt.Sprintf("returned %d series, prometheus_sensor needs exactly one", len(v))
	}
	return ""
}

// runChecks polls Prometheus until every check passes (scrapes and rule
// evaluations arrive over the first seconds) and then reports, by source,
// every expression that still fails.
func runChecks(t *testing.T, promAddr string, checks []check) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var failed []string
		for _, c := range checks {
			raw, v, err := promQueryRaw(promAddr, c.expr)
			why := ""
			if err != nil {
				why = err.Error()
			} else {
				why = c.verify(v, raw)
			}
			if why != "" {
				failed = append(failed, fmt.Sprintf("%s: %s\n    %s", c.source, why, c.expr))
			}
		}
		if len(failed) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d expressions fail against the real Prometheus:\n%s", len(failed), len(checks), strings.Join(failed, "\n"))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func TestConsumersPrometheus(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		requireToolOrSkip(t, "prometheus")
		return
	}
	exp := startConsumerExporter(t)
	ha := newHARenderer(t)
	// Both scrape styles of the examples: one /metrics job, or one /probe
	// scrape per SDDC Manager.
	for _, c := range []struct{ file, job string }{
		{"prometheus.yml", "vcf"},
		{"prometheus-probe.yml", "vcf-probe"},
	} {
		t.Run(c.file, func(t *testing.T) {
			promAddr := startPrometheus(t, prom, consumerPrometheusConfig(t, c.file, exp.addr))
			// Scraped and the rules evaluated at least once, all healthy.
			testutil.WaitFor(t, 30*time.Second, "Prometheus scraping the exporter", func() bool {
				v, err := promQuery(promAddr, fmt.Sprintf(`up{job=%q} == 1`, c.job))
				return err == nil && len(v) == 1
			})
			rules := waitRulesEvaluated(t, promAddr)

			var checks []check
			checks = append(checks, dashboardChecks(t, promAddr)...)
			checks = append(checks, rulesChecks(t, rules)...)
			checks = append(checks, homeAssistantChecks(t, ha)...)
			t.Logf("%d expressions", len(checks))
			runChecks(t, promAddr, checks)
			waitUpdateAvailableAlert(t, promAddr)
		})
	}
}

// waitUpdateAvailableAlert: an alert end to end. The simulator offers
// mgmt-domain an update, so VCFUpdateAvailable is pending (for: 1h) with
// the next version.
func waitUpdateAvailableAlert(t *testing.T, promAddr string) {
	t.Helper()
	testutil.WaitFor(t, 30*time.Second, "VCFUpdateAvailable pending for mgmt-domain", func() bool {
		resp, err := http.Get("http://" + promAddr + "/api/v1/alerts")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var r struct {
			Data struct {
				Alerts []struct {
					Labels      map[string]string `json:"labels"`
					Annotations map[string]string `json:"annotations"`
					State       string            `json:"state"`
				} `json:"alerts"`
			} `json:"data"`
		}
		if json.NewDecoder(resp.Body).Decode(&r) != nil {
			return false
		}
		for _, a := range r.Data.Alerts {
			if a.Labels["alertname"] == "VCFUpdateAvailable" && a.Labels["domain"] == "mgmt-domain" && a.State == "pending" {
				return a.Annotations["description"] == "Domain mgmt-domain of SDDC Manager sfo can be upgraded to VCF "+a.Labels["version"]+"." &&
					versionRe.MatchString(a.Labels["version"])
			}
		}
		return false
	})
}

// consumerPrometheusConfig is a Prometheus configuration of
// examples/prometheus pointed at the test's exporter (the /probe one at
// target sfo only), scraping and evaluating every second.
func consumerPrometheusConfig(t *testing.T, file, exporterAddr string) string {
	b, err := os.ReadFile(filepath.Join("examples", "prometheus", file))
	require.NoError(t, err)
	rules, err := filepath.Abs("examples/prometheus/vcf.rules.yml")
	require.NoError(t, err)
	replace := map[string]string{
		"vcf-exporter:10095":       exporterAddr,
		"scrape_interval: 60s":     "scrape_interval: 1s",
		"scrape_timeout: 30s":      "scrape_timeout: 1s",
		"evaluation_interval: 60s": "evaluation_interval: 1s",
		"- vcf.rules.yml":          "- " + rules,
	}
	if strings.Contains(file, "probe") {
		replace["targets: [sfo, lax]"] = "targets: [" + consumerTarget + "]"
	}
	s := string(b)
	for from, to := range replace {
		require.Contains(t, s, from, "examples/prometheus/%s changed: adapt the test", file)
		s = strings.ReplaceAll(s, from, to)
	}
	return s
}

type ruleState struct {
	Name, Query, Type, Health, LastError string
}

// waitRulesEvaluated waits until every rule group has been evaluated after
// the first scrape and returns the rules as Prometheus reports them.
func waitRulesEvaluated(t *testing.T, promAddr string) []ruleState {
	t.Helper()
	var rules []ruleState
	testutil.WaitFor(t, 30*time.Second, "the rules' first evaluation", func() bool {
		resp, err := http.Get("http://" + promAddr + "/api/v1/rules")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var r struct {
			Data struct {
				Groups []struct {
					LastEvaluation time.Time   `json:"lastEvaluation"`
					Rules          []ruleState `json:"rules"`
				} `json:"groups"`
			} `json:"data"`
		}
		if json.NewDecoder(resp.Body).Decode(&r) != nil || len(r.Data.Groups) == 0 {
			return false
		}
		rules = nil
		for _, g := range r.Data.Groups {
			// A recording rule evaluated before the first scrape records
			// nothing: wait for one that has data.
			if g.LastEvaluation.IsZero() {
				return false
			}
			rules = append(rules, g.Rules...)
		}
		return true
	})
	return rules
}

// substitute replaces Grafana variables; values maps a name to its value
// (a regex for multi-value variables, as Grafana formats them).
func substitute(expr string, values map[string]string) string {
	for name, v := range values {
		expr = strings.ReplaceAll(expr, "${"+name+":regex}", v)
		expr = strings.ReplaceAll(expr, "$"+name, v)
	}
	return expr
}

var labelValues = regexp.MustCompile(`^label_values\((.*), *(\w+)\)$`)

// dashboardChecks: every query of the Prometheus dashboards, with the
// variables set to "All" and, resolved through the chained variable queries
// as Grafana does, to the first value of each.
func dashboardChecks(t *testing.T, promAddr string) []check {
	files, err := filepath.Glob("dashboards/*.json")
	require.NoError(t, err)
	var checks []check
	for _, f := range files {
		var db struct {
			Panels []struct {
				Title   string `json:"title"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
			Templating struct {
				List []struct {
					Name, Type string
					Query      any
				} `json:"list"`
			} `json:"templating"`
		}
		readJSON(t, f, &db)
		if db.Templating.List[0].Query != "prometheus" {
			continue // the InfluxDB dashboard: TestConsumersInfluxDB
		}
		all := map[string]string{}
		first := map[string]string{}
		for _, v := range db.Templating.List[1:] {
			m := labelValues.FindStringSubmatch(v.Query.(string))
			require.NotNil(t, m, "%s: variable %s: %v", f, v.Name, v.Query)
			all[v.Name] = ".*"
			// Resolve the variable as Grafana does with the choices above.
			sel := substitute(m[1], first)
			checks = append(checks, check{f + " variable " + v.Name, substitute(m[1], all), atLeastOne})
			res, err := promQuery(promAddr, sel)
			require.NoError(t, err, "%s variable %s", f, v.Name)
			var vals []string
			for _, s := range res {
				if l := string(s.Metric[model.LabelName(m[2])]); l != "" {
					vals = append(vals, l)
				}
			}
			require.NotEmpty(t, vals, "%s: variable %s (%s) has no values", f, v.Name, sel)
			sort.Strings(vals)
			// A multi-value variable is a regex; Grafana escapes its special
			// characters with a backslash, doubled inside a PromQL string.
			first[v.Name] = strings.ReplaceAll(regexp.QuoteMeta(vals[0]), `\`, `\\`)
		}
		for _, p := range db.Panels {
			for _, tg := range p.Targets {
				if tg.Expr == "" {
					continue
				}
				checks = append(checks,
					check{fmt.Sprintf("%s %q (All)", f, p.Title), substitute(tg.Expr, all), atLeastOne},
					check{fmt.Sprintf("%s %q (%v)", f, p.Title, first), substitute(tg.Expr, first), atLeastOne})
			}
		}
	}
	require.NotEmpty(t, checks)
	return checks
}

// metricSelector finds the series selectors of an expression: a metric or
// recording rule name, optionally with matchers.
var metricSelector = regexp.MustCompile(`\b((?:vcf_|up\b|[a-z]+:vcf_)[a-z0-9_:]*)(\{[^}]*\})?`)

// rulesChecks: each recording rule's expression (and the series it records)
// returns data; each alert was evaluated without error and every series it
// reads exists (whether it fires is what promtool test rules checks).
func rulesChecks(t *testing.T, rules []ruleState) []check {
	t.Helper()
	require.NotEmpty(t, rules)
	var checks []check
	for _, r := range rules {
		require.Equal(t, "ok", r.Health, "rule %s: %s", r.Name, r.LastError)
		src := "examples/prometheus/vcf.rules.yml " + r.Name
		switch r.Type {
		case "recording":
			checks = append(checks, check{src, r.Query, atLeastOne}, check{src + " (recorded)", r.Name, atLeastOne})
		case "alerting":
			checks = append(checks, check{src, r.Query, func(model.Vector, []byte) string { return "" }})
			sels := metricSelector.FindAllString(r.Query, -1)
			require.NotEmpty(t, sels, "alert %s reads no series?", r.Name)
			for _, s := range sels {
				checks = append(checks, check{src + " reads", s, atLeastOne})
			}
		}
	}
	return checks
}

// haPackage is the part of the Home Assistant packages the test runs.
type haPackage struct {
	Sensor       []haPlatform `yaml:"sensor"`
	BinarySensor []haPlatform `yaml:"binary_sensor"`
	Rest         []struct {
		Params struct {
			Query string `yaml:"query"`
		} `yaml:"params"`
		Sensor       []haEntity `yaml:"sensor"`
		BinarySensor []haEntity `yaml:"binary_sensor"`
	} `yaml:"rest"`
	Template []struct {
		Sensor       []haEntity `yaml:"sensor"`
		BinarySensor []haEntity `yaml:"binary_sensor"`
	} `yaml:"template"`
}

type haPlatform struct {
	Platform    string `yaml:"platform"`
	Bucket      string `yaml:"bucket"`
	Queries     []haEntity
	QueriesFlux []haEntity `yaml:"queries_flux"`
}

type haEntity struct {
	Name          string `yaml:"name"`
	Expr          string `yaml:"expr"`
	Query         string `yaml:"query"`
	RangeStart    string `yaml:"range_start"`
	GroupFunction string `yaml:"group_function"`
	ValueTemplate string `yaml:"value_template"`
	State         string `yaml:"state"`
	Availability  string `yaml:"availability"`
	Unit          string `yaml:"unit_of_measurement"`
}

func loadHAPackage(t *testing.T, name string) haPackage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("examples", "home-assistant", "packages", name))
	require.NoError(t, err)
	var p haPackage
	require.NoError(t, yaml3.Unmarshal(b, &p), name)
	return p
}

// haRender renders templates with Home Assistant's semantics
// (testdata/ha_template.py, jinja2).
type haJob struct {
	Template string            `json:"template"`
	Vars     map[string]any    `json:"vars,omitempty"`
	States   map[string]string `json:"states,omitempty"`
}

type haResult struct{ Out, Error string }

// haRenderer is one python3 process rendering batches of templates, one
// JSON line per batch each way (a process per template costs 0.2-0.9 s).
type haRenderer struct {
	t   *testing.T
	mu  sync.Mutex
	in  io.Writer
	out *bufio.Reader
}

func newHARenderer(t *testing.T) *haRenderer {
	t.Helper()
	if err := exec.Command("python3", "-c", "import jinja2").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with jinja2 is needed to render the Home Assistant templates: %v", err)
		}
		t.Skipf("python3 with jinja2 not available (Debian: python3-jinja2): %v", err)
	}
	cmd := exec.Command("python3", "testdata/ha_template.py")
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		in.Close() // python3 ends at the end of its input
		_ = cmd.Wait()
	})
	return &haRenderer{t: t, in: in, out: bufio.NewReader(out)}
}

func (r *haRenderer) render(jobs []haJob) []haResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, err := json.Marshal(jobs)
	require.NoError(r.t, err)
	_, err = r.in.Write(append(b, '\n'))
	require.NoError(r.t, err)
	line, err := r.out.ReadBytes('\n')
	require.NoError(r.t, err)
	var res []haResult
	require.NoError(r.t, json.Unmarshal(line, &res))
	require.Len(r.t, res, len(jobs))
	return res
}

// homeAssistantChecks: prometheus_sensor queries return exactly one series
// (and their binary templates a boolean); each rest resource's query
// returns data and every sensor's value_template renders, from the real
// response, a number (sensors with a unit), a version, a workflow state or
// a boolean.
func homeAssistantChecks(t *testing.T, ha *haRenderer) []check {
	var checks []check
	for _, name := range []string{"vcf_prometheus_sensor.yaml", "vcf_prometheus_rest.yaml"} {
		p := loadHAPackage(t, name)
		src := "examples/home-assistant/packages/" + name
		for _, binary := range []bool{false, true} {
			platforms := p.Sensor
			if binary {
				platforms = p.BinarySensor
			}
			for _, pl := range platforms {
				require.Equal(t, "prometheus_sensor", pl.Platform)
				for _, q := range pl.Queries {
					q := q
					checks = append(checks, check{src + " " + q.Name, q.Expr, func(v model.Vector, raw []byte) string {
						if why := exactlyOne(v, raw); why != "" || q.ValueTemplate == "" {
							return why
						}
						r := ha.render([]haJob{{Template: q.ValueTemplate, Vars: map[string]any{"value": float64(v[0].Value)}}})[0]
						return wantOutput(r.Out, r.Error, "bool")
					}})
				}
			}
		}
		for _, r := range p.Rest {
			entities := append(slices.Clone(r.Sensor), r.BinarySensor...)
			nSensors := len(r.Sensor)
			checks = append(checks, check{src + " rest " + entities[0].Name + "...", r.Params.Query, func(v model.Vector, raw []byte) string {
				if why := atLeastOne(v, raw); why != "" {
					return why
				}
				var valueJSON any
				if err := json.Unmarshal(raw, &valueJSON); err != nil {
					return err.Error()
				}
				vars := map[string]any{"value_json": valueJSON, "value": string(raw)}
				jobs := make([]haJob, 0, 2*len(entities))
				for _, e := range entities {
					jobs = append(jobs, haJob{Template: e.ValueTemplate, Vars: vars}, haJob{Template: e.Availability, Vars: vars})
				}
				res := ha.render(jobs)
				for i, e := range entities {
					if why := wantOutput(res[2*i].Out, res[2*i].Error, restKind(e, i >= nSensors)); why != "" {
						return e.Name + ": " + why
					}
					// Present series: available (an entity without the template always is).
					if a := res[2*i+1]; a.Error != "" || (e.Availability != "" && a.Out != "True") {
						return fmt.Sprintf("%s: availability rendered %q %s with its series present", e.Name, a.Out, a.Error)
					}
				}
				return ""
			}})
		}
	}
	return checks
}

// restKind is what a sensor's template must render: "number" (a unit),
// "bool" (binary), "version" (with "none" for no next version) or "state".
func restKind(e haEntity, binary bool) string {
	switch {
	case binary:
		return "bool"
	case e.Unit != "":
		return "number"
	case strings.Contains(e.Name, "version"):
		return "version"
	default:
		return "state"
	}
}

func wantOutput(out, renderErr, kind string) string {
	if renderErr != "" {
		return "template error: " + renderErr
	}
	ok := false
	switch kind {
	case "number":
		_, err := strconv.ParseFloat(out, 64)
		ok = err == nil
	case "bool":
		ok = out == "True" || out == "False"
	case "version":
		ok = versionRe.MatchString(out) || out == "none"
	case "state":
		ok = slices.Contains(workflowStates, out)
	}
	if !ok {
		return fmt.Sprintf("rendered %q, want a %s", out, kind)
	}
	return ""
}
