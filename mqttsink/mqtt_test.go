package mqttsink

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

var frozen = vcfsim.FrozenAt(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// sumOf adds the values of family whose labels include match.
func sumOf(fams map[string]*dto.MetricFamily, family string, match map[string]string) float64 {
	total := 0.0
	for _, m := range fams[family].GetMetric() {
		ok := true
		for k, v := range match {
			ok = ok && labels(m)[k] == v
		}
		if ok {
			total += m.GetGauge().GetValue()
		}
	}
	return total
}

func pct(fams map[string]*dto.MetricFamily, used, capacity string, match map[string]string) float64 {
	return math.Round(sumOf(fams, used, match)/sumOf(fams, capacity, match)*1000) / 10
}

func stateOf(t *testing.T, ha *homeAssistant, topic string) map[string]any {
	t.Helper()
	var s map[string]any
	require.NoError(t, json.Unmarshal([]byte(ha.get(topic)), &s), topic)
	return s
}

// checkStateOf checks that the state a sensor's config points at has its
// key, and that a measurement is a number or null (unknown): Home
// Assistant refuses anything else for a sensor with a state class.
func checkStateOf(t *testing.T, ha *homeAssistant, config string) {
	t.Helper()
	var c map[string]any
	require.NoError(t, json.Unmarshal([]byte(config), &c))
	tpl, ok := c["value_template"].(string)
	if !ok {
		return
	}
	key := strings.TrimSuffix(strings.TrimPrefix(tpl, "{{ value_json."), " }}")
	st := stateOf(t, ha, c["state_topic"].(string))
	require.Contains(t, st, key, c["unique_id"])
	if _, measured := c["state_class"]; measured && st[key] != nil {
		assert.IsType(t, 0.0, st[key], c["unique_id"])
	}
}

// Every device of the simulator is discovered, every config passes Home
// Assistant's schema, and every value equals what /metrics shows.
func TestDiscoveryEveryDeviceValuesEqualMetrics(t *testing.T) {
	e := newEnv(t, frozen)
	e.sink(t, nil, nil)
	fams := e.scrape(t)
	domains, clusters := fams["vcf_domain_info"].GetMetric(), fams["vcf_cluster_info"].GetMetric()
	require.NotEmpty(t, domains)
	require.NotEmpty(t, clusters)
	// SDDC Manager: 2 (the frozen clock leaves no task in the window, so no
	// failed tasks); per domain 7 sensors (certificate expiry included), the
	// update entity, 2 buttons; per cluster 5 sensors.
	configs := e.ha.waitTopics(t, "homeassistant/", 2+10*len(domains)+5*len(clusters))
	for topic, payload := range configs {
		require.NoError(t, checkDiscovery("homeassistant", topic, []byte(payload)))
		checkStateOf(t, e.ha, payload)
	}
	assert.Equal(t, "online", e.ha.get("vcf_exporter/status"))
	assert.Equal(t, "online", e.ha.get("vcf_exporter/lab/availability"))
	sddc := stateOf(t, e.ha, "vcf_exporter/lab/state")
	var conn map[string]any
	require.NoError(t, json.Unmarshal([]byte(configs["homeassistant/binary_sensor/lab/vcf_lab_connectivity/config"]), &conn))
	assert.Equal(t, "online", e.ha.get(conn["state_topic"].(string)))
	assert.Equal(t, "online", conn["payload_on"])
	assert.Equal(t, labels(fams["vcf_sddc_manager_info"].GetMetric()[0])["version"], sddc["version"])

	for _, d := range domains {
		l := labels(d)
		name, id := l["domain"], l["domain_id"]
		match := map[string]string{"domain": name}
		for _, object := range []string{"status", "version", "cpu_usage", "memory_usage", "storage_usage", "hosts", "certificate_expiry_days"} {
			cfg := configs[fmt.Sprintf("homeassistant/sensor/lab/vcf_lab_domain_%s_%s/config", id, object)]
			require.NotEmpty(t, cfg, "domain %s %s", name, object)
			var c map[string]any
			require.NoError(t, json.Unmarshal([]byte(cfg), &c))
			assert.Equal(t, "vcf_lab_domain_"+id+"_"+object, c["unique_id"])
			assert.Equal(t, "vcf_lab", c["device"].(map[string]any)["via_device"])
		}
		st := stateOf(t, e.ha, "vcf_exporter/lab/domain/"+id+"/state")
		assert.Equal(t, currentState(fams, "vcf_domain_status", match), st["status"], name)
		assert.InDelta(t, pct(fams, "vcf_domain_cpu_used_hertz", "vcf_domain_cpu_capacity_hertz", match), st["cpu_usage"], 1e-9, name)
		assert.InDelta(t, pct(fams, "vcf_domain_memory_used_bytes", "vcf_domain_memory_capacity_bytes", match), st["memory_usage"], 1e-9, name)
		assert.InDelta(t, pct(fams, "vcf_domain_storage_used_bytes", "vcf_domain_storage_capacity_bytes", match), st["storage_usage"], 1e-9, name)
		assert.InDelta(t, sumOf(fams, "vcf_cluster_hosts", match), st["hosts"], 1e-9, name)

		upd := e.ha.get("vcf_exporter/lab/domain/" + id + "/update")
		require.NoError(t, checkUpdateState([]byte(upd)))
		var u map[string]any
		require.NoError(t, json.Unmarshal([]byte(upd), &u))
		version, next := "", ""
		for _, m := range fams["vcf_domain_version_info"].GetMetric() {
			if labels(m)["domain"] == name {
				version = labels(m)["version"]
			}
		}
		for _, m := range fams["vcf_domain_next_version_info"].GetMetric() {
			if labels(m)["domain"] == name {
				next = labels(m)["version"]
			}
		}
		if version == "" {
			assert.Nil(t, st["version"])
			assert.NotContains(t, u, "installed_version", "unknown values are left out of the update state")
			continue
		}
		assert.Equal(t, version, st["version"], name)
		assert.Equal(t, version, u["installed_version"], name)
		if next == "" {
			next = version
		}
		assert.Equal(t, next, u["latest_version"], name)
		assert.Equal(t, false, u["in_progress"])
	}
	for _, c := range clusters {
		l := labels(c)
		match := map[string]string{"domain": l["domain"], "cluster": l["cluster"]}
		st := stateOf(t, e.ha, "vcf_exporter/lab/cluster/"+l["cluster_id"]+"/state")
		assert.InDelta(t, pct(fams, "vcf_host_cpu_used_hertz", "vcf_host_cpu_capacity_hertz", match), st["cpu_usage"], 1e-9)
		assert.InDelta(t, pct(fams, "vcf_host_memory_used_bytes", "vcf_host_memory_capacity_bytes", match), st["memory_usage"], 1e-9)
		assert.InDelta(t, pct(fams, "vcf_host_storage_used_bytes", "vcf_host_storage_capacity_bytes", match), st["storage_usage"], 1e-9)
		assert.InDelta(t, sumOf(fams, "vcf_cluster_hosts", match), st["hosts"], 1e-9)
		assert.Equal(t, currentState(fams, "vcf_cluster_status", match), st["status"])
	}
}

// currentState is the state a state set's series at 1 names (nil: none).
func currentState(fams map[string]*dto.MetricFamily, family string, match map[string]string) any {
	for _, m := range fams[family].GetMetric() {
		l := labels(m)
		ok := m.GetGauge().GetValue() == 1
		for k, v := range match {
			ok = ok && l[k] == v
		}
		if ok {
			return l["state"]
		}
	}
	return nil
}

// TestHealthEntities: with the health collectors on, a domain's "Days to
// next certificate expiry" is its earliest vcf_certificate_expiry_timestamp_seconds
// and the SDDC Manager's "Failed tasks" is vcf_tasks{status="FAILED"} plus
// vcf_tasks{status="TIMED_OUT"}, summed over type.
func TestHealthEntities(t *testing.T) {
	e := newEnv(t, vcfsim.WithInventory(1, 1, 1, 0))
	e.sim.Sim.AddTask("Commissioning host", "HOST_COMMISSION", time.Now().Add(-time.Hour), time.Minute, true)
	e.sim.Sim.AddTask("Upgrading domain", "UPGRADE", time.Now().Add(-time.Hour), time.Minute, true)
	fams := e.scrape(t)
	failed := sumOf(fams, "vcf_tasks", map[string]string{"status": "FAILED"}) + sumOf(fams, "vcf_tasks", map[string]string{"status": "TIMED_OUT"})
	require.GreaterOrEqual(t, failed, 2.0, "two types at least")
	d := labels(fams["vcf_domain_info"].GetMetric()[0])
	earliest := math.Inf(1)
	for _, m := range fams["vcf_certificate_expiry_timestamp_seconds"].GetMetric() {
		if labels(m)["domain"] == d["domain"] {
			earliest = min(earliest, m.GetGauge().GetValue())
		}
	}
	require.False(t, math.IsInf(earliest, 1), "the domain has certificates")

	e.sink(t, nil, nil)
	configs := e.ha.waitTopics(t, "homeassistant/", 3+10+5)
	require.Contains(t, configs, "homeassistant/sensor/lab/vcf_lab_failed_tasks/config")
	require.Contains(t, configs, "homeassistant/sensor/lab/vcf_lab_domain_"+d["domain_id"]+"_certificate_expiry_days/config")
	for topic, payload := range configs {
		require.NoError(t, checkDiscovery("homeassistant", topic, []byte(payload)))
		checkStateOf(t, e.ha, payload)
	}
	assert.InDelta(t, failed, stateOf(t, e.ha, "vcf_exporter/lab/state")["failed_tasks"], 1e-9)
	days := float64(int((earliest - float64(time.Now().Unix())) / 86400))
	assert.InDelta(t, days, stateOf(t, e.ha, "vcf_exporter/lab/domain/"+d["domain_id"]+"/state")["certificate_expiry_days"], 1)
}

// With --mqtt.hosts every assigned host is a device of its cluster.
func TestHostsOnlyWhenAsked(t *testing.T) {
	e := newEnv(t, frozen, vcfsim.WithInventory(1, 1, 2, 1))
	e.sink(t, nil, func(c *config.MQTTConfig) { c.Hosts = true })
	// SDDC Manager 2, domain 10, cluster 5, two assigned hosts 4 each; the unassigned host is left out.
	configs := e.ha.waitTopics(t, "homeassistant/", 2+10+5+2*4)
	hosts := 0
	for topic, payload := range configs {
		require.NoError(t, checkDiscovery("homeassistant", topic, []byte(payload)))
		if strings.Contains(topic, "_host_") && strings.HasSuffix(topic, "_cpu_usage/config") {
			hosts++
		}
	}
	assert.Equal(t, 2, hosts)
}

// Configs, states and "online" come back when Home Assistant announces
// itself and after the broker lost everything (a restart without
// persistence).
func TestRepublishOnBirthAndAfterBrokerRestart(t *testing.T) {
	e := newEnv(t, frozen, vcfsim.WithInventory(1, 1, 1, 0))
	_, log := e.sink(t, nil, nil)
	want := 2 + 10 + 5
	e.ha.waitTopics(t, "homeassistant/", want)
	topic := "homeassistant/sensor/lab/vcf_lab_version/config"
	before := len(e.ha.historyOf(topic))

	e.ha.publish(t, "homeassistant/status", "online", false)
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Greater(c, len(e.ha.historyOf(topic)), before)
	}, waitFor, 10*time.Millisecond)

	e.broker.Stop(t)
	e.broker.Restart(t)
	// A new client sees only what the broker holds: the exporter's republication.
	fresh := newHomeAssistant(t, e.broker, "home-assistant-2")
	fresh.waitTopics(t, "homeassistant/", want)
	assert.Equal(t, "online", fresh.get("vcf_exporter/status"))
	assert.Contains(t, log.String(), "MQTT connection lost")
}

