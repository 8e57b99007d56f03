package vcfsim

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
)

// Closing twice (a test's explicit Close plus its Cleanup) must not block.
func TestServerCloseTwice(t *testing.T) {
	srv, err := NewServer(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown after Close: %v", err)
	}
}

// NewTest hands a test everything it needs to connect over TLS, and
// closes the server when the test ends.
func TestNewTestTLS(t *testing.T) {
	var srv *Server
	hc := &http.Client{Transport: &http.Transport{}}
	t.Run("server", func(t *testing.T) {
		srv = NewTest(t, WithTLS(), WithInventory(1, 1, 1, 0))
		user, pass := srv.Credentials()
		if user != DefaultConfig().Username || pass != DefaultConfig().Password {
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
