package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// start runs the command with args until the test ends.
func start(t *testing.T, args ...string) (*vcfsim.Server, *testutil.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan *vcfsim.Server, 1)
	done := make(chan int, 1)
	logs := &testutil.Buffer{}
	go func() { done <- run(ctx, args, io.Discard, logs, func(s *vcfsim.Server) { ready <- s }) }()
	select {
	case s := <-ready:
		t.Cleanup(func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("exit code %d; logs:\n%s", code, logs)
			}
		})
		return s, logs
	case code := <-done:
		cancel()
		t.Fatalf("exited with %d before listening; logs:\n%s", code, logs)
	case <-time.After(20 * time.Second):
		cancel() // run returns once it is up; the test fails anyway
		t.Fatal("not listening after 20s")
	}
	return nil, nil
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &out, io.Discard, nil); code != 0 {
		t.Fatalf("--help exit code %d", code)
	}
	for _, f := range []string{"--web.listen-address", "--[no-]tls", "--tls.ca-file", "--seed", "--domains", "--clusters-per-domain",
		"--hosts-per-cluster", "--unassigned-hosts", "--username", "--password", "--token-ttl", "--time-scale", "--latency", "--jitter",
		"--precheck.errors", "--precheck.warnings", "--fault.error-rate", "--fault.error-code", "--fault.fail-endpoint", "--fault.fail-code",
		"--fault.fail-count", "--fault.outage", "--fault.outage-mode", "--fault.malformed", "--fault.truncate", "--fault.slow-body",
		"--fault.fail-upgrade", "--fault.latency", "--fault.jitter", "--vcf-version", "--hosts.page-size",
		"--hosts.order", "--page-base", "--page-size-max", "--total-elements-lie"} {
		if !strings.Contains(out.String(), f) {
			t.Errorf("--help does not mention %s", f)
		}
	}
}

func TestBoolAssignments(t *testing.T) {
	got := boolAssignments([]string{"--tls=false", "--tls=true", "--tls.ca-file=x", "--tls=maybe", "--", "--tls=false"}, "tls")
	want := []string{"--no-tls", "--tls", "--tls.ca-file=x", "--tls=maybe", "--", "--tls=false"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--domains=0"}, {"--fault.outage-mode=loud"}, {"--time-scale=abc"}, {"--bogus"}, {"--vcf-version=7.0"}, {"--hosts.page-size=-1"}, {"--hosts.order=name"}, {"--page-base=2"}, {"--page-size-max=-1"}} {
		args = append(args, "--no-tls", "--web.listen-address=127.0.0.1:0")
		if code := run(context.Background(), args, io.Discard, io.Discard, nil); code == 0 {
			t.Errorf("%v: exit code 0", args)
		}
	}
}

func TestPlainHTTP(t *testing.T) {
	for _, flag := range []string{"--no-tls", "--tls=false"} {
		srv, _ := start(t, flag, "--web.listen-address=127.0.0.1:0", "--domains=2", "--hosts-per-cluster=1", "--log.level=debug")
		if !strings.HasPrefix(srv.URL, "http://") {
			t.Fatalf("%s: URL %s", flag, srv.URL)
		}
		resp, err := http.Post(srv.URL+"/v1/tokens", "application/json", strings.NewReader(`{"username":"admin@local","password":"VMware1!VMware1!"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("%s: login %d", flag, resp.StatusCode)
		}
	}
}

func TestVCFVersion(t *testing.T) {
	for version, sddc := range map[string]string{"--seed=1": "5.1.1.0", "--vcf-version=5.2.1": "5.1.1.0", "--vcf-version=9.0.2": "9.0.0.0"} {
		srv, logs := start(t, version, "--no-tls", "--web.listen-address=127.0.0.1:0", "--hosts.page-size=3", "--hosts.order=id", "--page-base=1", "--page-size-max=2", "--total-elements-lie=-1")
		if got, cfg := srv.Sim.SddcManagerVersion(), srv.Sim.Config(); got != sddc || cfg.HostsPageSize != 3 || cfg.HostOrder != "id" || cfg.PageBase != 1 || cfg.MaxPageSize != 2 || cfg.TotalElementsLie != -1 {
			t.Errorf("%q: SDDC Manager %s, config %+v", version, got, cfg)
		}
		if want := "vcf_version=" + strings.TrimPrefix(version, "--vcf-version="); version != "--seed=1" && !strings.Contains(logs.String(), want) {
			t.Errorf("%q: start-up log lacks %s:\n%s", version, want, logs)
		}
	}
}

func TestTLSWithCAFile(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	srv, logs := start(t, "--web.listen-address=127.0.0.1:0", "--tls.ca-file="+ca, "--username=u", "--password=p", "--fault.fail-endpoint=GET /v1/domains", "--fault.fail-count=1")
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("CA file is not PEM")
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Post(srv.URL+"/v1/tokens", "application/json", strings.NewReader(`{"username":"u","password":"p"}`))
	if err != nil {
		t.Fatalf("verified TLS request: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("login with --username/--password: %d", resp.StatusCode)
	}
	if f := srv.Sim.Faults(); f.FailEndpoint != "GET /v1/domains" || f.FailCount != 1 {
		t.Fatalf("fault flags not applied: %+v", f)
	}
	if !strings.Contains(logs.String(), "vcfsim listening") {
		t.Fatalf("no start-up log:\n%s", logs)
	}
}
