package collector

// The render cache (issue 13), after kube-state-metrics: the inventory
// series are rendered to exposition text once per snapshot (and, for the
// upgrade collector, once per upgrade-check result), by running the same
// collectors that NewTargetCollector runs, and a scrape writes the cached
// bytes. Building ~100k const metrics, the registry's consistency check and
// sort, and re-encoding on every scrape was most of a warm scrape.
//
// A rendering is kept per target and per collector, as one text body per
// metric family (samples only, sorted as client_golang sorts them), so that
// /metrics can merge several targets and the exporter's own metrics: the
// # HELP / # TYPE lines once per family, then each target's samples. Large
// bodies are also kept as one gzip member each: a gzip response is the
// cached members with the small live parts compressed around them (a gzip
// stream may hold several members, RFC 1952 2.2).

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/vcf-exporter/vcf_exporter/targets"
)

// family is the exposition text of one metric family of one source.
type family struct {
	name   string
	header []byte // "# HELP" and "# TYPE" lines
	body   []byte // sample lines

	gzOnce sync.Once
	gz     []byte // body as a gzip member; nil for small bodies
}

// gzipMinBody: smaller bodies are compressed with the live parts around
// them (a member costs ~20 bytes and a flush).
const gzipMinBody = 16 << 10

// gzipped returns the body as a gzip member, compressing it on first use.
func (f *family) gzipped() []byte {
	f.gzOnce.Do(func() {
		if len(f.body) < gzipMinBody {
			return
		}
		var buf bytes.Buffer
		buf.Grow(len(f.body) / 8)
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&buf)
		_, _ = zw.Write(f.body) // a bytes.Buffer does not fail
		_ = zw.Close()
		gzipWriters.Put(zw)
		f.gz = buf.Bytes()
	})
	return f.gz
}

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// textFormat is an exposition format the cache renders: the classic text
// format, or OpenMetrics when the scraper asks for it. Protobuf is left to
// client_golang.
type textFormat struct {
	typ     expfmt.FormatType
	encode  func(io.Writer, *dto.MetricFamily) (int, error)
	trailer string
}

var textFormats = map[expfmt.FormatType]*textFormat{
	expfmt.TypeTextPlain: {typ: expfmt.TypeTextPlain, encode: expfmt.MetricFamilyToText},
	expfmt.TypeOpenMetrics: {typ: expfmt.TypeOpenMetrics, trailer: "# EOF\n",
		encode: func(w io.Writer, mf *dto.MetricFamily) (int, error) { return expfmt.MetricFamilyToOpenMetrics(w, mf) }},
}

// rendering is the output of one collector (or the common metrics) for one
// target: families sorted by name.
type rendering []*family

// ---- rendering metrics into families ----

// encoder turns the metrics of one collector run into a rendering. It is
// used by one goroutine.
type encoder struct {
	format  *textFormat
	fams    map[string]*famBuf
	descs   map[*prometheus.Desc]*descInfo
	errs    []error
	scratch bytes.Buffer // one encoded metric
	key     []byte       // its sort key
	pb      dto.Metric
	mf      dto.MetricFamily
	gauge   dto.Gauge
	pairs   []dto.LabelPair
	labels  []*dto.LabelPair
}

// descInfo is what the encoder needs of a descriptor: its spec, and its
// label names sorted (as in a sample) with where each value comes from:
// src[i] >= 0 is variable label src[i], else constant value consts[-src[i]-1].
type descInfo struct {
	spec   descSpec
	names  []string
	src    []int
	consts []string
}

func newDescInfo(spec descSpec) *descInfo {
	info := &descInfo{spec: spec}
	for i, n := range spec.labels {
		info.names, info.src = append(info.names, n), append(info.src, i)
	}
	for n, v := range spec.constLabels {
		info.consts = append(info.consts, v)
		info.names, info.src = append(info.names, n), append(info.src, -len(info.consts))
	}
	idx := make([]int, len(info.names))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(info.names[a], info.names[b]) })
	names, src := make([]string, len(idx)), make([]int, len(idx))
	for i, j := range idx {
		names[i], src[i] = info.names[j], info.src[j]
	}
	info.names, info.src = names, src
	return info
}

