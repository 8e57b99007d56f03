// Package simtest gives the tests of the collector and exposition packages
// the same simulated SDDC Managers and target registries.
package simtest

import (
	"testing"
	"time"

	promcfg "github.com/prometheus/common/config"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
	"github.com/vcf-exporter/vcf_exporter/vcfsim/vcfsimtest"
)

// FixedNow freezes the simulator's clock: usage does not drift.
var FixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Sized is a simulator of the given size on a frozen clock.
func Sized(t testing.TB, domains, clustersPerDomain, hostsPerCluster, unassigned int, opts ...vcfsim.Option) *vcfsim.Server {
	t.Helper()
	return vcfsimtest.New(t, append(opts, vcfsim.WithInventory(domains, clustersPerDomain, hostsPerCluster, unassigned), vcfsim.FrozenAt(FixedNow))...)
}

// Small is a simulator small enough to read its exposition by eye:
// 2 domains x 1 cluster x 2 hosts + 1 unassigned host, playing the default
// API version or the one given.
func Small(t testing.TB, version ...string) *vcfsim.Server {
	t.Helper()
	var opts []vcfsim.Option
	if len(version) > 0 {
		opts = append(opts, vcfsim.WithVCFVersion(version[0]))
	}
	return Sized(t, 2, 1, 2, 1, opts...)
}

// Medium has families large enough to be cached as gzip members:
// 2 domains x 2 clusters x 60 hosts.
func Medium(t testing.TB) *vcfsim.Server { return Sized(t, 2, 2, 60, 1) }

// Registry returns a registry of targets named names, all watching srv.
func Registry(t testing.TB, srv *vcfsim.Server, opts targets.Options, names ...string) *targets.Registry {
	t.Helper()
	r := targets.NewRegistry(opts)
	t.Cleanup(r.Close)
	user, pass := srv.Credentials()
	var tcs []config.TargetConfig
	for _, n := range names {
		tcs = append(tcs, config.TargetConfig{Name: n, URL: srv.URL, Username: user, Password: promcfg.Secret(pass)})
	}
	require.NoError(t, r.Apply(tcs))
	return r
}

// Get returns a target of r that must exist.
func Get(t testing.TB, r *targets.Registry, name string) *targets.Target {
	t.Helper()
	tg, ok := r.Get(name)
	require.True(t, ok)
	return tg
}
