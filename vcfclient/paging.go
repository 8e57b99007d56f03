package vcfclient

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	json "github.com/goccy/go-json"
)

// Paging of list endpoints.
//
// The references leave most of it open: neither says whether pages are
// numbered from 0 or 1 (the PageMetadata examples show pageNumber 0), 9.0
// names the /v1/hosts parameters page/size where 9.1 deprecates them for
// pageNumber/pageSize (and adds those to /v1/domains and /v1/clusters),
// and a server may serve fewer elements than asked. So the walk learns
// instead of guessing: the first request carries only a page size; the
// pageNumber the server reports for that first page is the numbering, the
// number of elements it served is the page size that is asked for from then
// on, and the walk checks each answer (the page asked for, new ids).
//
// A list that does not add up (distinct ids read != totalElements, or a
// total that moved during the walk) is read again once, as it may have
// changed under the walk; if it still does not add up the call fails
// (ListError) and counts in vcf_api_list_mismatches_total: a partial list
// must never pass for the inventory.

// pager names the query parameters of a list endpoint. Every name in a
// slice is sent with the same value: /v1/hosts takes page/size in 9.0 and
// pageNumber/pageSize in 9.1, which still accepts the deprecated names with
// the same meaning, and a server ignores the names it does not know. The
// references do not say which generation answers, and the client would
// need a request to learn it; sending both costs nothing.
type pager struct {
	number, size []string
	// firstSize is the page size asked for in the first request; 0 asks
	// none (the list is not paged in any reference: only pageMetadata
	// could say otherwise).
	firstSize int
}

// HostsPageSize is the page size asked for from GET /v1/hosts. A server may
// serve smaller pages; the walk follows whatever it serves.
const HostsPageSize = 1000

// defaultPager pages with the PageMetadata schema's names.
var defaultPager = pager{number: []string{"pageNumber"}, size: []string{"pageSize"}}

// pagers are the endpoints whose references define paging parameters.
var pagers = map[string]pager{
	endpointHosts:    {number: []string{"pageNumber", "page"}, size: []string{"pageSize", "size"}, firstSize: HostsPageSize},
	endpointDomains:  {number: []string{"pageNumber"}, size: []string{"pageSize"}, firstSize: 1000}, // 9.1
	endpointClusters: {number: []string{"pageNumber"}, size: []string{"pageSize"}, firstSize: 1000}, // 9.1
	// "Max page size allowed is 100" (9.x).
	endpointTasks: {number: []string{"pageNumber"}, size: []string{"pageSize"}, firstSize: 100},
}

func pagerOf(endpoint string) pager {
	if p, ok := pagers[endpoint]; ok {
		return p
	}
	return defaultPager
}

// maxPages bounds page following, against a server whose metadata lies.
const maxPages = 10000

// maxListElements bounds the elements of one list, whatever their size: a
// body of tiny elements within MaxResponseBytes would otherwise make
// millions of hosts. It is far above any VCF instance (tens of thousands of
// hosts at most).
const maxListElements = 200_000

// identified is a wire element with an id, by which the walk drops
// duplicates and counts distinct elements. Lists of elements without one
// (releases, upgradables) are counted by element, and so are elements
// whose id is empty.
type identified interface{ listID() string }