// renderGauge is a gauge sample made for the render cache (Scrape.gauge):
// its label values as the collector gave them. It is still a
// prometheus.Metric.
type renderGauge struct {
	desc   *prometheus.Desc
	value  float64
	labels []string
}

func (g *renderGauge) Desc() *prometheus.Desc { return g.desc }

func (g *renderGauge) Write(pb *dto.Metric) error {
	m, err := prometheus.NewConstMetric(g.desc, prometheus.GaugeValue, g.value, g.labels...)
	if err != nil {
		return err
	}
	return m.Write(pb)
}

// fill sets pb to g without allocating: label pairs and gauge of the
// encoder, pointing at g's strings. It checks what NewConstMetric checks.
func (e *encoder) fill(pb *dto.Metric, info *descInfo, g *renderGauge) error {
	if len(g.labels) != len(info.spec.labels) {
		return fmt.Errorf("%s: %d label values for %d labels", info.spec.fqName, len(g.labels), len(info.spec.labels))
	}
	for _, v := range g.labels {
		if !utf8.ValidString(v) {
			return fmt.Errorf("%s: label value %q is not valid UTF-8", info.spec.fqName, v)
		}
	}
	if len(e.pairs) < len(info.names) {
		e.pairs = make([]dto.LabelPair, len(info.names))
		e.labels = make([]*dto.LabelPair, len(info.names))
		for i := range e.pairs {
			e.labels[i] = &e.pairs[i]
		}
	}
	for i, src := range info.src {
		e.pairs[i].Name = &info.names[i]
		if src >= 0 {
			e.pairs[i].Value = &g.labels[src]
		} else {
			e.pairs[i].Value = &info.consts[-src-1]
		}
	}
	e.gauge.Value = &g.value
	pb.Label, pb.Gauge = e.labels[:len(info.names)], &e.gauge
	return nil
}

// famBuf collects the sample lines of one family before they are sorted.
type famBuf struct {
	name, help string
	typ        dto.MetricType
	header     []byte
	lines      arena
	keys       arena // label values of each line, \x00-terminated
	refs       []lineRef
	sorted     bool // lines arrived in order so far
}

// lineRef locates a line and its sort key.
type lineRef struct{ line, key span }

// arena keeps byte strings in chunks of at most 64 KiB: little slack, no
// copying when it grows. A string never spans two chunks.
type arena struct {
	chunks [][]byte
	size   int
}

type span struct{ chunk, start, end int32 }

const chunkSize = 64 << 10

func (a *arena) add(p []byte) span {
	last := len(a.chunks) - 1
	if last < 0 || len(a.chunks[last])+len(p) > cap(a.chunks[last]) {
		// Chunks double from 1 KiB to 64 KiB: small families stay small.
		size := 1 << 10
		if last >= 0 {
			size = min(2*cap(a.chunks[last]), chunkSize)
		}
		a.chunks = append(a.chunks, make([]byte, 0, max(size, len(p))))
		last++
	}
	start := len(a.chunks[last])
	a.chunks[last] = append(a.chunks[last], p...)
	a.size += len(p)
	return span{chunk: int32(last), start: int32(start), end: int32(start + len(p))}
}

func (a *arena) get(s span) []byte { return a.chunks[s.chunk][s.start:s.end] }

func newEncoder(f *textFormat) *encoder {
	return &encoder{format: f, fams: map[string]*famBuf{}, descs: map[*prometheus.Desc]*descInfo{}}
}

// add encodes one metric. Metrics must come from descriptors made by newDesc
// (so that their name and help are known).
func (e *encoder) add(m prometheus.Metric) {
	if err := e.encode(m); err != nil {
		e.errs = append(e.errs, err)
	}
}

