package vcfclient

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// standIn is a paged list endpoint written from the references' open
// questions: each field is one reading of what they leave unsaid.
type standIn struct {
	n        int      // elements h0..h(n-1)
	base     int      // number of the first page
	number   []string // page number parameters understood (first wins)
	size     []string // page size parameters understood
	defSize  int      // page size when none is asked (default 50)
	maxSize  int      // most elements served per page (0: no cap)
	lie      int      // added to totalElements
	oneBased bool     // reads page numbers from 1 but reports them from 0
	ignore   bool     // ignores the page number: always the first page
	noTotal  bool     // leaves totalElements and totalPages out
	// askedMeta reports pageSize and totalPages for the size asked, not
	// the size served.
	askedMeta bool
	// shiftOnce moves the offset of the first page after the first by
	// this many elements, as if the list changed during the walk.
	shiftOnce int

	mu    *sync.Mutex
	asked *[]string // raw queries
}

func (s *standIn) param(r *http.Request, names []string) (int, bool) {
	for _, n := range names {
		if v := r.URL.Query().Get(n); v != "" {
			i, err := strconv.Atoi(v)
			return i, err == nil
		}
	}
	return 0, false
}

// serve returns the handler; s is copied, so each test case's table row
// stays as written.
func (s standIn) serve() (http.HandlerFunc, func() []string) {
	s.mu, s.asked = new(sync.Mutex), new([]string)
	return s.ServeHTTP, func() []string {
		s.mu.Lock()
		defer s.mu.Unlock()
		return append([]string(nil), *s.asked...)
	}
}

func (s *standIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*s.asked = append(*s.asked, r.URL.RawQuery)
	size := s.defSize
	if size == 0 {
		size = 50
	}
	if v, ok := s.param(r, s.size); ok {
		size = v
	}
	asked := size
	if s.maxSize > 0 {
		size = min(size, s.maxSize)
	}
	idx := 0 // zero-based page index
	if v, ok := s.param(r, s.number); ok && !s.ignore {
		idx = v - s.base
		if s.oneBased {
			idx = v - 1
		}
	}
	from := idx * size
	if idx > 0 && s.shiftOnce != 0 {
		from += s.shiftOnce
		s.shiftOnce = 0
	}
	el := []any{}
	for i := max(from, 0); i < min(from+size, s.n); i++ {
		el = append(el, map[string]any{"id": fmt.Sprintf("h%d", i), "name": fmt.Sprintf("n%d", i), "fqdn": fmt.Sprintf("h%d.example", i)})
	}
	meta := map[string]int{"pageNumber": idx + s.base, "pageSize": len(el), "totalElements": s.n + s.lie, "totalPages": (s.n + size - 1) / size}
	if s.askedMeta {
		meta["pageSize"], meta["totalPages"] = asked, (s.n+asked-1)/asked
	}
	if s.noTotal {
		delete(meta, "totalElements")
		delete(meta, "totalPages")
	}
	writeJSON(w, 200, map[string]any{"elements": el, "pageMetadata": meta})
}

var (
	names90 = []string{"page"}
	sizes90 = []string{"size"}
	names91 = []string{"pageNumber"}
	sizes91 = []string{"pageSize"}
)

// TestListReadings: whatever reading of the references a server follows,
// every element arrives, or the list is an error.
func TestListReadings(t *testing.T) {
	cases := []struct {
		name     string
		s        standIn
		requests int
	}{
		{"9.0 names, first page 0", standIn{base: 0, number: names90, size: sizes90}, 1},
		{"9.0 names, first page 1", standIn{base: 1, number: names90, size: sizes90}, 1},
		{"9.1 names, first page 0", standIn{base: 0, number: names91, size: sizes91}, 1},
		{"9.1 names, first page 1", standIn{base: 1, number: names91, size: sizes91}, 1},
		{"9.1 names, page size not honoured, 50 a page", standIn{base: 0, number: names91}, 11},
		{"capped at 37, first page 0", standIn{base: 0, number: names90, size: sizes90, maxSize: 37}, 14},
		{"capped at 37, first page 1", standIn{base: 1, number: names91, size: sizes91, maxSize: 37}, 14},
		{"capped at 37, metadata for the size asked", standIn{number: names91, size: sizes91, maxSize: 37, askedMeta: true}, 14},
		{"capped at 39: the last page is full", standIn{n: 507 - 507%39 + 39, base: 0, number: names91, size: sizes91, maxSize: 39}, 14},
		{"reads numbers from 1, reports them from 0", standIn{number: names91, size: sizes91, maxSize: 100, oneBased: true}, 7},
		{"no paging (5.2.1)", standIn{defSize: 1 << 20}, 1},
		{"no totalElements: read to the short page", standIn{number: names91, size: sizes91, maxSize: 100, noTotal: true}, 6},
		{"no totalElements, the last page full", standIn{n: 500, number: names91, size: sizes91, maxSize: 100, noTotal: true}, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.s
			if s.n == 0 {
				s.n = 507
			}
			h, requests := s.serve()
			f := newFake(t)
			f.handle("GET /v1/hosts", h)
			hosts, err := f.client(t).Hosts(context.Background())
			require.NoError(t, err)
			require.Len(t, hosts, s.n)
			for i, h := range hosts {
				require.Equal(t, fmt.Sprintf("h%d", i), h.ID)
			}
			assert.Len(t, requests(), tc.requests, "%q", requests())
		})
	}
}

