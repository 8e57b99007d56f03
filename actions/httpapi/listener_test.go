package httpapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfsim/vcfsimtest"
)

// selfSigned writes a certificate and key for 127.0.0.1 and returns their
// paths and a pool trusting the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vcf_exporter actions test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kb, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// With --web.config.file asking for basic auth, /actions is served on
// --actions.listen-address with its own TLS web config, and its bearer
// token works there (both cannot share one Authorization header).
func TestActionsListenerBesideBasicAuth(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the exporter binary")
	}
	bin := testutil.Build(t, "../..")
	srv := vcfsimtest.New(t, simOptions()...)
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	webCfg := filepath.Join(dir, "web.yml")
	// Password "scrape-pw" (bcrypt, cost 4).
	require.NoError(t, os.WriteFile(webCfg, []byte("basic_auth_users:\n  prometheus: $2a$04$3DKA15cs31scWi.Hp/xwPuI595XpLSnYevITAm4vU95fUwXrKmxPW\n"), 0o600))
	actionsWebCfg := filepath.Join(dir, "actions-web.yml")
	require.NoError(t, os.WriteFile(actionsWebCfg, []byte("tls_server_config:\n  cert_file: "+certFile+"\n  key_file: "+keyFile+"\n"), 0o600))
	tokenFile := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(testToken+"\n"), 0o600))

	addr, actionsAddr := testutil.FreeAddr(t), testutil.FreeAddr(t)
	basic := map[string]string{"Authorization": "Basic cHJvbWV0aGV1czpzY3JhcGUtcHc="} // prometheus:scrape-pw
	tlsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	call := func(c *http.Client, method, url string, hdr map[string]string) int {
		req, err := http.NewRequest(method, url, nil)
		require.NoError(t, err)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			return 0
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	p := testutil.Start(t, testutil.Command{Path: bin, Env: []string{"VCF_PASSWORD=VMware1!VMware1!"}, Args: []string{
		"--vcf.url=" + srv.URL, "--vcf.username=admin@local", "--vcf.target-name=lab",
		"--web.listen-address=" + addr, "--web.config.file=" + webCfg,
		"--actions.listen-address=" + actionsAddr, "--actions.web.config.file=" + actionsWebCfg,
		"--actions.token-file=" + tokenFile, "--storage.path=" + filepath.Join(dir, "storage")}})
	// The main listener starts after the actions listener is bound.
	p.WaitLog(t, 20*time.Second, "address="+addr)

	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	actions := "https://" + actionsAddr + "/actions/v1/upgrade-check"
	// The main listener: basic auth, and no /actions there.
	assert.Equal(t, 401, call(http.DefaultClient, "GET", "http://"+addr+"/metrics", nil))
	assert.Equal(t, 200, call(http.DefaultClient, "GET", "http://"+addr+"/metrics", basic))
	assert.Equal(t, 401, call(http.DefaultClient, "POST", "http://"+addr+"/actions/v1/upgrade-check", bearer), "bearer token on the basic-auth listener")
	assert.NotEqual(t, 200, call(http.DefaultClient, "POST", "http://"+addr+"/actions/v1/upgrade-check", basic), "/actions is not served on the main listener")
	// The actions listener: TLS and the bearer token.
	assert.Equal(t, 200, call(tlsClient, "POST", actions, bearer))
	assert.Equal(t, 401, call(tlsClient, "POST", actions, nil))
	assert.Equal(t, 401, call(tlsClient, "POST", actions, basic))
	assert.Equal(t, 404, call(tlsClient, "GET", "https://"+actionsAddr+"/metrics", bearer), "only /actions on the actions listener")
	assert.Equal(t, 400, call(http.DefaultClient, "POST", "http://"+actionsAddr+"/actions/v1/upgrade-check", bearer), "plain HTTP on the TLS listener")
	assert.Equal(t, 0, call(http.DefaultClient, "POST", actions, bearer), "a client that does not trust the certificate")
}
