package mqttsink

import (
	"context"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/targets"
)

// render is the one path from SDDC Manager data to values: the target's
// families as /metrics and the InfluxDB sink render them (the target's
// shared snapshot, or a refresh through its single-flight fetch), plus the
// series of extra (the workflows) that carry target=<t.Name>.
func render(ctx context.Context, set *collector.Set, extra prometheus.Gatherer, t *targets.Target, now time.Time) *values {
	families, _ := set.Gather(ctx, t, map[string]string{"target": t.Name}) // a failing collector still leaves the others' series
	if extra != nil {
		more, _ := extra.Gather() // what could be gathered; errors are /metrics' to report
		families = append(families, more...)
	}
	v := &values{target: t.Name, now: float64(now.Unix()), byName: map[string][]series{}}
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			s := series{labels: map[string]string{}, value: value(m)}
			for _, l := range m.GetLabel() {
				s.labels[l.GetName()] = l.GetValue()
			}
			if s.labels["target"] != t.Name {
				continue
			}
			v.byName[mf.GetName()] = append(v.byName[mf.GetName()], s)
		}
	}
	return v
}

// value reads a gauge: every family the entities read is one.
func value(m *dto.Metric) float64 {
	if g := m.GetGauge(); g != nil {
		return g.GetValue()
	}
	return math.NaN()
}

type series struct {
	labels map[string]string
	value  float64
}

// values are one target's series by metric name.
type values struct {
	target string
	now    float64 // Unix time of the rendering
	byName map[string][]series
}

// has reports whether the family exists (its collector is on).
func (v *values) has(name string) bool { return len(v.byName[name]) > 0 }

// where returns the series of name whose labels include match.
func (v *values) where(name string, match map[string]string) []series {
	var out []series
	for _, s := range v.byName[name] {
		ok := true
		for k, want := range match {
			if s.labels[k] != want {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

// sum adds the values of name matching match (ok: at least one series).
func (v *values) sum(name string, match map[string]string) (float64, bool) {
	ss := v.where(name, match)
	total := 0.0
	for _, s := range ss {
		if !math.IsNaN(s.value) && !math.IsInf(s.value, 0) {
			total += s.value
		}
	}
	return total, len(ss) > 0
}

// label returns label of the first series of name matching match (an
// _info metric's descriptive label).
func (v *values) label(name, label string, match map[string]string) (string, bool) {
	for _, s := range v.where(name, match) {
		if s.value == 1 {
			return s.labels[label], true
		}
	}
	return "", false
}

// state returns the state of a state set (the series at 1).
func (v *values) state(name string, match map[string]string) (string, bool) {
	return v.label(name, "state", match)
}

// percent is used/capacity in percent, rounded to 0.1.
func (v *values) percent(used, capacity string, match map[string]string) (any, bool) {
	u, ok1 := v.sum(used, match)
	c, ok2 := v.sum(capacity, match)
	if !ok1 || !ok2 {
		return nil, false
	}
	p := math.Round(u/c*1000) / 10
	if c <= 0 || math.IsNaN(p) || math.IsInf(p, 0) {
		return nil, true // exists, value unknown
	}
	return p, true
}
