package main

import (
	promcfg "github.com/prometheus/common/config"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// simulatorTarget is the target name of --simulator.
const simulatorTarget = "simulator"

// startSimulator starts vcfsim on loopback (plain HTTP) and returns the
// target pointing at it.
func startSimulator(f *flags) (*vcfsim.Server, config.TargetConfig, error) {
	cfg := vcfsim.DefaultConfig()
	cfg.Seed = f.simSeed
	cfg.TimeScale = f.simTimeScale
	cfg.VCFVersion = f.simVersion
	cfg.PageBase = f.simPageBase
	srv, err := vcfsim.NewServer(cfg)
	if err != nil {
		return nil, config.TargetConfig{}, err
	}
	return srv, config.TargetConfig{
		Name:     simulatorTarget,
		URL:      srv.URL,
		Username: cfg.Username,
		Password: promcfg.Secret(cfg.Password),
	}, nil
}
