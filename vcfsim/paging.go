package vcfsim

import (
	"errors"
	"math"
	"net/http"
	"strconv"
)

// Paging of the inventory lists. The references leave open how pages are
// numbered (Config.PageBase plays both readings), and each generation
// pages other lists with other parameter names (version table, paging).

// pagedList is how one list endpoint pages: the query parameters naming
// the page number and size (the first one present wins; later ones are
// deprecated names still accepted) and the size served when none is asked.
type pagedList struct {
	number, size []string
	defaultSize  int
}

// paging is a generation's paged lists, by endpoint. An endpoint missing
// is answered whole, as one page.
type paging map[string]pagedList

const (
	pathHosts    = "/v1/hosts"
	pathDomains  = "/v1/domains"
	pathClusters = "/v1/clusters"
	pathTasks    = "/v1/tasks"
)

// DefaultHostsPageSize is the 9.0 page of GET /v1/hosts when the request
// names no size, and the largest size served: a client that does not page
// sees only the first DefaultHostsPageSize hosts.
const DefaultHostsPageSize = 100

// The generations' paging (VCF9.md, VCF91.md).
var (
	// Every version pages /v1/tasks with pageNumber and pageSize ("Max
	// page size allowed is 100"; the default is not documented).
	tasksPaging = pagedList{number: []string{"pageNumber"}, size: []string{"pageSize"}, defaultSize: 100}
	// 5.2.1 pages none of the inventory lists.
	paging521 = paging{pathTasks: tasksPaging}
	// 9.0 pages /v1/hosts with page and size.
	paging902 = paging{pathTasks: tasksPaging, pathHosts: {number: []string{"page"}, size: []string{"size"}, defaultSize: DefaultHostsPageSize}}
	// 9.1 pages hosts, domains and clusters with pageNumber and pageSize
	// (page and size deprecated but accepted on /v1/hosts); the default
	// sizes are below the demo inventory's (26 hosts, 3 domains, 6
	// clusters), so a client that does not page misses elements.
	paging910 = paging{
		pathTasks:    tasksPaging,
		pathHosts:    {number: []string{"pageNumber", "page"}, size: []string{"pageSize", "size"}, defaultSize: 20},
		pathDomains:  {number: []string{"pageNumber"}, size: []string{"pageSize"}, defaultSize: 2},
		pathClusters: {number: []string{"pageNumber"}, size: []string{"pageSize"}, defaultSize: 4},
	}
)

// pageReq is the page a request asks for.
type pageReq struct {
	paged bool
	index int // from 0, whatever the numbering
	size  int
}

var errPageParam = errors.New("page numbers must be integers >= the first page's, page sizes integers >= 1")

// pageRequest reads the page asked for from a list endpoint. The size is
// the list's default when none is asked, and at most the cap (Config.
// MaxPageSize, else the default) whatever is asked.
func (s *Simulator) pageRequest(r *http.Request, endpoint string) (pageReq, error) {
	l, ok := s.paging[endpoint]
	if !ok {
		return pageReq{}, nil
	}
	size := l.defaultSize
	if endpoint == pathHosts && s.cfg.HostsPageSize > 0 {
		size = s.cfg.HostsPageSize
	}
	limit := size
	if s.cfg.MaxPageSize > 0 {
		limit = s.cfg.MaxPageSize
		size = min(size, limit)
	}
	p := pageReq{paged: true, size: size}
	if n, ok, err := intParam(r, l.size); err != nil || (ok && n < 1) {
		return p, errPageParam
	} else if ok {
		p.size = min(n, limit)
	}
	if n, ok, err := intParam(r, l.number); err != nil || (ok && n < s.cfg.PageBase) {
		return p, errPageParam
	} else if ok {
		p.index = n - s.cfg.PageBase
	}
	return p, nil
}

// intParam reads the first of names present in the query.
func intParam(r *http.Request, names []string) (n int, ok bool, err error) {
	q := r.URL.Query()
	for _, name := range names {
		if v := q.Get(name); v != "" {
			n, err = strconv.Atoi(v)
			return n, true, err
		}
	}
	return 0, false, nil
}

// bounds returns the positions [from, to) of the page in a list, shifted
// by a pending ShiftNextPage for a page after the first.
func (s *Simulator) bounds(p pageReq) (from, to int) {
	if !p.paged {
		return 0, math.MaxInt
	}
	if p.index > math.MaxInt/p.size-1 { // beyond any inventory
		return math.MaxInt, math.MaxInt
	}
	from = p.index * p.size
	if p.index > 0 {
		from = max(0, from+int(s.pageShift.Swap(0)))
	}
	return from, from + p.size
}

// meta is the pageMetadata of a page of served elements of a list of
// total elements, with the TotalElementsLie in force added. pageSize is
// "the number of elements in the current page", as the references
// describe it (not the size asked for).
func (s *Simulator) meta(p pageReq, served, total int) *pageMetadata {
	m := &pageMetadata{PageNumber: s.cfg.PageBase, PageSize: served, TotalElements: total + int(s.totalLie.Load()), TotalPages: 1}
	if p.paged {
		m.PageNumber += p.index
		m.TotalPages = (total + p.size - 1) / p.size
	}
	return m
}

// pageOf answers a page of elems.
func pageOf[T any](s *Simulator, p pageReq, elems []T) page[T] {
	from, to := s.bounds(p)
	out := []T{}
	if from < len(elems) {
		out = elems[from:min(to, len(elems))]
	}
	return page[T]{Elements: out, PageMetadata: s.meta(p, len(out), len(elems))}
}

// ShiftNextPage moves the next page after a first page that a paged list
// serves by n elements, once: as if n elements had been removed (n > 0)
// or inserted (n < 0) ahead of it while a client walked the list, which
// then misses one element and reads another twice.
func (s *Simulator) ShiftNextPage(n int) { s.pageShift.Store(int64(n)) }

// SetTotalElementsLie replaces Config.TotalElementsLie from now on.
func (s *Simulator) SetTotalElementsLie(n int) { s.totalLie.Store(int64(n)) }

func badPage(err error) (int, any) {
	return errorf(http.StatusBadRequest, "INVALID_PAGE_PARAMETER", "%s", err.Error())
}
