package main

// make release cross-builds three platforms, too slow for every `make test`
// on a small machine; this test runs the same target for the platform of the
// test (one build, cached by the Dockerfile test's) and checks the
// artefacts, and checks the platform list of the real release.

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReleasePlatforms(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not found")
	}
	out, err := exec.Command("make", "-s", "--eval=print-%: ; @echo $($*)", "print-RELEASE_PLATFORMS").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Equal(t, "linux/amd64 linux/arm64 darwin/arm64", strings.TrimSpace(string(out)))
}

func TestRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	for _, tool := range []string{"make", "tar", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	version := releaseVersion(t)
	dir := t.TempDir()
	platform := runtime.GOOS + "/" + runtime.GOARCH
	out, err := exec.Command("make", "release", "RELEASE_PLATFORMS="+platform, "RELEASE_DIR="+dir).CombinedOutput()
	require.NoError(t, err, "%s", out)

	name := fmt.Sprintf("vcf_exporter-%s.%s-%s", version, runtime.GOOS, runtime.GOARCH)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	require.ElementsMatch(t, []string{name + ".tar.gz", "sha256sums.txt"}, got, "only the tarball and the checksums")

	// The checksum file, in sha256sum's format.
	tarball, err := os.ReadFile(filepath.Join(dir, name+".tar.gz"))
	require.NoError(t, err)
	sum := sha256.Sum256(tarball)
	sums, err := os.ReadFile(filepath.Join(dir, "sha256sums.txt"))
	require.NoError(t, err)
	require.Equal(t, hex.EncodeToString(sum[:])+"  "+name+".tar.gz\n", string(sums))

	// One directory named like the tarball, holding the binary, LICENSE and NOTICE.
	files := untar(t, filepath.Join(dir, name+".tar.gz"), dir)
	require.Equal(t, map[string]int64{
		name + "/":             0o755,
		name + "/vcf_exporter": 0o755,
		name + "/LICENSE":      0o644,
		name + "/NOTICE":       0o644,
	}, files)
	for _, f := range []string{"LICENSE", "NOTICE"} {
		want, err := os.ReadFile(f)
		require.NoError(t, err)
		have, err := os.ReadFile(filepath.Join(dir, name, f))
		require.NoError(t, err)
		require.Equal(t, string(want), string(have), f)
	}
	bin := filepath.Join(dir, name, "vcf_exporter")
	if runtime.GOOS == "linux" {
		requireStatic(t, bin)
	}
	b, err := exec.Command(bin, "--version").CombinedOutput()
	require.NoError(t, err, "%s", b)
	require.Contains(t, string(b), "vcf_exporter, version "+version+" ")
}

// untar extracts a .tar.gz into dir and returns each entry's mode bits.
func untar(t *testing.T, path, dir string) map[string]int64 {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	files := map[string]int64{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		require.NoError(t, err)
		require.Zero(t, h.Uid, "%s: owned by root, not the builder", h.Name)
		files[h.Name] = h.Mode & 0o777
		target := filepath.Join(dir, filepath.FromSlash(h.Name))
		require.True(t, strings.HasPrefix(target, dir+string(filepath.Separator)), h.Name)
		if h.Typeflag == tar.TypeDir {
			require.NoError(t, os.MkdirAll(target, 0o755))
			continue
		}
		require.Equal(t, byte(tar.TypeReg), h.Typeflag, h.Name)
		w, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
		require.NoError(t, err)
		_, err = io.Copy(w, tr) //nolint:gosec // our own tarball, size-checked by the build
		require.NoError(t, err)
		require.NoError(t, w.Close())
	}
}
