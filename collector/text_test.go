package collector

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"
)

// TestTextSortsAndRejectsDuplicates: samples come out in client_golang's
// order (label values in label name order, "a" before "a-b" before "b"),
// and a repeated series is reported and written once.
func TestTextSortsAndRejectsDuplicates(t *testing.T) {
	desc := newDesc("test", "value", "A test gauge.", "x", "y")
	o := newTextOut(TextFormat(expfmt.TypeTextPlain), nil)
	for _, xy := range [][2]string{{"b", "1"}, {"a-b", "1"}, {"a", "2"}, {"a", "1"}, {"b", "1"}} {
		o.Sample(desc, 1, xy[:])
	}
	r, err := o.finish()
	require.ErrorContains(t, err, `duplicate series vcf_test_value{x="b",y="1"} 1`)
	require.Len(t, r, 1)
	require.Equal(t, "# HELP vcf_test_value A test gauge.\n# TYPE vcf_test_value gauge\n", string(r[0].Header))
	require.Equal(t, `vcf_test_value{x="a",y="1"} 1
vcf_test_value{x="a",y="2"} 1
vcf_test_value{x="a-b",y="1"} 1
vcf_test_value{x="b",y="1"} 1
`, familyText(r[0]))
}

// TestTextChecksLikeConstMetric: what NewConstMetric rejects (a wrong
// number of label values, invalid UTF-8) is an error of the render, not a
// panic and not a broken line; the constant labels take their sorted place.
func TestTextChecksLikeConstMetric(t *testing.T) {
	desc := newDesc("test", "checked", "A checked gauge.", "x", "z")
	o := newTextOut(TextFormat(expfmt.TypeTextPlain), map[string]string{"y": "const"})
	o.Sample(desc, 1, []string{"a", "b"})
	o.Sample(desc, 1, []string{"only one"})
	o.Sample(desc, 1, []string{"bad\xff", "b"})
	r, err := o.finish()
	require.ErrorContains(t, err, "1 label values for 2 labels")
	require.ErrorContains(t, err, "not valid UTF-8")
	require.Equal(t, `vcf_test_checked{x="a",y="const",z="b"} 1`+"\n", familyText(r[0]))

	pd := prometheus.NewDesc(desc.Name, desc.Help, desc.Labels, prometheus.Labels{"y": "const"})
	_, err = prometheus.NewConstMetric(pd, prometheus.GaugeValue, 1, "only one")
	require.Error(t, err, "client_golang rejects it too")
}

// TestTextIsExpfmtText: the sample lines written directly are expfmt's, in
// both formats, for the values and label values where the formats take
// care (escapes, special and integral floats).
func TestTextIsExpfmtText(t *testing.T) {
	gauge := newDesc("test", "edge", "Edge cases: \\ and \n in help.", "v")
	counter := &Desc{Name: "vcf_test_edges_total", Help: "A counter.", Type: dto.MetricType_COUNTER, Labels: []string{"v"}}
	for _, desc := range []*Desc{gauge, counter} {
		testTextIsExpfmtText(t, desc)
	}
}

func testTextIsExpfmtText(t *testing.T, desc *Desc) {
	values := []float64{0, 1, -1, 2, 0.5, 1e21, 1.5e-7, 123456789, math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64}
	labels := []string{"plain", `back\slash`, "new\nline", `"quoted"`, "ünï", ""}
	for _, f := range formats {
		o := newTextOut(f, map[string]string{"target": "t"})
		d := newDtoOut(map[string]string{"target": "t"})
		for i, v := range values {
			lv := []string{labels[i%len(labels)] + string(rune('a'+i))}
			o.Sample(desc, v, lv)
			d.Sample(desc, v, lv)
		}
		r, err := o.finish()
		require.NoError(t, err)
		mfs, err := d.families()
		require.NoError(t, err)
		var want bytes.Buffer
		_, err = f.Encode(&want, mfs[0])
		require.NoError(t, err)
		require.Equal(t, want.String(), string(r[0].Header)+familyText(r[0]), f.Type)
	}
}

// TestGatherConvertsEveryType: counters keep their type through the
// converter.
func TestGatherConvertsEveryType(t *testing.T) {
	d := &Desc{Name: "vcf_test_total", Help: "A counter.", Type: dto.MetricType_COUNTER}
	o := newDtoOut(nil)
	o.Sample(d, 3, nil)
	mfs, err := o.families()
	require.NoError(t, err)
	require.Equal(t, 3.0, mfs[0].GetMetric()[0].GetCounter().GetValue())
}

// TestCompareLines: the order of rendered lines is the order of their
// unescaped label values, whatever the escapes and the characters that
// sort before the closing quote.
func TestCompareLines(t *testing.T) {
	d := newDesc("t", "x", "h.", "a", "b")
	values := []string{"", "x", "x!", "x ", "x-1", `x"`, `x\`, "x\n", "y", "ä"}
	for _, f := range formats {
		for _, a := range values {
			for _, b := range values {
				o := newTextOut(f, nil)
				o.Sample(d, 1, []string{a, b})
				la := slices.Clone(o.line)
				o.Sample(d, 1, []string{b, a})
				lb := slices.Clone(o.line)
				want := cmp.Or(strings.Compare(a, b), strings.Compare(b, a))
				require.Equal(t, want < 0, compareLines(la, lb, len(d.Name)) < 0, "%q %q", a, b)
				require.Equal(t, want == 0, compareLines(la, lb, len(d.Name)) == 0, "%q %q", a, b)
				o.Sample(d, 2, []string{a, b})
				require.Zero(t, compareLines(la, o.line, len(d.Name)), "the same series with another value")
			}
		}
	}
}

func familyText(f *TextFamily) string {
	var b strings.Builder
	_, _ = f.WriteTo(&b)
	return b.String()
}
