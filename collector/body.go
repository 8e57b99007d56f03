package collector

// How a family's sample lines are kept once rendered: a small body as
// plain text, a large one only as a gzip member, compressed while it is
// written. At 10,000 hosts the text is ~40 MB and its gzip ~1.6 MB: holding
// the plain text would cost more memory than the inventory it came from.
// Prometheus asks for gzip, which is then written as kept (several members
// make one gzip stream, RFC 1952 2.2); a plain scrape inflates it on the
// way, at over 1.5 GB/s for text this repetitive.

import (
	"bufio"
	"bytes"
	"io"

	"github.com/klauspost/compress/gzip"
)

// gzipMinBody: smaller bodies stay plain and are compressed with what
// surrounds them (a member costs ~20 bytes and a flush).
const gzipMinBody = 16 << 10

// TextFamily is the exposition text of one metric family of one source.
// It never changes once made.
type TextFamily struct {
	Name   string
	Header []byte // "# HELP" and "# TYPE" lines
	plain  []byte // the sample lines of a small body
	gz     []byte // else the sample lines as one gzip member
}

// WriteTo writes the sample lines.
func (f *TextFamily) WriteTo(w io.Writer) (int64, error) {
	if f.gz == nil {
		n, err := w.Write(f.plain)
		return int64(n), err
	}
	zr := gzipReaders.Get()
	defer gzipReaders.Put(zr)
	if err := zr.Reset(bytes.NewReader(f.gz)); err != nil {
		return 0, err
	}
	bw := writeBuffers.Get()
	defer writeBuffers.Put(bw)
	bw.Reset(w)
	n, err := zr.WriteTo(bw)
	if err == nil {
		err = bw.Flush()
	}
	bw.Reset(nil)
	return n, err
}

var writeBuffers = NewStock(4, func() *bufio.Writer { return bufio.NewWriterSize(nil, 256<<10) })

// GzipMember returns the sample lines as one gzip member; nil for a small
// body.
func (f *TextFamily) GzipMember() []byte { return f.gz }

// GzipWriters are the writers of every gzip member, at the fastest level:
// most of an exposition is repeated label names.
var GzipWriters = NewStock(4, func() *gzip.Writer {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
})

// Stock keeps a few large reusable values across garbage collections. A
// sync.Pool drops them at every collection, and a gzip writer holds ~800
// KiB of tables: with the small heap of compressed renderings a warm
// scrape would allocate one anew, and so bring the next collection,
// nearly every time.
type Stock[T any] struct {
	free  chan T
	alloc func() T
}

// NewStock returns a stock of at most n values made by alloc.
func NewStock[T any](n int, alloc func() T) *Stock[T] {
	return &Stock[T]{free: make(chan T, n), alloc: alloc}
}

// Get returns a value of the stock, or a new one.
func (s *Stock[T]) Get() T {
	select {
	case v := <-s.free:
		return v
	default:
		return s.alloc()
	}
}

// Put gives v back (dropped when the stock is full).
func (s *Stock[T]) Put(v T) {
	select {
	case s.free <- v:
	default:
	}
}

var gzipReaders = NewStock(4, func() *gzip.Reader { return new(gzip.Reader) })

// body builds a TextFamily's sample lines from lines written in order.
type body struct {
	buf *[]byte // lines not compressed yet
	zw  *gzip.Writer
	z   bytes.Buffer
}

var bodyBuffers = NewStock(8, func() *[]byte { b := make([]byte, 0, 2*gzipMinBody); return &b })

func (b *body) add(line []byte) {
	if b.buf == nil {
		b.buf = bodyBuffers.Get()
	}
	*b.buf = append(*b.buf, line...)
	if len(*b.buf) >= gzipMinBody {
		b.flush()
	}
}

func (b *body) flush() {
	if b.zw == nil {
		b.zw = GzipWriters.Get()
		b.zw.Reset(&b.z)
	}
	_, _ = b.zw.Write(*b.buf) // into a bytes.Buffer: no error
	*b.buf = (*b.buf)[:0]
}

// family returns the lines written as d's TextFamily in format f, and
// resets b.
func (b *body) family(d *Desc, f *Format) *TextFamily {
	tf := &TextFamily{Name: d.Name, Header: d.header(f)}
	switch {
	case b.zw != nil:
		b.flush()
		_ = b.zw.Close()
		tf.gz = bytes.Clone(b.z.Bytes())
	case b.buf != nil:
		tf.plain = bytes.Clone(*b.buf)
	}
	b.discard()
	return tf
}

// discard drops what was written.
func (b *body) discard() {
	if b.buf != nil && cap(*b.buf) <= 4*gzipMinBody { // not one grown by a huge line
		*b.buf = (*b.buf)[:0]
		bodyBuffers.Put(b.buf)
	}
	if b.zw != nil {
		b.zw.Reset(io.Discard)
		GzipWriters.Put(b.zw)
	}
	*b = body{}
}