func (e *encoder) encode(m prometheus.Metric) error {
	info := e.descs[m.Desc()]
	if info == nil {
		spec, ok := lookupSpec(m.Desc())
		if !ok {
			return fmt.Errorf("metric of a descriptor not made by newDesc: %s", m.Desc())
		}
		info = newDescInfo(spec)
		e.descs[m.Desc()] = info
	}
	spec := info.spec
	pb := &e.pb
	*pb = dto.Metric{}
	if g, ok := m.(*renderGauge); ok {
		if err := e.fill(pb, info, g); err != nil {
			return err
		}
	} else if err := m.Write(pb); err != nil {
		return fmt.Errorf("%s: %w", spec.fqName, err)
	}
	var typ dto.MetricType
	switch {
	case pb.Gauge != nil:
		typ = dto.MetricType_GAUGE
	case pb.Counter != nil:
		typ = dto.MetricType_COUNTER
	case pb.Untyped != nil:
		typ = dto.MetricType_UNTYPED
	default:
		return fmt.Errorf("%s: only gauges, counters and untyped metrics are cached", spec.fqName)
	}
	f := e.fams[spec.fqName]
	if f == nil {
		f = &famBuf{name: spec.fqName, help: spec.help, typ: typ, sorted: true}
		e.fams[spec.fqName] = f
	} else if f.typ != typ || f.help != spec.help {
		return fmt.Errorf("%s: inconsistent type or help within one family", spec.fqName)
	}

	// expfmt writes the line, as client_golang would; the header (# HELP,
	// # TYPE, # UNIT) comes with it and is cut off (and kept the first
	// time).
	e.mf = dto.MetricFamily{Name: &f.name, Type: &f.typ, Metric: e.mf.Metric[:0]}
	if f.header == nil {
		e.mf.Help = &f.help
	}
	e.mf.Metric = append(e.mf.Metric, pb)
	e.scratch.Reset()
	if _, err := e.format.encode(&e.scratch, &e.mf); err != nil {
		return fmt.Errorf("%s: %w", spec.fqName, err)
	}
	b := e.scratch.Bytes()
	sample := 0
	for sample < len(b) && b[sample] == '#' {
		sample += bytes.IndexByte(b[sample:], '\n') + 1
	}
	if f.header == nil {
		f.header = bytes.Clone(b[:sample])
	}
	line := b[sample:]

	// client_golang sorts a family's samples by their label values, in
	// label name order (pb.Label is sorted by name).
	key := e.key[:0]
	for _, lp := range pb.Label {
		key = append(key, lp.GetValue()...)
		key = append(key, 0)
	}
	e.key = key
	if n := len(f.refs); n > 0 && f.sorted {
		f.sorted = bytes.Compare(f.keys.get(f.refs[n-1].key), key) < 0
	}
	ref := lineRef{line: f.lines.add(line), key: f.keys.add(key)}
	f.refs = append(f.refs, ref)
	return nil
}

func (f *famBuf) key(r lineRef) []byte  { return f.keys.get(r.key) }
func (f *famBuf) line(r lineRef) []byte { return f.lines.get(r.line) }

// finish sorts every family and returns the rendering. The buffers of each
// family are dropped as soon as its body is built.
func (e *encoder) finish() (rendering, error) {
	out := make(rendering, 0, len(e.fams))
	for name, f := range e.fams {
		if !f.sorted {
			slices.SortStableFunc(f.refs, func(a, b lineRef) int { return bytes.Compare(f.key(a), f.key(b)) })
		}
		body := make([]byte, 0, f.lines.size)
		for i, r := range f.refs {
			if !f.sorted && i > 0 && bytes.Equal(f.key(f.refs[i-1]), f.key(r)) {
				e.errs = append(e.errs, fmt.Errorf("%s: duplicate series %s", f.name, bytes.TrimSuffix(f.line(r), []byte("\n"))))
				continue
			}
			body = append(body, f.line(r)...)
		}
		out = append(out, &family{name: f.name, header: f.header, body: body})
		delete(e.fams, name)
	}
	slices.SortFunc(out, func(a, b *family) int { return strings.Compare(a.name, b.name) })
	return out, errors.Join(e.errs...)
}

// renderMetrics runs collect and renders what it sends.
func renderMetrics(f *textFormat, collect func(ch chan<- prometheus.Metric)) (rendering, error) {
	// A long buffer: the collector and the encoder hand over fewer times
	// (the channel was a quarter of a render's CPU).
	ch := make(chan prometheus.Metric, 4096)
	go func() {
		collect(ch)
		close(ch)
	}()
	e := newEncoder(f)
	for m := range ch {
		e.add(m)
	}
	return e.finish()
}

// ---- the cache ----

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
	format expfmt.FormatType
	r      rendering
}

