package collector

import (
	"testing"
)

// For tests of package collector_test (the InfluxDB sink's proof that a new
// collector metric reaches InfluxDB untouched).

// NewDesc is newDesc.
var NewDesc = newDesc

// AddCollectorForTest makes c available to NewSet as name during one test
// (without a flag, and not enabled by default).
func AddCollectorForTest(t testing.TB, name string, c Collector) {
	factories[name] = func(Options) (Collector, error) { return c, nil }
	t.Cleanup(func() { delete(factories, name) })
}
