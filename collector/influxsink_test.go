package collector_test

import (
	"context"
	"strings"
	"testing"
	"time"

	promcfg "github.com/prometheus/common/config"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/influxsink"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

var (
	widgetsDesc    = collector.NewDesc("host", "widgets", "Test: widgets per host.", "domain", "cluster", "host")
	widgetInfoDesc = collector.NewDesc("cluster", "widget_info", "Test: the cluster's widget; always 1.", "domain", "cluster", "color")
)

// widgetCollector is a collector the InfluxDB sink has never heard of.
type widgetCollector struct{}

func (widgetCollector) Describe() []*collector.Desc {
	return []*collector.Desc{widgetsDesc, widgetInfoDesc}
}

func (widgetCollector) Update(_ context.Context, s *collector.Scrape, out collector.Out) error {
	inv, err := s.Inventory()
	if err != nil {
		return err
	}
	for _, h := range inv.Hosts {
		c, _ := s.Cluster(h.ClusterID)
		cluster, domain := "", ""
		if c != nil {
			cluster, domain = c.Name, s.DomainName(c.DomainID)
		}
		out.Sample(widgetsDesc, 2*h.CPUCores, []string{domain, cluster, h.FQDN})
	}
	for _, c := range inv.Clusters {
		out.Sample(widgetInfoDesc, 1, []string{s.DomainName(c.DomainID), c.Name, "blue-" + c.Name})
	}
	return nil
}

// TestNewMetricReachesInfluxDBSink: a metric added to a collector is written
// by the InfluxDB sink with no change to the sink: numbers as fields of the
// entity's point, _info labels as string fields.
func TestNewMetricReachesInfluxDBSink(t *testing.T) {
	collector.AddCollectorForTest(t, "widget", widgetCollector{})
	cfg := vcfsim.DefaultConfig()
	cfg.Domains, cfg.ClustersPerDomain, cfg.HostsPerCluster, cfg.UnassignedHosts = 2, 1, 2, 0
	srv, err := vcfsim.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	reg := targets.NewRegistry(targets.Options{MinRefreshInterval: time.Hour})
	t.Cleanup(reg.Close)
	require.NoError(t, reg.Apply([]config.TargetConfig{{Name: "lab", URL: srv.URL, Username: cfg.Username, Password: promcfg.Secret(cfg.Password)}}))
	set, err := collector.NewSet(collector.Options{}, append(collector.DefaultEnabled(), "widget")...)
	require.NoError(t, err)

	src := &influxsink.Source{Registry: reg, Set: set}
	inv := reg.Targets()[0].Snapshot(context.Background()).Inventory
	hosts, clusters := 0, 0
	for _, p := range src.Points(context.Background()) {
		fields := map[string]any{}
		for _, f := range p.FieldList() {
			fields[f.Key] = f.Value
		}
		switch p.Name() {
		case "vcf_host":
			hosts++
			require.Contains(t, fields, "widgets")
			require.Contains(t, fields, "cpu_cores", "the same point as the host's other fields")
			require.Equal(t, 2*fields["cpu_cores"].(float64), fields["widgets"])
		case "vcf_cluster":
			clusters++
			require.Contains(t, fields, "hosts")
			require.True(t, strings.HasPrefix(fields["widget_color"].(string), "blue-"), "%v", fields)
		}
	}
	require.Equal(t, len(inv.Hosts), hosts)
	require.Equal(t, len(inv.Clusters), clusters)
}

// TestHealthReachesInfluxDBSink: the health collectors' families become
// points of their own measurements, state sets as string fields.
func TestHealthReachesInfluxDBSink(t *testing.T) {
	cfg := vcfsim.DefaultConfig()
	cfg.Domains, cfg.ClustersPerDomain, cfg.HostsPerCluster, cfg.UnassignedHosts = 2, 1, 2, 0
	srv, err := vcfsim.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	reg := targets.NewRegistry(targets.Options{MinRefreshInterval: time.Hour})
	t.Cleanup(reg.Close)
	require.NoError(t, reg.Apply([]config.TargetConfig{{Name: "lab", URL: srv.URL, Username: cfg.Username, Password: promcfg.Secret(cfg.Password)}}))
	set, err := collector.NewSet(collector.Options{}, "certificate", "task", "service", "backup")
	require.NoError(t, err)

	got := map[string]bool{}
	for _, p := range (&influxsink.Source{Registry: reg, Set: set}).Points(context.Background()) {
		tags := map[string]string{}
		for _, tg := range p.TagList() {
			tags[tg.Key] = tg.Value
		}
		for _, f := range p.FieldList() {
			switch v := f.Value.(type) {
			case string:
				got[p.Name()+" "+tags["resource_name"]+tags["service"]+tags["status"]+" "+f.Key+"="+v] = true
			default:
				got[p.Name()+" "+tags["resource_name"]+tags["service"]+tags["status"]+" "+f.Key] = true
			}
		}
	}
	for _, want := range []string{
		"vcf_certificate sfo-w01-vc01.sfo.rainpole.io expiration_status=EXPIRED",
		"vcf_certificate sfo-w01-vc01.sfo.rainpole.io expiry_timestamp_seconds",
		"vcf_target FAILED tasks",
		"vcf_task  last_failure_timestamp_seconds",
		"vcf_service SDDC_MANAGER_UI status=DOWN",
		"vcf_service SDDC_MANAGER_UI up",
		"vcf_backup  configured",
		"vcf_backup  last_success_timestamp_seconds",
	} {
		require.True(t, got[want], "%q not written; written: %v", want, strings.Join(keys(got), "\n"))
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
