package main

import (
	"encoding/json"
	"testing"
)

// TestResultJSON checks that earlier result files' names are still written
// and that each ratio divides the measures of its encoding.
func TestResultJSON(t *testing.T) {
	r := Result{
		Floor: 0.1, Cold: 0.3, ColdGzip: 0.4, Warm: 0.02, WarmGzip: 0.004, Transfer: 0.025,
		PeakRSSCold: 150, PeakRSSWarm: 90, HostsBodySize: 50,
	}
	r.setRatios()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		// Names of earlier files.
		"floor_seconds":            0.1,
		"cold_scrape_seconds":      0.3,
		"warm_scrape_seconds":      0.02,
		"warm_gzip_scrape_seconds": 0.004,
		"cold_over_floor":          3,
		"warm_over_cold":           0.01, // gzip / gzip
		"warm_gzip_over_cold":      0.004 / 0.3,
		"peak_rss_over_hosts_body": 3,
		// Added.
		"cold_gzip_scrape_seconds":   0.4,
		"plain_transfer_seconds":     0.025,
		"cold_gzip_over_floor":       4,
		"warm_plain_over_cold_plain": 0.02 / 0.3,
		"warm_plain_over_transfer":   0.8,
	}
	for k, v := range want {
		g, ok := m[k].(float64)
		if !ok {
			t.Errorf("%s: missing (%v)", k, m[k])
			continue
		}
		if d := g - v; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s = %v, want %v", k, g, v)
		}
	}
}
