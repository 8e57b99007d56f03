package influxsink

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	promcfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/internal/influxtest"
	itestutil "github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

// nginx413 is nginx's answer to a body over client_max_body_size (1m by
// default).
const nginx413 = "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

// faultProxy stands in front of an InfluxDB like a reverse proxy with a
// 1 MiB body limit; next answers the next request instead of InfluxDB.
type faultProxy struct {
	URL string

	mu       sync.Mutex
	next     []func(http.ResponseWriter)
	tooLarge int // 413s answered
}

func newFaultProxy(t testing.TB, upstream string) *faultProxy {
	t.Helper()
	u, err := url.Parse(upstream)
	require.NoError(t, err)
	p := &faultProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		var answer func(http.ResponseWriter)
		if len(p.next) > 0 {
			answer, p.next = p.next[0], p.next[1:]
		}
		p.mu.Unlock()
		if answer != nil {
			_, _ = io.Copy(io.Discard, r.Body)
			answer(w)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if len(body) > 1<<20 {
			p.mu.Lock()
			p.tooLarge++
			p.mu.Unlock()
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			_, _ = io.WriteString(w, nginx413)
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		r.ContentLength = int64(len(body))
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func (p *faultProxy) answer(f func(http.ResponseWriter)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next = append(p.next, f)
}

func (p *faultProxy) answered413() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tooLarge
}

// bareSink is a sink (not started) writing to url, with the test's own
// metrics; the points come from its buffer, not from targets.
func bareSink(t testing.TB, u, bucket, token string, mod func(*config.InfluxDBConfig)) (*Sink, *Metrics, *itestutil.Buffer) {
	t.Helper()
	cfg := config.InfluxDBConfig{Name: "test", URL: u, Bucket: bucket, Token: promcfg.Secret(token),
		Interval: model.Duration(time.Hour), Timeout: model.Duration(30 * time.Second)}
	if mod != nil {
		mod(&cfg)
	}
	m := NewMetrics(prometheus.NewRegistry())
	log := &itestutil.Buffer{}
	s, err := New(cfg, cfg.Token, nil, m, slog.New(slog.NewTextHandler(log, nil)))
	require.NoError(t, err)
	s.Backoff.Min, s.Backoff.Max = 10*time.Millisecond, 50*time.Millisecond
	t.Cleanup(func() { s.halt(); s.client.Close() })
	return s, m, log
}

// lines returns n points of distinct series, each about size bytes.
func lines(prefix string, n, size int) []string {
	pad := strings.Repeat("x", max(size-60, 1))
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`%s,k=%06d v=%di,s=%q 1700000000000`, prefix, i, i, pad)
	}
	return out
}

func counts(m *Metrics) (written, dropped, errs float64) {
	e := &env{metrics: m}
	return e.counters("test")
}

