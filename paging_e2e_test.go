package main

import (
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// TestE2ESimulatorPageBase: --simulator.page-base numbers the demo's pages
// from 1; the exporter shows every host either way.
func TestE2ESimulatorPageBase(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	exp := startExporter(t, buildExporter(t), nil, "--simulator", "--simulator.vcf-version="+vcfsim.VCF902, "--simulator.page-base=1")
	code, body := get(t, "http://"+exp.addr+"/probe?target=simulator")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "\nvcf_up 1\n")
	require.Len(t, seriesIDs(body, "vcf_host_info", "host_id"), 26)

	// The value reaches the simulator, which refuses anything but 0 and 1.
	out, err := exec.Command(buildExporter(t), "--simulator", "--simulator.page-base=2", "--web.listen-address="+testutil.FreeAddr(t)).CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "page base must be 0 or 1")
}

// seriesIDs returns the distinct values of label in the series of family.
func seriesIDs(body, family, label string) map[string]bool {
	re := regexp.MustCompile(`[{,]` + label + `="([^"]*)"`)
	out := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, family+"{") {
			if m := re.FindStringSubmatch(line); m != nil {
				out[m[1]] = true
			}
		}
	}
	return out
}

// TestE2EPaging: through the exporter's /metrics, an SDDC Manager paging
// as VCF 9.1 does, numbering pages from 1 and serving at most 37 elements
// a page, shows every host, cluster and domain; one whose totalElements
// does not match its pages makes vcf_up 0, counts the mismatch and says
// so in one log line.
func TestE2EPaging(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bin := buildExporter(t)
	paging91 := vcfsim.WithVCFVersion(vcfsim.VCF910)
	for _, tc := range []struct {
		name string
		lie  int
	}{{"adds up", 0}, {"lying totalElements", 3}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startE2ESim(t, paging91, vcfsim.WithInventory(4, 3, 9, 5), vcfsim.WithPaging(1, 37), vcfsim.WithTotalElementsLie(tc.lie))
			user, pass := srv.Credentials()
			exp := startExporter(t, bin, []string{"VCF_PASSWORD=" + pass},
				"--vcf.url="+srv.URL, "--vcf.username="+user, "--vcf.target-name=paged")
			code, body := get(t, "http://"+exp.addr+"/metrics")
			require.Equal(t, http.StatusOK, code)
			if tc.lie == 0 {
				require.Contains(t, body, `vcf_up{target="paged"} 1`)
				require.Len(t, seriesIDs(body, "vcf_host_info", "host_id"), 4*3*9+5)
				require.Len(t, seriesIDs(body, "vcf_cluster_info", "cluster_id"), 4*3)
				require.Len(t, seriesIDs(body, "vcf_domain_info", "domain_id"), 4)
				require.Contains(t, body, `vcf_api_list_mismatches_total{endpoint="/v1/hosts",target="paged"} 0`)
				return
			}
			require.Contains(t, body, `vcf_up{target="paged"} 0`)
			require.Empty(t, seriesIDs(body, "vcf_host_info", "host_id"))
			require.Regexp(t, `vcf_api_list_mismatches_total\{endpoint="/v1/(hosts|clusters|domains)",target="paged"\} 1`, body)
			exp.WaitLog(t, 5*time.Second, "SDDC Manager's list does not add up; vcf_up is 0")
		})
	}
}
