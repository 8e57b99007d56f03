// Package influxsink writes the exporter's metrics to InfluxDB (2.x, Cloud,
// or 1.8+ through its 2.x compatibility API): every interval it renders each
// target through the same collectors /metrics uses (convert.go turns them
// into points), buffers the points and writes them with the
// influxdb-client-go library.
//
// The buffer and retries are ours, not the library's non-blocking WriteAPI:
// its retry buffer drops whole batches with only a log line (so dropped
// points could not be counted), it has two more silent ways to lose points
// (maximum retries, maximum retry time), and its Close flushes without a
// time bound. The library still does the encoding, the HTTP requests and
// the error parsing (WriteAPIBlocking, http.Error with Retry-After).
package influxsink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"
	http2 "github.com/influxdata/influxdb-client-go/v2/api/http"
	"github.com/influxdata/influxdb-client-go/v2/api/write"
	lp "github.com/influxdata/line-protocol"
	"github.com/jpillora/backoff"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	promcfg "github.com/prometheus/common/config"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
)

// precision of the points written: snapshots are seconds apart.
const precision = time.Millisecond

// Source renders the targets' metrics: the collectors of /metrics, plus the
// series of Extra labelled with a target (the upgrade workflows).
type Source struct {
	Registry *targets.Registry
	Set      *collector.Set
	Extra    prometheus.Gatherer // may be nil
}

// Points renders every target once. A target's collectors take its shared
// snapshot, or refresh it through the target's single-flight fetch, exactly
// as a scrape does.
func (s *Source) Points(ctx context.Context) []*write.Point {
	var extra []*dto.MetricFamily
	if s.Extra != nil {
		extra, _ = s.Extra.Gather() // what could be gathered; errors are /metrics' to report
	}
	var out []*write.Point
	for _, t := range s.Registry.Targets() {
		families, _ := s.Set.Gather(ctx, t, map[string]string{"target": t.Name}) // a failing collector still leaves the others' series
		out = append(out, Convert(families, extra, t.Name, time.Now())...)
	}
	return out
}

// Metrics are the sinks' own metrics, one series per sink.
type Metrics struct {
	written, dropped, errors *prometheus.CounterVec
	lastWrite                *prometheus.GaugeVec
}

// NewMetrics registers the sink metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		written: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vcf_influxdb_points_written_total",
			Help: "Points the InfluxDB sink wrote successfully.",
		}, []string{"sink"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vcf_influxdb_points_dropped_total",
			Help: "Points the InfluxDB sink dropped: the oldest when its buffer overflowed, or points InfluxDB rejected as invalid (exactly those it named).",
		}, []string{"sink"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vcf_influxdb_write_errors_total",
			Help: "Write requests to InfluxDB that failed (each retry counts).",
		}, []string{"sink"}),
		lastWrite: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vcf_influxdb_last_write_timestamp_seconds",
			Help: "Unix time of the InfluxDB sink's last successful write.",
		}, []string{"sink"}),
	}
	reg.MustRegister(m.written, m.dropped, m.errors, m.lastWrite)
	return m
}

func (m *Metrics) forget(sink string) {
	m.written.DeleteLabelValues(sink)
	m.dropped.DeleteLabelValues(sink)
	m.errors.DeleteLabelValues(sink)
	m.lastWrite.DeleteLabelValues(sink)
}

// queue is the bounded buffer of encoded points (one line each), oldest
// first. A batch being written is outside it; on failure it goes back to
// the front, and whatever exceeds max is dropped from the front.
type queue struct {
	mu      sync.Mutex
	lines   []string
	max     int
	dropped prometheus.Counter
}

func (q *queue) push(lines []string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.lines = append(q.lines, lines...)
	q.trim()
}

func (q *queue) putBack(lines []string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.lines = append(lines, q.lines...)
	q.trim()
}

// trim drops the oldest lines beyond max. q.mu must be held.
func (q *queue) trim() {
	if over := len(q.lines) - q.max; over > 0 {
		q.lines = q.lines[over:]
		q.dropped.Add(float64(over))
	}
}

func (q *queue) take(n int) []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	n = min(n, len(q.lines))
	batch := q.lines[:n:n]
	q.lines = q.lines[n:]
	return batch
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.lines)
}

