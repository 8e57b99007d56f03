// Package scrapetest scrapes /metrics in-process, as the exporter serves
// it, for the tests of the outputs (InfluxDB, MQTT) that must carry the
// same values.
package scrapetest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/exposition"
	"github.com/vcf-exporter/vcf_exporter/targets"
)

// Metrics serves /metrics of reg's targets with set's collectors and
// parses it into families by name.
func Metrics(t testing.TB, reg *targets.Registry, set *collector.Set) map[string]*dto.MetricFamily {
	t.Helper()
	h := exposition.MetricsHandler(exposition.HandlerOpts{Registry: reg, Set: set})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	require.NoError(t, err)
	return fams
}
