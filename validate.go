package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/vcf-exporter/vcf_exporter/actions"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/influxsink"
	"github.com/vcf-exporter/vcf_exporter/mqttsink"
)

var errNoTarget = errors.New("no SDDC Manager configured: use --vcf.url with --vcf.username and $" + passwordEnv +
	" (or --vcf.password-file), or --config.file with a targets: list, or --simulator for a demo")

// validate is everything the exporter checks before it starts, and all
// that --config.check does, so that "OK" means the exporter will start: the
// --vcf.* flags, --config.file, every file they name (passwords, TLS CA,
// certificate and key, /actions tokens) and that an SDDC Manager is
// configured. It returns the targets of the flags and the file.
func validate(f *flags, logger *slog.Logger) ([]config.TargetConfig, *config.Config, error) {
	static, err := flagTargets(f, logger)
	if err != nil {
		return nil, nil, err
	}
	file := &config.Config{}
	if f.configFile != "" {
		if file, err = config.LoadFile(f.configFile); err != nil {
			return nil, nil, err
		}
		if err := actions.CheckTimeouts(file.Actions.Timeouts); err != nil {
			return nil, nil, fmt.Errorf("config file %s: %w", f.configFile, err)
		}
	}
	var errs []error
	for i := range static {
		errs = append(errs, static[i].CheckFiles())
	}
	if f.actions.TokenFile != "" {
		if _, err := config.ReadActionsTokenFile(f.actions.TokenFile); err != nil {
			errs = append(errs, fmt.Errorf("--actions.token-file: %w", err))
		}
	}
	for _, t := range file.Targets {
		for _, s := range static {
			if s.Name == t.Name {
				errs = append(errs, fmt.Errorf("target %q is defined by the --vcf.* flags and by --config.file", t.Name))
			}
		}
	}
	if len(static)+len(file.Targets) == 0 && !f.simulator {
		errs = append(errs, errNoTarget)
	}
	return static, file, errors.Join(errs...)
}

// checkConfig is --config.check: validate, report and exit.
func checkConfig(f *flags, logger *slog.Logger, out io.Writer) error {
	static, file, err := validate(f, logger)
	if err != nil {
		return err
	}
	// InfluxDB sinks are asked whether they accept their token, org and bucket.
	if err := influxsink.Check(context.Background(), f.influx, file, out); err != nil {
		return err
	}
	if err := mqttsink.Check(f.mqtt, file); err != nil {
		return err
	}
	what := "configuration"
	if f.configFile != "" {
		what = f.configFile
	}
	_, err = fmt.Fprintf(out, "%s: OK, %d target(s)\n", what, len(static)+len(file.Targets))
	return err
}
