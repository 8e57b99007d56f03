package exposition

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/influxdata/influxdb-client-go/v2/api/write"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/influxsink"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

const protoAccept = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"

// protoFamilies scrapes h as Prometheus does with protobuf and decodes the
// answer.
func protoFamilies(t *testing.T, h http.Handler, target string) []*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("Accept", protoAccept)
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	dec := expfmt.NewDecoder(rec.Body, expfmt.ResponseFormat(rec.Header()))
	var out []*dto.MetricFamily
	for {
		mf := &dto.MetricFamily{}
		if err := dec.Decode(mf); err != nil {
			break
		}
		out = append(out, mf)
	}
	require.NotEmpty(t, out)
	return out
}

// TestOutputsCarryTheSameSeries: text and OpenMetrics (from the render
// cache), protobuf and the InfluxDB sink (converted from the same
// families) carry the same series with the same values.
func TestOutputsCarryTheSameSeries(t *testing.T) {
	reg := simRegistry(t, mediumSim(t), targets.Options{MinRefreshInterval: time.Hour, Now: func() time.Time { return fixedNow }}, "sim")
	set := newSet(t, collector.DefaultEnabled()...)
	probe := ProbeHandler(HandlerOpts{Registry: reg, Set: set})
	get(t, probe, "/probe?target=sim", false) // login, first upgrade check

	proto := protoFamilies(t, probe, "/probe?target=sim")
	encode := func(f expfmt.FormatType) string {
		var b bytes.Buffer
		for _, mf := range proto {
			_, err := collector.TextFormat(f).Encode(&b, mf)
			require.NoError(t, err)
		}
		return b.String() + collector.TextFormat(f).Trailer
	}
	text, _ := get(t, probe, "/probe?target=sim", false)
	require.Equal(t, maskDurations(encode(expfmt.TypeTextPlain)), maskDurations(text))
	om, _ := get(t, probe, "/probe?target=sim", true, "Accept", "application/openmetrics-text;version=1.0.0")
	require.Equal(t, maskDurations(encode(expfmt.TypeOpenMetrics)), maskDurations(om))
	require.Positive(t, strings.Count(text, "\nvcf_host_info{"))

	// The sink's points are those of /metrics' protobuf families (the
	// target's, not the API client's), the scrape's durations aside.
	metrics := MetricsHandler(HandlerOpts{Registry: reg, Set: set})
	var families []*dto.MetricFamily
	for _, mf := range protoFamilies(t, metrics, "/metrics") {
		if !strings.HasPrefix(mf.GetName(), "vcf_api_") && !strings.HasPrefix(mf.GetName(), "vcf_token_") {
			families = append(families, mf)
		}
	}
	now := time.Now()
	want := lines(influxsink.Convert(families, nil, "sim", now))
	got := lines((&influxsink.Source{Registry: reg, Set: set}).Points(t.Context()))
	require.Equal(t, want, got)
	require.Greater(t, len(got), 240, "a point per host at least")
}

// lines are the points as sorted text, without the scrape's durations.
func lines(points []*write.Point) []string {
	var out []string
	for _, p := range points {
		if p.Name() == "vcf_scrape" {
			continue
		}
		var b strings.Builder
		b.WriteString(p.Name())
		for _, tag := range p.TagList() {
			fmt.Fprintf(&b, ",%s=%s", tag.Key, tag.Value)
		}
		for _, f := range p.FieldList() {
			fmt.Fprintf(&b, " %s=%v", f.Key, f.Value)
		}
		fmt.Fprintf(&b, " %d", p.Time().UnixNano())
		out = append(out, b.String())
	}
	slices.Sort(out)
	return out
}

// TestCollectFilterIsASubsetOfTheFullScrape: /probe?collect[]=host&
// collect[]=upgrade is exactly the full scrape's series of those collectors
// (and the common ones).
func TestCollectFilterIsASubsetOfTheFullScrape(t *testing.T) {
	reg := simRegistry(t, mediumSim(t), targets.Options{MinRefreshInterval: time.Hour, Now: func() time.Time { return fixedNow }}, "sim")
	set := newSet(t, collector.DefaultEnabled()...)
	probe := ProbeHandler(HandlerOpts{Registry: reg, Set: set})
	filtered, _ := get(t, probe, "/probe?target=sim&collect[]=host&collect[]=upgrade", false)
	full, _ := get(t, probe, "/probe?target=sim", false)
	var otherNames []string
	for _, n := range set.Names() {
		if n != "host" && n != "upgrade" {
			otherNames = append(otherNames, n)
		}
	}
	others, err := set.Filter(otherNames...)
	require.NoError(t, err)
	otherFamily := map[string]bool{}
	for _, d := range others.Describe() {
		otherFamily[d.Name] = true
	}
	common := map[string]bool{}
	for _, d := range newSet(t).Describe() {
		common[d.Name] = true
	}
	var want []string
	for _, l := range sampleLines(full) {
		name, _, _ := strings.Cut(l, "{")
		name, _, _ = strings.Cut(name, " ")
		switch {
		case otherFamily[name] && !common[name]:
		case strings.HasPrefix(name, "vcf_scrape_collector_") &&
			!strings.Contains(l, `collector="host"`) && !strings.Contains(l, `collector="upgrade"`):
		default:
			want = append(want, l)
		}
	}
	require.Equal(t, want, sampleLines(filtered))
	require.Contains(t, filtered, "\nvcf_host_info{")
}

// TestHostOrderDoesNotChangeTheOutput: whatever the order SDDC Manager
// lists its hosts in, every format's answer is the same, plain or gzip.
func TestHostOrderDoesNotChangeTheOutput(t *testing.T) {
	for _, version := range vcfsim.Versions() {
		t.Run(version, func(t *testing.T) {
			scrape := func(order string) (text, om string) {
				srv := sizedSim(t, 2, 2, 60, 1, vcfsim.WithVCFVersion(version), vcfsim.WithHostOrder(order))
				reg := simRegistry(t, srv, targets.Options{MinRefreshInterval: time.Hour, Now: func() time.Time { return fixedNow }}, "sim")
				probe := ProbeHandler(HandlerOpts{Registry: reg, Set: newSet(t, collector.DefaultEnabled()...)})
				get(t, probe, "/probe?target=sim", false) // login, first upgrade check
				text, _ = get(t, probe, "/probe?target=sim", false)
				om, _ = get(t, probe, "/probe?target=sim", true, "Accept", "application/openmetrics-text;version=1.0.0")
				return maskDurations(text), maskDurations(om)
			}
			text, om := scrape(vcfsim.HostOrderCommissioned)
			byIDText, byIDOM := scrape(vcfsim.HostOrderID)
			require.Equal(t, text, byIDText)
			require.Equal(t, om, byIDOM)
			require.Equal(t, 241, strings.Count(text, "\nvcf_host_info{"))
		})
	}
}
