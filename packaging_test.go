package main

// The Dockerfile cannot be built here (no container engine), so this test
// runs its build line exactly (same command, flags and build arguments) and
// its smoke checks: --version, static linking, and a start with the image's
// ENTRYPOINT whose /metrics answers.

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// dockerfile holds the instructions of ./Dockerfile that the test replays.
type dockerfile struct {
	from       []string // FROM images
	runs       []string // RUN commands
	entrypoint []string
	expose     []string
	volumes    []string
}

func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	f, err := os.Open("Dockerfile")
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	var d dockerfile
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		instr, rest, _ := strings.Cut(line, " ")
		switch instr {
		case "FROM":
			d.from = append(d.from, strings.Fields(rest)[0])
		case "RUN":
			d.runs = append(d.runs, rest)
		case "ENTRYPOINT":
			require.NoError(t, json.Unmarshal([]byte(rest), &d.entrypoint), "ENTRYPOINT must be the exec (JSON) form")
		case "EXPOSE":
			d.expose = append(d.expose, strings.Fields(rest)...)
		case "VOLUME":
			var v []string
			require.NoError(t, json.Unmarshal([]byte(rest), &v))
			d.volumes = append(d.volumes, v...)
		}
	}
	require.NoError(t, sc.Err())
	return d
}

func TestDockerfileBuildAndSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not found")
	}
	d := parseDockerfile(t)
	require.Len(t, d.from, 2, "multi-stage: a build stage and a runtime stage")
	require.Regexp(t, `^gcr\.io/distroless/static[-a-z0-9]*:nonroot$`, d.from[1], "static distroless, non-root")

	// The build stage's Go is the one go.mod asks for.
	gomod, err := os.ReadFile("go.mod")
	require.NoError(t, err)
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	require.NotNil(t, goVersion)
	require.Equal(t, "golang:"+string(goVersion[1]), strings.Split(d.from[0], " ")[0])

	// The build line, with the build arguments and the output path of the test.
	var build string
	for _, r := range d.runs {
		if strings.Contains(r, "make build") {
			build = r
		}
	}
	require.NotEmpty(t, build, "the Dockerfile builds with the Makefile's build target")
	require.NotContains(t, build, "VERSION", "the version comes from the VERSION file, as in make release")
	out := filepath.Join(t.TempDir(), "vcf_exporter")
	cmd := strings.NewReplacer("${REVISION}", "abc123", "${BRANCH}", "test-branch",
		"/out/vcf_exporter", out).Replace(build)
	b, err := exec.Command("sh", "-c", cmd).CombinedOutput()
	require.NoError(t, err, "%s: %s", cmd, b)
	requireStatic(t, out)

	// The build stage's smoke check, and the version ldflags.
	var smoke bool
	for _, r := range d.runs {
		if strings.HasPrefix(r, "/out/vcf_exporter --version") {
			smoke = true
			b, err := exec.Command("sh", "-c", strings.ReplaceAll(r, "/out/vcf_exporter", out)).CombinedOutput()
			require.NoError(t, err, "%s", b)
			require.Contains(t, string(b), "version "+releaseVersion(t)+" (branch: test-branch, revision: abc123)")
		}
	}
	require.True(t, smoke, "the build stage runs --version")

	// The runtime: port, volume, ENTRYPOINT defaults.
	require.Equal(t, []string{"10095"}, d.expose)
	require.Equal(t, "/bin/vcf_exporter", d.entrypoint[0])
	require.Contains(t, d.entrypoint, "--web.listen-address=:10095")
	require.Len(t, d.volumes, 1)
	require.Contains(t, d.entrypoint, "--storage.path="+d.volumes[0], "the volume is the storage path")

	// Start with the ENTRYPOINT's flags (another port, the storage in a
	// temporary directory) and the demo target; /metrics answers.
	var args []string
	for _, a := range d.entrypoint[1:] {
		switch {
		case strings.HasPrefix(a, "--web.listen-address="):
		case strings.HasPrefix(a, "--storage.path="):
			args = append(args, "--storage.path="+t.TempDir())
		default:
			args = append(args, a)
		}
	}
	exp := startExporter(t, out, nil, append(args, "--simulator")...)
	code, body := get(t, "http://"+exp.addr+"/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, `vcf_up{target="simulator"} 1`)
	require.Regexp(t, `vcf_exporter_build_info\{[^}]*version="`+regexp.QuoteMeta(releaseVersion(t))+`"`, body)
}

// releaseVersion is the VERSION file: what --version reports.
func releaseVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("VERSION")
	require.NoError(t, err)
	v := strings.TrimSpace(string(b))
	require.Regexp(t, `^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`, v, "VERSION is a semantic version")
	require.Equal(t, v+"\n", string(b), "VERSION is one line")
	return v
}

// requireStatic: no dynamic loader, no shared libraries (CGO_ENABLED=0).
func requireStatic(t *testing.T, path string) {
	t.Helper()
	ef, err := elf.Open(path)
	require.NoError(t, err)
	defer func() { _ = ef.Close() }()
	for _, p := range ef.Progs {
		require.NotEqual(t, elf.PT_INTERP, p.Type, "%s must be static (CGO_ENABLED=0)", path)
	}
	libs, err := ef.ImportedLibraries()
	require.NoError(t, err)
	require.Empty(t, libs, path)
}

// TestSystemdUnit: the example unit is hardened, keeps --storage.path in its
// StateDirectory, and systemd-analyze finds nothing to say about it.
func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile("examples/systemd/vcf_exporter.service")
	require.NoError(t, err)
	unit := string(b)
	for _, want := range []string{"\nDynamicUser=yes\n", "\nProtectSystem=strict\n", "\nStateDirectory=vcf_exporter\n",
		"\nNoNewPrivileges=yes\n", "\nCapabilityBoundingSet=\n", "--storage.path=/var/lib/vcf_exporter "} {
		require.Contains(t, unit, want)
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not found")
	}
	// verify wants the ExecStart binary to exist.
	self, err := os.Executable()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "vcf_exporter.service")
	require.NoError(t, os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/vcf_exporter", self)), 0o644))
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Empty(t, strings.TrimSpace(string(out)), "systemd-analyze verify must print nothing")
}
