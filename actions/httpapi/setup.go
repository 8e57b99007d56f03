package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/vcf-exporter/vcf_exporter/actions"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
)

// Flags are the command-line flags of the actions API.
type Flags struct {
	// ListenAddress, when set, serves /actions on its own listener only
	// (with WebConfigFile), not on --web.listen-address.
	ListenAddress string
	WebConfigFile string
	TokenFile     string
	PollInterval  time.Duration
	SettleTime    time.Duration
	StoragePath   string
}

// RegisterFlags adds the actions flags to a kingpin application.
func RegisterFlags(a *kingpin.Application) *Flags {
	f := &Flags{}
	a.Flag("actions.token-file", "File holding the bearer token of the /actions API (more named tokens in the config file's actions.tokens). Without any token /actions is disabled (404).").StringVar(&f.TokenFile)
	a.Flag("actions.listen-address", "Serve /actions on this address only, instead of on --web.listen-address. Use it when --web.config.file asks for basic auth: the /actions bearer token needs the Authorization header that basic auth takes.").StringVar(&f.ListenAddress)
	a.Flag("actions.web.config.file", "exporter-toolkit web configuration file (TLS) of --actions.listen-address. Configure no basic_auth_users in it: /actions authenticates with its bearer tokens.").StringVar(&f.WebConfigFile)
	config.DurationFlag(a, "actions.poll-interval", "How often the upgrade workflow polls SDDC Manager tasks.", "30s", &f.PollInterval)
	config.DurationFlag(a, "actions.settle-time", "How long the upgrade workflow waits after SDDC Manager answers again after its own upgrade.", "5m", &f.SettleTime)
	a.Flag("storage.path", "Directory where the upgrade workflows' state is kept (survives restarts); relative to the working directory.").Default("data/").StringVar(&f.StoragePath)
	return f
}

// Mount serves h at /actions/: on mux, or, with --actions.listen-address,
// on a listener of its own (TLS from --actions.web.config.file). The
// listener is bound before Mount returns, so an address in use stops the
// start; stop shuts it down.
func (f *Flags) Mount(mux *http.ServeMux, h http.Handler, logger *slog.Logger) (stop func(), err error) {
	if f.ListenAddress == "" {
		if f.WebConfigFile != "" {
			return nil, errors.New("--actions.web.config.file needs --actions.listen-address")
		}
		mux.Handle("/actions/", h)
		return func() {}, nil
	}
	if f.WebConfigFile != "" {
		if err := web.Validate(f.WebConfigFile); err != nil {
			return nil, fmt.Errorf("--actions.web.config.file: %w", err)
		}
	}
	l, err := net.Listen("tcp", f.ListenAddress)
	if err != nil {
		return nil, fmt.Errorf("--actions.listen-address: %w", err)
	}
	m := http.NewServeMux()
	m.Handle("/actions/", h)
	srv := &http.Server{
		Handler:           m,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute, // a request's SDDC Manager calls take up to 60s
		IdleTimeout:       2 * time.Minute,
	}
	logger = logger.With("component", "actions_listener")
	systemd := false
	flags := &web.FlagConfig{WebListenAddresses: &[]string{f.ListenAddress}, WebSystemdSocket: &systemd, WebConfigFile: &f.WebConfigFile}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := web.Serve(l, srv, flags, logger); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("the /actions listener stopped", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			logger.Warn("the /actions listener did not shut down cleanly", "err", err)
		}
		<-done
	}, nil
}

// Setup builds the /actions handler and, when a token is configured, the
// workflow engine (resuming stored workflows). Without a token it logs that
// actions are disabled and the handler answers 404. stop ends the
// workflows' goroutines (they resume on the next start).
//
// The engine and the handler start with the configuration in force in sc
// and subscribe to its reloads (timeouts and options, tokens).
func Setup(f *Flags, sc *config.SafeConfig, reg *targets.Registry, metrics prometheus.Registerer, logger *slog.Logger) (h *Handler, stop func(), err error) {
	cfg := sc.Get()
	if err := actions.StorageLockSupported(); err != nil {
		if f.TokenFile != "" || len(cfg.Actions.Tokens) > 0 {
			return nil, nil, err
		}
	}
	tokens, err := LoadTokens(f.TokenFile, cfg.Actions)
	if err != nil {
		return nil, nil, err
	}
	if len(tokens) == 0 {
		logger.Info("actions disabled: no --actions.token-file and no actions.tokens in the config file; /actions answers 404")
		return NewHandler(nil, nil, HandlerOptions{}), func() {}, nil
	}
	eng, err := actions.New(actions.RegistryTargets(reg), actions.Options{
		StoragePath:  f.StoragePath,
		PollInterval: f.PollInterval,
		SettleTime:   f.SettleTime,
		Config:       cfg.Actions,
		Logger:       logger.With("component", "actions"),
		Registerer:   metrics,
	})
	if err != nil {
		return nil, nil, err
	}
	eng.Start(context.Background())
	names := make([]string, 0, len(tokens))
	for _, t := range tokens {
		names = append(names, t.Name)
	}
	logger.Info("actions enabled", "tokens", names, "storage_path", eng.StorageDir(), "poll_interval", f.PollInterval, "settle_time", f.SettleTime)
	h = NewHandler(eng, tokens, HandlerOptions{
		Logger:    logger.With("component", "actions_audit"),
		TokenFile: f.TokenFile,
	})
	sc.Subscribe(eng.Apply)
	sc.Subscribe(h.Apply)
	return h, eng.Stop, nil
}
