package collector

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"
)

type testRow struct {
	cluster, host, version string
	states                 int
}

// testFamilies order their samples differently: by version first
// (info-like), by host alone, several per row or none (a state set), by
// cluster and host; one emits duplicates and an invalid sample.
var testFamilies = []Family[testRow]{
	gauge(newDesc("t", "by_version", "h.", "cluster", "host", "a_version"),
		func(r *testRow, emit Emit) { emit(1, r.cluster, r.host, r.version) }),
	gauge(newDesc("t", "by_host", "h.", "host"),
		func(r *testRow, emit Emit) { emit(2, r.host) }),
	gauge(newDesc("t", "states", "h.", "cluster", "host", "state"),
		func(r *testRow, emit Emit) {
			for i := range r.states {
				emit(float64(i), r.cluster, r.host, fmt.Sprint("s", i))
			}
		}),
	gauge(newDesc("t", "value", "h.", "cluster", "host"),
		func(r *testRow, emit Emit) { emit(3, r.cluster, r.host) }),
	gauge(newDesc("t", "dup_and_bad", "h.", "cluster"),
		func(r *testRow, emit Emit) {
			if r.host == "h007" {
				emit(1, "bad\xff")
			}
			emit(1, r.cluster) // one series per cluster: the others are duplicates
		}),
	gauge(newDesc("t", "none", "h.", "cluster"), func(*testRow, Emit) {}),
}

func testRows(n int, shuffle bool) []*testRow {
	rows := make([]*testRow, n)
	for i := range rows {
		rows[i] = &testRow{cluster: fmt.Sprintf("c%02d", i%7), host: fmt.Sprintf("h%03d", i), version: fmt.Sprint("v", i%3), states: i % 4}
	}
	if shuffle {
		r := rand.New(rand.NewPCG(1, 2))
		r.Shuffle(n, func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	}
	return rows
}

// TestGenerateRowsIsSampleBySample: families written whole (in the rows'
// order, in a learned order, or sorted) are exactly what samples given one
// by one render, errors included, whatever the order of the rows.
func TestGenerateRowsIsSampleBySample(t *testing.T) {
	for _, n := range []int{0, 1, 40, 3000} { // 3000 rows: bodies past gzipMinBody
		for _, shuffle := range []bool{false, true} {
			t.Run(fmt.Sprint(n, shuffle), func(t *testing.T) {
				rows := testRows(n, shuffle)
				f := TextFormat(expfmt.TypeTextPlain)
				whole := newTextOut(f, map[string]string{"target": "x"})
				generateRows(whole, testFamilies, rows)
				got, gotErr := whole.finish()

				bySample := newTextOut(f, map[string]string{"target": "x"})
				for _, r := range rows {
					generate(bySample, testFamilies, r)
				}
				want, wantErr := bySample.finish()

				require.Equal(t, renderingText(want), renderingText(got))
				if n > 7 {
					require.Error(t, gotErr)
					require.Equal(t, wantErr.Error(), gotErr.Error())
				}
			})
		}
	}
}

// TestLargeBodiesAreKeptCompressed: a body past gzipMinBody is held only as
// a gzip member, which inflates to the text a small body keeps plain.
func TestLargeBodiesAreKeptCompressed(t *testing.T) {
	o := newTextOut(TextFormat(expfmt.TypeTextPlain), nil)
	generateRows(o, testFamilies, testRows(3000, true))
	r, err := o.finish()
	require.Error(t, err)
	large := 0
	for _, f := range r {
		text := familyText(f)
		if len(text) < gzipMinBody {
			require.Nil(t, f.GzipMember(), f.Name)
			continue
		}
		large++
		require.Nil(t, f.plain, "%s is not held plain", f.Name)
		zr, err := gzip.NewReader(bytes.NewReader(f.GzipMember()))
		require.NoError(t, err)
		zr.Multistream(false)
		inflated, err := io.ReadAll(zr)
		require.NoError(t, err)
		require.Equal(t, text, string(inflated), f.Name)
		require.Less(t, len(f.GzipMember()), len(text)/4, f.Name)
	}
	require.Equal(t, 4, large, "the four families of a sample per row are large")
}

func renderingText(r Rendering) string {
	var b strings.Builder
	for _, f := range r {
		b.Write(f.Header)
		b.WriteString(familyText(f))
	}
	return b.String()
}

// TestStockOutlivesCollections: values given back are handed out again
// after a garbage collection (a sync.Pool would have dropped them), and a
// full stock drops what is given beyond it.
func TestStockOutlivesCollections(t *testing.T) {
	s := NewStock(2, func() *struct{ int } { return new(struct{ int }) })
	a, b, c := s.Get(), s.Get(), s.Get()
	require.NotSame(t, a, b)
	s.Put(a)
	s.Put(b)
	s.Put(c) // full: dropped
	runtime.GC()
	runtime.GC()
	x, y := s.Get(), s.Get()
	require.True(t, (x == a && y == b) || (x == b && y == a), "the values given back")
	fresh := s.Get()
	require.True(t, fresh != a && fresh != b && fresh != c, "a new value once the stock is empty")
}
