package vcfclient

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Every unit conversion of the package happens here, while decoding, so the
// models only ever hold base units (bytes, hertz).

const (
	// mebibyte: the API's "MB" fields (totalCapacityMB, sizeMB, ...) are MiB.
	mebibyte = 1 << 20
	// megahertz: the API's "MHz" fields (frequencyMHz, usedFrequencyMHz).
	megahertz = 1e6
)

// dataUnits are DataMetric units. They are binary multiples, as SDDC Manager
// computes them from MiB figures reported by vCenter.
var dataUnits = map[string]float64{
	"B":  1,
	"KB": 1 << 10,
	"MB": 1 << 20,
	"GB": 1 << 30,
	"TB": 1 << 40,
	"PB": 1 << 50,
}

// frequencyUnits are FrequencyMetric units (decimal).
var frequencyUnits = map[string]float64{
	"HZ":  1,
	"KHZ": 1e3,
	"MHZ": 1e6,
	"GHZ": 1e9,
	"THZ": 1e12,
}

// mibToBytes converts an API "MB" figure (MiB) to bytes.
func mibToBytes(v float64) float64 { return v * mebibyte }

// mhzToHertz converts an API "MHz" figure to hertz.
func mhzToHertz(v float64) float64 { return v * megahertz }

// metric is the wire form of DataMetric and FrequencyMetric.
type metric struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// convertMetric returns m in base units using table. A missing unit is only
// accepted for a zero value: guessing a unit would silently publish numbers
// off by factors of 1024.
func convertMetric(m *metric, table map[string]float64, kind string) (float64, error) {
	if m == nil {
		return 0, nil
	}
	if math.IsNaN(m.Value) || math.IsInf(m.Value, 0) {
		return 0, fmt.Errorf("%s metric: invalid value", kind)
	}
	if m.Unit == "" {
		if m.Value == 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("%s metric %v has no unit", kind, m.Value)
	}
	f, ok := table[strings.ToUpper(m.Unit)]
	if !ok {
		return 0, fmt.Errorf("%s metric: unknown unit %q", kind, m.Unit)
	}
	return m.Value * f, nil
}

// dataBytes converts a DataMetric to bytes.
func dataBytes(m *metric) (float64, error) { return convertMetric(m, dataUnits, "data") }

// frequencyHertz converts a FrequencyMetric to hertz.
func frequencyHertz(m *metric) (float64, error) {
	return convertMetric(m, frequencyUnits, "frequency")
}

// capacityWire is the wire form of the Capacity schema.
type capacityWire struct {
	CPU *struct {
		Used          *metric `json:"used"`
		Total         *metric `json:"total"`
		NumberOfCores int     `json:"numberOfCores"`
	} `json:"cpu"`
	Memory *struct {
		Used  *metric `json:"used"`
		Total *metric `json:"total"`
	} `json:"memory"`
	Storage *struct {
		Used  *metric `json:"used"`
		Total *metric `json:"total"`
	} `json:"storage"`
}

// numbers checks the numbers of one decoded object. A capacity, a usage or a
// count is never infinite or negative: such a value (1e308 MHz is +Inf Hz)
// is dropped, as NaN in the model, and reported through droppedValues
// instead of being exported as +Inf or -3 cores.
type numbers struct{ dropped []droppedValue }

// droppedValue is one unusable number: the API field and why.
type droppedValue struct{ field, reason string }

func (n *numbers) check(field string, v float64) float64 {
	reason := ""
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		reason = "non_finite"
	case v < 0:
		reason = "negative"
	default:
		return v
	}
	n.dropped = append(n.dropped, droppedValue{field, reason})
	return math.NaN()
}

func (n *numbers) droppedValues() []droppedValue { return n.dropped }

// toCapacity converts a wire Capacity to base units.
func (w *capacityWire) toCapacity(n *numbers) (Capacity, error) {
	var c Capacity
	if w == nil {
		return c, nil
	}
	var err error
	conv := func(dst *float64, f func(*metric) (float64, error), m *metric, what string) {
		if err != nil {
			return
		}
		v, e := f(m)
		if e != nil {
			err = fmt.Errorf("capacity.%s: %w", what, e)
			return
		}
		*dst = n.check("capacity."+what, v)
	}
	if w.CPU != nil {
		conv(&c.CPUUsedHertz, frequencyHertz, w.CPU.Used, "cpu.used")
		conv(&c.CPUTotalHertz, frequencyHertz, w.CPU.Total, "cpu.total")
	}
	if w.Memory != nil {
		conv(&c.MemoryUsedBytes, dataBytes, w.Memory.Used, "memory.used")
		conv(&c.MemoryTotalBytes, dataBytes, w.Memory.Total, "memory.total")
	}
	if w.Storage != nil {
		conv(&c.StorageUsedBytes, dataBytes, w.Storage.Used, "storage.used")
		conv(&c.StorageTotalBytes, dataBytes, w.Storage.Total, "storage.total")
	}
	return c, err
}

// flexInt decodes an integer that some SDDC Manager artefacts send as a
// number and others as a string.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	s = strings.Trim(s, `"`)
	n := json.Number(s)
	if i, err := n.Int64(); err == nil {
		*f = flexInt(i)
		return nil
	}
	v, err := n.Float64()
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v != math.Trunc(v) {
		return fmt.Errorf("not an integer: %s", b)
	}
	*f = flexInt(v)
	return nil
}
