package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStatusRecorder(t *testing.T) {
	w := httptest.NewRecorder()
	rec := &StatusRecorder{ResponseWriter: w}
	_, _ = rec.Write([]byte("x"))
	rec.WriteHeader(http.StatusTeapot)
	if rec.Status != http.StatusOK {
		t.Errorf("status %d after a write, want 200", rec.Status)
	}
	rec = &StatusRecorder{ResponseWriter: httptest.NewRecorder()}
	rec.WriteHeader(http.StatusNotFound)
	if rec.Status != http.StatusNotFound {
		t.Errorf("status %d, want 404", rec.Status)
	}
	if err := http.NewResponseController(rec).Flush(); err != nil {
		t.Errorf("Flush through Unwrap: %v", err)
	}
}
