package main

// End-to-end test in node_exporter's style: build the binary, run it against
// the simulator, compare /metrics and /probe with golden files, lint the
// output with promtool, and have a real Prometheus scrape it.
//
//	go test -run TestE2E . -args -update   # rewrite testdata/*.golden

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
	"github.com/vcf-exporter/vcf_exporter/vcfsim/vcfsimtest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// e2eNow freezes the simulator clock so that host usage does not drift.
var e2eNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// exporterProc is a running vcf_exporter and the address it serves on.
type exporterProc struct {
	*testutil.Process
	addr string
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	testutil.RemoveBuilds()
	os.Exit(code)
}

// buildExporter builds the binary once per test run.
func buildExporter(t *testing.T) string { return testutil.Build(t, ".") }

// startExporter runs the binary and waits until /-/healthy answers.
func startExporter(t *testing.T, bin string, env []string, args ...string) *exporterProc {
	t.Helper()
	addr := testutil.FreeAddr(t)
	p := testutil.Start(t, testutil.Command{Path: bin, Env: env,
		Args: append([]string{"--web.listen-address=" + addr}, args...)})
	p.WaitHTTP(t, 20*time.Second, "http://"+addr+"/-/healthy")
	return &exporterProc{Process: p, addr: addr}
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

var (
	// Families whose values depend on the machine or on timing.
	dropFamily = regexp.MustCompile(`^(go_|process_|promhttp_|vcf_api_request_duration_seconds)`)
	normValue  = regexp.MustCompile(`^((?:vcf_scrape_(?:collector_)?duration_seconds|vcf_inventory_refresh_duration_seconds|[a-z_]*_timestamp_seconds)(?:\{[^}]*\})?) \S+$`)
	buildInfo  = regexp.MustCompile(`^vcf_exporter_build_info\{.*\} 1$`)
)

// normalize drops and masks what changes from run to run.
func normalize(text string) string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		name := strings.TrimPrefix(strings.TrimPrefix(line, "# HELP "), "# TYPE ")
		if dropFamily.MatchString(name) {
			continue
		}
		switch {
		case buildInfo.MatchString(line):
			line = `vcf_exporter_build_info{...} 1`
		case normValue.MatchString(line):
			line = normValue.ReplaceAllString(line, "$1 <normalized>")
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n") + "\n"
}

func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	got = normalize(got)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got, "%s differs; run `go test -run TestE2E . -args -update` if the change is intended", path)
}

func promtoolCheck(t *testing.T, text string) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		requireToolOrSkip(t, "promtool")
		return
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "promtool check metrics: %s", out)
	require.Empty(t, strings.TrimSpace(string(out)), "promtool check metrics must print nothing")
}

// requireToolOrSkip skips a test needing a missing tool, except in CI where
// `make test` installs it and its absence is a failure.
func requireToolOrSkip(t *testing.T, tool string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found in PATH; `make deps-prometheus` installs it (Debian package prometheus)", tool)
	}
	t.Skipf("%s not found in PATH; run `make deps-prometheus` (Debian package prometheus) to run this test", tool)
}

// e2eHostsPageSize makes the 9.x simulator page its 26 hosts in three
// pages, so the end-to-end test reads more than one.
const e2eHostsPageSize = 10

func startE2ESim(t *testing.T, opts ...vcfsim.Option) *vcfsim.Server {
	t.Helper()
	return vcfsimtest.New(t, append([]vcfsim.Option{vcfsim.FrozenAt(e2eNow), vcfsim.WithHostsPageSize(e2eHostsPageSize)}, opts...)...)
}

// TestE2E runs against each simulated SDDC Manager API version, with
// golden files testdata/{metrics,probe}.golden (5.2.1) and
// testdata/{metrics,probe}-<version>.golden.
func TestE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	for _, version := range vcfsim.Versions() {
		t.Run(version, func(t *testing.T) { testE2E(t, version) })
	}
}

