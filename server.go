package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/exporter-toolkit/web"

	"github.com/vcf-exporter/vcf_exporter/config"
)

// serverLimits protect the exporter from slow and numerous clients.
type serverLimits struct {
	// ReadHeaderTimeout bounds reading a request's headers, ReadTimeout the
	// whole request, body included: a client that promises a body and
	// never sends it is dropped.
	ReadHeaderTimeout, ReadTimeout time.Duration
	// WriteTimeout bounds writing an answer; scrapes replace it by their
	// own deadline (exposition.ScrapeLimiter).
	WriteTimeout time.Duration
	// IdleTimeout closes keep-alive connections left unused.
	IdleTimeout time.Duration
	// MaxConnections caps open connections (0: no cap); beyond it a new
	// connection is closed as soon as it is accepted.
	MaxConnections int
}

func defaultServerLimits(maxConnections int) serverLimits {
	return serverLimits{
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxConnections:    maxConnections,
	}
}

// newHTTPServer is the exporter's http.Server with l applied. The
// connection cap is a ConnState hook rather than a wrapped listener, so
// that exporter-toolkit keeps opening the listeners (addresses, systemd
// socket activation, TLS).
func newHTTPServer(h http.Handler, l serverLimits, logger *slog.Logger) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	if l.MaxConnections > 0 {
		var open atomic.Int64
		var warned atomic.Bool
		srv.ConnState = func(c net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				if open.Add(1) > int64(l.MaxConnections) {
					if !warned.Swap(true) {
						logger.Warn("too many open connections, closing new ones (--web.max-connections)", "max", l.MaxConnections)
					}
					_ = c.Close()
				}
			case http.StateClosed, http.StateHijacked:
				open.Add(-1)
			}
		}
	}
	return srv
}

// serve runs the server until SIGTERM/SIGINT (graceful shutdown); SIGHUP
// reloads the configuration.
func serve(srv *http.Server, webFlags *web.FlagConfig, logger *slog.Logger, sc *config.SafeConfig, hup <-chan os.Signal) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		for {
			select {
			case <-hup:
				if err := sc.Reload(); err != nil {
					logger.Error("reload (SIGHUP) failed; keeping the previous configuration", "err", err)
				} else {
					logger.Info("configuration reloaded (SIGHUP)")
				}
			case <-ctx.Done():
				return
			}
		}
	}()

	errc := make(chan error, 1)
	go func() { errc <- web.ListenAndServe(srv, webFlags, logger) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
