package influxsink

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/influxdata/influxdb-client-go/v2/api/write"
	dto "github.com/prometheus/client_model/go"
)

// The schema: how a gathered metric family becomes fields of points. It
// knows no metric by name (except the snapshot's time), so a metric added
// to a collector appears in InfluxDB as it is.
//
//   - measurement: "vcf_<kind>", the kind being the first word after "vcf_"
//     (vcf_host_cpu_used_hertz: vcf_host), or one of multiWordKinds
//     (vcf_sddc_manager_info: vcf_sddc_manager). A one-word name (vcf_up)
//     is a field of the target itself: measurement vcf_target.
//   - tags: the identity labels (identityLabels; an empty one is left out)
//     and any other label that is neither descriptive (_info) nor a state.
//   - numeric fields: the rest of the name (cpu_used_hertz); histograms and
//     summaries give <name>_sum and <name>_count. NaN and ±Inf are left out
//     (InfluxDB cannot store them).
//   - _info metrics: each descriptive label is a string field named
//     <info name>_<label> (vcf_host_hardware_info{vendor}: hardware_vendor),
//     the label alone when the info name is empty or ends with it
//     (vcf_host_info{esxi_version}: esxi_version; vcf_domain_version_info
//     {version}: version; vcf_domain_next_version_info{version}:
//     next_version). Several series of one _info metric for one entity
//     (a host's GPUs) give comma-separated values, in the same order in
//     every field.
//   - state sets (a "state" label, 1 for the current state): a string field
//     named like the metric holding the current state
//     (vcf_host_status{state="CONNECTED"} 1: status="CONNECTED").
//   - one point per entity: the series of one measurement with the same tags
//     are one point; a point whose identity tags are a subset of exactly one
//     other point's (vcf_host_hardware_info has host but not domain and
//     cluster) is merged into it.
//   - when two metrics give one field the same name, a number wins over a
//     state, a state over an _info label.
var (
	identityLabels = map[string]bool{"target": true, "domain": true, "cluster": true, "host": true}
	multiWordKinds = []string{"sddc_manager", "upgrade_workflow", "upgrade_check"}
)

const (
	stateLabel = "state"
	// timeMetric is the snapshot's time; every point of a target gets it.
	timeMetric = "vcf_inventory_refresh_timestamp_seconds"
)

// Field priorities when two metrics name the same field.
const (
	prioInfo = iota + 1
	prioState
	prioNumber
)

// split returns a metric's measurement and the base of its field names.
func split(name string) (measurement, base string, ok bool) {
	rest, ok := strings.CutPrefix(name, "vcf_")
	if !ok || rest == "" {
		return "", "", false
	}
	for _, k := range multiWordKinds {
		if r, ok := strings.CutPrefix(rest, k+"_"); ok {
			return "vcf_" + k, r, true
		}
	}
	kind, r, found := strings.Cut(rest, "_")
	if !found {
		return "vcf_target", rest, true
	}
	return "vcf_" + kind, r, true
}

// infoField names the string field of an _info metric's label.
func infoField(infoName, label string) string {
	if infoName == "" || infoName == label || strings.HasSuffix(infoName, "_"+label) {
		if infoName == "" {
			return label
		}
		return infoName
	}
	return infoName + "_" + label
}

type field struct {
	name  string
	value any // float64 or string
	prio  int
	src   string // metric family, to join several series of one _info metric
}

type entity struct {
	measurement string
	tags        []*dto.LabelPair // sorted by name
	fields      []field          // a few dozen at most: a slice beats a map
	merged      bool
}

func (e *entity) set(name string, v any, prio int, src string) {
	for i := range e.fields {
		old := &e.fields[i]
		if old.name != name {
			continue
		}
		switch {
		case prio > old.prio:
			*old = field{name, v, prio, src}
		case prio == prioInfo && old.prio == prioInfo && old.src == src:
			old.value = old.value.(string) + "," + v.(string)
		}
		return
	}
	e.fields = append(e.fields, field{name, v, prio, src})
}

// builder collects the points of one target.
type builder struct {
	byKey    map[string]*entity
	entities []*entity
	key      []byte
}

func newBuilder() *builder { return &builder{byKey: map[string]*entity{}} }

func (b *builder) entity(measurement string, tags []*dto.LabelPair) *entity {
	b.key = append(b.key[:0], measurement...)
	for _, l := range tags {
		b.key = append(b.key, 0)
		b.key = append(b.key, l.GetName()...)
		b.key = append(b.key, 0)
		b.key = append(b.key, l.GetValue()...)
	}
	if e, ok := b.byKey[string(b.key)]; ok { // no allocation for the lookup
		return e
	}
	e := &entity{measurement: measurement, tags: slices.Clone(tags)}
	b.byKey[string(b.key)] = e
	b.entities = append(b.entities, e)
	return e
}