// A domain or target that disappears gets empty retained configs, which
// removes its entities from Home Assistant.
func TestVanishedEntitiesGetEmptyConfigs(t *testing.T) {
	e := newEnv(t, frozen, vcfsim.WithInventory(1, 1, 1, 0))
	s, _ := e.sink(t, nil, nil)
	configs := e.ha.waitTopics(t, "homeassistant/", 2+10+5)
	require.NoError(t, e.reg.Apply(nil))
	s.signal(s.poke)
	e.ha.waitTopics(t, "homeassistant/", 0)
	for topic := range configs {
		h := e.ha.historyOf(topic)
		assert.Empty(t, h[len(h)-1], topic)
	}
}

// The checks of the schema fail on what Home Assistant refuses.
func TestSchemaCheckRefuses(t *testing.T) {
	good := `{"name":"x","unique_id":"u","device":{"identifiers":["d"]},"state_topic":"s"}`
	require.NoError(t, checkDiscovery("homeassistant", "homeassistant/sensor/n/o/config", []byte(good)))
	for name, tc := range map[string]struct{ topic, payload string }{
		"bad topic":          {"homeassistant/sensor/n/o.x/config", good},
		"unknown key":        {"homeassistant/sensor/n/o/config", `{"name":"x","unique_id":"u","device":{"identifiers":["d"]},"state_topic":"s","colour":1}`},
		"missing state":      {"homeassistant/sensor/n/o/config", `{"name":"x","unique_id":"u","device":{"identifiers":["d"]}}`},
		"no unique id":       {"homeassistant/sensor/n/o/config", `{"name":"x","device":{"identifiers":["d"]},"stat_t":"s"}`},
		"enum with unit":     {"homeassistant/sensor/n/o/config", `{"uniq_id":"u","dev":{"ids":["d"]},"stat_t":"s","dev_cla":"enum","unit_of_meas":"%"}`},
		"duration in %":      {"homeassistant/sensor/n/o/config", `{"uniq_id":"u","dev":{"ids":["d"]},"stat_t":"s","dev_cla":"duration","unit_of_meas":"%"}`},
		"bad state class":    {"homeassistant/sensor/n/o/config", `{"uniq_id":"u","dev":{"ids":["d"]},"stat_t":"s","stat_cla":"gauge"}`},
		"retained command":   {"homeassistant/button/n/o/config", `{"uniq_id":"u","dev":{"ids":["d"]},"cmd_t":"c","ret":true}`},
		"install no payload": {"homeassistant/update/n/o/config", `{"uniq_id":"u","dev":{"ids":["d"]},"cmd_t":"c"}`},
		"ftp release url":    {"homeassistant/update/n/o/config", `{"uniq_id":"u","dev":{"ids":["d"]},"release_url":"ftp://x/y"}`},
		"unknown device key": {"homeassistant/sensor/n/o/config", `{"uniq_id":"u","dev":{"ids":["d"],"colour":"red"},"stat_t":"s"}`},
	} {
		require.Error(t, checkDiscovery("homeassistant", tc.topic, []byte(tc.payload)), name)
	}
	require.NoError(t, checkUpdateState([]byte(`{"installed_version":"1","latest_version":"2","in_progress":true,"update_percentage":5}`)))
	for _, bad := range []string{`{"installed_version":null}`, `{"installed":"1"}`, `{"release_url":"file:///x"}`, `{"in_progress":"yes"}`, `{"update_percentage":101}`} {
		require.Error(t, checkUpdateState([]byte(bad)), bad)
	}
}

