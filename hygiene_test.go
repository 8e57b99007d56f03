package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// binaryAssets are tracked files allowed to be binary (images, archives the
// tests need). None today: a build output committed by mistake is the case
// this guards against.
var binaryAssets = map[string]bool{}

// binaryMagic are the first bytes of executables and object files: ELF,
// Mach-O (32/64-bit, both byte orders, fat), PE/COFF.
var binaryMagic = [][]byte{
	[]byte("\x7fELF"),
	{0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf},
	{0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe},
	{0xca, 0xfe, 0xba, 0xbe},
	[]byte("MZ\x90\x00"),
}

// isBinary says why b is not text, or "".
func isBinary(b []byte) string {
	for _, m := range binaryMagic {
		if bytes.HasPrefix(b, m) {
			return "executable magic"
		}
	}
	// git's own heuristic: a NUL byte in the first 8000 bytes.
	if bytes.IndexByte(b[:min(len(b), 8000)], 0) >= 0 {
		return "NUL byte"
	}
	return ""
}

func TestIsBinary(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"package main\n", ""},
		{"", ""},
		{"\x7fELF\x02\x01\x01", "executable magic"},
		{"\xcf\xfa\xed\xfe\x07\x00", "executable magic"},
		{"MZ\x90\x00\x03", "executable magic"},
		{"text\x00more", "NUL byte"},
		{strings.Repeat("a", 8000) + "\x00", ""},
	} {
		require.Equal(t, tc.want, isBinary([]byte(tc.in)), "%q", tc.in)
	}
}

// TestNoTrackedBinaries: build outputs belong in .gitignore, not in git.
func TestNoTrackedBinaries(t *testing.T) {
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	require.NotEmpty(t, files)
	for _, f := range files {
		if binaryAssets[f] {
			continue
		}
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet committed
		}
		require.NoError(t, err)
		if why := isBinary(b); why != "" {
			t.Errorf("%s is a tracked binary (%s): delete it and add it to .gitignore", f, why)
		}
	}
}

// None of our packages that the exporter or vcfsim binaries link imports
// testing: test helpers live in packages only tests import (vcfsimtest,
// internal/testutil). A third-party dependency may still import it
// (prometheus/common's expfmt pulls in go-abnf, which does).
func TestBinariesLinkNoTestHelpers(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", ".", "./cmd/vcfsim").Output()
	require.NoError(t, err)
	const module = "github.com/vcf-exporter/vcf_exporter"
	ours := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		if pkg != module && !strings.HasPrefix(pkg, module+"/") {
			continue
		}
		ours++
		require.NotContains(t, strings.Fields(imports), "testing", "%s imports testing", pkg)
	}
	require.Greater(t, ours, 5, "go list found our packages")
}
