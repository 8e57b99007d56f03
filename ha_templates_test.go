package main

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHATemplatesMissingSeries renders every Home Assistant template of
// examples/home-assistant/packages/ as Home Assistant would when its series
// is missing (a host gone, Prometheus answering an empty vector, an
// InfluxDB sensor "unknown"): no template error, and every number or
// yes/no entity unavailable rather than a made-up 0. The consumers tests
// render the same templates with the series present.
func TestHATemplatesMissingSeries(t *testing.T) {
	ha := newHARenderer(t)
	var empty any
	require.NoError(t, json.Unmarshal([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`), &empty))
	var jobs []haJob
	var names []string
	var mustBeUnavailable []bool
	add := func(name, tmpl string, vars map[string]any, states map[string]string, unavailable bool) {
		jobs = append(jobs, haJob{Template: tmpl, Vars: vars, States: states})
		names = append(names, name)
		mustBeUnavailable = append(mustBeUnavailable, unavailable)
	}
	for _, file := range []string{"vcf_prometheus_rest.yaml", "vcf_prometheus_sensor.yaml", "vcf_influxdb.yaml"} {
		p := loadHAPackage(t, file)
		for _, r := range p.Rest {
			entities := append(slices.Clone(r.Sensor), r.BinarySensor...)
			for i, e := range entities {
				numberOrBool := e.Unit != "" || i >= len(r.Sensor)
				vars := map[string]any{"value_json": empty, "value": `{"status":"success","data":{"resultType":"vector","result":[]}}`}
				add(file+" "+e.Name, e.ValueTemplate, vars, nil, false)
				if numberOrBool {
					require.NotEmpty(t, e.Availability, "%s %s: a number or yes/no from a series needs an availability template", file, e.Name)
					add(file+" "+e.Name+" availability", e.Availability, vars, nil, true)
				}
			}
		}
		for _, pl := range append(slices.Clone(p.Sensor), p.BinarySensor...) {
			for _, q := range pl.Queries {
				if q.ValueTemplate != "" {
					add(file+" "+q.Name, q.ValueTemplate, nil, nil, false)
				}
			}
		}
		for _, tb := range p.Template {
			for _, e := range append(slices.Clone(tb.Sensor), tb.BinarySensor...) {
				require.NotEmpty(t, e.Availability, "%s %s: a template sensor needs an availability template", file, e.Name)
				for _, state := range []string{"unknown", "unavailable"} {
					// states() of any entity is "unknown" or "unavailable".
					add(file+" "+e.Name+" ("+state+")", e.State, nil, map[string]string{}, false)
					add(file+" "+e.Name+" availability ("+state+")", e.Availability, nil, map[string]string{}, true)
				}
			}
		}
	}
	require.Greater(t, len(jobs), 30)
	for i, r := range ha.render(jobs) {
		if !assert.Empty(t, r.Error, "%s: %q", names[i], jobs[i].Template) {
			continue
		}
		if mustBeUnavailable[i] {
			assert.Equal(t, "False", r.Out, "%s: with the series missing", names[i])
		}
	}
}
