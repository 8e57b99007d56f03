package actions

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
)

// Flags are the command-line flags of the actions API.
type Flags struct {
	TokenFile    string
	PollInterval time.Duration
	SettleTime   time.Duration
	StoragePath  string
}

// RegisterFlags adds the actions flags to a kingpin application.
func RegisterFlags(a *kingpin.Application) *Flags {
	f := &Flags{}
	a.Flag("actions.token-file", "File holding the bearer token of the /actions API (more named tokens in the config file's actions.tokens). Without any token /actions is disabled (404).").StringVar(&f.TokenFile)
	config.DurationFlag(a, "actions.poll-interval", "How often the upgrade workflow polls SDDC Manager tasks.", "30s", &f.PollInterval)
	config.DurationFlag(a, "actions.settle-time", "How long the upgrade workflow waits after SDDC Manager answers again after its own upgrade.", "5m", &f.SettleTime)
	a.Flag("storage.path", "Directory where the upgrade workflows' state is kept (survives restarts); relative to the working directory.").Default("data/").StringVar(&f.StoragePath)
	return f
}

// registryTargets adapts the exporter's target registry.
type registryTargets struct{ r *targets.Registry }

// RegistryTargets gives the engine the exporter's SDDC Managers.
func RegistryTargets(r *targets.Registry) Targets { return registryTargets{r} }

func (t registryTargets) Names() []string { return t.r.Names() }

func (t registryTargets) Client(name string) (Client, bool) {
	tg, ok := t.r.Get(name)
	if !ok || tg.Client == nil {
		return nil, false
	}
	return tg.Client, true
}

func (t registryTargets) CheckUpdates(ctx context.Context, name string) error {
	tg, ok := t.r.Get(name)
	if !ok {
		return errors.New("unknown target " + name)
	}
	return tg.CheckUpdates(ctx)
}

func (t registryTargets) KnownDomains(name string) []string {
	tg, ok := t.r.Get(name)
	if !ok {
		return nil
	}
	var out []string
	for _, d := range tg.UpgradeStatus().Domains {
		out = append(out, d.DomainName)
	}
	return out
}

func (t registryTargets) URL(name string) string {
	if tg, ok := t.r.Get(name); ok {
		return tg.URL()
	}
	return ""
}

// Setup builds the /actions handler and, when a token is configured, the
// workflow engine (resuming stored workflows). Without a token it logs that
// actions are disabled and the handler answers 404. stop ends the
// workflows' goroutines (they resume on the next start).
//
// current returns the configuration file in force; after a reload the
// handler picks up its tokens and the engine its timeouts and options.
func Setup(f *Flags, current func() *config.Config, reg *targets.Registry, metrics prometheus.Registerer, logger *slog.Logger) (h *Handler, stop func(), err error) {
	cfgFile := current()
	cfg := cfgFile.Actions
	tokens, err := LoadTokens(f.TokenFile, cfg)
	if err != nil {
		return nil, nil, err
	}
	if len(tokens) == 0 {
		logger.Info("actions disabled: no --actions.token-file and no actions.tokens in the config file; /actions answers 404")
		return NewHandler(nil, nil, HandlerOptions{}), func() {}, nil
	}
	eng, err := New(RegistryTargets(reg), Options{
		StoragePath:  f.StoragePath,
		PollInterval: f.PollInterval,
		SettleTime:   f.SettleTime,
		Config:       cfg,
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
	logger.Info("actions enabled", "tokens", names, "storage_path", eng.store.Dir(), "poll_interval", f.PollInterval, "settle_time", f.SettleTime)
	h = NewHandler(eng, tokens, HandlerOptions{Logger: logger.With("component", "actions_audit")})
	h.follow(f.TokenFile, current, cfgFile, logger)
	return h, eng.Stop, nil
}

// follow makes the handler apply configuration reloads: it compares the
// current configuration with the last one seen on every request.
func (h *Handler) follow(tokenFile string, current func() *config.Config, seen *config.Config, logger *slog.Logger) {
	h.reload = func() {
		c := current()
		h.mu.Lock()
		defer h.mu.Unlock()
		if c == nil || c == seen {
			return
		}
		seen = c
		tokens, err := LoadTokens(tokenFile, c.Actions)
		if err != nil {
			logger.Error("actions: keeping the previous tokens after a configuration reload", "err", err)
		} else {
			h.SetTokens(tokens)
		}
		h.e.SetConfig(c.Actions)
		logger.Info("actions: configuration reloaded", "tokens", len(tokens))
	}
}
