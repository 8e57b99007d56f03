package main

// End-to-end test in node_exporter's style: build the binary, run it against
// the simulator, compare /metrics and /probe with golden files, lint the
// output with promtool, and have a real Prometheus scrape it.
//
//	go test -run TestE2E . -args -update   # rewrite testdata/*.golden

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// e2eNow freezes the simulator clock so that host usage does not drift.
var e2eNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type exporterProc struct {
	addr   string
	cmd    *exec.Cmd
	stderr *testutil.Buffer
	done   chan error
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// buildExporter builds the binary once per test run.
func buildExporter(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "vcf_exporter-e2e-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "vcf_exporter")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w: %s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// startExporter runs the binary and waits until /-/healthy answers.
func startExporter(t *testing.T, bin string, env []string, args ...string) *exporterProc {
	t.Helper()
	p := &exporterProc{addr: freeAddr(t), stderr: &testutil.Buffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, append([]string{"--web.listen-address=" + p.addr}, args...)...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = p.stderr
	p.cmd.Stdout = p.stderr
	require.NoError(t, p.cmd.Start())
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("exporter output:\n%s", p.stderr)
		}
	})
	waitFor(t, 20*time.Second, func() bool {
		resp, err := http.Get("http://" + p.addr + "/-/healthy")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "exporter healthy")
	return p
}

func waitFor(t *testing.T, d time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
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

func startE2ESim(t *testing.T) *vcfsim.Server {
	t.Helper()
	cfg := vcfsim.DefaultConfig()
	cfg.Now = func() time.Time { return e2eNow }
	srv, err := vcfsim.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	return srv
}

func TestE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := buildExporter(t)
	srv := startE2ESim(t)
	simCfg := srv.Sim.Config()
	exp := startExporter(t, bin, []string{"VCF_PASSWORD=" + simCfg.Password},
		"--vcf.url="+srv.URL, "--vcf.username="+simCfg.Username, "--vcf.target-name=lab",
		"--vcf.min-refresh-interval=1h", "--log.level=debug")
	base := "http://" + exp.addr

	t.Run("metrics", func(t *testing.T) {
		code, body := get(t, base+"/metrics")
		require.Equal(t, http.StatusOK, code)
		promtoolCheck(t, body)
		compareGolden(t, "metrics.golden", body)
	})
	t.Run("probe", func(t *testing.T) {
		code, body := get(t, base+"/probe?target=lab")
		require.Equal(t, http.StatusOK, code)
		promtoolCheck(t, body)
		compareGolden(t, "probe.golden", body)
		// The snapshot of the /metrics scrape was reused: one fetch only.
		require.EqualValues(t, 1, srv.Sim.Stats()["GET /v1/hosts"])
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
			require.True(t, strings.Contains(body, want), "missing %s", want)
		}
		for _, unwanted := range []string{"\nvcf_up{", "\nvcf_host_info{", "\nvcf_scrape_duration_seconds{"} {
			require.False(t, strings.Contains(body, unwanted), "unexpected %s", unwanted)
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
		require.NoError(t, exp.cmd.Process.Signal(syscall.SIGTERM))
		select {
		case err := <-exp.done:
			require.NoError(t, err, "exit status after SIGTERM")
		case <-time.After(15 * time.Second):
			t.Fatal("exporter did not stop after SIGTERM")
		}
		require.Contains(t, exp.stderr.String(), "shutting down")
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
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: vcf
    static_configs:
      - targets: [%q]
`, exporterAddr)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644))
	addr := freeAddr(t)
	var out bytes.Buffer
	cmd := exec.Command(prom, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("prometheus output:\n%s", out.String())
		}
	})

	query := func(q string) (model.Vector, error) {
		resp, err := http.Get("http://" + addr + "/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var r struct {
			Status string `json:"status"`
			Data   struct {
				ResultType string          `json:"resultType"`
				Result     json.RawMessage `json:"result"`
			} `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			return nil, err
		}
		if r.Status != "success" || r.Data.ResultType != "vector" {
			return nil, fmt.Errorf("query %q: status %s, type %s", q, r.Status, r.Data.ResultType)
		}
		var v model.Vector
		return v, json.Unmarshal(r.Data.Result, &v)
	}

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

// TestE2ENoTarget: without any SDDC Manager the exporter refuses to start
// and says how to configure one.
func TestE2ENoTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := buildExporter(t)
	cmd := exec.Command(bin, "--web.listen-address="+freeAddr(t))
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
	require.NoError(t, exp.cmd.Process.Signal(syscall.SIGHUP))
	waitFor(t, 10*time.Second, func() bool {
		code, _ := get(t, base+"/probe?target=b")
		return code == http.StatusOK
	}, "target b after SIGHUP")

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
}

// TestE2ESimulator: the one-command demo (`vcf_exporter --simulator`).
func TestE2ESimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	exp := startExporter(t, buildExporter(t), nil, "--simulator")
	code, body := get(t, "http://"+exp.addr+"/probe?target=simulator")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "\nvcf_up 1\n")
	require.Contains(t, body, "vcf_domain_update_available{")
}

// TestE2ETLS: an HTTPS SDDC Manager is verified against --vcf.tls.ca-file;
// without it the certificate is refused (vcf_up 0), unless verification is
// explicitly disabled.
func TestE2ETLS(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := buildExporter(t)
	cfg := vcfsim.DefaultConfig()
	cfg.TLS = true
	cfg.Now = func() time.Time { return e2eNow }
	srv, err := vcfsim.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	require.True(t, strings.HasPrefix(srv.URL, "https://"))
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, srv.CACertPEM, 0o600))
	env := []string{"VCF_PASSWORD=" + cfg.Password}
	common := []string{"--vcf.url=" + srv.URL, "--vcf.username=" + cfg.Username, "--vcf.target-name=tls", "--vcf.scrape-timeout=3s"}

	for _, tc := range []struct {
		name  string
		extra []string
		up    string
	}{
		{"ca file", []string{"--vcf.tls.ca-file=" + ca}, "1"},
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
				waitFor(t, 5*time.Second, func() bool { return strings.Contains(exp.stderr.String(), "certificate is not trusted; vcf_up is 0") }, "the untrusted certificate log line")
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
		{"bad duration names its key", target("actions:\n  timeouts:\n    nsx: 5x\n"), nil, "actions.timeouts.nsx:"},
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
	cfg := vcfsim.DefaultConfig()
	cfg.TLS = true
	srv, err := vcfsim.NewServer(cfg)
	require.NoError(t, err)
	require.NoError(t, srv.Close())
	return srv.CACertPEM
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
		require.False(t, strings.Contains(body, unwanted), "unexpected %s", unwanted)
	}
	for _, want := range []string{"\nvcf_exporter_build_info{", `vcf_up{target="simulator"} 1`, "\nvcf_exporter_scrape_errors_total{"} {
		require.True(t, strings.Contains(body, want), "missing %s", want)
	}
}