func testE2E(t *testing.T, version string) {
	bin := buildExporter(t)
	srv := startE2ESim(t, vcfsim.WithVCFVersion(version))
	suffix, hostPages := "", 1
	if version != vcfsim.VCF521 {
		suffix = "-" + version
		hostPages = 3 // 26 hosts, 10 a page
	}
	simCfg := srv.Sim.Config()
	exp := startExporter(t, bin, []string{"VCF_PASSWORD=" + simCfg.Password},
		"--vcf.url="+srv.URL, "--vcf.username="+simCfg.Username, "--vcf.target-name=lab",
		"--vcf.min-refresh-interval=1h", "--log.level=debug")
	base := "http://" + exp.addr

	t.Run("metrics", func(t *testing.T) {
		code, body := get(t, base+"/metrics")
		require.Equal(t, http.StatusOK, code)
		promtoolCheck(t, body)
		compareGolden(t, "metrics"+suffix+".golden", body)
	})
	t.Run("probe", func(t *testing.T) {
		code, body := get(t, base+"/probe?target=lab")
		require.Equal(t, http.StatusOK, code)
		promtoolCheck(t, body)
		compareGolden(t, "probe"+suffix+".golden", body)
		// The snapshot of the /metrics scrape was reused: one fetch only
		// (of every page).
		require.EqualValues(t, hostPages, srv.Sim.Stats()["GET /v1/hosts"])
	})
	t.Run("probe errors", func(t *testing.T) {
		code, body := get(t, base+"/probe?target=nope")
		require.Equal(t, http.StatusBadRequest, code)
		require.Contains(t, body, `unknown target "nope"`)
		code, _ = get(t, base+"/probe")
		require.Equal(t, http.StatusBadRequest, code)
	})
	t.Run("landing page links", func(t *testing.T) {
		code, body := get(t, base+"/")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, "/probe?target=lab")
		require.Contains(t, body, "/probe?target=&lt;name&gt;", "shown as text in a browser")
		require.NotContains(t, body, "debug/pprof", "no profiling handlers are served")
		links := regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(body, -1)
		require.GreaterOrEqual(t, len(links), 7)
		for _, l := range links {
			code, _ := get(t, base+html.UnescapeString(l[1]))
			require.Equal(t, http.StatusOK, code, "link %s", l[1])
		}
	})
	t.Run("config page", func(t *testing.T) {
		code, body := get(t, base+"/config")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, "name: lab")
		require.Contains(t, body, "password: <secret>")
		require.NotContains(t, body, simCfg.Password)
	})
	t.Run("openmetrics", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, base+"/probe?target=lab&collect[]=domain", nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.NoError(t, err)
		require.Contains(t, resp.Header.Get("Content-Type"), "application/openmetrics-text")
		require.True(t, strings.HasSuffix(string(b), "# EOF\n"))
		require.Contains(t, string(b), `vcf_domain_status{domain="vi-domain-01",state="ERROR"} 1`)
		_, plain := get(t, base+"/probe?target=lab&collect[]=domain")
		require.NotContains(t, plain, "# EOF", "text format without the Accept header")
	})
	t.Run("exporter metrics only", func(t *testing.T) {
		before := srv.Sim.Stats()["GET /v1/hosts"]
		code, body := get(t, base+"/metrics?collect[]=exporter")
		require.Equal(t, http.StatusOK, code)
		promtoolCheck(t, body)
		for _, want := range []string{"\nvcf_exporter_build_info{", "\ngo_goroutines ", "\nvcf_exporter_scrape_errors_total{",
			`vcf_api_requests_total{code="200",endpoint="/v1/hosts",method="GET",target="lab"}`} {
			require.Contains(t, body, want)
		}
		for _, unwanted := range []string{"\nvcf_up{", "\nvcf_host_info{", "\nvcf_scrape_duration_seconds{"} {
			require.NotContains(t, body, unwanted)
		}
		require.Equal(t, before, srv.Sim.Stats()["GET /v1/hosts"], "no SDDC Manager scraped")
		code, _ = get(t, base+"/probe?target=lab&collect[]=exporter")
		require.Equal(t, http.StatusBadRequest, code, "/probe serves one target's metrics only")
	})
	t.Run("probe debug", func(t *testing.T) {
		code, body := get(t, base+"/probe?target=lab&debug=true")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, "Logs for the probe:\n")
		require.Contains(t, body, `msg="Beginning probe" target=lab`)
		require.Contains(t, body, `msg="collector done" collector=host success=true`)
		require.Contains(t, body, `msg="inventory served"`)
		require.Contains(t, body, "\nMetrics that would have been returned:\n")
		require.Contains(t, body, "\nvcf_up 1\n")
		require.Contains(t, body, "password: <secret>")
		require.NotContains(t, body, simCfg.Password)
	})
	t.Run("reload", func(t *testing.T) {
		code, _ := get(t, base+"/-/reload")
		require.Equal(t, http.StatusMethodNotAllowed, code)
		resp, err := http.Post(base+"/-/reload", "", nil)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	})
	t.Run("prometheus", func(t *testing.T) { testPrometheus(t, exp.addr, srv) })
	t.Run("graceful shutdown", func(t *testing.T) {
		require.NoError(t, exp.Stop(t, 15*time.Second), "exit status after SIGTERM")
		require.Contains(t, exp.Output.String(), "shutting down")
	})
}