// TestRetryAfterCapped: one 429 with Retry-After: 3600 delays the next try
// by the sink's maximum back-off, not by an hour.
func TestRetryAfterCapped(t *testing.T) {
	db := influxtest.Start(t)
	bucket := db.CreateDatabase(t, "vcf")
	proxy := newFaultProxy(t, db.URL)
	proxy.answer(func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "3600")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"code":"too many requests","message":"org exceeded write limits"}`)
	})
	s, m, log := bareSink(t, proxy.URL, bucket, db.Token, nil)
	s.q.push(lines("ra", 10, 100))

	delay, err := s.drain(context.Background())
	require.Error(t, err)
	require.LessOrEqual(t, delay, s.Backoff.Max, "Retry-After is capped at the maximum back-off")
	require.Positive(t, delay)
	require.Equal(t, 10, s.Buffered(), "the batch stays buffered")
	require.Contains(t, log.String(), "HTTP 429")

	s.start(false) // the sender retries after delay
	s.wake <- struct{}{}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		written, dropped, _ := counts(m)
		assert.Equal(c, 10.0, written)
		assert.Zero(c, dropped)
	}, 30*time.Second, 5*time.Millisecond)
	require.EqualValues(t, 10, db.PointsReceived(t))

	// Shorter Retry-After than the back-off: the back-off.
	s.halt()
	proxy.answer(func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	s.q.push(lines("ra", 1, 100))
	delay, err = s.drain(context.Background())
	require.Error(t, err)
	require.Positive(t, delay)
}

// TestBodyLimitSplits: after an outage, the backlog (3 MB) meets a proxy's
// 1 MiB body limit. The sink splits the batches until they pass, keeps the
// smaller size, and loses nothing; only a single point larger than the
// limit is dropped, and counted.
func TestBodyLimitSplits(t *testing.T) {
	db := influxtest.Start(t)
	bucket := db.CreateDatabase(t, "vcf")
	proxy := newFaultProxy(t, db.URL)
	const n = 12000
	s, m, log := bareSink(t, proxy.URL, bucket, db.Token, func(c *config.InfluxDBConfig) { c.BatchSize = n })

	backlog := lines("big", n, 250)
	huge := lines("huge", 1, 1<<20+100)[0]
	backlog[n/3] = huge
	s.q.push(backlog)
	_, err := s.drain(context.Background())
	require.NoError(t, err)
	written, dropped, _ := counts(m)
	require.Equal(t, float64(n-1), written)
	require.Equal(t, 1.0, dropped, "only the point larger than any request may be")
	require.Zero(t, s.Buffered())
	require.EqualValues(t, n-1, db.PointsReceived(t), "every other point arrived exactly once")
	require.Positive(t, proxy.answered413())
	require.Contains(t, log.String(), "writing smaller batches")
	require.Less(t, s.maxBatch, n)

	// The next backlog goes out in batches that pass at once.
	before := proxy.answered413()
	s.q.push(lines("big2", n, 250))
	_, err = s.drain(context.Background())
	require.NoError(t, err)
	require.Equal(t, before, proxy.answered413())
	require.EqualValues(t, 2*n-1, db.PointsReceived(t))
}

// TestPartialWrite: InfluxDB 1.8 stores the good points of a batch and
// reports the others (a field type conflict, unparsable lines); exactly
// those are counted as dropped, nothing is retried.
func TestPartialWrite(t *testing.T) {
	db := influxtest.Start(t)
	bucket := db.CreateDatabase(t, "vcf")
	s, m, log := bareSink(t, db.URL, bucket, db.Token, nil)

	s.q.push([]string{`pw,k=first v=1i 1700000000000`}) // v is an integer from now on
	_, err := s.drain(context.Background())
	require.NoError(t, err)

	batch := lines("pw", 50, 80) // integers
	for i := 3; i < 50; i += 10 {
		batch[i] = fmt.Sprintf(`pw,k=conflict%d v="text" 1700000000000`, i) // 5 type conflicts
	}
	s.q.push(batch)
	_, err = s.drain(context.Background())
	require.NoError(t, err)
	written, dropped, errs := counts(m)
	require.Equal(t, 1.0+45, written)
	require.Equal(t, 5.0, dropped, log.String())
	require.Equal(t, 1.0, errs, "one request, not retried")
	require.Contains(t, log.String(), "partial write")

	// 1.8 stores the lines it can parse and names the others.
	batch = lines("pw2", 10, 80)
	batch[3] = `pw2,k=bad v=`
	batch[8] = `pw2,k=bad2 v=1i,`
	s.q.push(batch)
	_, err = s.drain(context.Background())
	require.NoError(t, err)
	written, dropped, errs = counts(m)
	require.Equal(t, 46.0+8, written)
	require.Equal(t, 5.0+2, dropped, log.String())
	require.Equal(t, 2.0, errs)

	n := 0
	for p := range stored(t, db, bucket) {
		if strings.HasPrefix(p.series, "pw") {
			n++
		}
	}
	require.Equal(t, 46+8, n)
}

// TestRefusedAnswers: the partial-write formats of InfluxDB 1.8, 1.11 and
// 2.x, a 2.x parse error refusing the whole batch, and answers that do not
// say what was dropped, against a stand-in InfluxDB that stores what it
// accepts.
func TestRefusedAnswers(t *testing.T) {
	type answer struct {
		status int
		ctype  string
		body   string
	}
	const conflict = `partial write: field type conflict: input field \"v\" on measurement \"m\" is type string, already exists as type integer dropped=%d`
	for _, tc := range []struct {
		name string
		// reply answers a request with bad lines in it, after storing its good
		// ones (partial) or not.
		reply   func(bad int) answer
		partial bool
		wantErr int // requests answered with an error
	}{
		{"1.8", func(bad int) answer {
			return answer{400, "application/json", `{"error":"` + fmt.Sprintf(conflict, bad) + `"}`}
		}, true, 1},
		{"1.11 names the database", func(bad int) answer {
			return answer{400, "application/json", `{"error":"` + fmt.Sprintf(conflict, bad) + ` for database: vcf for retention policy: autogen"}`}
		}, true, 1},
		{"2.x 422", func(bad int) answer {
			return answer{422, "application/json; charset=utf-8", `{"code":"unprocessable entity","message":"failure writing points to database: ` + fmt.Sprintf(conflict, bad) + `"}`}
		}, true, 1},
		{"2.x parse error refuses the batch", func(int) answer {
			return answer{400, "application/json; charset=utf-8", `{"code":"invalid","message":"unable to parse 'm,k=BAD v=\"text\" 1': invalid"}`}
		}, false, 1 + 2*4}, // halving 16 lines down to each of the 2 bad ones
		{"partial write without a count", func(int) answer {
			return answer{400, "application/json", `{"error":"partial write: something new"}`}
		}, true, 1 + 2*4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			stored := map[string]int{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				defer mu.Unlock()
				bad := 0
				var good []string
				for l := range strings.SplitSeq(string(body), "\n") {
					if strings.Contains(l, "BAD") {
						bad++
					} else {
						good = append(good, l)
					}
				}
				if bad == 0 || tc.partial {
					for _, l := range good {
						stored[l]++
					}
				}
				if bad == 0 {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				a := tc.reply(bad)
				w.Header().Set("Content-Type", a.ctype)
				w.WriteHeader(a.status)
				_, _ = io.WriteString(w, a.body)
			}))
			defer srv.Close()
			s, m, _ := bareSink(t, srv.URL, "vcf", "tok", nil)
			batch := lines("m", 16, 60)
			batch[2] = `m,k=BAD v="text" 1`
			batch[11] = `m,k=BAD2 v="text" 1`
			s.q.push(batch)
			_, err := s.drain(context.Background())
			require.NoError(t, err)
			written, dropped, errs := counts(m)
			assert.Equal(t, 14.0, written)
			assert.Equal(t, 2.0, dropped)
			assert.Equal(t, float64(tc.wantErr), errs)
			assert.Len(t, stored, 14, "every good point stored")
		})
	}
}

