package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLongTargetNameIsNo500: a 300-character target in a request is an
// unknown one (4xx), never a 500 from a file name too long for the store
// (configured names are at most 63 characters).
func TestLongTargetNameIsNo500(t *testing.T) {
	h := NewHandler(offlineEngine(t, "sim"), []Token{{Name: "ha", Value: testToken}}, HandlerOptions{MaxAuthFailures: 1000})
	long := strings.Repeat("n", 300)
	for _, tc := range []struct{ method, path, body string }{
		{http.MethodGet, "/actions/v1/domains/d1/upgrade?target=" + long, ""},
		{http.MethodPost, "/actions/v1/domains/d1/upgrade?target=" + long, `{"target_version":"5.2.1.0"}`},
		{http.MethodPost, "/actions/v1/domains/d1/upgrade/acknowledge?target=" + long, ""},
		{http.MethodPost, "/actions/v1/domains/d1/upgrade/cancel?target=" + long, ""},
		{http.MethodPost, "/actions/v1/bundles/b1/download?target=" + long, ""},
		{http.MethodPost, "/actions/v1/upgrade-check?target=" + long, ""},
	} {
		rec := serve(h, tc.method, tc.path, "192.0.2.1:1234", authHdr, tc.body)
		assert.GreaterOrEqual(t, rec.Code, 400, "%s %s", tc.method, tc.path[:60])
		assert.Less(t, rec.Code, 500, "%s %s: %s", tc.method, tc.path[:60], rec.Body)
	}
}
