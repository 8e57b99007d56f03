package vcfclient

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnitConversions(t *testing.T) {
	assert.Equal(t, 1048576.0, mibToBytes(1), "API MB are MiB")
	assert.Equal(t, 2.5e6, mhzToHertz(2.5))

	for _, tc := range []struct {
		m    metric
		want float64
	}{
		{metric{3, "B"}, 3},
		{metric{1, "KB"}, 1024},
		{metric{1.5, "MB"}, 1.5 * 1048576},
		{metric{2, "GB"}, 2 << 30},
		{metric{1, "TB"}, 1 << 40},
		{metric{1, "PB"}, 1 << 50},
		{metric{1, "gb"}, 1 << 30},
		{metric{0, ""}, 0},
	} {
		got, err := dataBytes(&tc.m)
		require.NoError(t, err, tc.m)
		assert.Equal(t, tc.want, got, tc.m)
	}
	for _, tc := range []struct {
		m    metric
		want float64
	}{
		{metric{7, "Hz"}, 7},
		{metric{2, "KHz"}, 2e3},
		{metric{2, "MHz"}, 2e6},
		{metric{2.6, "GHz"}, 2.6e9},
		{metric{1, "THz"}, 1e12},
		{metric{1, "ghz"}, 1e9},
	} {
		got, err := frequencyHertz(&tc.m)
		require.NoError(t, err, tc.m)
		assert.InDelta(t, tc.want, got, 1e-3, tc.m)
	}
	for _, bad := range []metric{{1, ""}, {1, "GiB"}, {1, "Hz"}, {math.NaN(), "GB"}, {math.Inf(1), "GB"}} {
		_, err := dataBytes(&bad)
		require.Error(t, err, bad)
	}
	_, err := frequencyHertz(&metric{1, "GB"})
	require.Error(t, err)
	v, err := dataBytes(nil)
	require.NoError(t, err)
	assert.Zero(t, v)

	var nilCap *capacityWire
	c, err := nilCap.toCapacity(&numbers{})
	require.NoError(t, err)
	assert.Equal(t, Capacity{}, c)
}
