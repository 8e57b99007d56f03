package collector

// The text renderer: samples written straight to exposition text (classic
// or OpenMetrics), byte for byte what client_golang writes for the same
// family, one body per family with its samples sorted as client_golang
// sorts them. /metrics merges several targets' bodies under one header.

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Format is an exposition format the renderer writes.
type Format struct {
	Type    expfmt.FormatType
	Trailer string // after the last family
	// Encode writes a whole family (the exporter's own, gathered live).
	Encode func(io.Writer, *dto.MetricFamily) (int, error)
	float  func([]byte, float64) []byte
	index  int
}

var formats = [...]*Format{
	{Type: expfmt.TypeTextPlain, Encode: expfmt.MetricFamilyToText, float: appendTextFloat, index: 0},
	{Type: expfmt.TypeOpenMetrics, Trailer: "# EOF\n", float: appendOpenMetricsFloat, index: 1,
		Encode: func(w io.Writer, mf *dto.MetricFamily) (int, error) { return expfmt.MetricFamilyToOpenMetrics(w, mf) }},
}

// TextFormat returns the renderer's format of type t; nil for a format it
// does not write (protobuf: see Set.Gather).
func TextFormat(t expfmt.FormatType) *Format {
	for _, f := range formats {
		if f.Type == t {
			return f
		}
	}
	return nil
}

// As expfmt's writeFloat and writeOpenMetricsFloat.
func appendTextFloat(b []byte, f float64) []byte {
	switch f {
	case 1:
		return append(b, '1')
	case 0:
		return append(b, '0')
	case -1:
		return append(b, "-1"...)
	}
	return appendSpecialOr(b, f)
}

func appendOpenMetricsFloat(b []byte, f float64) []byte {
	switch {
	case f == 1:
		return append(b, "1.0"...)
	case f == 0:
		return append(b, "0.0"...)
	case f == -1:
		return append(b, "-1.0"...)
	case math.IsNaN(f) || math.IsInf(f, 0):
		return appendSpecialOr(b, f)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, 64)
	if !bytes.ContainsAny(b[start:], "e.") {
		b = append(b, '.', '0')
	}
	return b
}

func appendSpecialOr(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, +1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// header is a Desc's "# HELP" and "# TYPE" lines in one format, made once
// by the format's own encoder.
type header struct {
	once sync.Once
	b    []byte
}

func (d *Desc) header(f *Format) []byte {
	h := &d.headers[f.index]
	h.once.Do(func() {
		var buf bytes.Buffer
		zero := 0.0
		mf := &dto.MetricFamily{Name: &d.Name, Help: &d.Help, Type: &d.Type, Metric: []*dto.Metric{{Gauge: &dto.Gauge{Value: &zero}}}}
		if d.Type == dto.MetricType_COUNTER {
			mf.Metric[0] = &dto.Metric{Counter: &dto.Counter{Value: &zero}}
		}
		_, _ = f.Encode(&buf, mf) // a valid name and a bytes.Buffer: no error
		b := buf.Bytes()
		n := 0
		for n < len(b) && b[n] == '#' {
			n += bytes.IndexByte(b[n:], '\n') + 1
		}
		h.b = bytes.Clone(b[:n])
	})
	return h.b
}

// TextFamily is the exposition text of one metric family of one source.
type TextFamily struct {
	Name   string
	Header []byte // "# HELP" and "# TYPE" lines
	// The sample lines stay in the chunks they were rendered in, never
	// copied: order lists them when they did not come in order.
	chunks [][]byte
	order  []span
	size   int

	gzOnce sync.Once
	gz     []byte
}

// Size is the length of the sample lines.
func (f *TextFamily) Size() int { return f.size }

// WriteTo writes the sample lines, in order. Lines that did not come in
// order are gathered in a buffer first: written one by one they would be
// ~10,000 small writes for one host family.
func (f *TextFamily) WriteTo(w io.Writer) (int64, error) {
	var n int64
	write := func(p []byte) error {
		m, err := w.Write(p)
		n += int64(m)
		return err
	}
	if f.order == nil {
		for _, c := range f.chunks {
			if err := write(c); err != nil {
				return n, err
			}
		}
		return n, nil
	}
	bp := writeBuffers.Get().(*[]byte)
	defer writeBuffers.Put(bp)
	buf := (*bp)[:0]
	for _, r := range f.order {
		line := f.chunks[r.chunk][r.start:r.end]
		if len(buf)+len(line) > cap(buf) {
			if err := write(buf); err != nil {
				return n, err
			}
			buf = buf[:0]
		}
		buf = append(buf, line...)
	}
	return n, write(buf)
}

var writeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, chunkSize); return &b }}

// gzipMinBody: smaller bodies are compressed with what surrounds them (a
// gzip member costs ~20 bytes and a flush).
const gzipMinBody = 16 << 10

// GzipMember returns the body as one gzip member (RFC 1952 2.2: a stream
// may hold several), compressed on first use and kept; nil for a small body.
func (f *TextFamily) GzipMember() []byte {
	f.gzOnce.Do(func() {
		if f.size < gzipMinBody {
			return
		}
		var buf bytes.Buffer
		buf.Grow(f.size / 8)
		zw := GzipWriters.Get().(*gzip.Writer)
		zw.Reset(&buf)
		_, _ = f.WriteTo(zw) // a bytes.Buffer does not fail
		_ = zw.Close()
		GzipWriters.Put(zw)
		f.gz = buf.Bytes()
	})
	return f.gz
}

