package influxsink

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

func TestSplit(t *testing.T) {
	for name, want := range map[string][2]string{
		"vcf_host_cpu_used_hertz":               {"vcf_host", "cpu_used_hertz"},
		"vcf_sddc_manager_info":                 {"vcf_sddc_manager", "info"},
		"vcf_upgrade_workflow_state":            {"vcf_upgrade_workflow", "state"},
		"vcf_upgrade_check_success":             {"vcf_upgrade_check", "success"},
		"vcf_up":                                {"vcf_target", "up"},
		"vcf_scrape_collector_duration_seconds": {"vcf_scrape", "collector_duration_seconds"},
	} {
		m, b, ok := split(name)
		require.True(t, ok, name)
		require.Equal(t, want, [2]string{m, b}, name)
	}
	for _, name := range []string{"go_goroutines", "vcf_"} {
		_, _, ok := split(name)
		require.False(t, ok, name)
	}
	for _, tc := range [][3]string{
		{"", "esxi_version", "esxi_version"},
		{"version", "version", "version"},
		{"next_version", "version", "next_version"},
		{"hardware", "vendor", "hardware_vendor"},
	} {
		require.Equal(t, tc[2], infoField(tc[0], tc[1]), "%v", tc)
	}
}

// fields converts what the collectors c emit and returns the points' fields
// by measurement and host.
func convertFrom(t *testing.T, cs ...prometheus.Collector) map[string]map[string]any {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(cs...)
	fams, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]map[string]any{}
	ts := time.Unix(1700000000, 0)
	for _, p := range Convert(fams, nil, "lab", ts) {
		require.Equal(t, ts, p.Time())
		key := p.Name()
		for _, tag := range p.TagList() {
			key += "," + tag.Key + "=" + tag.Value
		}
		require.NotContains(t, out, key, "one point per entity")
		out[key] = map[string]any{}
		for _, f := range p.FieldList() {
			out[key][f.Key] = f.Value
		}
	}
	return out
}

func gauge(name string, labels prometheus.Labels, v float64) prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "test", ConstLabels: labels})
	g.Set(v)
	return g
}

// TestConvertRules covers the rules the simulator's inventory does not
// exercise: state sets, several _info series per entity (GPUs), name
// clashes, other labels, histograms, NaN, and the snapshot's time.
func TestConvertRules(t *testing.T) {
	host := prometheus.Labels{"target": "lab", "domain": "d", "cluster": "c", "host": "h1"}
	with := func(extra prometheus.Labels) prometheus.Labels {
		l := prometheus.Labels{}
		for k, v := range host {
			l[k] = v
		}
		for k, v := range extra {
			l[k] = v
		}
		return l
	}
	hist := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "vcf_target_render_seconds", Help: "test", ConstLabels: prometheus.Labels{"target": "lab"}})
	hist.Observe(0.5)
	hist.Observe(1.5)
	got := convertFrom(t,
		gauge("vcf_host_gpus", host, 2),
		gauge("vcf_host_gpu_info", with(prometheus.Labels{"device": "gpu0", "vendor": "NVIDIA"}), 1),
		gauge("vcf_host_gpu_info", with(prometheus.Labels{"device": "gpu1", "vendor": "AMD"}), 1),
		gauge("vcf_host_status", with(prometheus.Labels{"state": "CONNECTED"}), 1),
		gauge("vcf_host_status", with(prometheus.Labels{"state": "DISCONNECTED"}), 0),
		gauge("vcf_host_info", with(prometheus.Labels{"status": "connected-from-info", "host_id": "id1"}), 1),
		gauge("vcf_host_configuration_status", with(prometheus.Labels{"state": "OK"}), 0),
		gauge("vcf_host_memory_used_bytes", host, math.NaN()),
		gauge("vcf_host_hardware_info", prometheus.Labels{"target": "lab", "host": "h1", "vendor": "Dell"}, 1),
		gauge("vcf_upgrade_workflow_runs_total", prometheus.Labels{"target": "lab", "domain": "d", "result": "success"}, 3),
		hist,
	)
	require.Equal(t, map[string]any{
		"gpus":            2.0,
		"gpu_device":      "gpu0,gpu1",
		"gpu_vendor":      "NVIDIA,AMD",
		"status":          "CONNECTED", // the state set wins over vcf_host_info's label
		"host_id":         "id1",
		"hardware_vendor": "Dell", // merged: its series has no domain and cluster
	}, got["vcf_host,cluster=c,domain=d,host=h1,target=lab"])
	require.Equal(t, map[string]any{"runs_total": 3.0},
		got["vcf_upgrade_workflow,domain=d,result=success,target=lab"], "other labels are tags")
	require.Equal(t, map[string]any{"render_seconds_sum": 2.0, "render_seconds_count": 2.0},
		got["vcf_target,target=lab"])
	require.Len(t, got, 3)
}

// TestSnapshotTime: the points carry the rendered snapshot's time.
func TestSnapshotTime(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(gauge(timeMetric, prometheus.Labels{"target": "lab"}, 1700000000.1234567), gauge("vcf_up", prometheus.Labels{"target": "lab"}, 1))
	fams, err := reg.Gather()
	require.NoError(t, err)
	for _, p := range Convert(fams, nil, "lab", time.Now()) {
		require.Equal(t, time.UnixMilli(1700000000123), p.Time())
	}
}
