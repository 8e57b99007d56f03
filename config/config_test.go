package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v2"
)

func TestLoadGood(t *testing.T) {
	c, err := Load("testdata/good.yml")
	require.NoError(t, err)
	require.Len(t, c.Targets, 2)
	lab := c.Targets[0]
	require.Equal(t, "lab", lab.Name)
	require.Equal(t, filepath.Join("testdata", "lab.password"), lab.PasswordFile)
	require.Equal(t, filepath.Join("testdata", "lab-ca.pem"), lab.TLSConfig.CAFile)
	require.Equal(t, 4, lab.MaxInFlight)
	pw, err := lab.ResolvePassword()
	require.NoError(t, err)
	require.Equal(t, "from-file", string(pw))

	prod := c.Targets[1]
	pw, err = prod.ResolvePassword()
	require.NoError(t, err)
	require.Equal(t, "secret", string(pw))
	hc := prod.HTTPClientConfig()
	require.Equal(t, "http://proxy.example.com:3128", hc.ProxyURL.String())
	require.NoError(t, hc.Validate())
}

func TestSecretNotMarshalled(t *testing.T) {
	c, err := Load("testdata/good.yml")
	require.NoError(t, err)
	out, err := yaml.Marshal(c)
	require.NoError(t, err)
	require.NotContains(t, string(out), "secret\n")
	require.Contains(t, string(out), "<secret>")
}

func TestParseErrors(t *testing.T) {
	base := "  - name: a\n    url: https://a.example.com\n    username: u\n    password: p\n"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown top-level key", "targetz: []\n", "field targetz not found"},
		{"unknown target key", "targets:\n" + base + "    pasword: x\n", "field pasword not found"},
		{"missing name", "targets:\n  - url: https://a.example.com\n    username: u\n    password: p\n", "name is required"},
		{"bad name", "targets:\n  - name: 'a b'\n    url: https://a.example.com\n    username: u\n    password: p\n", "letters, digits"},
		{"duplicate", "targets:\n" + base + base, `duplicate target name "a"`},
		{"missing url", "targets:\n  - name: a\n    username: u\n    password: p\n", "url is required"},
		{"bad scheme", "targets:\n  - name: a\n    url: ftp://a\n    username: u\n    password: p\n", "scheme must be https"},
		{"no host", "targets:\n  - name: a\n    url: https://\n    username: u\n    password: p\n", "missing host"},
		{"missing username", "targets:\n  - name: a\n    url: https://a\n    password: p\n", "username is required"},
		{"both passwords", "targets:\n" + base + "    password_file: f\n", "at most one of password and password_file"},
		{"no password", "targets:\n  - name: a\n    url: https://a\n    username: u\n", "one of password or password_file is required"},
		{"negative in flight", "targets:\n" + base + "    max_in_flight: -1\n", "max_in_flight must be >= 0"},
		{"tls both ca", "targets:\n" + base + "    tls_config:\n      ca: x\n      ca_file: y\n", "ca"},
		{"unknown tls key", "targets:\n" + base + "    tls_config:\n      insecure: true\n", "field insecure not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestEmptyPasswordFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pw"), []byte("\n"), 0o600))
	tc := TargetConfig{Name: "x", PasswordFile: filepath.Join(dir, "pw")}
	_, err := tc.ResolvePassword()
	require.ErrorContains(t, err, "is empty")
	tc.PasswordFile = filepath.Join(dir, "missing")
	_, err = tc.ResolvePassword()
	require.ErrorContains(t, err, "reading password_file")
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yml")
	write := func(s string) { require.NoError(t, os.WriteFile(path, []byte(s), 0o600)) }
	write("targets:\n  - name: a\n    url: https://a\n    username: u\n    password: p\n")
	c, err := Load(path)
	require.NoError(t, err)
	require.Equal(t, "a", c.Targets[0].Name)

	write("targets:\n  - name: a\n    urll: https://a\n")
	_, err = Load(path)
	require.Error(t, err)
	require.ErrorContains(t, err, path)
}

func TestErrorsNameTheTarget(t *testing.T) {
	_, err := Parse([]byte("targets:\n  - name: lab\n    url: ftp://x\n"))
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 3, err.Error())
	for _, l := range lines {
		require.True(t, strings.HasPrefix(l, "targets[0] (lab): "), l)
	}
}

func TestMaxResponseSize(t *testing.T) {
	base := "targets:\n- {name: a, url: 'https://a', username: u, password: p, max_response_size: %s}\n"
	c, err := Parse([]byte(strings.Replace(base, "%s", "512MiB", 1)))
	require.NoError(t, err)
	require.EqualValues(t, 512<<20, c.Targets[0].MaxResponseSize)
	_, err = Parse([]byte(strings.Replace(base, "%s", "lots", 1)))
	require.ErrorContains(t, err, "lots")
}

func TestActionsTimeoutsYAML(t *testing.T) {
	c, err := Parse([]byte("actions:\n  timeouts:\n    nsx: 12h\n    esx_cluster: 2d\n"))
	require.NoError(t, err)
	require.Equal(t, model.Duration(12*time.Hour), c.Actions.Timeouts["nsx"])
	require.Equal(t, model.Duration(48*time.Hour), c.Actions.Timeouts["esx_cluster"])
	require.Zero(t, c.Actions.Timeouts["vcenter"])

	_, err = Parse([]byte("actions:\n  timeouts:\n    nsx: 5x\n"))
	require.ErrorContains(t, err, "actions.timeouts.nsx:")
	_, err = Parse([]byte("actions:\n  timeouts: 5m\n"))
	require.ErrorContains(t, err, "actions.timeouts:")
}

func TestURLWithCredentialsRefused(t *testing.T) {
	err := ValidateURL("https://admin:hunter2@sddc.example.com")
	require.ErrorContains(t, err, "must not contain a user name or password")
	require.NotContains(t, err.Error(), "hunter2")
}
