// Package examples holds no code: its tests check the files users copy
// (Prometheus rules and configuration, Home Assistant package, compose file).
package examples

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v2"
)

// requireTool finds a tool in PATH; without it the test is skipped, except
// in CI where `make test` installs it and its absence is a failure.
func requireTool(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found in PATH; `make deps-prometheus` installs it", tool)
	}
	t.Skipf("%s not found in PATH; run `make deps-prometheus` to run this test", tool)
	return ""
}

func TestRulesPromtool(t *testing.T) {
	promtool := requireTool(t, "promtool")
	for _, args := range [][]string{
		{"check", "rules", "vcf.rules.yml"},
		{"test", "rules", "vcf.rules.test.yml"},
		{"check", "config", "prometheus.yml"},
		{"check", "config", "prometheus-probe.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "prometheus"
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "promtool %v:\n%s", args, out)
	}
}

// TestRulesEveryAlertTested: each alert of vcf.rules.yml has a unit test in
// which it fires and one in which it stays quiet.
func TestRulesEveryAlertTested(t *testing.T) {
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert  string            `yaml:"alert"`
				Labels map[string]string `yaml:"labels"`
				Annot  map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	readYAML(t, filepath.Join("prometheus", "vcf.rules.yml"), &rules)
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []struct {
					ExpLabels map[string]string `yaml:"exp_labels"`
				} `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	readYAML(t, filepath.Join("prometheus", "vcf.rules.test.yml"), &tests)
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) == 0 {
				quiet[a.Alertname] = true
			}
			for _, e := range a.ExpAlerts {
				// Rules sharing a name differ by their labels (resource).
				fires[a.Alertname+"/"+e.ExpLabels["resource"]] = true
			}
		}
	}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			n++
			require.True(t, fires[r.Alert+"/"+r.Labels["resource"]], "no unit test in which %s (%v) fires", r.Alert, r.Labels)
			require.True(t, quiet[r.Alert], "no unit test in which %s stays quiet", r.Alert)
			require.Contains(t, []string{"critical", "warning", "info"}, r.Labels["severity"], "%s: severity", r.Alert)
			require.Regexp(t, `\{\{ \$labels\.`, r.Annot["description"], "%s: the description names the label values", r.Alert)
			require.NotEmpty(t, r.Annot["summary"], "%s: summary", r.Alert)
		}
	}
	require.GreaterOrEqual(t, n, 10)
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, v), "%s", path)
}
