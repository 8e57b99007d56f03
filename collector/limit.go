package collector

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// ScrapeLimiter bounds the scrapes served at once across /metrics and
// /probe (node_exporter's --web.max-requests) and makes each scrape's
// deadline cover the whole answer, gathering and encoding included.
//
// A scrape beyond the limit waits for a slot until its deadline, then gets
// 503: a short queue absorbs a burst of scrapers without a failed scrape,
// and the bound keeps memory and CPU flat however many scrapers come.
type ScrapeLimiter struct {
	slots          chan struct{} // nil: no limit
	defaultTimeout time.Duration
	offset         time.Duration
}

// NewScrapeLimiter allows max concurrent scrapes (0: unlimited); the
// timeouts are those of HandlerOpts.
func NewScrapeLimiter(max int, defaultTimeout, offset time.Duration) *ScrapeLimiter {
	o := HandlerOpts{DefaultTimeout: defaultTimeout, TimeoutOffset: offset}
	o.defaults()
	l := &ScrapeLimiter{defaultTimeout: o.DefaultTimeout, offset: o.TimeoutOffset}
	if max > 0 {
		l.slots = make(chan struct{}, max)
	}
	return l
}

// Wrap limits h. h sees a request context that ends at the scrape's
// deadline, and its writes fail once Prometheus has given up (the header's
// timeout, before the offset is subtracted), so a late answer is not
// computed and sent to nobody.
func (l *ScrapeLimiter) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		timeout := ScrapeTimeout(r, l.defaultTimeout, l.offset)
		ctx, cancel := context.WithDeadline(r.Context(), start.Add(timeout))
		defer cancel()
		// This replaces the server's WriteTimeout for scrapes; an error
		// means the ResponseWriter cannot (httptest's recorder).
		_ = http.NewResponseController(w).SetWriteDeadline(start.Add(timeout + l.offset))
		if l.slots != nil {
			select {
			case l.slots <- struct{}{}:
				defer func() { <-l.slots }()
			case <-ctx.Done():
				w.Header().Set("Retry-After", "1")
				http.Error(w, fmt.Sprintf("too many concurrent scrapes (--web.max-requests=%d); none finished within the scrape timeout", cap(l.slots)), http.StatusServiceUnavailable)
				return
			}
		}
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}
