package exposition

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/internal/simtest"
	itestutil "github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/targets"
)

// get serves target with h and returns the answer's body, decompressed
// when gz (and checked to be gzip then).
func get(t *testing.T, h http.Handler, target string, gz bool, header ...string) (string, http.Header) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	body := rec.Body.Bytes()
	if gz {
		require.Equal(t, "gzip", rec.Header().Get("Content-Encoding"))
		zr, err := gzip.NewReader(bytes.NewReader(body)) // multistream, like Prometheus
		require.NoError(t, err)
		body, err = io.ReadAll(zr)
		require.NoError(t, err)
		rec.Header().Set("X-Gzip-Members", strconv.Itoa(gzipMembers(t, rec.Body.Bytes())))
	} else {
		require.Empty(t, rec.Header().Get("Content-Encoding"))
	}
	return string(body), rec.Header()
}

// gzipMembers counts the members of a gzip stream.
func gzipMembers(t *testing.T, b []byte) int {
	t.Helper()
	br := bytes.NewReader(b)
	zr, err := gzip.NewReader(br)
	require.NoError(t, err)
	n := 0
	for {
		zr.Multistream(false)
		_, err := io.Copy(io.Discard, zr)
		require.NoError(t, err)
		n++
		if err := zr.Reset(br); errors.Is(err, io.EOF) {
			return n
		}
		require.NoError(t, err)
	}
}

// slowText is what client_golang's encoder writes for the families of one
// scrape of tg, as protobuf scrapes and the InfluxDB sink get them.
func slowText(t *testing.T, set *collector.Set, tg *targets.Target, labels map[string]string) string {
	t.Helper()
	mfs, err := set.Gather(t.Context(), tg, labels)
	require.NoError(t, err)
	var buf bytes.Buffer
	for _, mf := range mfs {
		_, err := expfmt.MetricFamilyToText(&buf, mf)
		require.NoError(t, err)
	}
	return buf.String()
}

// promhttpAnswer is client_golang's answer (body, content type) to a scrape
// of tg with the given Accept header.
func promhttpAnswer(t *testing.T, set *collector.Set, tg *targets.Target, accept string) (string, string) {
	t.Helper()
	reg := set.Gatherer(t.Context(), tg, nil)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept", accept)
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}).ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	return rec.Body.String(), rec.Header().Get("Content-Type")
}

var (
	collectorDuration = regexp.MustCompile(`(?m)^(vcf_scrape_collector_duration_seconds\{[^}]*\}) \S+$`)
	scrapeDuration    = regexp.MustCompile(`(?m)^(vcf_scrape_duration_seconds(?:\{[^}]*\})?) \S+$`)
)

// maskDurations masks what differs between two scrapes of one rendering:
// the scrape's duration and (rendered again) the collectors' durations.
func maskDurations(s string) string {
	return collectorDuration.ReplaceAllString(maskScrapeDuration(s), "$1 <duration>")
}

func maskScrapeDuration(s string) string { return scrapeDuration.ReplaceAllString(s, "$1 <duration>") }

var (
	fixedNow    = simtest.FixedNow
	smallSim    = simtest.Small
	mediumSim   = simtest.Medium
	sizedSim    = simtest.Sized
	simRegistry = simtest.Registry
	mustGet     = simtest.Get
)

func newSet(t testing.TB, names ...string) *collector.Set {
	t.Helper()
	s, err := collector.NewSet(collector.Options{}, names...)
	require.NoError(t, err)
	return s
}

// TestCachedOutputIsClientGolangOutput: /probe from the cache is byte for
// byte what client_golang renders from the same collectors (only the
// collectors' durations differ), as plain text and as gzip (cached members
// included), with and without collect[].
func TestCachedOutputIsClientGolangOutput(t *testing.T) {
	reg := simRegistry(t, mediumSim(t), targets.Options{MinRefreshInterval: time.Hour, Now: func() time.Time { return fixedNow }}, "sim")
	tg := mustGet(t, reg, "sim")
	set := newSet(t, collector.DefaultEnabled()...)
	h := ProbeHandler(HandlerOpts{Registry: reg, Set: set})

	plain, hdr := get(t, h, "/probe?target=sim", false)
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(prometheus.NewRegistry(), promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	require.Equal(t, rec.Header().Get("Content-Type"), hdr.Get("Content-Type"), "promhttp's content type")
	require.Equal(t, maskDurations(slowText(t, set, tg, nil)), maskDurations(plain))
	require.Positive(t, strings.Count(plain, "\nvcf_host_cpu_used_hertz{"))
	zipped, zhdr := get(t, h, "/probe?target=sim", true)
	require.Equal(t, maskScrapeDuration(plain), maskScrapeDuration(zipped), "the same cached text, gzip-encoded")
	members, _ := strconv.Atoi(zhdr.Get("X-Gzip-Members"))
	require.Greater(t, members, 2, "cached members between live ones")
	checkParses(t, plain)

	domain, err := set.Filter("domain", "upgrade")
	require.NoError(t, err)
	filtered, _ := get(t, h, "/probe?target=sim&collect[]=domain&collect[]=upgrade", false)
	require.Equal(t, maskDurations(slowText(t, domain, tg, nil)), maskDurations(filtered))

	// OpenMetrics, when asked for (Prometheus' default), from the cache too.
	om := "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
	wantOM, wantType := promhttpAnswer(t, set, tg, om)
	for _, gz := range []bool{false, true} {
		gotOM, omHdr := get(t, h, "/probe?target=sim", gz, "Accept", om)
		require.Equal(t, wantType, omHdr.Get("Content-Type"))
		require.Equal(t, maskDurations(wantOM), maskDurations(gotOM))
	}

	// Protobuf is not cached: client_golang answers it.
	rec = httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/probe?target=sim", nil)
	req.Header.Set("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited")
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Header().Get("Content-Type"), "application/vnd.google.protobuf")
}