// GzipWriters are the writers of every gzip member, at the fastest level:
// most of an exposition is repeated label names.
var GzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// Rendering is the output of one collector (or of the common metrics) for
// one target: families sorted by name.
type Rendering []*TextFamily

// textOut renders samples to text. It is used by one goroutine.
type textOut struct {
	format  *Format
	consts  []labelPair // sorted by name
	fams    map[*Desc]*famBuf
	layouts map[*Desc]*layout
	errs    []error
	line    []byte
}

type labelPair struct{ name, value string }

// layout is a Desc's labels as a sample writes them (sorted by name, the
// constant ones included): src[i] >= 0 is label value src[i], else the
// constant -src[i]-1.
type layout struct {
	names []string
	src   []int
}

func newTextOut(f *Format, constLabels map[string]string) *textOut {
	o := &textOut{format: f, fams: map[*Desc]*famBuf{}, layouts: map[*Desc]*layout{}}
	for n, v := range constLabels {
		o.consts = append(o.consts, labelPair{n, v})
	}
	slices.SortFunc(o.consts, func(a, b labelPair) int { return strings.Compare(a.name, b.name) })
	return o
}

func (o *textOut) layout(d *Desc) *layout {
	if l := o.layouts[d]; l != nil {
		return l
	}
	l := &layout{}
	for i, n := range d.Labels {
		l.names, l.src = append(l.names, n), append(l.src, i)
	}
	for i, c := range o.consts {
		l.names, l.src = append(l.names, c.name), append(l.src, -i-1)
	}
	idx := make([]int, len(l.names))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(l.names[a], l.names[b]) })
	sorted := &layout{names: make([]string, len(idx)), src: make([]int, len(idx))}
	for i, j := range idx {
		sorted.names[i], sorted.src[i] = l.names[j], l.src[j]
	}
	o.layouts[d] = sorted
	return sorted
}

// checkSample checks what client_golang's NewConstMetric checks.
func checkSample(d *Desc, lv []string) error {
	if len(lv) != len(d.Labels) {
		return fmt.Errorf("%s: %d label values for %d labels", d.Name, len(lv), len(d.Labels))
	}
	for _, v := range lv {
		if !utf8.ValidString(v) {
			return fmt.Errorf("%s: label value %q is not valid UTF-8", d.Name, v)
		}
	}
	return nil
}

var labelEscaper = strings.NewReplacer("\\", `\\`, "\n", `\n`, "\"", `\"`)

func (o *textOut) Sample(d *Desc, v float64, lv []string) {
	if err := checkSample(d, lv); err != nil {
		o.errs = append(o.errs, err)
		return
	}
	l := o.layout(d)
	line := append(o.line[:0], d.Name...) //nolint:gocritic // o.line is the scratch buffer
	for i, name := range l.names {
		val := o.value(l.src[i], lv)
		if i == 0 {
			line = append(line, '{')
		} else {
			line = append(line, ',')
		}
		line = append(line, name...)
		line = append(line, '=', '"')
		if strings.ContainsAny(val, "\\\n\"") {
			line = append(line, labelEscaper.Replace(val)...)
		} else {
			line = append(line, val...)
		}
		line = append(line, '"')
	}
	if len(l.names) > 0 {
		line = append(line, '}')
	}
	line = append(line, ' ')
	line = o.format.float(line, v)
	line = append(line, '\n')
	o.line = line

	f := o.fams[d]
	if f == nil {
		f = &famBuf{desc: d, sorted: true, name: len(d.Name)}
		o.fams[d] = f
	}
	f.add(line)
}

func (o *textOut) value(src int, lv []string) string {
	if src >= 0 {
		return lv[src]
	}
	return o.consts[-src-1].value
}

// finish sorts every family and returns the rendering; a duplicate series
// is dropped with an error, as client_golang's registry refuses it. Lines
// are never copied: only the order of those that did not come in order is
// kept.
func (o *textOut) finish() (Rendering, error) {
	out := make(Rendering, 0, len(o.fams))
	for d, f := range o.fams {
		tf := &TextFamily{Name: d.Name, Header: d.header(o.format), chunks: f.lines.chunks, size: f.lines.size}
		if !f.sorted {
			slices.SortStableFunc(f.refs, func(a, b span) int { return compareLines(f.lines.get(a), f.lines.get(b), f.name) })
			tf.order = f.refs[:0]
			for i, r := range f.refs {
				if i > 0 && compareLines(f.lines.get(f.refs[i-1]), f.lines.get(r), f.name) == 0 {
					o.errs = append(o.errs, fmt.Errorf("%s: duplicate series %s", d.Name, bytes.TrimSuffix(f.lines.get(r), []byte("\n"))))
					tf.size -= len(f.lines.get(r))
					continue
				}
				tf.order = append(tf.order, r)
			}
			tf.order = slices.Clip(tf.order)
		}
		out = append(out, tf)
		delete(o.fams, d)
	}
	slices.SortFunc(out, func(a, b *TextFamily) int { return strings.Compare(a.Name, b.Name) })
	return out, errors.Join(o.errs...)
}
