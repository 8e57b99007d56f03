package influxsink

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	http2 "github.com/influxdata/influxdb-client-go/v2/api/http"
)

// maxErrorBody bounds how much of an error answer is read: enough for every
// "unable to parse" line of a batch InfluxDB 1.8 partly refused.
const maxErrorBody = 1 << 20

// send writes lines and returns what is left to retry (a suffix of lines)
// with the error. What InfluxDB refuses as data is counted as dropped and
// not retried: exactly the points it names. A batch refused as a whole for
// its size (413) or for one bad line is split in halves, down to single
// points, so that one bad point or a proxy's body limit loses nothing else.
func (s *Sink) send(ctx context.Context, lines []string) ([]string, error) {
	wctx, cancel := context.WithTimeout(ctx, time.Duration(s.cfg.Timeout))
	herr := s.post(wctx, lines)
	cancel()
	if herr == nil {
		s.wrote(len(lines))
		return nil, nil
	}
	s.errors.Inc()
	if !refusesData(herr.StatusCode) {
		return lines, herr // InfluxDB down, overloaded, misconfigured: retry later
	}
	dropped, known := partialWrite(herr.Message, lines)
	switch {
	case known:
		// InfluxDB stored the others.
		s.wrote(len(lines) - dropped)
		s.drop(dropped, "InfluxDB rejected points of a batch (partial write); stored the others", herr)
		return nil, nil
	case len(lines) > 1 && splittable(herr):
		if herr.StatusCode == http.StatusRequestEntityTooLarge && len(lines)/2 < s.maxBatch {
			s.maxBatch = len(lines) / 2
			s.log.Warn("InfluxDB refused a batch as too large; writing smaller batches", "points", len(lines), "batch_size", s.maxBatch)
		}
		half := len(lines) / 2
		if rest, err := s.send(ctx, lines[:half]); err != nil {
			return slices.Concat(rest, lines[half:]), err
		}
		return s.send(ctx, lines[half:])
	default:
		s.drop(len(lines), "InfluxDB rejected a batch; dropped", herr)
		return nil, nil
	}
}

func (s *Sink) wrote(n int) {
	if n == 0 {
		return
	}
	s.written.Add(float64(n))
	s.lastWrite.SetToCurrentTime()
	s.Backoff.Reset()
	if s.failed.Swap(false) {
		s.log.Info("InfluxDB writes succeed again", "buffered", s.q.len())
	}
}

func (s *Sink) drop(n int, msg string, herr *http2.Error) {
	if n == 0 {
		return
	}
	s.dropped.Add(float64(n))
	short := *herr // 1.8 quotes every unparsable line: the log gets the start
	if len(short.Message) > 512 {
		short.Message = short.Message[:512] + "..."
	}
	s.log.Error(msg, "dropped", n, "err", describe(&short, s.cfg))
}

// refusesData tells the answers that blame the data, not InfluxDB's state:
// 400 (1.8 partial writes too), 413, and 422 (2.x partial writes).
func refusesData(status int) bool {
	return status == http.StatusBadRequest || status == http.StatusRequestEntityTooLarge || status == http.StatusUnprocessableEntity
}

// splittable tells a batch refused as a whole for something one of its
// points may cause: its size, an unparsable line (2.x refuses the whole
// batch for one), or a partial write that does not say what it dropped
// (rewriting a stored point stores the same values again).
func splittable(herr *http2.Error) bool {
	return herr.StatusCode == http.StatusRequestEntityTooLarge ||
		strings.Contains(herr.Message, "unable to parse") ||
		strings.Contains(herr.Message, "partial write")
}

// droppedRe is the count InfluxDB's PartialWriteError ends with: "partial
// write: <reason> dropped=N", in 1.x followed by " for database: D for
// retention policy: R", in 2.x inside "failure writing points to database:
// ...". The last match counts: a reason may quote a point.
var droppedRe = regexp.MustCompile(`dropped=(\d+)(?: for database: .*)?$`)

// partialWrite returns how many of lines a partial-write error says InfluxDB
// dropped, and whether it says so. InfluxDB 1.8 writes the lines it can
// parse and reports the others as "unable to parse '<line>': ..." with
// dropped=0; they are counted by finding each line in the message.
func partialWrite(msg string, lines []string) (int, bool) {
	if !strings.Contains(msg, "partial write") {
		return 0, false
	}
	m := droppedRe.FindStringSubmatch(strings.TrimSpace(msg))
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, false
	}
	if strings.Contains(msg, "unable to parse '") {
		for _, l := range lines {
			if strings.Contains(msg, "unable to parse '"+l+"'") {
				n++
			}
		}
	}
	if n == 0 || n > len(lines) {
		return 0, false // not a count of these lines: split and find out
	}
	return n, true
}

// post sends lines in one write request. It reads the error answer itself:
// the library keeps only the 1 KiB X-Influxdb-Error header of InfluxDB
// 1.8's {"error": ...} answers, which may cut off the dropped count.
func (s *Sink) post(ctx context.Context, lines []string) *http2.Error {
	u := strings.TrimSuffix(s.cfg.URL, "/") + "/api/v2/write?" +
		url.Values{"org": {s.cfg.Org}, "bucket": {s.cfg.Bucket}, "precision": {"ms"}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		return http2.NewError(err)
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := s.client.HTTPService().DoHTTPRequestWithResponse(req, nil)
	if err != nil {
		return http2.NewError(err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		_ = resp.Body.Close()
	}()
	if resp.StatusCode/100 == 2 {
		return nil
	}
	herr := http2.NewError(nil)
	herr.StatusCode, herr.Header = resp.StatusCode, resp.Header
	if v, err := strconv.ParseUint(resp.Header.Get("Retry-After"), 10, 32); err == nil {
		herr.RetryAfter = uint(v)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	herr.Message = errorMessage(resp.Header, body)
	herr.Code = resp.Status
	return herr
}

// errorMessage is the text of an error answer: 2.x's {"code","message"},
// 1.8's {"error"}, a proxy's plain text; an HTML page says nothing more
// than its status.
func errorMessage(h http.Header, body []byte) string {
	ctype, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	switch ctype {
	case "application/json":
		var e struct{ Message, Error string }
		if json.Unmarshal(body, &e) == nil {
			if e.Message != "" {
				return e.Message
			}
			if e.Error != "" {
				return e.Error
			}
		}
	case "text/html":
		return h.Get("X-Influxdb-Error")
	}
	if msg := strings.TrimSpace(string(body)); msg != "" {
		return msg
	}
	return h.Get("X-Influxdb-Error")
}

// retryDelay is the wait before retrying after err: the back-off, or a
// longer Retry-After, but never more than the back-off's maximum, so that
// one answer cannot stop the writes for an hour.
func (s *Sink) retryDelay(err error) time.Duration {
	delay := s.Backoff.Duration()
	var herr *http2.Error
	if errors.As(err, &herr) {
		ra := time.Duration(herr.RetryAfter) * time.Second
		delay = max(delay, min(ra, s.Backoff.Max))
	}
	return delay
}