// TestMetricsMergesTargets: /metrics with two targets has each family once
// (HELP and TYPE once, then each target's samples), the same samples as
// client_golang, and gzip decodes to the same text.
func TestMetricsMergesTargets(t *testing.T) {
	reg := simRegistry(t, mediumSim(t), targets.Options{MinRefreshInterval: time.Hour, Now: func() time.Time { return fixedNow }}, "a", "b")
	set := newSet(t, collector.DefaultEnabled()...)
	h := MetricsHandler(HandlerOpts{Registry: reg, Set: set})

	plain, _ := get(t, h, "/metrics", false)
	checkParses(t, plain)
	var want []string
	for _, name := range []string{"a", "b"} {
		want = append(want, sampleLines(slowText(t, set, mustGet(t, reg, name), map[string]string{"target": name}))...)
	}
	var got []string
	for _, l := range sampleLines(plain) {
		if !strings.HasPrefix(l, "vcf_api_") && !strings.HasPrefix(l, "vcf_token_") {
			got = append(got, l)
		}
	}
	require.ElementsMatch(t, want, got)
	require.Contains(t, plain, `vcf_api_requests_total{code="200",endpoint="/v1/hosts",method="GET",target="a"} 1`)

	zipped, _ := get(t, h, "/metrics", true)
	require.Equal(t, maskScrapeDuration(plain), maskScrapeDuration(zipped), "a warm scrape makes no API call: the same text")
}

// sampleLines returns the sample lines of an exposition, durations masked.
func sampleLines(text string) []string {
	var out []string
	for _, l := range strings.Split(maskDurations(text), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// lineOf returns the first line of text that begins with prefix.
func lineOf(t *testing.T, text, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no %s in\n%s", prefix, text)
	return ""
}

// TestCacheFollowsSnapshotAndUpgradeCheck: a scrape reuses the rendering
// (the collectors' durations repeat), a new snapshot renders again, and a
// new upgrade check renders the upgrade collector only.
func TestCacheFollowsSnapshotAndUpgradeCheck(t *testing.T) {
	clk := itestutil.NewClock(fixedNow)
	reg := simRegistry(t, smallSim(t), targets.Options{MinRefreshInterval: time.Minute, Now: clk.Now}, "sim")
	h := ProbeHandler(HandlerOpts{Registry: reg, Set: newSet(t, collector.DefaultEnabled()...)})
	line := func(text, prefix string) string { return lineOf(t, text, prefix) }
	hostDuration := `vcf_scrape_collector_duration_seconds{collector="host"}`
	upgradeDuration := `vcf_scrape_collector_duration_seconds{collector="upgrade"}`

	first, _ := get(t, h, "/probe?target=sim", false)
	again, _ := get(t, h, "/probe?target=sim", false)
	require.Equal(t, maskScrapeDuration(first), maskScrapeDuration(again), "rendered once: even the collectors' durations repeat")
	require.Contains(t, first, "\nvcf_scrape_duration_seconds ", "the scrape's own duration, per scrape")

	clk.Add(time.Second)
	require.NoError(t, mustGet(t, reg, "sim").CheckUpdates(t.Context()))
	checked, _ := get(t, h, "/probe?target=sim", false)
	require.Equal(t, line(first, hostDuration), line(checked, hostDuration), "the host collector is not run again")
	require.NotEqual(t, line(first, "vcf_upgrade_check_timestamp_seconds"), line(checked, "vcf_upgrade_check_timestamp_seconds"))
	require.NotEqual(t, line(first, upgradeDuration), line(checked, upgradeDuration))

	clk.Add(time.Hour)
	refreshed, _ := get(t, h, "/probe?target=sim", false)
	require.NotEqual(t, line(checked, "vcf_inventory_refresh_timestamp_seconds"), line(refreshed, "vcf_inventory_refresh_timestamp_seconds"))
	require.NotEqual(t, line(checked, hostDuration), line(refreshed, hostDuration), "a new snapshot is rendered again")
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"": false, "gzip": true, "deflate, gzip;q=1.0, *;q=0.5": true, "identity": false,
		"gzip;q=0": false, "*": true, "br, zstd": false, "GZIP": false,
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if header != "" {
			r.Header.Set("Accept-Encoding", header)
		}
		require.Equal(t, want, acceptsGzip(r), header)
	}
}

func checkParses(t *testing.T, text string) {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	_, err := p.TextToMetricFamilies(strings.NewReader(text))
	require.NoError(t, err)
	// Each family is contiguous, with one HELP and one TYPE.
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if name, ok := strings.CutPrefix(sc.Text(), "# TYPE "); ok {
			name, _, _ = strings.Cut(name, " ")
			require.False(t, seen[name], "family %s twice", name)
			seen[name] = true
		}
	}
}

