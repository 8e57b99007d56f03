package main

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/mosquittotest"
	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

// retainedView keeps the last payload of every topic a client receives.
type retainedView struct {
	mu sync.Mutex
	m  map[string]string
}

func watch(t *testing.T, c mqtt.Client, filter string) *retainedView {
	t.Helper()
	v := &retainedView{m: map[string]string{}}
	tok := c.Subscribe(filter, 1, func(_ mqtt.Client, msg mqtt.Message) {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.m[msg.Topic()] = string(msg.Payload())
	})
	require.True(t, tok.WaitTimeout(30*time.Second))
	require.NoError(t, tok.Error())
	return v
}

func (v *retainedView) get(topic string) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.m[topic]
}

func (v *retainedView) all() map[string]string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]string, len(v.m))
	for k, val := range v.m {
		out[k] = val
	}
	return out
}

// The real binary publishes discovery for the simulator; killed with
// SIGKILL, the broker publishes its last will: "offline".
func TestE2EMQTTLastWillOnSIGKILL(t *testing.T) {
	broker := mosquittotest.Start(t)
	ha := watch(t, broker.Client(t, "home-assistant"), "#")
	p := startExporter(t, buildExporter(t), nil, "--simulator", "--mqtt.broker="+broker.URL,
		"--mqtt.username="+mosquittotest.User, "--mqtt.password-file="+broker.PasswordFile)
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, "online", ha.get("vcf_exporter/status"))
		assert.NotEmpty(c, ha.get("vcf_exporter/simulator/state"))
	}, 60*time.Second, 20*time.Millisecond)
	code, body := get(t, "http://"+p.addr+"/metrics")
	require.Equal(t, 200, code)
	assert.Contains(t, body, "vcf_mqtt_connected 1")
	for topic, payload := range ha.all() {
		assert.NotContains(t, topic+payload, mosquittotest.Password, "no secret in topics or payloads")
	}

	p.Kill(t)
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, "offline", ha.get("vcf_exporter/status"))
	}, 60*time.Second, 20*time.Millisecond)
	assert.Contains(t, broker.Log(), "Client vcf_exporter-vcf_exporter closed its connection")
}

// A broker that is down or refuses the credentials never affects /metrics;
// the log says what is wrong, naming MQTT, without the password.
func TestE2EMQTTBrokerDownOrRefused(t *testing.T) {
	bin := buildExporter(t)
	broker := mosquittotest.Start(t)
	wrong := filepath.Join(t.TempDir(), "wrong.password")
	require.NoError(t, os.WriteFile(wrong, []byte("not-the-password\n"), 0o600))
	for name, args := range map[string][]string{
		"down":    {"--mqtt.broker=tcp://" + testutil.FreeAddr(t)},
		"refused": {"--mqtt.broker=" + broker.URL, "--mqtt.username=" + mosquittotest.User, "--mqtt.password-file=" + wrong},
	} {
		t.Run(name, func(t *testing.T) {
			p := startExporter(t, bin, nil, append([]string{"--simulator"}, args...)...)
			p.WaitLog(t, 60*time.Second, "MQTT broker unreachable or credentials refused")
			code, body := get(t, "http://"+p.addr+"/metrics")
			require.Equal(t, 200, code)
			assert.Contains(t, body, `vcf_up{target="simulator"} 1`)
			assert.Contains(t, body, "vcf_mqtt_connected 0")
			assert.NotContains(t, p.Output.String(), "not-the-password")
			assert.NotContains(t, p.Output.String(), "panic")
		})
	}
}
