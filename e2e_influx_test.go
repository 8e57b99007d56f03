package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/influxtest"
	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

// TestE2EInfluxDB: the binary with --simulator writes to a real InfluxDB
// from the flags (token from $INFLUXDB_TOKEN), shows the sink's metrics on
// /metrics and stops cleanly on SIGTERM; a wrong token is one clear log
// line while /metrics keeps working; --config.check asks each sink.
func TestE2EInfluxDB(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := buildExporter(t)
	db := influxtest.Start(t)
	bucket := db.CreateDatabase(t, "vcf")
	sink := strings.TrimPrefix(db.URL, "http://")
	written := regexp.MustCompile(`vcf_influxdb_points_written_total\{sink="` + regexp.QuoteMeta(sink) + `"\} (\d+)`)

	exp := startExporter(t, bin, []string{"INFLUXDB_TOKEN=" + db.Token},
		"--simulator", "--influxdb.url="+db.URL, "--influxdb.bucket="+bucket, "--influxdb.interval=1h")
	base := "http://" + exp.addr
	var n int
	testutil.WaitFor(t, 30*time.Second, "points written", func() bool {
		_, body := get(t, base+"/metrics")
		m := written.FindStringSubmatch(body)
		if m == nil {
			return false
		}
		n, _ = strconv.Atoi(m[1])
		return n > 0
	})
	recs := db.Query(t, `from(bucket: "`+bucket+`") |> range(start: -15m) |> filter(fn: (r) => r._measurement == "vcf_host" and r._field == "cpu_used_hertz" and r.target == "simulator")`)
	require.NotEmpty(t, recs)
	require.NoError(t, exp.Stop(t, 30*time.Second), "exit status after SIGTERM")
	require.Contains(t, exp.Output.String(), "InfluxDB sink ready")

	const wrong = "admin:wrong-token-0815"
	exp = startExporter(t, bin, []string{"INFLUXDB_TOKEN=" + wrong},
		"--simulator", "--influxdb.url="+db.URL, "--influxdb.bucket="+bucket)
	exp.WaitLog(t, 30*time.Second, "rejected the token")
	code, body := get(t, "http://"+exp.addr+"/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, `vcf_up{target="simulator"} 1`)
	require.Equal(t, 1, strings.Count(exp.Output.String(), "component=influxdb"), "one line about InfluxDB: %s", exp.Output)
	require.NotContains(t, exp.Output.String(), "wrong-token-0815")

	dir := t.TempDir()
	cfg := filepath.Join(dir, "vcf.yml")
	file := func(bucket string) []byte {
		return []byte("targets:\n  - name: a\n    url: https://a.example.com\n    username: u\n    password: p\n" +
			"influxdb:\n  - url: " + db.URL + "\n    bucket: " + bucket + "\n    token: \"" + db.Token + "\"\n")
	}
	require.NoError(t, os.WriteFile(cfg, file("nosuchdb"), 0o600))
	out, err := exec.Command(bin, "--config.check", "--config.file="+cfg).CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), `bucket \"nosuchdb\" not found`)
	require.NotContains(t, string(out), influxtest.Password)
	require.NoError(t, os.WriteFile(cfg, file(bucket), 0o600))
	out, err = exec.Command(bin, "--config.check", "--config.file="+cfg).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), `influxdb "`+sink+`": OK`)
}
