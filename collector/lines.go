package collector

// A family's sample lines before they are written: kept in chunks as they
// are rendered, ordered as client_golang orders samples.

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// famBuf collects the sample lines of one family before they are sorted.
type famBuf struct {
	desc   *Desc
	name   int // length of the metric name, where the labels begin
	lines  arena
	refs   []span
	sorted bool // lines arrived in order so far
}

func newFamBuf(d *Desc) *famBuf { return &famBuf{desc: d, name: len(d.Name), sorted: true} }

// add keeps a line, rendered for row (see textOut.sorted; else -1).
func (f *famBuf) add(line []byte, row int32) {
	ref := f.lines.add(line)
	ref.row = row
	if n := len(f.refs); n > 0 && f.sorted {
		f.sorted = compareLines(f.lines.get(f.refs[n-1]), f.lines.get(ref), f.name) < 0
	}
	f.refs = append(f.refs, ref)
}

// write makes the family of the lines refs lists, in that order.
func (f *famBuf) write(refs []span, format *Format) *TextFamily {
	var b body
	for _, r := range refs {
		b.add(f.lines.get(r))
	}
	return b.family(f.desc, format)
}

// compareLines orders two sample lines of one family as client_golang
// orders samples: by their label values (unescaped) in label name order;
// 0 for the same series. name is the length of the metric name that
// begins both lines. The lines' bytes order them too, up to where they
// first differ, unless that is at a quote or an escape (`x"` ends before
// `x!`, but '"' > '!').
func compareLines(a, b []byte, name int) int {
	i, n := commonPrefix(a, b, name), min(len(a), len(b))
	if i == n || i > bytes.LastIndexByte(a, '"') { // past the labels: the same series
		return 0
	}
	if a[i] == '"' || b[i] == '"' || a[i] == '\\' || b[i] == '\\' {
		return compareValues(a, b, name)
	}
	return int(a[i]) - int(b[i])
}

// commonPrefix is the length of what a and b begin with, known to be at
// least i: eight bytes at a time, as lines of one family share most of
// their labels.
func commonPrefix(a, b []byte, i int) int {
	n := min(len(a), len(b))
	for ; i+8 <= n; i += 8 {
		if x := binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:]); x != 0 {
			return i + bits.TrailingZeros64(x)/8
		}
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// compareValues compares the label values of two lines one by one.
func compareValues(a, b []byte, name int) int {
	a, b = a[name:], b[name:]
	for {
		va, ra, oka := nextValue(a)
		vb, rb, okb := nextValue(b)
		if !oka || !okb {
			return cmpBool(oka, okb)
		}
		if c := compareEscaped(va, vb); c != 0 {
			return c
		}
		a, b = ra, rb
	}
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// nextValue finds the next label value (still escaped) of a line's labels:
// what follows the next `="` up to the closing unescaped quote.
func nextValue(l []byte) (value, rest []byte, ok bool) {
	i := bytes.Index(l, []byte(`="`))
	if i < 0 {
		return nil, nil, false
	}
	l = l[i+2:]
	for j := 0; j < len(l); j++ {
		switch l[j] {
		case '\\':
			j++
		case '"':
			return l[:j], l[j+1:], true
		}
	}
	return nil, nil, false
}

// compareEscaped compares two escaped label values as their unescaped
// strings.
func compareEscaped(a, b []byte) int {
	for len(a) > 0 && len(b) > 0 {
		ca, na := unescape(a)
		cb, nb := unescape(b)
		if ca != cb {
			return int(ca) - int(cb)
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// unescape returns the first byte of an escaped value and how many bytes
// it took.
func unescape(v []byte) (byte, int) {
	if v[0] != '\\' || len(v) < 2 {
		return v[0], 1
	}
	if v[1] == 'n' {
		return '\n', 2
	}
	return v[1], 2
}

// arena keeps byte strings in chunks of at most 64 KiB: little slack, no
// copying when it grows. A string never spans two chunks.
type arena struct {
	chunks [][]byte
	size   int
}

// span is a string of an arena (and the row it was rendered for).
type span struct{ chunk, start, end, row int32 }

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
