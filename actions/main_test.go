package actions

import (
	"os"
	"testing"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveBuilds()
	os.Exit(code)
}

// exporterBinary builds the exporter once for the package's process tests.
func exporterBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the exporter binary")
	}
	return testutil.Build(t, "..")
}
