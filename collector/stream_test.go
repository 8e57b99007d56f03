package collector

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// text writes renderings as one exposition, durations left out.
func text(rs []Rendering) string {
	var b strings.Builder
	for _, r := range rs {
		for _, f := range r {
			if volatile[f.Name] {
				continue
			}
			b.Write(f.Header)
			_, _ = f.WriteTo(&b)
		}
	}
	return b.String()
}

// TestHostsRenderedWhileFetched: the host families a cold scrape writes
// were rendered while /v1/hosts was read (paged or not), and are what the
// scrape would have rendered from the snapshot.
func TestHostsRenderedWhileFetched(t *testing.T) {
	for _, version := range vcfsim.Versions() {
		t.Run(version, func(t *testing.T) {
			srv := sizedSim(t, 2, 2, 60, 3, vcfsim.WithVCFVersion(version), vcfsim.WithHostsPageSize(7))
			tg := newTarget(t, srv, targets.Options{MinRefreshInterval: time.Hour})
			set := newSet(t, DefaultEnabled()...)
			f := TextFormat(expfmt.TypeOpenMetrics)
			labels := map[string]string{"target": "sim"}

			hostPart := slices.Index(set.Names(), "host") + 1 // after the common part
			cache := NewCache()
			streamedParts := cache.Render(t.Context(), set, tg, f, labels)
			snap := tg.Snapshot(t.Context())
			st, ok := snap.Observed.(*streamed)
			require.True(t, ok, "the fetch was observed")
			require.Equal(t, 243, st.stream.hosts)
			_, left := st.take()
			require.False(t, left, "the cache took the streamed rendering")
			require.Contains(t, text(streamedParts[hostPart:hostPart+1]), "vcf_scrape_collector_success{collector=\"host\",target=\"sim\"} 1")
			require.Equal(t, streamedParts[hostPart], cache.Render(t.Context(), set, tg, f, labels)[hostPart], "kept in the cache")

			// Another cache (or format) renders the hosts from the snapshot.
			rendered := NewCache().Render(t.Context(), set, tg, f, labels)
			require.Equal(t, text(rendered), text(streamedParts))
			require.Contains(t, text(streamedParts), `vcf_host_info{cluster=`)
		})
	}
}

// TestRewalkResetsStreamedHosts: a host list that did not add up (a page
// shifted while it was walked: one host missed, one read twice) is walked
// again, and what the first walk rendered is discarded: the rendering
// holds each host once and is what the snapshot renders.
func TestRewalkResetsStreamedHosts(t *testing.T) {
	srv := sizedSim(t, 2, 2, 60, 3, vcfsim.WithVCFVersion(vcfsim.VCF902), vcfsim.WithHostsPageSize(7))
	tg := newTarget(t, srv, targets.Options{MinRefreshInterval: time.Hour})
	set := newSet(t, DefaultEnabled()...)
	f := TextFormat(expfmt.TypeTextPlain)
	srv.Sim.ShiftNextPage(1)
	streamedParts := NewCache().Render(t.Context(), set, tg, f, nil)
	snap := tg.Snapshot(t.Context())
	require.NoError(t, snap.Err)
	require.Len(t, snap.Inventory.Hosts, 243)
	require.GreaterOrEqual(t, srv.Sim.Stats()["GET /v1/hosts"], int64(2*(243/7)), "the list was walked twice")
	st, ok := snap.Observed.(*streamed)
	require.True(t, ok, "the second walk's rendering was kept")
	require.Equal(t, 243, st.stream.hosts, "the first walk's hosts were discarded")
	require.Equal(t, text(NewCache().Render(t.Context(), set, tg, f, nil)), text(streamedParts))
}

// A refresh that fails keeps nothing of what its observer made, and the
// scrape says the SDDC Manager is down: no host series.
func TestFailedRefreshDiscardsStreamedHosts(t *testing.T) {
	srv := sizedSim(t, 1, 1, 30, 0)
	noRetries := func(c vcfclient.Config) (*vcfclient.Client, error) { c.MaxRetries = -1; return vcfclient.New(c) }
	tg := newTarget(t, srv, targets.Options{MinRefreshInterval: -1, NewClient: noRetries})
	set := newSet(t, DefaultEnabled()...)
	cache := NewCache()
	f := TextFormat(expfmt.TypeTextPlain)
	require.Contains(t, text(cache.Render(t.Context(), set, tg, f, nil)), "vcf_host_info{")

	srv.Sim.SetFaults(vcfsim.Faults{Truncate: "GET /v1/hosts"})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	out := text(cache.Render(ctx, set, tg, f, nil))
	snap := tg.LastSnapshot()
	require.Error(t, snap.Err)
	require.Nil(t, snap.Observed)
	require.Contains(t, out, "vcf_up 0")
	require.NotContains(t, out, "vcf_host_")
}

// A host rendering no scrape took (a fetch the upgrade check started) is
// freed when the next fetch starts, not kept with the last snapshot while
// the next one is rendered.
func TestUntakenHostRenderingFreedAtNextFetch(t *testing.T) {
	srv := sizedSim(t, 1, 1, 10, 0)
	tg := newTarget(t, srv, targets.Options{MinRefreshInterval: -1})
	set := newSet(t, DefaultEnabled()...)
	cache := NewCache()
	f := TextFormat(expfmt.TypeTextPlain)
	cache.Render(t.Context(), set, tg, f, nil) // installs the observer

	untaken := tg.Snapshot(t.Context()) // a fetch no scrape renders
	st, ok := untaken.Observed.(*streamed)
	require.True(t, ok)
	cache.Render(t.Context(), set, tg, f, nil)
	_, left := st.take()
	require.False(t, left, "freed when the scrape's fetch started")
}
