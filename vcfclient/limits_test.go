package vcfclient

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
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