// When SDDC Manager stops answering its entities become unavailable (the
// target's availability topic says offline); they are not removed, and the
// connectivity sensor, available through the exporter alone, says off.
func TestUnreachableSDDCManagerMakesEntitiesUnavailable(t *testing.T) {
	e := newEnvWith(t, targets.Options{MinRefreshInterval: time.Millisecond, UpgradeCheckInterval: time.Hour},
		frozen, vcfsim.WithInventory(1, 1, 1, 0))
	s, _ := e.sink(t, nil, nil)
	configs := e.ha.waitTopics(t, "homeassistant/", 2+10+5)
	require.Equal(t, "online", e.ha.get("vcf_exporter/lab/availability"))
	require.NoError(t, e.sim.Close())
	s.signal(s.poke)
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, "offline", e.ha.get("vcf_exporter/lab/availability"))
	}, waitFor, 10*time.Millisecond)
	assert.Equal(t, configs, e.ha.topics("homeassistant/"), "entities stay, unavailable")
	var conn map[string]any
	require.NoError(t, json.Unmarshal([]byte(configs["homeassistant/binary_sensor/lab/vcf_lab_connectivity/config"]), &conn))
	assert.Equal(t, conn["payload_off"], e.ha.get(conn["state_topic"].(string)), "connectivity off")
	assert.Len(t, conn["availability"], 1, "available through the exporter alone")
}
