package collector

import (
	"io"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/targets"
)

// BenchmarkRender10kHosts renders one snapshot of 10,000 hosts: converted
// to client_golang's families and encoded by expfmt (the protobuf and
// InfluxDB path), and rendered to text by the cache (once per snapshot).
func BenchmarkRender10kHosts(b *testing.B) {
	srv := sizedSim(b, 10, 10, 100, 0)
	r := simRegistry(b, srv, targets.Options{MinRefreshInterval: time.Hour}, "big")
	tg := mustGet(b, r, "big")
	set := newSet(b, DefaultEnabled()...)
	labels := map[string]string{"target": "big"}
	require.True(b, tg.Snapshot(b.Context()).Up())

	b.Run("gather", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			mfs, err := set.Gather(b.Context(), tg, labels)
			require.NoError(b, err)
			for _, mf := range mfs {
				_, err := expfmt.MetricFamilyToText(io.Discard, mf)
				require.NoError(b, err)
			}
		}
	})
	b.Run("cache", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			NewCache().Render(b.Context(), set, tg, TextFormat(expfmt.TypeTextPlain), labels)
		}
	})
}