func TestPartialWriteCount(t *testing.T) {
	ls := []string{"a v=1", "b v=", "c v=x"}
	for _, tc := range []struct {
		msg  string
		n    int
		ok   bool
		name string
	}{
		{"partial write: field type conflict dropped=2", 2, true, "1.8"},
		{"partial write: points beyond retention policy dropped=1 for database: db for retention policy: rp", 1, true, "1.11"},
		{"failure writing points to database: partial write: x dropped=3", 3, true, "2.x"},
		{"partial write: unable to parse 'b v=': missing field value\nunable to parse 'c v=x': invalid boolean dropped=0", 2, true, "1.8 parse"},
		{`partial write: conflict on "m,t=dropped=9" dropped=1`, 1, true, "quoted count"},
		{"partial write: x dropped=4", 0, false, "more than sent"},
		{"partial write: x dropped=0", 0, false, "nothing named"},
		{"unable to parse 'b v='", 0, false, "not partial"},
		{"partial write: x", 0, false, "no count"},
	} {
		n, ok := partialWrite(tc.msg, ls)
		assert.Equal(t, tc.n, n, tc.name)
		assert.Equal(t, tc.ok, ok, tc.name)
	}
}

// TestAllRefusedIsNoWrite: a partial write that dropped every point is not
// a successful write (no last-write time, no "succeed again" line), and its
// long answer is cut in the log.
func TestAllRefusedIsNoWrite(t *testing.T) {
	long := strings.Repeat("x", 4096)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"partial write: field type conflict `+long+` dropped=2"}`)
	}))
	defer srv.Close()
	s, m, log := bareSink(t, srv.URL, "vcf", "tok", nil)
	s.failed.Store(true)
	s.q.push([]string{"m v=1", "m v=2"})
	_, err := s.drain(context.Background())
	require.NoError(t, err)
	written, dropped, _ := counts(m)
	require.Zero(t, written)
	require.Equal(t, 2.0, dropped)
	require.Zero(t, testutil.ToFloat64(m.lastWrite.WithLabelValues("test")))
	require.NotContains(t, log.String(), "succeed again")
	require.Contains(t, log.String(), "xxx...")
	require.Less(t, len(log.String()), 2048)
}
