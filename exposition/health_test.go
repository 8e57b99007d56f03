package exposition

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	promcfg "github.com/prometheus/common/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/internal/simtest"
	itestutil "github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	// The simulator's password expiry checks end at the second status read.
	vcfclient.CredentialCheckPoll = time.Millisecond
}

// TestHealthNoSecrets: passwords, the PEM and the backup location's
// credentials reach neither the metrics, the logs nor /probe?debug=true.
func TestHealthNoSecrets(t *testing.T) {
	var logs itestutil.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	srv := simtest.Small(t)
	user, pass := srv.Credentials()
	r := targets.NewRegistry(targets.Options{Logger: logger})
	t.Cleanup(r.Close)
	require.NoError(t, r.Apply([]config.TargetConfig{{Name: "sim", URL: srv.URL, Username: user, Password: promcfg.Secret(pass)}}))
	set, err := collector.NewSet(collector.Options{Logger: logger}, "certificate", "task", "service", "backup", "credential")
	require.NoError(t, err)
	h := ProbeHandler(HandlerOpts{Registry: r, Set: set})
	code, out := serve(t, h, "/probe?target=sim")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, out, `vcf_credential_password_expiration_status{domain="mgmt-domain",resource_name="sfo-m01-vc01.sfo.rainpole.io",resource_type="VCENTER",state="EXPIRING",username="root"} 1`)
	code, debug := serve(t, h, "/probe?target=sim&debug=true")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, debug, "vcf_certificate_expiry_timestamp_seconds")
	for where, text := range map[string]string{"metrics": out, "logs": logs.String(), "debug probe": debug} {
		for _, secret := range []string{pass, "BEGIN CERTIFICATE", "MIIF"} {
			assert.NotContains(t, text, secret, "%s leaks %q", where, secret)
		}
	}
}
