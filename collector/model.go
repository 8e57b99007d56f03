package collector

// The output model, after kube-state-metrics' family generators: a metric
// is a Desc (name, help, type, label names) and a function from one object
// (a host, a cluster, ...) to its samples. Every output reads the samples
// through one interface, Out: the text and OpenMetrics renderer (text.go)
// and the protobuf / InfluxDB converter (gather.go). A metric is defined
// once and cannot differ between outputs.
//
// To add a metric: one row in its collector's table (host.go, cluster.go,
// ...) made with number, gauge or stateSet; a new collector is a table and a
// function listing its objects (see listCollector).

import (
	"context"
	"math"
	"slices"

	dto "github.com/prometheus/client_model/go"
)

// Namespace is the metric name prefix.
const Namespace = "vcf"

// Desc describes one metric family.
type Desc struct {
	Name   string
	Help   string
	Type   dto.MetricType // GAUGE, or COUNTER with a name ending in _total
	Labels []string       // label names, in the order samples give their values

	headers [len(formats)]header // per text format, see text.go
}

// newDesc makes the Desc of a gauge named vcf_<subsystem>_<name>.
func newDesc(subsystem, name, help string, labels ...string) *Desc {
	fq := Namespace + "_" + name
	if subsystem != "" {
		fq = Namespace + "_" + subsystem + "_" + name
	}
	return &Desc{Name: fq, Help: help, Type: dto.MetricType_GAUGE, Labels: labels}
}

// Out receives samples: label values in d.Labels order. An Out is used by
// one goroutine; it must not keep labelValues (the caller reuses it).
type Out interface {
	Sample(d *Desc, value float64, labelValues []string)
}

// Family is a metric family over objects of type T: its Desc, and Gen, which
// emits the samples of one object.
type Family[T any] struct {
	*Desc
	Gen func(obj *T, emit Emit)
}

// Emit hands one sample of the family being generated.
type Emit func(value float64, labelValues ...string)

// generate writes every family of obj to out.
func generate[T any](out Out, families []Family[T], obj *T) {
	for i := range families {
		d := families[i].Desc
		families[i].Gen(obj, func(v float64, lv ...string) { out.Sample(d, v, lv) })
	}
}

// rowsOut is an Out that also takes a family over many objects at once
// (the text renderer, which writes it without holding it whole).
type rowsOut interface {
	Out
	rows(n int, families []rowFamily)
}

// generateRows writes every family of every object in rows, family by
// family to a rowsOut.
func generateRows[T any](out Out, families []Family[T], rows []*T) {
	ro, ok := out.(rowsOut)
	if !ok {
		for _, obj := range rows {
			generate(out, families, obj)
		}
		return
	}
	fams := make([]rowFamily, len(families))
	for i := range families {
		f := &families[i]
		fams[i] = rowFamily{desc: f.Desc, gen: func(row int32, emit Emit) { f.Gen(rows[row], emit) }}
	}
	ro.rows(len(rows), fams)
}

// collect returns what a rows function yields.
func collect[T any](rows func(yield func(*T))) []*T {
	var out []*T
	rows(func(obj *T) { out = append(out, obj) })
	return out
}

// descs lists the Descs of a table.
func descs[T any](families []Family[T]) []*Desc {
	out := make([]*Desc, len(families))
	for i := range families {
		out[i] = families[i].Desc
	}
	return out
}

// gauge is a family whose Gen is written out.
func gauge[T any](d *Desc, gen func(obj *T, emit Emit)) Family[T] {
	return Family[T]{Desc: d, Gen: gen}
}

// number is a family of one sample per object: value, labelled with
// labels(obj). A NaN value, a number vcfclient dropped as unusable (counted
// in vcf_api_values_dropped_total), is left out.
func number[T any](d *Desc, labels func(*T) []string, value func(*T) float64) Family[T] {
	return gauge(d, func(obj *T, emit Emit) {
		if v := value(obj); !math.IsNaN(v) {
			emit(v, labels(obj)...)
		}
	})
}

// resourceStates are the states of a domain, a cluster and a host's
// configuration: the OpenAPI files of VCF 5.2.1 and 9.0.2 list the same ten
// ("One among: ...") for Domain.status, Cluster.status and
// Host.configurationStatus.
var resourceStates = []string{"ACTIVE", "ACTIVATING", "UPGRADING", "DISABLED", "ERROR",
	"SKIPPED", "DEACTIVATING", "EXPANDING", "SHRINKING", "CREATING"}

// stateSet is a family with one series per known state (1 for the current
// one, 0 for the others), so that alerts need no regex over _info labels;
// d's last label is "state". A current state the API does not document gets
// its own series with 1, so nothing is lost; an empty one sets no state.
func stateSet[T any](d *Desc, known []string, labels func(*T) []string, current func(*T) string) Family[T] {
	// In the order of the output: an object's lines need no sorting.
	known = slices.Sorted(slices.Values(known))
	return gauge(d, func(obj *T, emit Emit) {
		lv := append(slices.Clone(labels(obj)), "")
		last := len(lv) - 1
		cur := current(obj)
		for _, st := range known {
			lv[last] = st
			emit(boolValue(st == cur), lv...)
		}
		if cur != "" && !slices.Contains(known, cur) {
			lv[last] = cur
			emit(1, lv...)
		}
	})
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// listCollector generates families over the objects rows lists: the shape
// of every collector of an inventory list.
type listCollector[T any] struct {
	families []Family[T]
	rows     func(s *Scrape, yield func(*T)) error
}

func (c listCollector[T]) Describe() []*Desc { return descs(c.families) }

func (c listCollector[T]) Update(_ context.Context, s *Scrape, out Out) error {
	var err error
	generateRows(out, c.families, collect(func(yield func(*T)) { err = c.rows(s, yield) }))
	return err
}
