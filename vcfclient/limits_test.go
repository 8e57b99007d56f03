package vcfclient

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	promtestutil "github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

// tinyHostsBody is a GET /v1/hosts page of n hosts with only an id.
func tinyHostsBody(n int) string {
	var b strings.Builder
	b.WriteString(`{"elements":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"h%d"}`, i)
	}
	b.WriteString(`],"pageMetadata":{"pageNumber":0,"pageSize":0,"totalElements":0,"totalPages":1}}`)
	return b.String()
}

func TestResponseSizeLimit(t *testing.T) {
	body := string(hostsBody(t, 100))
	f := newFake(t)
	f.handle("GET /v1/hosts", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	})

	exact := f.client(t, func(c *Config) { c.MaxResponseBytes = int64(len(body)) })
	hosts, err := exact.Hosts(context.Background())
	require.NoError(t, err, "a body of exactly the limit is accepted")
	require.Len(t, hosts, 100)

	small := f.client(t, func(c *Config) { c.MaxResponseBytes = int64(len(body)) - 1 })
	_, err = small.Hosts(context.Background())
	var tooLarge *ResponseTooLargeError
	require.ErrorAs(t, err, &tooLarge)
	require.EqualValues(t, len(body)-1, tooLarge.Limit)
	require.ErrorContains(t, err, "GET /v1/hosts")
	require.ErrorContains(t, err, fmt.Sprintf("larger than the limit of %d bytes (max_response_size, --vcf.max-response-size)", len(body)-1))
	require.EqualValues(t, 2, f.count("GET /v1/hosts"), "one call per client: an oversized body is not retried")
}

// A body that never ends is cut at the limit instead of being read forever.
func TestNeverEndingBodyStopped(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/domains", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"elements":[`))
		chunk := []byte(strings.Repeat(`{"id":"d","name":"endless"},`, 1000))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	c := f.client(t, func(c *Config) { c.MaxResponseBytes = 1 << 20 })
	_, err := c.Domains(context.Background())
	var tooLarge *ResponseTooLargeError
	require.ErrorAs(t, err, &tooLarge)
	var de *DecodeError
	require.ErrorAs(t, err, &de, "classified as a decode error")
}

// Tiny elements within the byte limit do not become millions of hosts.
func TestListElementLimit(t *testing.T) {
	body := tinyHostsBody(maxListElements + 1)
	f := newFake(t)
	f.handle("GET /v1/hosts", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(body)) })
	c := f.client(t)
	_, err := c.Hosts(context.Background())
	require.ErrorContains(t, err, fmt.Sprintf("more than %d elements", maxListElements))
}

