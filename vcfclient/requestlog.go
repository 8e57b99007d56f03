package vcfclient

import (
	"context"
	"log/slog"
	"time"
)

type requestLogKey struct{}

// WithRequestLog returns a context whose API requests are also logged to l,
// one line per attempt: how /probe?target=...&debug=true shows what a fetch
// did (the blackbox exporter's probe log). The values survive the shared
// fetch's detached context, so a fetch started by that probe logs to it.
func WithRequestLog(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, requestLogKey{}, l)
}

// RequestLog is the logger of WithRequestLog, or nil.
func RequestLog(ctx context.Context) *slog.Logger {
	l, _ := ctx.Value(requestLogKey{}).(*slog.Logger)
	return l
}

// logAttempt writes one attempt of req to the context's request log.
func logAttempt(ctx context.Context, req request, attempt int, res result, took time.Duration, err error) {
	l := RequestLog(ctx)
	if l == nil {
		return
	}
	args := []any{"method", req.method, "endpoint", req.endpoint, "attempt", attempt + 1,
		"status", res.status, "duration_seconds", took.Seconds()}
	if err != nil {
		l.Warn("API request failed", append(args, "err", err)...)
		return
	}
	l.Info("API request", args...)
}
