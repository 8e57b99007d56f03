package collector

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// For tests of package collector_test (the InfluxDB sink's proof that a new
// collector metric reaches InfluxDB untouched).

// NewDesc is newDesc.
var NewDesc = newDesc

// Gauge is Scrape.gauge.
func Gauge(s *Scrape, d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return s.gauge(d, v, labels...)
}

// AddCollectorForTest makes c available to NewSet as name during one test
// (without a flag, and not enabled by default).
func AddCollectorForTest(t testing.TB, name string, c Collector) {
	factories[name] = func(Options) (Collector, error) { return c, nil }
	t.Cleanup(func() { delete(factories, name) })
}