// partKey identifies what a rendering was made from.
type partKey struct {
	snap    *targets.Snapshot
	version any
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

// retain drops the renderings of targets for which keep is false (targets
// removed or replaced by a reload).
func (c *Cache) retain(keep func(*targets.Target) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for t := range c.targets {
		if !keep(t) {
			delete(c.targets, t)
		}
	}
}

// renderings returns the common rendering and one per collector of c's set,
// in the set's order, rendering again those whose snapshot (or version)
// changed, and last the scrape's own duration. Concurrent scrapes of the
// target share one rendering.
func (c *TargetCollector) renderings(cache *Cache, format *textFormat) []rendering {
	begin := time.Now()
	snap := c.target.Snapshot(c.ctx)
	s := &Scrape{Target: c.target, Snapshot: snap, descs: c.descs, render: true}
	tc := cache.target(c.target)
	tc.mu.Lock()
	defer tc.mu.Unlock()

	names := append([]string{""}, c.set.names...)
	out := make([]rendering, len(names))
	keys := make([]partKey, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		collect := func(ch chan<- prometheus.Metric) { c.collectSnapshot(snap, ch) }
		keys[i] = partKey{snap: snap}
		if col := c.set.collectors[name]; col != nil {
			collect = func(ch chan<- prometheus.Metric) { c.execute(name, col, s, ch) }
			if v, ok := col.(versioned); ok {
				keys[i].version = v.version(c.ctx, s)
			}
		}
		if p := tc.parts[name]; p != nil && p.key == keys[i] && p.format == format.typ {
			out[i] = p.r
			continue
		}
		delete(tc.parts, name) // never hold two renderings of a part
		wg.Go(func() {
			r, err := renderMetrics(format, collect)
			if err != nil {
				c.set.logger.Error("rendering metrics", "target", c.target.Name, "part", name, "err", err)
			}
			out[i] = r
		})
	}
	wg.Wait()
	for i, name := range names {
		if tc.parts[name] == nil {
			tc.parts[name] = &part{key: keys[i], format: format.typ, r: out[i]}
		}
	}
	// This scrape's duration, rendered for this scrape only.
	r, err := renderMetrics(format, func(ch chan<- prometheus.Metric) { ch <- c.scrapeDuration(begin) })
	if err != nil {
		c.set.logger.Error("rendering metrics", "target", c.target.Name, "err", err)
	}
	return append(out, r)
}

// ---- serving ----

// cachedOutput is one target's renderings for one scrape.
type cachedOutput struct {
	parts []rendering
}

// writeExposition merges the exporter's own families (live, gathered for
// this scrape) and each target's cached renderings, in family name order:
// header once, then the samples of each source. With gz, the cached large
// bodies are written as their gzip members and everything else is
// compressed on the way.
func writeExposition(w io.Writer, format *textFormat, live []*dto.MetricFamily, outs []cachedOutput, gz bool) error {
	type source struct {
		live  *dto.MetricFamily
		cache []*family
	}
	byName := map[string]*source{}
	get := func(name string) *source {
		s := byName[name]
		if s == nil {
			s = &source{}
			byName[name] = s
		}
		return s
	}
	for _, mf := range live {
		get(mf.GetName()).live = mf
	}
	for _, o := range outs {
		for _, r := range o.parts {
			for _, f := range r {
				s := get(f.name)
				s.cache = append(s.cache, f)
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)

	zw := &memberWriter{w: w, gzip: gz, retain: retainer(w)}
	if gz {
		// Compress the large bodies first, on every core.
		var all []*family
		for _, n := range names {
			all = append(all, byName[n].cache...)
		}
		parallel(all, func(f *family) { f.gzipped() })
	}
	for _, n := range names {
		s := byName[n]
		if s.live != nil {
			if _, err := format.encode(zw, s.live); err != nil {
				return err
			}
		} else if len(s.cache) > 0 {
			zw.text(s.cache[0].header)
		}
		for _, f := range s.cache {
			zw.family(f)
		}
		if zw.err != nil {
			return zw.err
		}
	}
	zw.text([]byte(format.trailer))
	return zw.close()
}

// parallel calls fn for every element, on GOMAXPROCS goroutines.
func parallel[T any](xs []T, fn func(T)) {
	var wg sync.WaitGroup
	next := make(chan T)
	for range min(runtime.GOMAXPROCS(0), len(xs)) {
		wg.Go(func() {
			for x := range next {
				fn(x)
			}
		})
	}
	for _, x := range xs {
		next <- x
	}
	close(next)
	wg.Wait()
}

// memberWriter writes plain text, or a gzip stream made of live members
// (for what is not cached compressed) and cached members.
type memberWriter struct {
	w      io.Writer
	gzip   bool
	retain retainWriter // under w, if any
	live   *gzip.Writer // open live member, nil when none
	wrote  bool         // a member was started
	err    error
}

func (m *memberWriter) Write(p []byte) (int, error) {
	m.text(p)
	return len(p), m.err
}

func (m *memberWriter) text(p []byte) {
	if m.err != nil || len(p) == 0 {
		return
	}
	if !m.gzip {
		_, m.err = m.w.Write(p)
		return
	}
	if m.live == nil {
		m.live = gzipWriters.Get().(*gzip.Writer)
		m.live.Reset(m.w)
		m.wrote = true
	}
	_, m.err = m.live.Write(p)
}

func (m *memberWriter) family(f *family) {
	if !m.gzip {
		m.cached(f.body)
		return
	}
	if f.gz == nil {
		m.text(f.body)
		return
	}
	m.endMember()
	m.cached(f.gz)
	m.wrote = true
}

// retainWriter is a writer that can keep a reference to bytes that are
// never modified instead of copying them (the ScrapeLimiter's recorder).
type retainWriter interface {
	writeRetained(p []byte) (int, error)
}

// retainer finds a retainWriter under w's pass-through wrappers (those
// with Unwrap, as http.ResponseController finds its writer: e.g. promhttp's
// instrumentation); nil when there is none.
func retainer(w io.Writer) retainWriter {
	for {
		if rw, ok := w.(retainWriter); ok {
			return rw
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
}

// cached writes bytes of the cache (never modified).
func (m *memberWriter) cached(p []byte) {
	if m.err != nil {
		return
	}
	if m.retain != nil {
		_, m.err = m.retain.writeRetained(p)
	} else {
		_, m.err = m.w.Write(p)
	}
}

func (m *memberWriter) endMember() {
	if m.live == nil {
		return
	}
	if err := m.live.Close(); err != nil && m.err == nil {
		m.err = err
	}
	gzipWriters.Put(m.live)
	m.live = nil
}

func (m *memberWriter) close() error {
	if m.gzip && !m.wrote && m.err == nil {
		// An empty answer is still one (empty) member.
		m.live = gzipWriters.Get().(*gzip.Writer)
		m.live.Reset(m.w)
	}
	m.endMember()
	return m.err
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for enc := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(enc), ";")
			if name = strings.TrimSpace(name); name != "gzip" && name != "*" {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// negotiate returns the format to answer r with, as promhttp negotiates it
// (OpenMetrics included), and the cache's renderer of it; nil for protobuf,
// which takes the client_golang path.
func negotiate(r *http.Request) (expfmt.Format, *textFormat) {
	f := expfmt.NegotiateAccept(r.Header, expfmt.DefaultOpenMetricsAcceptedFormats()...)
	return f, textFormats[f.FormatType()]
}

// serveCached answers one scrape in format (rendered by tf) from the
// renderings of each target and, live, the families self gathers (nil:
// none).
func (o *HandlerOpts) serveCached(w http.ResponseWriter, r *http.Request, format expfmt.Format, tf *textFormat, outs []cachedOutput, self prometheus.Gatherer) {
	var live []*dto.MetricFamily
	if self != nil {
		var err error
		if live, err = self.Gather(); err != nil {
			// Served as far as gathered, like promhttp.ContinueOnError.
			o.Logger.Error("gathering the exporter's own metrics", "err", err)
		}
	}
	h := w.Header()
	h.Add("Vary", "Accept")
	h.Add("Vary", "Accept-Encoding")
	h.Set("Content-Type", string(format))
	gz := acceptsGzip(r)
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	// Explicitly, through every wrapper of w (the cached bytes may be
	// written below them, see retainer).
	w.WriteHeader(http.StatusOK)
	if err := writeExposition(w, tf, live, outs, gz); err != nil {
		o.Logger.Error("writing the exposition", "err", err)
	}
}
