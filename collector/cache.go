package collector

// The render cache, after kube-state-metrics: the inventory series are
// rendered to exposition text once per snapshot (the upgrade collector's
// once per upgrade-check result, the health collectors' once per reading)
// and a scrape writes the cached bytes. A rendering is kept per target and
// per collector, as one text body per family (a large one compressed, see
// body.go), so that /metrics can merge several targets and the exporter's
// own metrics under one header per family.

import (
	"context"
	"sync"
	"time"

	"github.com/vcf-exporter/vcf_exporter/targets"
)

// Cache keeps the renderings of every target for one kind of output
// (/metrics, with the target label, or /probe, without). The zero value is
// not usable: see NewCache.
type Cache struct {
	mu      sync.Mutex
	targets map[*targets.Target]*targetCache
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{targets: map[*targets.Target]*targetCache{}} }

// targetCache holds one target's renderings by part: "" for the common
// metrics (vcf_up, inventory refresh), else the collector's name. A part is
// kept in one format only (the last asked for), so that no exposition is
// held twice; scrapers normally agree on one.
type targetCache struct {
	mu    sync.Mutex
	parts map[string]*part
}

type part struct {
	key    partKey
	format *Format
	r      Rendering
}

// partKey identifies what a rendering was made from: the inventory
// snapshot (or what an inventoryKeyed collector reads of it) and a
// versioned collector's version.
type partKey struct {
	inventory any
	version   any
}

// inventoryKeyed is implemented by collectors that read little of the
// inventory (the health collectors: whether the SDDC Manager is up, the
// domains' names): their rendering outlives snapshots that agree on it.
// The key must be comparable.
type inventoryKeyed interface {
	inventoryKey(s *Scrape) any
}

// versioned is implemented by collectors whose output depends on more than
// the inventory snapshot (the upgrade collector: the upgrade check). The
// version must be comparable, and Update must use the same state (memoized
// in the Scrape).
type versioned interface {
	version(ctx context.Context, s *Scrape) any
}

func (c *Cache) target(t *targets.Target) *targetCache {
	c.mu.Lock()
	defer c.mu.Unlock()
	tc := c.targets[t]
	if tc == nil {
		tc = &targetCache{parts: map[string]*part{}}
		c.targets[t] = tc
	}
	return tc
}

// Retain drops the renderings of targets for which keep is false (targets
// removed or replaced by a reload).
func (c *Cache) Retain(keep func(*targets.Target) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for t := range c.targets {
		if !keep(t) {
			delete(c.targets, t)
		}
	}
}

// Render returns, for one scrape of t by the collectors of s, the common
// rendering and one per collector in the set's order, rendering again
// those whose snapshot (or version) changed, and last the scrape's own
// duration. constLabels are added to every series. Concurrent scrapes of
// the target share one rendering.
func (c *Cache) Render(ctx context.Context, s *Set, t *targets.Target, f *Format, constLabels map[string]string) []Rendering {
	begin := time.Now()
	snap := t.Snapshot(ctx)
	sc := &Scrape{Target: t, Snapshot: snap}
	tc := c.target(t)
	tc.mu.Lock()
	defer tc.mu.Unlock()

	names := append([]string{""}, s.names...)
	out := make([]Rendering, len(names))
	keys := make([]partKey, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		write := func(o Out) { snapshotSamples(o, snap) }
		keys[i] = partKey{inventory: snap}
		if col := s.collectors[name]; col != nil {
			write = func(o Out) { s.execute(ctx, name, sc, o) }
			if v, ok := col.(versioned); ok {
				keys[i].version = v.version(ctx, sc)
			}
			if k, ok := col.(inventoryKeyed); ok {
				keys[i].inventory = k.inventoryKey(sc)
			}
		}
		if p := tc.parts[name]; p != nil && p.key == keys[i] && p.format == f {
			out[i] = p.r
			continue
		}
		delete(tc.parts, name) // never hold two renderings of a part
		wg.Go(func() { out[i] = s.render(t, name, f, constLabels, write) })
	}
	wg.Wait()
	for i, name := range names {
		if tc.parts[name] == nil {
			tc.parts[name] = &part{key: keys[i], format: f, r: out[i]}
		}
	}
	// This scrape's duration, rendered for this scrape only.
	return append(out, s.render(t, "", f, constLabels, func(o Out) {
		o.Sample(targetScrapeDurationDesc, time.Since(begin).Seconds(), nil)
	}))
}

// render renders what write writes; an error (a sample client_golang
// would refuse) is logged and the rest served.
func (s *Set) render(t *targets.Target, part string, f *Format, constLabels map[string]string, write func(Out)) Rendering {
	o := newTextOut(f, constLabels)
	write(o)
	r, err := o.finish()
	if err != nil {
		s.logger.Error("rendering metrics", "target", t.Name, "part", part, "err", err)
	}
	return r
}
