package vcfclient

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

// registry registers c in a fresh registry, as the exporter does.
func registry(t *testing.T, c *Client) *prometheus.Registry {
	t.Helper()
	r := prometheus.NewRegistry()
	require.NoError(t, r.Register(c))
	return r
}

// metricValue gathers c and returns the value of the series name{kv...}:
// a counter's or gauge's value, a histogram's sample count; 0 if absent.
func metricValue(t *testing.T, c *Client, name string, kv ...string) float64 {
	t.Helper()
	mfs, err := registry(t, c).Gather()
	require.NoError(t, err)
	want := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		want[kv[i]] = kv[i+1]
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range want {
				if got[k] != v {
					continue next
				}
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				return m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				return m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

// labelValues returns every label value of every series of c.
func labelValues(t *testing.T, c *Client) []string {
	t.Helper()
	mfs, err := registry(t, c).Gather()
	require.NoError(t, err)
	var out []string
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				out = append(out, lp.GetValue())
			}
		}
	}
	return out
}
