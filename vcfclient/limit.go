package vcfclient

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	json "github.com/goccy/go-json"
)

// DefaultMaxResponseBytes is the default cap on one response body. The
// largest body is GET /v1/hosts: about 5 KB per host (53 MB for 10,000 hosts
// in vcfsim, whose hosts have the full shape of the API's), so 256 MiB holds
// about 50,000 hosts, several times the largest VCF instances, while a
// hostile or broken body is stopped long before it costs gigabytes (bodies
// are decoded as a stream, one element at a time).
const DefaultMaxResponseBytes = 256 << 20

// ResponseTooLargeError is returned (inside a *DecodeError) when a response
// body exceeds Config.MaxResponseBytes.
type ResponseTooLargeError struct{ Limit int64 }

func (e *ResponseTooLargeError) Error() string {
	return fmt.Sprintf("response body larger than the limit of %d bytes (max_response_size, --vcf.max-response-size)", e.Limit)
}

// limitedBody reads at most limit bytes and fails beyond, so that a body of
// exactly limit bytes is still accepted. It also fails as soon as one JSON
// value grows beyond maxValueBytes: the decoder holds a value whole in a
// buffer that grows by doubling, so a 400 MiB string cost ~470 MiB before a
// 256 MiB limit acted.
type limitedBody struct {
	r           io.Reader
	left, limit int64
	scan        valueScanner
	err         error // sticky: nothing is read after a failure
}

func newLimitedBody(r io.Reader, limit int64) *limitedBody {
	return &limitedBody{r: r, left: limit, limit: limit, scan: valueScanner{max: maxValueBytes}}
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	p = p[:min(int64(len(p)), l.left+1, maxScanChunk)]
	n, err := l.r.Read(p)
	if l.scan.tooLong(p[:n]) {
		l.err = &ValueTooLargeError{Limit: l.scan.max}
		return 0, l.err
	}
	if l.left -= int64(n); l.left < 0 {
		l.err = &ResponseTooLargeError{Limit: l.limit}
		return n - 1, l.err
	}
	return n, err
}

// maxValueBytes bounds one JSON string or number of a response. The longest
// strings SDDC Manager sends (certificates, descriptions) are a few KiB.
const maxValueBytes = 16 << 20

// maxScanChunk caps one read, so that the scanner need not look inside it.
const maxScanChunk = 64 << 10

// ValueTooLargeError is returned (inside a *DecodeError) when one JSON value
// of a response body is longer than the client accepts.
type ValueTooLargeError struct{ Limit int64 }

func (e *ValueTooLargeError) Error() string {
	return fmt.Sprintf("a JSON string or number in the response body is longer than %d bytes", e.Limit)
}

// valueScanner measures the bytes since the last quote that starts or ends
// a string (one not preceded by a backslash). A string or number longer
// than max has no such quote inside, so it is caught after max bytes; a
// JSON document has one every few bytes. It looks at a few bytes per read
// (the decoder reads 53 MB of hosts as fast with it as without).
type valueScanner struct {
	max, run      int64
	prevBackslash bool // the last read ended with a backslash
}

// tooLong scans p (at most maxScanChunk < max bytes, so gaps inside it need
// no check) and reports whether the run without a quote exceeds max.
func (s *valueScanner) tooLong(p []byte) bool {
	if len(p) == 0 {
		return false
	}
	if first := s.firstQuote(p); first < 0 {
		s.run += int64(len(p))
	} else {
		if s.run+int64(first) > s.max {
			return true
		}
		s.run = int64(len(p) - 1 - s.lastQuote(p))
	}
	s.prevBackslash = p[len(p)-1] == '\\'
	return s.run > s.max
}

// firstQuote returns the index of p's first quote that no backslash
// precedes, or -1.
func (s *valueScanner) firstQuote(p []byte) int {
	for lo := 0; ; {
		i := bytes.IndexByte(p[lo:], '"')
		if i < 0 {
			return -1
		}
		if i += lo; !s.escaped(p, i) {
			return i
		}
		lo = i + 1
	}
}

// lastQuote returns the index of p's last quote that no backslash
// precedes, or -1.
func (s *valueScanner) lastQuote(p []byte) int {
	for hi := len(p); ; {
		i := bytes.LastIndexByte(p[:hi], '"')
		if i < 0 || !s.escaped(p, i) {
			return i
		}
		hi = i
	}
}

func (s *valueScanner) escaped(p []byte, i int) bool {
	if i == 0 {
		return s.prevBackslash
	}
	return p[i-1] == '\\'
}

// expectEOF fails when anything but whitespace follows the decoded value:
// two JSON documents glued together are not a valid answer.
func expectEOF(dec *json.Decoder) error {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			return errors.New("unexpected data after the JSON value")
		}
		return err
	}
	return nil
}
