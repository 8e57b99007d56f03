package collector

// Rendering while the inventory arrives: /v1/hosts is most of a refresh's
// bytes and its families most of the series, so the host collector's
// families are rendered while the list is decoded, in parallel with the
// other lists, by a targets.FetchObserver the render cache installs on the
// target. The snapshot carries the rendering, made for one cache, format
// and set of constant labels; a scrape that matches them writes it, any
// other renders the hosts from the snapshot as before.

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// hostStream renders the host families of one fetch as the hosts arrive.
type hostStream struct {
	cache  *Cache
	set    *Set
	target *targets.Target
	format *Format
	labels map[string]string

	mu      sync.Mutex
	out     *textOut
	scrape  *Scrape // nil until the other lists are in
	gpus    bool
	pending []vcfclient.Host // arrived before the other lists
	hosts   int              // rendered
	took    time.Duration
}

// streamed is the host part a hostStream rendered, kept as the snapshot's
// Observed until the cache takes it (the snapshot outlives the next
// fetch's start, when the cache drops its host part).
type streamed struct {
	stream *hostStream
	r      atomic.Pointer[Rendering]
}

// take hands the rendering over to the cache, once.
func (st *streamed) take() (Rendering, bool) {
	r := st.r.Swap(nil)
	if r == nil {
		return nil, false
	}
	return *r, true
}

// observe installs a hostStream on t for the fetches to come.
func (c *Cache) observe(s *Set, t *targets.Target, f *Format, labels map[string]string) {
	if s.collectors["host"] == nil || t.Client == nil {
		return
	}
	t.Observe(func() targets.FetchObserver {
		// The last rendering of the hosts is not needed any more (the
		// snapshot it was made from is stale): free it before the new one
		// grows. Never wait for the lock: a scrape may hold it while it
		// waits for this fetch (through the upgrade check).
		if tc := c.target(t); tc.mu.TryLock() {
			delete(tc.parts, "host")
			tc.mu.Unlock()
		}
		// Nor is one no scrape took (a fetch the upgrade check started).
		if last := t.LastSnapshot(); last != nil {
			if st, ok := last.Observed.(*streamed); ok {
				st.take()
			}
		}
		return &hostStream{cache: c, set: s, target: t, format: f, labels: labels, out: newTextOut(f, labels)}
	})
}

// fits reports whether the scrape of t by s in f with labels may write
// this rendering as its host part.
func (st *streamed) fits(c *Cache, s *Set, f *Format, labels map[string]string) bool {
	h := st.stream
	// Sets made by one NewSet (and its Filter) share their collectors and
	// their error counters.
	return h.cache == c && h.format == f && s.collectors["host"] != nil &&
		s.errors == h.set.errors && maps.Equal(h.labels, labels)
}

func (h *hostStream) Lists(inv *vcfclient.Inventory) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.scrape = &Scrape{Target: h.target, Snapshot: &targets.Snapshot{Inventory: inv}}
	h.gpus = h.scrape.sddcManagerMajor() >= 9
	for i := range h.pending {
		h.render(&h.pending[i])
	}
	h.pending = nil
}

func (h *hostStream) Host(host *vcfclient.Host) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.scrape == nil {
		h.pending = append(h.pending, *host)
		return
	}
	h.render(host)
}

func (h *hostStream) render(host *vcfclient.Host) {
	begin := time.Now()
	generate(h.out, hostFamilies, h.scrape.hostRow(host, h.gpus))
	h.took += time.Since(begin)
	h.hosts++
}

func (h *hostStream) Reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.out, h.pending, h.hosts, h.took = newTextOut(h.format, h.labels), nil, 0, 0
}

// Finish completes the rendering of a fetch that succeeded; nil (the
// scrape renders the hosts itself) if it did not see every host once.
func (h *hostStream) Finish(inv *vcfclient.Inventory) any {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.scrape == nil || h.hosts != len(inv.Hosts) {
		h.set.logger.Error("hosts rendered while fetched do not match the inventory; rendering them again",
			"target", h.target.Name, "rendered", h.hosts, "hosts", len(inv.Hosts))
		return nil
	}
	begin := time.Now()
	r, err := h.out.finish()
	if err != nil {
		h.set.logger.Error("rendering metrics", "target", h.target.Name, "part", "host", "err", err)
	}
	// The collector's own series, as execute writes them.
	self := newTextOut(h.format, h.labels)
	lv := []string{"host"}
	self.Sample(scrapeDurationDesc, (h.took + time.Since(begin)).Seconds(), lv)
	self.Sample(scrapeSuccessDesc, 1, lv)
	rs, _ := self.finish()
	h.out = nil
	st := &streamed{stream: h}
	all := mergeRenderings(r, rs)
	st.r.Store(&all)
	return st
}

// mergeRenderings merges renderings of distinct families, by name.
func mergeRenderings(a, b Rendering) Rendering {
	out := make(Rendering, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].Name < b[0].Name {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}
