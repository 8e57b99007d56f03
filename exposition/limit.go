package exposition

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/vcf-exporter/vcf_exporter/collector"
)

// ScrapeLimiter protects the exporter from many scrapers at once, across
// /metrics and /probe:
//
//   - Identical scrapes in flight at the same time (same URL, Accept,
//     Accept-Encoding and timeout: Prometheus HA pairs, a scrape storm)
//     share one answer, computed once.
//   - At most max answers are computed at once (node_exporter's
//     --web.max-requests). Beyond that a scrape waits for a slot until its
//     deadline, then gets 503: a short queue absorbs a burst without a
//     failed scrape, and the bound keeps memory and CPU flat.
//   - Each scrape's deadline covers the whole answer, gathering and
//     writing included.
type ScrapeLimiter struct {
	slots          chan struct{} // nil: no limit
	defaultTimeout time.Duration
	offset         time.Duration
	shared         singleflight.Group
}

// NewScrapeLimiter allows maxInFlight answers computed at once (0:
// unlimited); the timeouts are those of HandlerOpts.
func NewScrapeLimiter(maxInFlight int, defaultTimeout, offset time.Duration) *ScrapeLimiter {
	o := HandlerOpts{DefaultTimeout: defaultTimeout, TimeoutOffset: offset}
	o.defaults()
	l := &ScrapeLimiter{defaultTimeout: o.DefaultTimeout, offset: o.TimeoutOffset}
	if maxInFlight > 0 {
		l.slots = make(chan struct{}, maxInFlight)
	}
	return l
}

// Wrap limits h. h sees a request context that ends at the scrape's
// deadline, and writing the answer fails once Prometheus has given up (the
// header's timeout, before the offset is subtracted).
func (l *ScrapeLimiter) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		timeout := ScrapeTimeout(r, l.defaultTimeout, l.offset)
		deadline := time.Now().Add(timeout)
		// This replaces the server's WriteTimeout for scrapes; an error
		// means the ResponseWriter cannot (httptest's recorder).
		_ = http.NewResponseController(w).SetWriteDeadline(deadline.Add(l.offset))

		// A scrape joins only an identical one with the same timeout,
		// started earlier: its answer was computed with no less time
		// than this scrape would have had.
		key := strings.Join([]string{r.Method, r.URL.RequestURI(), r.Header.Get("Accept"), r.Header.Get("Accept-Encoding"), timeout.String()}, "\n")
		ch := l.shared.DoChan(key, func() (any, error) {
			// Detached from the first scraper's connection: the others
			// wait for this answer too.
			sctx, cancel := context.WithDeadline(context.WithoutCancel(r.Context()), deadline)
			defer cancel()
			// Collectors stop at the deadline; encoding what they left
			// may take half of the offset, sending it the other half.
			rec := &recorder{header: http.Header{}, code: http.StatusOK, deadline: deadline.Add(l.offset / 2)}
			if l.acquire(sctx) {
				defer l.release()
				h.ServeHTTP(rec, r.WithContext(sctx))
				rec.endSegment()
			} else {
				rec.Header().Set("Retry-After", "1")
				rec.code = http.StatusServiceUnavailable
				fmt.Fprintf(&rec.body, "too many concurrent scrapes (--web.max-requests=%d); none finished within the scrape timeout\n", cap(l.slots))
			}
			return rec, nil
		})
		// Wait for the shared answer until Prometheus gives up.
		wait, stop := context.WithDeadline(r.Context(), deadline.Add(l.offset))
		defer stop()
		select {
		case res := <-ch:
			res.Val.(*recorder).replay(w)
		case <-wait.Done():
			http.Error(w, "scrape timed out", http.StatusServiceUnavailable)
		}
	})
}

func (l *ScrapeLimiter) acquire(ctx context.Context) bool {
	if l.slots == nil {
		return true
	}
	select {
	case l.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (l *ScrapeLimiter) release() {
	if l.slots != nil {
		<-l.slots
	}
}

// recorder keeps an answer to replay it to every scraper sharing it.
// Writing fails after the deadline, so that encoding stops when the scrape's
// time is up; such an answer is replayed as 503 rather than cut short.
// The render cache's bytes are kept by reference (writeRetained), not
// copied: the answer then costs no second copy of the exposition.
type recorder struct {
	header   http.Header
	code     int
	body     bytes.Buffer // written since the last segment
	segments []segment    // the answer before body
	deadline time.Time
	late     bool
}

// writeRetained keeps b, which is never modified (the render cache's), as
// a segment of the answer.
func (r *recorder) writeRetained(b []byte) (int, error) {
	if time.Now().After(r.deadline) {
		r.late = true
		return 0, os.ErrDeadlineExceeded
	}
	r.endSegment()
	r.segments = append(r.segments, segment{b: b})
	return len(b), nil
}

// writeFamily keeps a cached family's sample lines (never modified) as a
// segment of the answer.
func (r *recorder) writeFamily(f *collector.TextFamily) error {
	if time.Now().After(r.deadline) {
		r.late = true
		return os.ErrDeadlineExceeded
	}
	r.endSegment()
	r.segments = append(r.segments, segment{f: f})
	return nil
}

// segment is bytes, or a cached family's sample lines.
type segment struct {
	b []byte
	f *collector.TextFamily
}

func (s segment) writeTo(w io.Writer) error {
	if s.f != nil {
		_, err := s.f.WriteTo(w)
		return err
	}
	_, err := w.Write(s.b)
	return err
}

// endSegment turns what was written since the last segment into one.
func (r *recorder) endSegment() {
	if r.body.Len() > 0 {
		r.segments = append(r.segments, segment{b: bytes.Clone(r.body.Bytes())})
		r.body.Reset()
	}
}

func (r *recorder) Header() http.Header  { return r.header }
func (r *recorder) WriteHeader(code int) { r.code = code }

func (r *recorder) Write(b []byte) (int, error) {
	if time.Now().After(r.deadline) {
		r.late = true
		return 0, os.ErrDeadlineExceeded
	}
	return r.body.Write(b)
}

func (r *recorder) replay(w http.ResponseWriter) {
	if r.late {
		http.Error(w, "scrape timed out while writing the answer", http.StatusServiceUnavailable)
		return
	}
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.code)
	for _, s := range r.segments {
		if err := s.writeTo(w); err != nil {
			return
		}
	}
	_, _ = w.Write(r.body.Bytes())
}
