package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"testing"

	"github.com/prometheus/common/version"
	"github.com/stretchr/testify/require"
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
}

func TestDefaultMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	logger := slog.New(slog.DiscardHandler)

	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30)
	defaultMemoryLimit(logger)
	require.Equal(t, int64(1<<30), debug.SetMemoryLimit(-1), "$GOMEMLIMIT wins")

	require.NoError(t, os.Unsetenv("GOMEMLIMIT"))
	defaultMemoryLimit(logger)
	require.Equal(t, int64(memoryLimit), debug.SetMemoryLimit(-1))
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
