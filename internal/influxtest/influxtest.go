// Package influxtest runs a real InfluxDB 1.8 (influxd, with Flux enabled and
// authentication on) for tests, and queries it with Flux like Grafana and
// Home Assistant do.
//
//	db := influxtest.Start(t)            // stopped at the end of the test
//	bucket := db.CreateDatabase(t, "vcf") // "vcf/autogen"
//	recs := db.Query(t, `from(bucket: "vcf/autogen") |> range(start: -15m) |> last()`)
//
// influxd comes from $PATH or $GOPATH/bin (`make deps-influxdb` installs it).
// Without it the test is skipped, or fails when $CI is set.
package influxtest

import (
	"context"
	"encoding/json"
	"fmt"
	"go/build"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"
	"github.com/influxdata/influxdb-client-go/v2/api/query"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

// Password of the admin user every server is created with.
const Password = "influxtest-admin-password"

// Server is one influxd process with its own directory and port.
type Server struct {
	// URL is http://127.0.0.1:<port>.
	URL string
	// Token authenticates as the admin user ("admin:<password>", the
	// InfluxDB 1.8 form of a 2.x token).
	Token string
	// Log is influxd's output.
	Log *testutil.Buffer

	bin, dir string
	cmd      *exec.Cmd
	exited   chan struct{}
}

// Binary returns the influxd to run and whether one was found.
func Binary() (string, bool) {
	if p, err := exec.LookPath("influxd"); err == nil {
		return p, true
	}
	p := filepath.Join(build.Default.GOPATH, "bin", "influxd")
	if _, err := os.Stat(p); err == nil {
		return p, true
	}
	return "", false
}

// Start runs influxd on a free loopback port with temporary directories,
// waits until it answers, creates the admin user and stops it when the test
// ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, ok := Binary()
	if !ok {
		msg := "influxd not found in $PATH or $GOPATH/bin; run `make deps-influxdb`"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s := &Server{bin: bin, dir: t.TempDir(), Token: "admin:" + Password}
	var err error
	for range 3 { // a free port may be taken by someone else before influxd binds it
		if err = s.start(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("starting influxd: %v\n%s", err, s.Log)
	}
	t.Cleanup(func() { s.Stop(t) })
	s.InfluxQL(t, "CREATE USER admin WITH PASSWORD '"+Password+"' WITH ALL PRIVILEGES")
	return s
}

// start writes the configuration with fresh ports and starts influxd.
func (s *Server) start() error {
	httpPort, err := freePort()
	if err != nil {
		return err
	}
	rpcPort, err := freePort()
	if err != nil {
		return err
	}
	conf := fmt.Sprintf(`reporting-disabled = true
bind-address = "127.0.0.1:%d"
[meta]
  dir = %q
[data]
  dir = %q
  wal-dir = %q
  query-log-enabled = false
[retention]
  enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
[logging]
  level = "warn"
[http]
  bind-address = "127.0.0.1:%d"
  auth-enabled = true
  flux-enabled = true
  log-enabled = false
`, rpcPort, filepath.Join(s.dir, "meta"), filepath.Join(s.dir, "data"), filepath.Join(s.dir, "wal"), httpPort)
	if err := os.WriteFile(filepath.Join(s.dir, "influxd.conf"), []byte(conf), 0o600); err != nil {
		return err
	}
	s.URL = "http://127.0.0.1:" + strconv.Itoa(httpPort)
	return s.run()
}

// run starts influxd with the configuration in s.dir and waits for /ping.
func (s *Server) run() error {
	s.Log = &testutil.Buffer{}
	cmd := exec.Command(s.bin, "-config", filepath.Join(s.dir, "influxd.conf"))
	cmd.Stdout, cmd.Stderr = s.Log, s.Log
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.exited) }()
	deadline := time.After(60 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/ping")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("influxd exited: %v", cmd.ProcessState)
		case <-deadline:
			s.kill()
			return fmt.Errorf("influxd did not answer /ping within 60s")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *Server) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// Stop stops influxd (SIGTERM, then SIGKILL after 20s). Its data stays for
// Restart. Stopping a stopped server does nothing.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.kill()
}

// Restart starts a stopped server again, on the same port with the same data.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.run(); err != nil {
		t.Fatalf("restarting influxd: %v\n%s", err, s.Log)
	}
}

// InfluxQL runs an InfluxQL statement (as admin) and fails the test on error.
func (s *Server) InfluxQL(t testing.TB, q string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/query", strings.NewReader(url.Values{"q": {q}}.Encode()))
	if err != nil {
		t.Fatalf("influxql %q: %v", q, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("admin", Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("influxql %q: %v", q, err)
	}
	defer func() { _ = resp.Body.Close() }()
	var r struct {
		Results []struct {
			Error string `json:"error"`
		} `json:"results"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("influxql %q: HTTP %d, %v", q, resp.StatusCode, err)
	}
	for _, res := range r.Results {
		if res.Error != "" {
			r.Error = res.Error
		}
	}
	if r.Error != "" {
		t.Fatalf("influxql %q: %s", q, r.Error)
	}
}

// CreateDatabase creates a database and returns its bucket name for the 2.x
// API ("name/autogen").
func (s *Server) CreateDatabase(t testing.TB, name string) string {
	t.Helper()
	s.InfluxQL(t, "CREATE DATABASE "+strconv.Quote(name))
	return name + "/autogen"
}

// Query runs a Flux query through the 2.x query API, as the
// influxdb-client-go (Grafana's and Home Assistant's Flux path) sends it.
func (s *Server) Query(t testing.TB, flux string) []*query.FluxRecord {
	t.Helper()
	recs, err := s.TryQuery(context.Background(), flux)
	if err != nil {
		t.Fatalf("flux query failed: %v\n%s", err, flux)
	}
	return recs
}

// TryQuery is Query returning the error, for use inside
// require.EventuallyWithT.
func (s *Server) TryQuery(ctx context.Context, flux string) ([]*query.FluxRecord, error) {
	c := influxdb2.NewClient(s.URL, s.Token)
	defer c.Close()
	res, err := c.QueryAPI("").Query(ctx, flux)
	if err != nil {
		return nil, err
	}
	defer func() { _ = res.Close() }()
	var out []*query.FluxRecord
	for res.Next() {
		out = append(out, res.Record())
	}
	return out, res.Err()
}

// PointsReceived is influxd's count of points received by write requests
// since it (re)started (the "pointReq" statistic of /debug/vars).
func (s *Server) PointsReceived(t testing.TB) int64 {
	t.Helper()
	resp, err := http.Get(s.URL + "/debug/vars")
	if err != nil {
		t.Fatalf("influxd /debug/vars: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var vars map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&vars); err != nil {
		t.Fatalf("influxd /debug/vars: %v", err)
	}
	var w struct {
		Values struct {
			PointReq int64 `json:"pointReq"`
		} `json:"values"`
	}
	if raw, ok := vars["write"]; ok {
		if err := json.Unmarshal(raw, &w); err != nil {
			t.Fatalf("influxd /debug/vars write: %v", err)
		}
	}
	return w.Values.PointReq
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
