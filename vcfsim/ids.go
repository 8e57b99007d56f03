package vcfsim

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// newRand returns the deterministic generator for one purpose of one seed;
// separate streams keep e.g. fault draws from shifting inventory ids.
func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

// uuidFrom draws a version-4-shaped UUID from r.
func uuidFrom(r *rand.Rand) string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// mix is splitmix64's finaliser, a cheap stateless hash.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// unit hashes its inputs to a float in [-1, 1).
func unit(parts ...uint64) float64 {
	h := uint64(0x51af3a7b)
	for _, p := range parts {
		h = mix(h ^ p)
	}
	return float64(h>>11)/float64(1<<53)*2 - 1
}

// drift is a bounded, smooth pseudo random walk of the step number (value
// noise over a few octaves). It is a pure function of (seed, key, step), so
// any instant can be computed directly, reproducibly, without history.
func drift(seed int64, key uint64, step int64) float64 {
	const octaves = 5
	v, amp, norm := 0.0, 1.0, 0.0
	for o := uint64(0); o < octaves; o++ {
		period := int64(4) << o // 4, 8, ... 64 steps
		i := floorDiv(step, period)
		t := float64(step-i*period) / float64(period)
		t = t * t * (3 - 2*t) // smoothstep: no kinks at lattice points
		a := unit(uint64(seed), key, o, uint64(i))
		b := unit(uint64(seed), key, o, uint64(i+1))
		v += amp * (a + (b-a)*t)
		norm += amp
		amp *= 0.6
	}
	return math.Max(-1, math.Min(1, v/norm))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
