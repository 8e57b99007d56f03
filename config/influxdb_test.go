package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v2"
)

func TestInfluxDBConfig(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "influx.token"), []byte("tok-from-file\n"), 0o600))
	file := filepath.Join(dir, "vcf.yml")
	require.NoError(t, os.WriteFile(file, []byte(`
influxdb:
  - url: https://influx.example.com:8086
    org: home
    bucket: vcf
    token_file: influx.token
    tls_config:
      ca_file: ca.pem
  - name: local18
    url: http://127.0.0.1:8086
    bucket: vcf/autogen
    token: "admin:s3cret-password"
    interval: 15s
    buffer_size: 1000
    batch_size: 100
`), 0o600))
	c, err := Load(file)
	require.NoError(t, err)
	require.Len(t, c.InfluxDB, 2)

	cloud := c.InfluxDB[0].WithDefaults()
	require.Equal(t, "influx.example.com:8086", cloud.Name)
	require.Equal(t, time.Minute, time.Duration(cloud.Interval))
	require.Equal(t, DefaultInfluxDBBufferSize, cloud.BufferSize)
	require.Equal(t, filepath.Join(dir, "ca.pem"), cloud.TLSConfig.CAFile)
	tok, err := cloud.ResolveToken()
	require.NoError(t, err)
	require.Equal(t, "tok-from-file", string(tok))

	local := c.InfluxDB[1].WithDefaults()
	require.Equal(t, "local18", local.Name)
	require.Equal(t, 15*time.Second, time.Duration(local.Interval))
	require.Equal(t, 1000, local.BufferSize)
	require.Equal(t, 100, local.BatchSize)

	out, err := yaml.Marshal(c)
	require.NoError(t, err)
	require.NotContains(t, string(out), "s3cret")
}

func TestInfluxDBConfigErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "influxdb:\n  - url: http://a:8086\n    bucket: b\n    bukket: c\n", "field bukket not found"},
		{"no bucket", "influxdb:\n  - url: http://a:8086\n", "bucket is required"},
		{"no url", "influxdb:\n  - bucket: b\n", "influxdb[0]: url is required"},
		{"credentials in url", "influxdb:\n  - url: http://u:secretpw@a:8086\n    bucket: b\n", "must not contain a user name or password"},
		{"both tokens", "influxdb:\n  - url: http://a:8086\n    bucket: b\n    token: x\n    token_file: y\n", "at most one of token and token_file"},
		{"duplicate", "influxdb:\n  - url: http://a:8086\n    bucket: b\n  - url: http://a:8086\n    bucket: c\n", `duplicate sink name "a:8086"`},
		{"negative buffer", "influxdb:\n  - url: http://a:8086\n    bucket: b\n    buffer_size: -1\n", "buffer_size must be >= 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			require.ErrorContains(t, err, tc.want)
			require.NotContains(t, err.Error(), "secretpw")
		})
	}
}

func TestInfluxDBCheckFiles(t *testing.T) {
	c := &Config{InfluxDB: []InfluxDBConfig{{URL: "http://a:8086", Bucket: "b", TokenFile: filepath.Join(t.TempDir(), "missing")}}}
	require.ErrorContains(t, c.CheckFiles(), `influxdb "a:8086": reading token file`)
}
