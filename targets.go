package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"

	promcfg "github.com/prometheus/common/config"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
)

// flagTargets is the --vcf.url target, if any.
func flagTargets(f *flags, logger *slog.Logger) ([]config.TargetConfig, error) {
	if f.url == "" {
		if f.username != "" || f.passwordFile != "" || f.caFile != "" || f.insecure || f.targetName != "" {
			return nil, errors.New("--vcf.* flags given without --vcf.url")
		}
		return nil, nil
	}
	if err := config.ValidateURL(f.url); err != nil {
		return nil, fmt.Errorf("--vcf.url: %w", err)
	}
	name := f.targetName
	if name == "" {
		u, _ := url.Parse(f.url)
		name = u.Hostname()
	}
	t := config.TargetConfig{
		Name:         name,
		URL:          f.url,
		Username:     f.username,
		Password:     promcfg.Secret(os.Getenv(passwordEnv)),
		PasswordFile: f.passwordFile,
		TLSConfig:    promcfg.TLSConfig{CAFile: f.caFile, InsecureSkipVerify: f.insecure},
	}
	if t.Password != "" && t.PasswordFile != "" {
		return nil, errors.New("both $" + passwordEnv + " and --vcf.password-file are set; use one")
	}
	if t.Password == "" && t.PasswordFile == "" {
		return nil, errors.New("--vcf.url needs a password: set $" + passwordEnv + " or --vcf.password-file")
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("--vcf.* flags: %w", err)
	}
	if f.insecure {
		logger.Warn("TLS certificate verification of the SDDC Manager is disabled (--vcf.tls.insecure-skip-verify)", "target", name)
	}
	return []config.TargetConfig{t}, nil
}

// followTargets is the subscriber that makes the registry watch the
// targets of each new configuration; forget drops the exporter's
// per-target series of each target that went away.
func followTargets(registry *targets.Registry, forget func(target string)) func(*config.Config) error {
	return func(c *config.Config) error {
		before := registry.Names()
		if err := registry.Apply(c.Targets); err != nil {
			return fmt.Errorf("applying configuration: %w", err)
		}
		for _, name := range before {
			if _, ok := registry.Get(name); !ok {
				forget(name)
			}
		}
		return nil
	}
}
