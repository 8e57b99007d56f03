package httpapi

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeStartRequest: any body gives a request or a 400, never a panic;
// an accepted body is one JSON object whose dry_run means what it says.
func FuzzDecodeStartRequest(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		var req StartRequest
		err := decode(body, &req)
		if err != nil {
			if httpStatus(err) != 400 {
				t.Fatalf("error %v is not a 400", err)
			}
			return
		}
		if body == nil {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil || m == nil {
			t.Fatalf("accepted %q, which is not a JSON object: %v", body, err)
		}
		for k := range m {
			if k != "dry_run" && k != "target_version" {
				t.Fatalf("accepted key %q", k)
			}
		}
		if v, ok := m["dry_run"]; ok && v != req.DryRun {
			t.Fatalf("dry_run %v decoded as %v from %q", v, req.DryRun, body)
		}
	})
}