// Absurd numbers (1e308 MHz is +Inf Hz, negative cores) are dropped as NaN,
// counted and logged once, not exported.
func TestAbsurdNumbersDropped(t *testing.T) {
	f := newFake(t)
	h := fullHostJSON(1)
	h["cpu"].(map[string]any)["frequencyMHz"] = 1e308
	h["cpu"].(map[string]any)["cores"] = -4
	f.handle("GET /v1/hosts", staticJSON(page(h)))
	f.handle("GET /v1/domains", staticJSON(page(map[string]any{"id": "d1", "name": "mgmt",
		"capacity": map[string]any{"memory": map[string]any{"used": map[string]any{"value": -1, "unit": "GB"}}}})))
	var logs testutil.Buffer
	c := f.client(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	for range 2 {
		hosts, err := c.Hosts(context.Background())
		require.NoError(t, err, "one bad number does not fail the list")
		require.True(t, math.IsNaN(hosts[0].CPUTotalHertz))
		require.True(t, math.IsNaN(hosts[0].CPUCores))
		require.False(t, math.IsNaN(hosts[0].MemoryTotalBytes), "the host's other values are kept")
	}
	ds, err := c.Domains(context.Background())
	require.NoError(t, err)
	require.True(t, math.IsNaN(ds[0].Capacity.MemoryUsedBytes))

	require.NoError(t, promtestutil.CollectAndCompare(c, strings.NewReader(`
# HELP vcf_api_values_dropped_total Values from SDDC Manager dropped instead of exported, by endpoint (path template), API field and reason (non_finite, negative, unparseable_timestamp).
# TYPE vcf_api_values_dropped_total counter
vcf_api_values_dropped_total{endpoint="/v1/domains",field="capacity.memory.used",reason="negative"} 1
vcf_api_values_dropped_total{endpoint="/v1/hosts",field="cpu.cores",reason="negative"} 2
vcf_api_values_dropped_total{endpoint="/v1/hosts",field="cpu.frequencyMHz",reason="non_finite"} 2
`), "vcf_api_values_dropped_total"))
	require.Equal(t, 1, strings.Count(logs.String(), "field=cpu.frequencyMHz reason=non_finite"), "logged once: %s", logs.String())
}

// TestHugeStringStoppedEarly: a host whose one string is 400 MiB, under the
// default 256 MiB body limit, is refused once the string passes
// maxValueBytes: the client reads and allocates a small fraction of the
// limit (it read and buffered the whole limit, ~470 MiB of RSS, before).
func TestHugeStringStoppedEarly(t *testing.T) {
	var sent atomic.Int64
	f := newFake(t)
	f.handle("GET /v1/hosts", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		n, _ := io.WriteString(w, `{"elements":[{"id":"h1","fqdn":"`)
		sent.Add(int64(n))
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for range (400 << 20) / len(chunk) {
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, `"}]}`)
	})
	c := f.client(t, func(c *Config) { c.MaxRetries = -1 })
	require.EqualValues(t, DefaultMaxResponseBytes, c.cfg.MaxResponseBytes)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := c.Hosts(context.Background())
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d MiB, server sent %d MiB", allocated>>20, sent.Load()>>20)
	require.Less(t, allocated, uint64(DefaultMaxResponseBytes/2), "all allocations together stay under half the limit")
	var tooLong *ValueTooLargeError
	require.ErrorAs(t, err, &tooLong)
	require.EqualValues(t, maxValueBytes, tooLong.Limit)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, "GET /v1/hosts")
	f.srv.CloseClientConnections()
	require.Less(t, sent.Load(), int64(maxValueBytes+32<<20), "the client stopped reading (what it read, plus socket buffers)")
}

// TestValueScanner: the scanner flags more than max bytes without a quote
// that starts or ends a string (an escaped one does not count), wherever
// the reads split the body, and nothing in ordinary JSON.
func TestValueScanner(t *testing.T) {
	for _, tc := range []struct {
		body    string
		tooLong bool
	}{
		{`{"a":"1234567890","b":[1,2],"c":true}`, false},
		{`{"a":"12345678901"}`, true},
		{`{"a":"1234\"6789"}`, false}, // 10 bytes between the quotes
		{`{"a":"1234\"67890"}`, true},
		{`{"a":"` + strings.Repeat(`\"`, 5) + `"}`, false},
		{`{"a":"` + strings.Repeat(`\"`, 6) + `"}`, true},
		{`{"a":1234567,"b":1}`, false},
		{`{"a":12345678901,"b":1}`, true},
		{`{"a":"x"}` + strings.Repeat(" ", 9), false},
		{`{"a":"x"}` + strings.Repeat(" ", 10), true},
		{`["1234567890","1234567890"]`, false},
	} {
		for _, chunk := range []int{1, 2, 3, 7} {
			s := valueScanner{max: 10}
			got := false
			for i := 0; i < len(tc.body) && !got; i += chunk {
				got = s.tooLong([]byte(tc.body[i:min(i+chunk, len(tc.body))]))
			}
			assert.Equal(t, tc.tooLong, got, "%s in reads of %d bytes", tc.body, chunk)
		}
	}
}