// TestListFirstRequest: the first request names only a page size, in both
// generations' names; the next ones the learned number and served size.
func TestListFirstRequest(t *testing.T) {
	h, requests := standIn{n: 5, base: 1, number: names91, size: sizes91, maxSize: 2}.serve()
	f := newFake(t)
	f.handle("GET /v1/hosts", h)
	_, err := f.client(t).Hosts(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{
		"pageSize=1000&size=1000",
		"page=2&pageNumber=2&pageSize=2&size=2",
		"page=3&pageNumber=3&pageSize=2&size=2",
	}, requests())
}

// TestListDoesNotAddUp: a list read twice without adding up fails the
// call, names the endpoint and both counts, and is counted.
func TestListDoesNotAddUp(t *testing.T) {
	cases := map[string]*standIn{
		"totalElements too high": {lie: 3, number: names91, size: sizes91, maxSize: 100},
		"totalElements too low":  {lie: -3, number: names91, size: sizes91, maxSize: 100},
		"page number ignored":    {ignore: true, number: names91, size: sizes91, maxSize: 100},
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			s.n = 507
			h, _ := s.serve()
			f := newFake(t)
			f.handle("GET /v1/hosts", h)
			c := f.client(t)
			hosts, err := c.Hosts(context.Background())
			require.Nil(t, hosts)
			var le *ListError
			require.ErrorAs(t, err, &le)
			assert.Equal(t, "/v1/hosts", le.Endpoint)
			assert.Equal(t, 507+s.lie, le.Total)
			assert.Contains(t, err.Error(), fmt.Sprintf("totalElements %d", 507+s.lie))
			assert.Equal(t, "SDDC Manager's list does not add up", Failure(err))
			assert.InDelta(t, 1, testutil.ToFloat64(c.metrics.listMismatches.WithLabelValues("/v1/hosts")), 0)
		})
	}
}

// TestListChangesDuringWalk: a page shifted by one (an element removed or
// inserted ahead of it while the list was walked) makes the first walk
// miss one element and read another twice: the duplicate is dropped and
// counted, and the second walk reads the list whole.
func TestListChangesDuringWalk(t *testing.T) {
	for _, shift := range []int{1, -1} {
		t.Run(strconv.Itoa(shift), func(t *testing.T) {
			h, requests := standIn{n: 507, number: names91, size: sizes91, maxSize: 100, shiftOnce: shift}.serve()
			f := newFake(t)
			f.handle("GET /v1/hosts", h)
			c := f.client(t)
			hosts, err := c.Hosts(context.Background())
			require.NoError(t, err)
			require.Len(t, hosts, 507)
			seen := map[string]bool{}
			for _, h := range hosts {
				require.False(t, seen[h.ID], h.ID)
				seen[h.ID] = true
			}
			assert.Len(t, requests(), 12, "two walks of six pages")
			assert.InDelta(t, 1, testutil.ToFloat64(c.metrics.listDuplicates.WithLabelValues("/v1/hosts")), 0)
			assert.InDelta(t, 0, testutil.ToFloat64(c.metrics.listMismatches.WithLabelValues("/v1/hosts")), 0)
		})
	}
}

// TestListOtherEndpoints: the lists the workflow reads take the same path.
func TestListOtherEndpoints(t *testing.T) {
	h, requests := standIn{n: 7, number: names91, size: sizes91, maxSize: 3, lie: 1}.serve()
	f := newFake(t)
	f.handle("GET /v1/upgrades", h)
	c := f.client(t)
	_, err := c.Upgrades(context.Background())
	var le *ListError
	require.ErrorAs(t, err, &le)
	assert.Equal(t, "/v1/upgrades", le.Endpoint)
	assert.Len(t, requests(), 6, "two walks of three pages")
	assert.Empty(t, requests()[0], "an unpaged endpoint is first asked without parameters")
}

func TestTooManyPagesIsAnError(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/hosts", staticJSON(map[string]any{"elements": []any{map[string]any{"id": "h"}},
		"pageMetadata": map[string]int{"pageNumber": 1, "pageSize": 1, "totalElements": maxPages + 1, "totalPages": maxPages + 1}}))
	_, err := f.client(t).Hosts(context.Background())
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "more than the 10000 followed")
	assert.Equal(t, int64(1), f.count("GET /v1/hosts"))
}

// TestListUnverifiedWarnsOnce: a list without totalElements is taken as
// read, and said once per endpoint.
func TestListUnverifiedWarnsOnce(t *testing.T) {
	var logs bytes.Buffer
	f := newFake(t)
	f.handle("GET /v1/domains", staticJSON([]any{map[string]any{"id": "d1"}}))
	c := f.client(t, func(cfg *Config) { cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	for range 2 {
		ds, err := c.Domains(context.Background())
		require.NoError(t, err)
		require.Len(t, ds, 1)
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "its completeness cannot be checked"), logs.String())
	assert.Contains(t, logs.String(), "endpoint=/v1/domains")
}

// TestListElementsWithoutID: elements without an id are counted, never
// taken for duplicates of each other.
func TestListElementsWithoutID(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/clusters", staticJSON(map[string]any{
		"elements":     []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}, map[string]any{"id": "c"}},
		"pageMetadata": map[string]int{"pageNumber": 0, "pageSize": 3, "totalElements": 3, "totalPages": 1},
	}))
	cls, err := f.client(t).Clusters(context.Background())
	require.NoError(t, err)
	assert.Len(t, cls, 3)
}