// testPrometheus has a real Prometheus scrape the exporter every second
// and checks PromQL answers about the simulator's inventory.
func testPrometheus(t *testing.T, exporterAddr string, srv *vcfsim.Server) {
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		requireToolOrSkip(t, "prometheus")
		return
	}
	addr := startPrometheus(t, prom, fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: vcf
    static_configs:
      - targets: [%q]
`, exporterAddr))
	query := func(q string) (model.Vector, error) { return promQuery(addr, q) }

	// What the exporter serves, parsed: the expected answers.
	_, body := get(t, "http://"+exporterAddr+"/probe?target=lab")
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(t, err)
	var wantUpdates []string
	for _, m := range fams["vcf_domain_update_available"].GetMetric() {
		if m.GetGauge().GetValue() == 1 {
			for _, l := range m.GetLabel() {
				if l.GetName() == "domain" {
					wantUpdates = append(wantUpdates, l.GetValue())
				}
			}
		}
	}
	require.NotEmpty(t, wantUpdates, "the simulator offers an update to at least one domain")
	slices.Sort(wantUpdates)
	simCfg := srv.Sim.Config()
	wantHosts := simCfg.Domains*simCfg.ClustersPerDomain*simCfg.HostsPerCluster + simCfg.UnassignedHosts

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var lastErr error
	for ctx.Err() == nil {
		lastErr = func() error {
			v, err := query(`count(vcf_host_info{job="vcf",target="lab"})`)
			if err != nil {
				return err
			}
			if len(v) != 1 || int(v[0].Value) != wantHosts {
				return fmt.Errorf("count(vcf_host_info) = %v, want %d", v, wantHosts)
			}
			v, err = query(`vcf_domain_update_available == 1`)
			if err != nil {
				return err
			}
			var got []string
			for _, s := range v {
				got = append(got, string(s.Metric["domain"]))
			}
			slices.Sort(got)
			if !slices.Equal(got, wantUpdates) {
				return fmt.Errorf("domains with updates = %v, want %v", got, wantUpdates)
			}
			v, err = query(`vcf_up{job="vcf"}`)
			if err != nil {
				return err
			}
			if len(v) != 1 || v[0].Value != 1 {
				return fmt.Errorf("vcf_up = %v", v)
			}
			return nil
		}()
		if lastErr == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("Prometheus never answered as expected: %v", lastErr)
}

// startPrometheus runs a real Prometheus with the given configuration on a
// free loopback port and a temporary storage directory, until the test ends.
func startPrometheus(t *testing.T, prom, config string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644))
	addr := testutil.FreeAddr(t)
	testutil.Start(t, testutil.Command{Path: prom, Args: []string{"--config.file=" + filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path=" + filepath.Join(dir, "data"), "--web.listen-address=" + addr}})
	return addr
}

// promQuery runs an instant query; an expression Prometheus cannot parse
// or evaluate is an error naming it.
func promQuery(addr, q string) (model.Vector, error) {
	_, v, err := promQueryRaw(addr, q)
	return v, err
}

// promQueryRaw also returns the response body (what Home Assistant's rest
// sensors see as value_json).
func promQueryRaw(addr, q string) ([]byte, model.Vector, error) {
	resp, err := http.Get("http://" + addr + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, nil, err
	}
	if r.Status != "success" || r.Data.ResultType != "vector" {
		return nil, nil, fmt.Errorf("query %q: status %s %s, type %s", q, r.Status, r.Error, r.Data.ResultType)
	}
	var v model.Vector
	if err := json.Unmarshal(r.Data.Result, &v); err != nil {
		return nil, nil, err
	}
	return raw, v, nil
}

// TestE2E10kHosts9x: a VCF 9 SDDC Manager with 10,000 hosts served in pages
// of the simulator's default size: every host reaches /metrics.
func TestE2E10kHosts9x(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := buildExporter(t)
	srv := vcfsimtest.New(t, vcfsim.WithVCFVersion(vcfsim.VCF902), vcfsim.WithInventory(20, 5, 100, 0), vcfsim.FrozenAt(e2eNow))
	user, password := srv.Credentials()
	exp := startExporter(t, bin, []string{"VCF_PASSWORD=" + password},
		"--vcf.url="+srv.URL, "--vcf.username="+user, "--vcf.target-name=big")

	code, body := get(t, "http://"+exp.addr+"/metrics?collect[]=host")
	require.Equal(t, http.StatusOK, code)
	hosts := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "vcf_host_info{") {
			i := strings.Index(line, `,host="`) + len(`,host="`)
			hosts[line[i:i+strings.IndexByte(line[i:], '"')]] = true
		}
	}
	require.Len(t, hosts, 10000, "distinct hosts in vcf_host_info")
	require.EqualValues(t, 10000/vcfsim.DefaultHostsPageSize, srv.Sim.Stats()["GET /v1/hosts"], "one request per page")
}

// TestE2ENoTarget: without any SDDC Manager the exporter refuses to start
// and says how to configure one.
func TestE2ENoTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := buildExporter(t)
	cmd := exec.Command(bin, "--web.listen-address="+testutil.FreeAddr(t))
	cmd.Env = slices.DeleteFunc(os.Environ(), func(s string) bool { return strings.HasPrefix(s, "VCF_PASSWORD=") })
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "no SDDC Manager configured")
	require.Contains(t, string(out), "--simulator")

	// --config.check validates a file and exits.
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	require.NoError(t, os.WriteFile(good, []byte("targets:\n  - name: a\n    url: https://a.example.com\n    username: u\n    password: p\n"), 0o600))
	out, err = exec.Command(bin, "--config.check", "--config.file="+good).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "OK, 1 target(s)")
	bad := filepath.Join(dir, "bad.yml")
	require.NoError(t, os.WriteFile(bad, []byte("targets:\n  - name: a\n    uri: https://a.example.com\n"), 0o600))
	out, err = exec.Command(bin, "--config.check", "--config.file="+bad).CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "field uri not found")
}

// TestE2EReload: targets from --config.file, added by SIGHUP, and a bad
// file rejected by POST /-/reload while the old targets keep working.
func TestE2EReload(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := buildExporter(t)
	srv := startE2ESim(t)
	simCfg := srv.Sim.Config()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pw"), []byte(simCfg.Password+"\n"), 0o600))
	cfgPath := filepath.Join(dir, "vcf.yml")
	target := func(name string) string {
		return fmt.Sprintf("  - name: %s\n    url: %s\n    username: %s\n    password_file: pw\n", name, srv.URL, simCfg.Username)
	}
	require.NoError(t, os.WriteFile(cfgPath, []byte("targets:\n"+target("a")), 0o600))
	exp := startExporter(t, bin, nil, "--config.file="+cfgPath)
	base := "http://" + exp.addr

	code, body := get(t, base+"/probe?target=a")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "\nvcf_up 1\n")
	code, _ = get(t, base+"/probe?target=b")
	require.Equal(t, http.StatusBadRequest, code)

	require.NoError(t, os.WriteFile(cfgPath, []byte("targets:\n"+target("a")+target("b")), 0o600))
	exp.Signal(t, syscall.SIGHUP)
	testutil.WaitFor(t, 10*time.Second, "target b after SIGHUP", func() bool {
		code, _ := get(t, base+"/probe?target=b")
		return code == http.StatusOK
	})

	require.NoError(t, os.WriteFile(cfgPath, []byte("targets:\n  - name: c\n    bogus: 1\n"), 0o600))
	resp, err := http.Post(base+"/-/reload", "", nil)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.Contains(t, string(b), "field bogus not found")
	_, body = get(t, base+"/metrics")
	require.Contains(t, body, "\nvcf_exporter_config_last_reload_successful 0\n")
	require.Contains(t, body, `vcf_up{target="a"} 1`)
	require.Contains(t, body, `vcf_up{target="b"} 1`)

	// A step timeout the workflow does not know is refused by a reload as
	// by the start, and the targets in force stay.
	require.NoError(t, os.WriteFile(cfgPath, []byte("targets:\n"+target("a")+"actions:\n  timeouts:\n    nxs: 1h\n"), 0o600))
	resp, err = http.Post(base+"/-/reload", "", nil)
	require.NoError(t, err)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.Contains(t, string(b), `unknown key "nxs"`)
	_, body = get(t, base+"/metrics")
	require.Contains(t, body, `vcf_up{target="b"} 1`)
}

// TestE2ESimulator: the one-command demo (`vcf_exporter --simulator`).
func TestE2ESimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	for _, version := range vcfsim.Versions() {
		exp := startExporter(t, buildExporter(t), nil, "--simulator", "--simulator.vcf-version="+version)
		code, body := get(t, "http://"+exp.addr+"/probe?target=simulator")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, "\nvcf_up 1\n")
		require.Contains(t, body, "vcf_domain_update_available{")
		require.Contains(t, body, `major_version="`+strings.Split(version, ".")[0]+`"`)
	}
}

// TestE2ETLS: an HTTPS SDDC Manager is verified against --vcf.tls.ca-file;
// without it the certificate is refused (vcf_up 0), unless verification is
// explicitly disabled.
func TestE2ETLS(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := buildExporter(t)
	srv := startE2ESim(t, vcfsim.WithTLS())
	require.True(t, strings.HasPrefix(srv.URL, "https://"))
	user, pass := srv.Credentials()
	env := []string{"VCF_PASSWORD=" + pass}
	common := []string{"--vcf.url=" + srv.URL, "--vcf.username=" + user, "--vcf.target-name=tls", "--vcf.scrape-timeout=3s"}

	for _, tc := range []struct {
		name  string
		extra []string
		up    string
	}{
		{"ca file", []string{"--vcf.tls.ca-file=" + srv.CAFile}, "1"},
		{"unknown CA", nil, "0"},
		{"insecure", []string{"--vcf.tls.insecure-skip-verify"}, "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exp := startExporter(t, bin, env, append(common, tc.extra...)...)
			code, body := get(t, "http://"+exp.addr+"/probe?target=tls")
			require.Equal(t, http.StatusOK, code)
			require.Contains(t, body, "\nvcf_up "+tc.up+"\n")
			if tc.up == "0" {
				require.NotContains(t, body, "vcf_host_info")
				exp.WaitLog(t, 5*time.Second, "certificate is not trusted; vcf_up is 0")
			}
		})
	}
}

// TestE2EConfigCheck: --config.check and the start share one validation,
// so every file the exporter would refuse makes the check fail too, with
// the same message.
func TestE2EConfigCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := buildExporter(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	write("pw", "secret-password\n")
	write("garbage.pem", "not a certificate\n")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "adir"), 0o700))
	target := func(extra string) string {
		return "targets:\n  - name: a\n    url: https://a.example.com\n    username: u\n    password_file: pw\n" + extra
	}
	for _, tc := range []struct {
		name string
		file string // config file content ("" for none)
		args []string
		want string
	}{
		{"missing CA file", target("    tls_config:\n      ca_file: missing-ca.pem\n"), nil, "missing-ca.pem: no such file"},
		{"garbage CA file", target("    tls_config:\n      ca_file: garbage.pem\n"), nil, "unable to use specified CA cert"},
		{"CA file is a directory", target("    tls_config:\n      ca_file: adir\n"), nil, "is a directory"},
		{"garbage client certificate", target("    tls_config:\n      cert_file: garbage.pem\n      key_file: garbage.pem\n"), nil, "tls_config: unable to use specified client cert"},
		{"missing password file", "targets:\n  - name: a\n    url: https://a.example.com\n    username: u\n    password_file: nope\n", nil, "reading password_file"},
		{"password in the URL", "targets:\n  - name: a\n    url: https://u:hunter2@a.example.com\n    username: u\n    password_file: pw\n", nil, "must not contain a user name or password"},
		{"missing --actions.token-file", target(""), []string{"--actions.token-file=" + filepath.Join(dir, "no-token")}, "--actions.token-file: reading token file"},
		{"missing actions token_file", target("actions:\n  tokens:\n    - name: ha\n      token_file: no-token\n"), nil, "reading token file: open " + filepath.Join(dir, "no-token")},
		{"over-long target name", strings.Replace(target(""), "name: a", "name: "+strings.Repeat("a", 300), 1), nil, "is not a valid target name: use " + config.TargetNameRule},
		{"over-long --vcf.target-name", "", []string{"--vcf.url=https://a.example.com", "--vcf.username=u",
			"--vcf.password-file=" + filepath.Join(dir, "pw"), "--vcf.target-name=" + strings.Repeat("a", 300)}, "is not a valid target name"},
		{"short --actions.token-file", target(""), []string{"--actions.token-file=" + write("short.token", "abc\n")}, "--actions.token-file: token file " + filepath.Join(dir, "short.token") + ": the token is shorter than 32 characters"},
		{"short inline actions token", target("actions:\n  tokens:\n    - name: ha\n      token: hunter2\n"), nil, "actions.tokens[0]: the token is shorter than 32 characters"},
		{"bad duration names its key", target("actions:\n  timeouts:\n    nsx: 5x\n"), nil, "actions.timeouts.nsx:"},
		{"unknown timeout names the steps", target("actions:\n  timeouts:\n    nxs: 5m\n"), nil, "(valid: acknowledgement, api_outage, download,"},
		{"empty file", "\n", nil, "no SDDC Manager configured"},
		{"missing CA file from flags", "", []string{"--vcf.url=https://a.example.com", "--vcf.username=u",
			"--vcf.password-file=" + filepath.Join(dir, "pw"), "--vcf.tls.ca-file=" + filepath.Join(dir, "flag-ca.pem")}, "flag-ca.pem: no such file"},
		{"bad flag duration names the flag", target(""), []string{"--vcf.min-refresh-interval=5x"}, "--vcf.min-refresh-interval: time: unknown unit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.file != "" {
				args = append([]string{"--config.file=" + write("vcf.yml", tc.file)}, args...)
			}
			out, err := exec.Command(bin, append([]string{"--config.check"}, args...)...).CombinedOutput()
			require.Error(t, err, "--config.check must fail: %s", out)
			require.Contains(t, string(out), tc.want)
			require.NotContains(t, string(out), "hunter2", "secrets are never echoed")

			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			start := exec.CommandContext(ctx, bin, append([]string{"--web.listen-address=127.0.0.1:0"}, args...)...)
			start.Env = slices.DeleteFunc(os.Environ(), func(s string) bool { return strings.HasPrefix(s, "VCF_PASSWORD=") })
			out, err = start.CombinedOutput()
			require.Error(t, err, "the exporter must refuse to start too: %s", out)
			require.NoError(t, ctx.Err(), "the exporter started instead of refusing")
			require.Contains(t, string(out), tc.want)
		})
	}

	// OK means it starts: a good file with a CA.
	srv := startE2ESim(t)
	ca := write("ca.pem", string(mustCAPEM(t)))
	good := write("good.yml", fmt.Sprintf("targets:\n  - name: a\n    url: %s\n    username: %s\n    password: %s\n    tls_config:\n      ca_file: %s\n",
		srv.URL, srv.Sim.Config().Username, srv.Sim.Config().Password, ca))
	out, err := exec.Command(bin, "--config.check", "--config.file="+good).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "OK, 1 target(s)")
	exp := startExporter(t, bin, nil, "--config.file="+good)
	code, body := get(t, "http://"+exp.addr+"/probe?target=a")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "\nvcf_up 1\n")
}

// mustCAPEM is a valid CA certificate (the TLS simulator's).
func mustCAPEM(t *testing.T) []byte {
	t.Helper()
	return vcfsimtest.New(t, vcfsim.WithTLS()).CACertPEM
}

// TestE2EDisableExporterMetrics: node_exporter's flag leaves out go_*,
// process_* and promhttp_*, and nothing else.
func TestE2EDisableExporterMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	exp := startExporter(t, buildExporter(t), nil, "--simulator", "--web.disable-exporter-metrics")
	code, body := get(t, "http://"+exp.addr+"/metrics")
	require.Equal(t, http.StatusOK, code)
	for _, unwanted := range []string{"\ngo_", "\nprocess_", "\npromhttp_"} {
		require.NotContains(t, body, unwanted)
	}
	for _, want := range []string{"\nvcf_exporter_build_info{", `vcf_up{target="simulator"} 1`, "\nvcf_exporter_scrape_errors_total{"} {
		require.Contains(t, body, want)
	}
}