// Sink writes to one InfluxDB.
type Sink struct {
	Name string
	cfg  config.InfluxDBConfig

	src    *Source
	client influxdb2.Client
	// maxBatch is the batch size, lowered when a 413 showed a body limit.
	maxBatch int
	log      *slog.Logger

	q                        *queue
	written, errors, dropped prometheus.Counter
	lastWrite                prometheus.Gauge
	// Backoff paces retries (exported for tests).
	Backoff backoff.Backoff

	wake   chan struct{}
	cancel context.CancelFunc
	done   sync.WaitGroup
	failed atomic.Bool // the last write (or the start check) failed: log the next failure no more
}

// New builds a sink for cfg (defaults applied) with the resolved token; it
// does nothing until Start.
func New(cfg config.InfluxDBConfig, token promcfg.Secret, src *Source, m *Metrics, logger *slog.Logger) (*Sink, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("influxdb %q: %w", cfg.Name, err)
	}
	hc, err := promcfg.NewClientFromConfig(promcfg.HTTPClientConfig{TLSConfig: cfg.TLSConfig, EnableHTTP2: true}, "influxdb")
	if err != nil {
		return nil, fmt.Errorf("influxdb %q: %w", cfg.Name, err)
	}
	hc.Timeout = time.Duration(cfg.Timeout)
	opts := influxdb2.DefaultOptions().SetHTTPClient(hc).SetPrecision(precision).SetApplicationName("vcf_exporter")
	client := influxdb2.NewClientWithOptions(cfg.URL, string(token), opts)
	return &Sink{
		Name:      cfg.Name,
		cfg:       cfg,
		src:       src,
		client:    client,
		maxBatch:  cfg.BatchSize,
		log:       logger.With("sink", cfg.Name),
		q:         &queue{max: cfg.BufferSize, dropped: m.dropped.WithLabelValues(cfg.Name)},
		written:   m.written.WithLabelValues(cfg.Name),
		errors:    m.errors.WithLabelValues(cfg.Name),
		dropped:   m.dropped.WithLabelValues(cfg.Name),
		lastWrite: m.lastWrite.WithLabelValues(cfg.Name),
		Backoff:   backoff.Backoff{Min: time.Second, Max: time.Minute, Factor: 2, Jitter: true},
		wake:      make(chan struct{}, 1),
	}, nil
}

// Config returns the sink's configuration, defaults applied.
func (s *Sink) Config() config.InfluxDBConfig { return s.cfg }

// Buffered returns the number of points waiting to be written (not counting
// a batch being written).
func (s *Sink) Buffered() int { return s.q.len() }

// Start checks the settings (one log line saying what is wrong), then
// writes every interval until Stop. The first write is at once.
func (s *Sink) Start() { s.start(true) }

// start runs the sender and, with render, the checks and renders.
func (s *Sink) start(render bool) {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		s.sendLoop(ctx)
	}()
	if !render {
		return
	}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		cctx, ccancel := context.WithTimeout(ctx, time.Duration(s.cfg.Timeout))
		if err := s.Check(cctx); err != nil {
			s.failed.Store(true) // that was the line for this problem
			s.log.Error("InfluxDB sink misconfigured or unreachable; points are buffered and retried", "err", err)
		} else {
			s.log.Info("InfluxDB sink ready", "url", s.cfg.URL, "bucket", s.cfg.Bucket, "interval", time.Duration(s.cfg.Interval))
		}
		ccancel()
		t := time.NewTicker(time.Duration(s.cfg.Interval))
		defer t.Stop()
		for {
			s.Collect(ctx)
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
	}()
}

// Collect renders one snapshot of every target into the buffer and returns
// the number of points; the sender writes them in the background.
func (s *Sink) Collect(ctx context.Context) int {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.cfg.Interval))
	defer cancel()
	lines, err := encode(s.src.Points(ctx))
	if err != nil { // a bug in convert.go, not an InfluxDB problem
		s.log.Error("encoding points", "err", err)
	}
	s.q.push(lines)
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return len(lines)
}