// add converts one family; keep (if not nil) selects its series.
func (b *builder) add(mf *dto.MetricFamily, keep func(*dto.Metric) bool) {
	measurement, base, ok := split(mf.GetName())
	if !ok {
		return
	}
	infoName, info := strings.CutSuffix(base, "info")
	if info {
		infoName = strings.TrimSuffix(infoName, "_")
	}
	var tags, desc []*dto.LabelPair
	for _, m := range mf.GetMetric() {
		if keep != nil && !keep(m) {
			continue
		}
		tags, desc = tags[:0], desc[:0]
		state, hasState := "", false
		for _, l := range m.GetLabel() {
			switch {
			case identityLabels[l.GetName()]:
				if l.GetValue() != "" {
					tags = append(tags, l)
				}
			case info:
				desc = append(desc, l)
			case l.GetName() == stateLabel:
				state, hasState = l.GetValue(), true
			default:
				tags = append(tags, l)
			}
		}
		e := b.entity(measurement, tags)
		switch {
		case info:
			for _, l := range desc {
				e.set(infoField(infoName, l.GetName()), l.GetValue(), prioInfo, mf.GetName())
			}
		case hasState:
			if value(m) == 1 {
				e.set(base, state, prioState, mf.GetName())
			}
		case m.GetHistogram() != nil:
			setNumber(e, base+"_sum", m.GetHistogram().GetSampleSum())
			setNumber(e, base+"_count", float64(m.GetHistogram().GetSampleCount()))
		case m.GetSummary() != nil:
			setNumber(e, base+"_sum", m.GetSummary().GetSampleSum())
			setNumber(e, base+"_count", float64(m.GetSummary().GetSampleCount()))
		default:
			setNumber(e, base, value(m))
		}
	}
}

func setNumber(e *entity, name string, v float64) {
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		e.set(name, v, prioNumber, "")
	}
}

func value(m *dto.Metric) float64 {
	switch {
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetUntyped() != nil:
		return m.GetUntyped().GetValue()
	}
	return math.NaN()
}

// mergePartial merges each point whose identity tags are a strict subset of
// exactly one other point's (same measurement, same other tags) into it.
func (b *builder) mergePartial() {
	type shape struct {
		measurement string
		keys        []string
		entities    []*entity
	}
	shapes := map[string]*shape{}
	var order []*shape
	for _, e := range b.entities {
		keys := make([]string, len(e.tags))
		for i, l := range e.tags {
			keys[i] = l.GetName()
		}
		k := e.measurement + "\x00" + strings.Join(keys, "\x00")
		s, ok := shapes[k]
		if !ok {
			s = &shape{measurement: e.measurement, keys: keys}
			shapes[k] = s
			order = append(order, s)
		}
		s.entities = append(s.entities, e)
	}
	project := func(e *entity, keys []string) string {
		var sb strings.Builder
		for _, l := range e.tags {
			if slices.Contains(keys, l.GetName()) {
				sb.WriteString(l.GetName() + "\x00" + l.GetValue() + "\x00")
			}
		}
		return sb.String()
	}
	for _, small := range order {
		candidates := map[string][]*entity{}
		for _, big := range order {
			if big == small || big.measurement != small.measurement || !strictSubset(small.keys, big.keys) {
				continue
			}
			for _, e := range big.entities {
				p := project(e, small.keys)
				candidates[p] = append(candidates[p], e)
			}
		}
		if len(candidates) == 0 {
			continue
		}
		for _, e := range small.entities {
			c := candidates[project(e, small.keys)]
			if len(c) != 1 {
				continue
			}
			for _, f := range e.fields {
				c[0].set(f.name, f.value, f.prio, f.src)
			}
			e.merged = true
		}
	}
}

// strictSubset reports whether small ⊂ big and what big adds are identity
// labels only.
func strictSubset(small, big []string) bool {
	if len(small) >= len(big) {
		return false
	}
	for _, k := range small {
		if !slices.Contains(big, k) {
			return false
		}
	}
	for _, k := range big {
		if !slices.Contains(small, k) && !identityLabels[k] {
			return false
		}
	}
	return true
}

// points returns one point per entity, all at time ts.
func (b *builder) points(ts time.Time) []*write.Point {
	b.mergePartial()
	out := make([]*write.Point, 0, len(b.entities))
	for _, e := range b.entities {
		if e.merged || len(e.fields) == 0 {
			continue
		}
		p := write.NewPointWithMeasurement(e.measurement).SetTime(ts)
		for _, l := range e.tags {
			p.AddTag(l.GetName(), l.GetValue())
		}
		slices.SortFunc(e.fields, func(a, b field) int { return strings.Compare(a.name, b.name) })
		for _, f := range e.fields {
			p.AddField(f.name, f.value)
		}
		out = append(out, p)
	}
	return out
}

// snapshotTime is the time of the snapshot the families were rendered from
// (millisecond precision, as written), or fallback when the target is down.
func snapshotTime(families []*dto.MetricFamily, fallback time.Time) time.Time {
	for _, mf := range families {
		if mf.GetName() == timeMetric && len(mf.GetMetric()) > 0 {
			return time.UnixMilli(int64(math.Round(value(mf.GetMetric()[0]) * 1e3)))
		}
	}
	return fallback.Truncate(time.Millisecond)
}

// Convert turns one target's gathered families (and the series of extra
// that carry target=<target>) into points at the snapshot's time.
func Convert(families, extra []*dto.MetricFamily, target string, now time.Time) []*write.Point {
	b := newBuilder()
	for _, mf := range families {
		b.add(mf, nil)
	}
	ofTarget := func(m *dto.Metric) bool {
		for _, l := range m.GetLabel() {
			if l.GetName() == "target" {
				return l.GetValue() == target
			}
		}
		return false
	}
	for _, mf := range extra {
		b.add(mf, ofTarget)
	}
	return b.points(snapshotTime(families, now))
}