// list fetches every element of a list endpoint (base is a GET request),
// converting each wire element with conv. See eachPage.
func list[W, M any](ctx context.Context, c *Client, base request, conv func(*W) (M, error)) ([]M, error) {
	var out []M
	err := eachPage(ctx, c, base, conv, func() { out = nil }, func(page []M) {
		if out == nil {
			out = page // an unpaged list is not copied
			return
		}
		out = append(out, page...)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachPage walks every page of a list, converting each distinct element
// with conv and handing the page's elements to emit once the page was read
// whole (a page retried after a broken body starts over); emit owns the
// slice. start is called before each walk: a list that does not add up is
// walked a second time, and the caller must then discard what the first
// walk gave it.
func eachPage[W, M any](ctx context.Context, c *Client, base request, conv func(*W) (M, error), start func(), emit func([]M)) error {
	for walks := 1; ; walks++ {
		start()
		w, err := walkList(ctx, c, base, conv, emit)
		if err != nil {
			return err
		}
		if w.dups > 0 {
			c.metrics.listDuplicates.WithLabelValues(base.endpoint).Add(float64(w.dups))
		}
		if w.addsUp() {
			return nil
		}
		if walks == 2 {
			c.metrics.listMismatches.WithLabelValues(base.endpoint).Inc()
			return &ListError{Method: base.method, Endpoint: base.endpoint, Distinct: w.distinct, Total: w.total, Moved: w.moved}
		}
		c.log.Debug("list does not add up, reading it again", "endpoint", base.endpoint,
			"distinct", w.distinct, "totalElements", w.total, "totalMoved", w.moved, "duplicates", w.dups)
	}
}

// walk is the state of one walk through a list.
type walk struct {
	ids      map[string]struct{}
	distinct int  // elements handed on
	dups     int  // elements dropped as a repeated id
	total    int  // totalElements of the first page
	moved    bool // a later page reported another totalElements
	// unverified: no totalElements (or no pageMetadata at all) to
	// cross-check by. The references make every PageMetadata field
	// optional, so such a list is taken as read, with a warning.
	unverified bool
}

func (w *walk) addsUp() bool { return w.unverified || (!w.moved && w.distinct == w.total) }

// sameTotal reports whether a later page's totalElements is the first's.
func (w *walk) sameTotal(m pageMeta) bool {
	if m.TotalElements == nil {
		return w.unverified
	}
	return !w.unverified && *m.TotalElements == w.total
}

// walkList reads a list once. It ends on an empty page, a short page (fewer
// elements than the first), a page bringing no new id (a server ignoring
// the page asked for), or once totalPages were read and totalElements
// reached; whether what it read adds up is for the caller to judge.
func walkList[W, M any](ctx context.Context, c *Client, base request, conv func(*W) (M, error), emit func([]M)) (*walk, error) {
	p := pagerOf(base.endpoint)
	w := &walk{ids: map[string]struct{}{}}
	// The page being read, undone when a retried attempt starts it over.
	var (
		pending      []M
		added        []string
		fresh, dups0 int
		distinct0    int
	)
	reset := func() {
		for _, id := range added {
			delete(w.ids, id)
		}
		pending, added, fresh = pending[:0], added[:0], 0
		w.distinct, w.dups = distinct0, dups0
	}
	visit := func(e *W) error {
		if w.distinct+w.dups >= maxListElements {
			return fmt.Errorf("more than %d elements in the list", maxListElements)
		}
		// An element without an id is counted, not deduplicated: it is
		// no evidence of a paging fault.
		if idd, ok := any(e).(identified); ok && idd.listID() != "" {
			id := idd.listID()
			if _, dup := w.ids[id]; dup {
				w.dups++
				return nil
			}
			w.ids[id] = struct{}{}
			added = append(added, id)
		}
		m, err := conv(e)
		if err != nil {
			return err
		}
		c.noteDropped(base.endpoint, e)
		pending = append(pending, m)
		w.distinct++
		fresh++
		return nil
	}
	var (
		size   int  // elements the server serves per page
		next   int  // page number to ask for
		shift  int  // next minus the pageNumber the server reports for it
		shiftd bool // shift was learned
	)
	for pages := 0; ; pages++ {
		if pages >= maxPages {
			return nil, &DecodeError{Method: base.method, Endpoint: base.endpoint,
				Err: fmt.Errorf("the list has more than %d pages", maxPages)}
		}
		req := base
		req.query = url.Values{}
		for k, v := range base.query {
			req.query[k] = v
		}
		switch {
		case pages > 0:
			setAll(req.query, p.number, next)
			setAll(req.query, p.size, size)
		case p.firstSize > 0:
			setAll(req.query, p.size, p.firstSize)
		}
		distinct0, dups0 = w.distinct, w.dups
		meta, served, err := fetchPage(ctx, c, req, reset, visit)
		if err != nil {
			return nil, err
		}
		if len(pending) > 0 {
			emit(pending)
			pending = nil
		}
		added = added[:0]
		if pages == 0 {
			if !meta.present || meta.TotalElements == nil {
				w.unverified = true
				c.warnOnce(base.endpoint+" unverified", "SDDC Manager's list has no totalElements: its completeness cannot be checked", "endpoint", base.endpoint)
			}
			if !meta.present { // a bare array: no page numbers to follow
				return w, nil
			}
			if meta.TotalPages > maxPages {
				return nil, &DecodeError{Method: base.method, Endpoint: base.endpoint,
					Err: fmt.Errorf("the list has %d pages, more than the %d followed", meta.TotalPages, maxPages)}
			}
			size, next = served, meta.PageNumber+1
			if !w.unverified {
				w.total = *meta.TotalElements
			}
		} else {
			if !meta.present || !w.sameTotal(meta) {
				w.moved = true
			}
			if fresh == 0 && !shiftd && meta.PageNumber == next-1 {
				// The page asked for was the one already read: the
				// server numbers the pages it is asked for from one
				// more than it reports them (reads 1 as the first page
				// while reporting it as 0). Ask for the next number.
				shift, shiftd = 1, true
				next++
				continue
			}
			if meta.PageNumber != next-shift {
				c.log.Debug("server reported another page than the one asked for", "endpoint", base.endpoint,
					"asked", next, "reported", meta.PageNumber)
			}
			next++
		}
		switch {
		case served == 0 || fresh == 0 || served < size:
			return w, nil
		case !w.unverified && pages+1 >= meta.TotalPages && w.distinct >= w.total:
			return w, nil
		}
	}
}

func setAll(q url.Values, names []string, v int) {
	for _, n := range names {
		q.Set(n, strconv.Itoa(v))
	}
}

// fetchPage requests one page, calling reset before each attempt and visit
// for each element, and returns its metadata and how many elements it held.
func fetchPage[W any](ctx context.Context, c *Client, req request, reset func(), visit func(*W) error) (pageMeta, int, error) {
	var meta pageMeta
	var served int
	err := c.do(ctx, req, func(dec *json.Decoder) error {
		reset()
		served = 0
		var err error
		meta, err = decodePage(dec, func(w *W) error {
			served++
			return visit(w)
		})
		return err
	})
	return meta, served, err
}

// ListError is returned when a list does not add up after being read
// twice: the distinct elements read differ from the totalElements SDDC
// Manager announces, or the total moved during both walks.
type ListError struct {
	Method, Endpoint string
	Distinct, Total  int
	Moved            bool
}

func (e *ListError) Error() string {
	msg := fmt.Sprintf("vcfclient: %s %s: the list does not add up after two reads: %d distinct elements read, totalElements %d",
		e.Method, e.Endpoint, e.Distinct, e.Total)
	if e.Moved {
		msg += " (and it changed between pages)"
	}
	return msg
}