// encode turns points into line protocol, one line each.
func encode(points []*write.Point) ([]string, error) {
	var buf bytes.Buffer
	e := lp.NewEncoder(&buf)
	e.FailOnFieldErr(true)
	e.SetPrecision(precision)
	lines := make([]string, 0, len(points))
	var errs []error
	for _, p := range points {
		buf.Reset()
		if _, err := e.Encode(p); err != nil {
			errs = append(errs, err)
			continue
		}
		lines = append(lines, strings.TrimSuffix(buf.String(), "\n"))
	}
	return lines, errors.Join(errs...)
}

// sendLoop writes the buffer whenever it has points, backing off after a
// failure, until ctx ends.
func (s *Sink) sendLoop(ctx context.Context) {
	for ctx.Err() == nil {
		delay, err := s.drain(ctx)
		if err == nil {
			select {
			case <-s.wake:
			case <-ctx.Done():
			}
			continue
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
	}
}

// drain writes batches until the buffer is empty (nil) or a write fails
// (the delay before the next try).
func (s *Sink) drain(ctx context.Context) (time.Duration, error) {
	for {
		batch := s.q.take(s.maxBatch)
		if len(batch) == 0 {
			return 0, nil
		}
		rest, err := s.send(ctx, batch)
		if err == nil {
			continue
		}
		s.q.putBack(rest)
		if !s.failed.Swap(true) {
			s.log.Error("InfluxDB write failed; points stay buffered and are retried", "buffered", s.q.len(), "err", describe(err, s.cfg))
		}
		return s.retryDelay(err), err
	}
}

// Stop ends the writes and flushes what is buffered, retrying for at most
// the sink's timeout. It returns the points left unwritten.
func (s *Sink) Stop() int {
	s.halt()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(s.cfg.Timeout))
	defer cancel()
	for ctx.Err() == nil {
		delay, err := s.drain(ctx)
		if err == nil {
			break
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
	}
	left := s.q.len()
	if left > 0 {
		s.log.Warn("InfluxDB sink stopped with unwritten points", "points", left)
	}
	s.client.Close()
	return left
}

// halt ends the writes without flushing.
func (s *Sink) halt() {
	if s.cancel != nil {
		s.cancel()
		s.done.Wait()
		s.cancel = nil
	}
}

// Check sends an empty write, which InfluxDB answers after checking the
// token, org and bucket without storing anything: InfluxDB 2.x with 400
// "writing requires points", 1.8 with 204.
func (s *Sink) Check(ctx context.Context) error {
	u := strings.TrimSuffix(s.cfg.URL, "/") + "/api/v2/write?" + url.Values{"org": {s.cfg.Org}, "bucket": {s.cfg.Bucket}}.Encode()
	err := s.client.HTTPService().DoPostRequest(ctx, u, strings.NewReader(""), nil, func(r *http.Response) error { return r.Body.Close() })
	if err == nil || (err.StatusCode == http.StatusBadRequest && strings.Contains(err.Error(), "writing requires points")) {
		return nil
	}
	return describe(err, s.cfg)
}

// describe says in one line what a failed request means for the settings.
// It never contains the token (it is only ever in a request header).
func describe(err error, cfg config.InfluxDBConfig) error {
	var herr *http2.Error
	if !errors.As(err, &herr) || herr.StatusCode == 0 {
		return fmt.Errorf("cannot reach InfluxDB at %s: %w", cfg.URL, err)
	}
	status := fmt.Sprintf("HTTP %d", herr.StatusCode)
	if msg := strings.TrimSpace(herr.Message); msg != "" {
		status += ": " + msg
	}
	switch herr.StatusCode {
	case http.StatusUnauthorized:
		return fmt.Errorf("InfluxDB at %s rejected the token (%s); check token / token_file / $INFLUXDB_TOKEN (1.8: username:password)", cfg.URL, status)
	case http.StatusForbidden:
		return fmt.Errorf("the token may not write to bucket %q at %s (%s)", cfg.Bucket, cfg.URL, status)
	case http.StatusNotFound:
		what := fmt.Sprintf("bucket %q", cfg.Bucket)
		if cfg.Org != "" {
			what = fmt.Sprintf("org %q or %s", cfg.Org, what)
		}
		return fmt.Errorf("%s not found at %s (%s)", what, cfg.URL, status)
	default:
		return fmt.Errorf("InfluxDB at %s answered %s", cfg.URL, status)
	}
}
