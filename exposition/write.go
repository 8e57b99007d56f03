package exposition

// Writing an answer: the exporter's own families (live) and each target's
// cached renderings merged in family name order, the # HELP / # TYPE lines
// once per family. Large bodies are sent as the gzip member cached with
// them, the small live parts compressed around them (a gzip stream may hold
// several members, RFC 1952 2.2).

import (
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/vcf-exporter/vcf_exporter/collector"
)

// writeExposition merges the exporter's own families (live, gathered for
// this scrape) and each target's cached renderings, in family name order:
// header once, then the samples of each source. With gz, the cached large
// bodies are written as their gzip members and everything else is
// compressed on the way.
func writeExposition(w io.Writer, format *collector.Format, live []*dto.MetricFamily, outs [][]collector.Rendering, gz bool) error {
	type source struct {
		live  *dto.MetricFamily
		cache []*collector.TextFamily
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
		for _, r := range o {
			for _, f := range r {
				s := get(f.Name)
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
	for _, n := range names {
		s := byName[n]
		if s.live != nil {
			if _, err := format.Encode(zw, s.live); err != nil {
				return err
			}
		} else if len(s.cache) > 0 {
			zw.text(s.cache[0].Header)
		}
		for _, f := range s.cache {
			zw.family(f)
		}
		if zw.err != nil {
			return zw.err
		}
	}
	zw.text([]byte(format.Trailer))
	return zw.close()
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
		m.live = collector.GzipWriters.Get()
		m.live.Reset(m.w)
		m.wrote = true
	}
	_, m.err = m.live.Write(p)
}

func (m *memberWriter) family(f *collector.TextFamily) {
	if !m.gzip {
		if m.err != nil {
			return
		}
		if m.retain != nil {
			m.err = m.retain.writeFamily(f)
		} else {
			_, m.err = f.WriteTo(m.w)
		}
		return
	}
	gz := f.GzipMember()
	if gz == nil {
		_, _ = f.WriteTo(m) // m keeps its error
		return
	}
	m.endMember()
	m.cached(gz)
	m.wrote = true
}

// retainWriter is a writer that can keep a reference to bytes that are
// never modified instead of copying them (the ScrapeLimiter's recorder).
type retainWriter interface {
	writeRetained(p []byte) (int, error)
	writeFamily(f *collector.TextFamily) error
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
	collector.GzipWriters.Put(m.live)
	m.live = nil
}

func (m *memberWriter) close() error {
	if m.gzip && !m.wrote && m.err == nil {
		// An empty answer is still one (empty) member.
		m.live = collector.GzipWriters.Get()
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
// (OpenMetrics included), and the text renderer of it; nil for protobuf,
// which is converted from the same families (collector.Set.Gather).
func negotiate(r *http.Request) (expfmt.Format, *collector.Format) {
	f := expfmt.NegotiateAccept(r.Header, expfmt.DefaultOpenMetricsAcceptedFormats()...)
	return f, collector.TextFormat(f.FormatType())
}

// serveCached answers one scrape in format (rendered by tf) from the
// renderings of each target and, live, the families self gathers (nil:
// none).
func (o *HandlerOpts) serveCached(w http.ResponseWriter, r *http.Request, format expfmt.Format, tf *collector.Format, outs [][]collector.Rendering, self prometheus.Gatherer) {
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
