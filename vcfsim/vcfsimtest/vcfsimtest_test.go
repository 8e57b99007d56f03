package vcfsimtest_test

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/vcf-exporter/vcf_exporter/vcfsim"
	"github.com/vcf-exporter/vcf_exporter/vcfsim/vcfsimtest"
)

// New hands a test everything it needs to connect over TLS, and
// closes the server when the test ends.
func TestNewTLS(t *testing.T) {
	var srv *vcfsim.Server
	hc := &http.Client{Transport: &http.Transport{}}
	t.Run("server", func(t *testing.T) {
		srv = vcfsimtest.New(t, vcfsim.WithTLS(), vcfsim.WithInventory(1, 1, 1, 0))
		user, pass := srv.Credentials()
		if user != vcfsim.DefaultConfig().Username || pass != vcfsim.DefaultConfig().Password {
			t.Fatalf("credentials %q/%q", user, pass)
		}
		pem, err := os.ReadFile(srv.CAFile)
		if err != nil || !bytes.Equal(pem, srv.CACertPEM) {
			t.Fatalf("CA file %s: %v", srv.CAFile, err)
		}
		hc.Transport.(*http.Transport).TLSClientConfig = srv.TLSClientConfig()
		resp, err := hc.Post(srv.URL+"/v1/tokens", "application/json",
			strings.NewReader(`{"username":"`+user+`","password":"`+pass+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("login over TLS: %d", resp.StatusCode)
		}
		hc.CloseIdleConnections()
	})
	if _, err := hc.Get(srv.URL + "/v1/domains"); err == nil {
		t.Fatal("the server still listens after its test ended")
	}
}
