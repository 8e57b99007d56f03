package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/version"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/targets"
)

func TestFlagTargets(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	t.Setenv(passwordEnv, "")

	ts, err := flagTargets(&flags{}, logger)
	require.NoError(t, err)
	require.Empty(t, ts, "no --vcf.url: no flag target")

	_, err = flagTargets(&flags{username: "u"}, logger)
	require.ErrorContains(t, err, "without --vcf.url")

	_, err = flagTargets(&flags{url: "https://sddc.example.com", username: "u"}, logger)
	require.ErrorContains(t, err, "needs a password")

	_, err = flagTargets(&flags{url: "sddc.example.com", username: "u", passwordFile: "f"}, logger)
	require.ErrorContains(t, err, "scheme must be https")

	ts, err = flagTargets(&flags{url: "https://sddc.example.com:443/", username: "u", passwordFile: "/pw", caFile: "/ca.pem"}, logger)
	require.NoError(t, err)
	require.Len(t, ts, 1)
	require.Equal(t, "sddc.example.com", ts[0].Name, "named after the URL's host")
	require.Equal(t, "/pw", ts[0].PasswordFile)
	require.Equal(t, "/ca.pem", ts[0].TLSConfig.CAFile)

	t.Setenv(passwordEnv, "s3cret")
	ts, err = flagTargets(&flags{url: "https://sddc.example.com", username: "u", targetName: "lab", insecure: true}, logger)
	require.NoError(t, err)
	require.Equal(t, "lab", ts[0].Name)
	require.Equal(t, "s3cret", string(ts[0].Password))
	require.True(t, ts[0].TLSConfig.InsecureSkipVerify)

	_, err = flagTargets(&flags{url: "https://sddc.example.com", username: "u", passwordFile: "/pw"}, logger)
	require.ErrorContains(t, err, "both $VCF_PASSWORD and --vcf.password-file")

	_, err = flagTargets(&flags{url: "https://sddc.example.com", username: "u", targetName: strings.Repeat("n", 300)}, logger)
	require.ErrorContains(t, err, "--vcf.* flags: name \"nnn")
	require.ErrorContains(t, err, config.TargetNameRule)
	_, err = flagTargets(&flags{url: "https://[::1]:443", username: "u"}, logger)
	require.ErrorContains(t, err, config.TargetNameRule, "a host that is no valid name needs --vcf.target-name")
}

// TestReloadWarnsReadableSecrets: at start and at every reload, each
// secret file of the flags and of the configuration file that group or
// others can read gets one warning line.
func TestReloadWarnsReadableSecrets(t *testing.T) {
	dir := t.TempDir()
	token := filepath.Join(dir, "actions.token")
	require.NoError(t, os.WriteFile(token, []byte(strings.Repeat("t", 40)), 0o644))
	flagToken := filepath.Join(dir, "flag.token")
	require.NoError(t, os.WriteFile(flagToken, []byte(strings.Repeat("f", 40)), 0o604))
	cfg := filepath.Join(dir, "vcf.yml")
	require.NoError(t, os.WriteFile(cfg, []byte("actions:\n  tokens:\n    - name: ha\n      token_file: actions.token\n"), 0o600))

	var log testutil.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	registry := targets.NewRegistry(targets.Options{})
	defer registry.Close()
	sc := config.NewFileConfig(cfg, nil, prometheus.NewRegistry())
	sc.Subscribe(config.SecretWarnings(logger, "", flagToken))
	sc.Subscribe(followTargets(registry, func(string) {}))
	require.NoError(t, sc.Reload())
	require.Equal(t, 2, strings.Count(log.String(), "secret file readable by others"), log.String())
	require.Contains(t, log.String(), token+" has mode 0644")
	require.Contains(t, log.String(), flagToken+" has mode 0604")

	require.NoError(t, os.Chmod(token, 0o600))
	require.NoError(t, sc.Reload())
	require.Equal(t, 3, strings.Count(log.String(), "secret file readable by others"), "only the flag's file is left: %s", log.String())
}

func TestDefaultGCPercent(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })
	logger := slog.New(slog.DiscardHandler)

	t.Setenv("GOGC", "200")
	defaultGCPercent(logger)
	require.Equal(t, 100, debug.SetGCPercent(100), "$GOGC wins")

	require.NoError(t, os.Unsetenv("GOGC"))
	defaultGCPercent(logger)
	require.Equal(t, gcPercent, debug.SetGCPercent(100))
}

// Built without -ldflags (go run, go test), the version comes from the
// build information Go records.
func TestVersionFromBuildInfo(t *testing.T) {
	saved := version.Version
	t.Cleanup(func() { version.Version = saved })
	version.Version = ""
	versionFromBuildInfo()
	bi, ok := debug.ReadBuildInfo()
	require.True(t, ok)
	require.NotEmpty(t, version.Version)
	require.Equal(t, bi.Main.Version, version.Version)

	version.Version = "1.2.3" // set by make build: kept
	versionFromBuildInfo()
	require.Equal(t, "1.2.3", version.Version)
}