// TestCachedAnswerThroughScrapeLimiter: shared through the ScrapeLimiter,
// which keeps the cache's bytes by reference, the answer is the same as
// served directly, plain and gzip.
func TestCachedAnswerThroughScrapeLimiter(t *testing.T) {
	reg := simRegistry(t, mediumSim(t), targets.Options{MinRefreshInterval: time.Hour, Now: func() time.Time { return fixedNow }}, "sim")
	h := ProbeHandler(HandlerOpts{Registry: reg, Set: newSet(t, collector.DefaultEnabled()...)})
	// As main wires /metrics: instrumented, then limited; the cached bytes
	// go under the instrumentation's writer (Unwrap) to the recorder.
	self := prometheus.NewRegistry()
	limited := NewScrapeLimiter(2, 30*time.Second, 500*time.Millisecond).Wrap(promhttp.InstrumentMetricHandler(self, h))
	for _, gz := range []bool{false, true} {
		direct, _ := get(t, h, "/probe?target=sim", gz)
		shared, _ := get(t, limited, "/probe?target=sim", gz)
		require.Equal(t, maskScrapeDuration(direct), maskScrapeDuration(shared))
		checkParses(t, shared)
	}
	require.NoError(t, testutil.GatherAndCompare(self, strings.NewReader(`
# HELP promhttp_metric_handler_requests_total Total number of scrapes by HTTP status code.
# TYPE promhttp_metric_handler_requests_total counter
promhttp_metric_handler_requests_total{code="200"} 2
promhttp_metric_handler_requests_total{code="500"} 0
promhttp_metric_handler_requests_total{code="503"} 0
`), "promhttp_metric_handler_requests_total"))
	rec := &recorder{header: http.Header{}, code: http.StatusOK, deadline: time.Now().Add(time.Hour)}
	body := []byte("cached\n")
	_, _ = rec.Write([]byte("live\n"))
	_, _ = rec.writeRetained(body)
	_, _ = rec.Write([]byte("end\n"))
	rec.endSegment()
	require.Same(t, &body[0], &rec.segments[1].b[0], "kept by reference")
	out := httptest.NewRecorder()
	rec.replay(out)
	require.Equal(t, "live\ncached\nend\n", out.Body.String())
}

// TestHealthPartsOutliveSnapshots: a new inventory snapshot renders the
// host collector again but not the certificate collector, whose reading
// and domains did not change.
func TestHealthPartsOutliveSnapshots(t *testing.T) {
	clk := itestutil.NewClock(fixedNow)
	reg := simRegistry(t, smallSim(t), targets.Options{MinRefreshInterval: time.Minute, Now: clk.Now}, "sim")
	h := ProbeHandler(HandlerOpts{Registry: reg, Set: newSet(t, collector.DefaultEnabled()...)})
	line := func(text, prefix string) string { return lineOf(t, text, prefix) }
	first, _ := get(t, h, "/probe?target=sim", false)
	clk.Add(2 * time.Minute)
	refreshed, _ := get(t, h, "/probe?target=sim", false)
	require.NotEqual(t, line(first, "vcf_inventory_refresh_timestamp_seconds"), line(refreshed, "vcf_inventory_refresh_timestamp_seconds"))
	hostDuration := `vcf_scrape_collector_duration_seconds{collector="host"}`
	require.NotEqual(t, line(first, hostDuration), line(refreshed, hostDuration), "a new snapshot is rendered again")
	certDuration := `vcf_scrape_collector_duration_seconds{collector="certificate"}`
	require.Equal(t, line(first, certDuration), line(refreshed, certDuration), "the certificate collector is not run again")
	require.Contains(t, refreshed, "\nvcf_certificate_expiry_timestamp_seconds{")
}
