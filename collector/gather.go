package collector

// The protobuf converter: the same samples as the text renderer, as
// client_golang's metric families (for protobuf scrapes, the InfluxDB sink
// and anything else that reads values per entity).

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// dtoOut collects samples as metric families. It is used by one goroutine.
type dtoOut struct {
	consts []*dto.LabelPair
	fams   map[*Desc]*dto.MetricFamily
	errs   []error
}

func newDtoOut(constLabels map[string]string) *dtoOut {
	o := &dtoOut{fams: map[*Desc]*dto.MetricFamily{}}
	for n, v := range constLabels {
		o.consts = append(o.consts, &dto.LabelPair{Name: &n, Value: &v})
	}
	return o
}

func (o *dtoOut) Sample(d *Desc, v float64, lv []string) {
	if err := checkSample(d, lv); err != nil {
		o.errs = append(o.errs, err)
		return
	}
	mf := o.fams[d]
	if mf == nil {
		mf = &dto.MetricFamily{Name: &d.Name, Help: &d.Help, Type: &d.Type}
		o.fams[d] = mf
	}
	m := &dto.Metric{Label: make([]*dto.LabelPair, 0, len(lv)+len(o.consts))}
	for i := range d.Labels {
		val := lv[i]
		m.Label = append(m.Label, &dto.LabelPair{Name: &d.Labels[i], Value: &val})
	}
	m.Label = append(m.Label, o.consts...)
	slices.SortFunc(m.Label, func(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) })
	if d.Type == dto.MetricType_COUNTER {
		m.Counter = &dto.Counter{Value: &v}
	} else {
		m.Gauge = &dto.Gauge{Value: &v}
	}
	mf.Metric = append(mf.Metric, m)
}

// families returns the families sorted by name, their samples sorted by
// label values (as client_golang's registry sorts them); a duplicate series
// is dropped with an error.
func (o *dtoOut) families() ([]*dto.MetricFamily, error) {
	out := make([]*dto.MetricFamily, 0, len(o.fams))
	for _, mf := range o.fams {
		slices.SortStableFunc(mf.Metric, compareLabels)
		mf.Metric = slices.CompactFunc(mf.Metric, func(a, b *dto.Metric) bool {
			if compareLabels(a, b) != 0 {
				return false
			}
			o.errs = append(o.errs, fmt.Errorf("%s: duplicate series %v", mf.GetName(), b.GetLabel()))
			return true
		})
		out = append(out, mf)
	}
	slices.SortFunc(out, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return out, errors.Join(o.errs...)
}

func compareLabels(a, b *dto.Metric) int {
	for i := range min(len(a.Label), len(b.Label)) {
		if c := strings.Compare(a.Label[i].GetValue(), b.Label[i].GetValue()); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a.Label), len(b.Label))
}
