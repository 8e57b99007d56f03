package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

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
	paging91 := func(c *vcfsim.Config) { vcfsim.WithVCFVersion(vcfsim.VCF902)(c); vcfsim.WithPaging91()(c) }
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
