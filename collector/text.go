package collector

// The text renderer: samples written straight to exposition text (classic
// or OpenMetrics), byte for byte what client_golang writes for the same
// family, one body per family with its samples sorted as client_golang
// sorts them. /metrics merges several targets' bodies under one header.

import (
	"bytes"
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

// Rendering is the output of one collector (or of the common metrics) for
// one target: families sorted by name.
type Rendering []*TextFamily

// textOut renders samples to text. It is used by one goroutine. Samples
// given one by one (Sample) are kept per family and sorted by finish; a
// family given whole (see rows.go) is written at once.
type textOut struct {
	format  *Format
	consts  []labelPair // sorted by name, values escaped
	fams    map[*Desc]*famBuf
	done    Rendering // families written whole
	layouts map[*Desc]*layout
	errs    []error
	line    []byte // scratch: the line being rendered
	prev    []byte // scratch: the line before, while a family is written whole
	// values are the last label values seen at each position, checked and
	// escaped: a row's values repeat in each of its samples.
	values []labelValue
}

type labelValue struct {
	value, escaped string
	checked        bool
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
		o.consts = append(o.consts, labelPair{n, escape(v)})
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

func escape(v string) string {
	for i := range len(v) {
		if c := v[i]; c == '\\' || c == '\n' || c == '"' {
			return labelEscaper.Replace(v)
		}
	}
	return v
}

// check checks lv as checkSample does, once per value in a row of equal
// ones, and keeps their escaped forms in o.values.
func (o *textOut) check(d *Desc, lv []string) error {
	if len(lv) != len(d.Labels) {
		return checkSample(d, lv)
	}
	for len(o.values) < len(lv) {
		o.values = append(o.values, labelValue{})
	}
	for i, v := range lv {
		c := &o.values[i]
		if c.checked && c.value == v {
			continue
		}
		if !utf8.ValidString(v) {
			return checkSample(d, lv)
		}
		*c = labelValue{value: v, escaped: escape(v), checked: true}
	}
	return nil
}

func (o *textOut) Sample(d *Desc, v float64, lv []string) {
	line, ok := o.render(d, v, lv)
	if !ok {
		return
	}
	f := o.fams[d]
	if f == nil {
		f = newFamBuf(d)
		o.fams[d] = f
	}
	f.add(line, -1)
}

// render formats a sample line in o.line; false (with an error kept) for
// a sample client_golang would refuse.
func (o *textOut) render(d *Desc, v float64, lv []string) ([]byte, bool) {
	if err := o.check(d, lv); err != nil {
		o.errs = append(o.errs, err)
		return nil, false
	}
	l := o.layout(d)
	line := append(o.line[:0], d.Name...) //nolint:gocritic // o.line is the scratch buffer
	for i, name := range l.names {
		if i == 0 {
			line = append(line, '{')
		} else {
			line = append(line, ',')
		}
		line = append(line, name...)
		line = append(line, '=', '"')
		line = append(line, o.escaped(l.src[i])...)
		line = append(line, '"')
	}
	if len(l.names) > 0 {
		line = append(line, '}')
	}
	line = append(line, ' ')
	line = o.format.float(line, v)
	line = append(line, '\n')
	o.line = line
	return line, true
}

// escaped is a sample's label value src (see layout), escaped.
func (o *textOut) escaped(src int) string {
	if src >= 0 {
		return o.values[src].escaped
	}
	return o.consts[-src-1].value
}

// finish sorts the families given sample by sample and returns the
// rendering; a duplicate series is dropped with an error, as
// client_golang's registry refuses it.
func (o *textOut) finish() (Rendering, error) {
	out := o.done
	for d, f := range o.fams {
		out = append(out, f.write(o.sortedLines(f), o.format))
		delete(o.fams, d)
	}
	o.done = nil
	slices.SortFunc(out, func(a, b *TextFamily) int { return strings.Compare(a.Name, b.Name) })
	return out, errors.Join(o.errs...)
}

// sortedLines returns f's lines in client_golang's order, a duplicate
// series dropped with an error.
func (o *textOut) sortedLines(f *famBuf) []span {
	if f.sorted {
		return f.refs
	}
	slices.SortStableFunc(f.refs, func(a, b span) int { return compareLines(f.lines.get(a), f.lines.get(b), f.name) })
	out := f.refs[:0]
	for i, r := range f.refs {
		if i > 0 && compareLines(f.lines.get(f.refs[i-1]), f.lines.get(r), f.name) == 0 {
			o.errs = append(o.errs, duplicate(f.desc, f.lines.get(r)))
			continue
		}
		out = append(out, r)
	}
	return out
}

func duplicate(d *Desc, line []byte) error {
	return fmt.Errorf("%s: duplicate series %s", d.Name, bytes.TrimSuffix(line, []byte("\n")))
}
