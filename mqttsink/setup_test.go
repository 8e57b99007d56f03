package mqttsink

import (
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/internal/mosquittotest"
	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// A reload that changes the mqtt: section restarts the sink (the old one
// says "offline"); one that cannot apply keeps the running sink.
func TestReloadRestartsTheSink(t *testing.T) {
	e := newEnv(t, frozen, vcfsim.WithInventory(1, 1, 1, 0))
	mqttCfg := func(prefix string, install bool) *config.Config {
		return &config.Config{MQTT: &config.MQTTConfig{Broker: e.broker.URL, Username: mosquittotest.User,
			PasswordFile: e.broker.PasswordFile, TopicPrefix: prefix, Install: install}}
	}
	sc := config.NewSafeConfig()
	sc.Set(mqttCfg("one", false))
	log := &testutil.Buffer{}
	stop, err := Setup(nil, sc, e.src, nil, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(log, nil)))
	require.NoError(t, err)
	t.Cleanup(stop)
	assert.EventuallyWithT(t, func(c *assert.CollectT) { assert.Equal(c, "online", e.ha.get("one/status")) }, waitFor, 10*time.Millisecond)

	sc.Set(mqttCfg("two", false))
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, "offline", e.ha.get("one/status"))
		assert.Equal(c, "online", e.ha.get("two/status"))
	}, waitFor, 10*time.Millisecond)

	sc.Set(mqttCfg("three", true)) // install without an actions engine: refused
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Contains(c, log.String(), "reloaded MQTT settings not applied")
	}, waitFor, 10*time.Millisecond)
	assert.Equal(t, "online", e.ha.get("two/status"))

	sc.Set(&config.Config{})
	assert.EventuallyWithT(t, func(c *assert.CollectT) { assert.Equal(c, "offline", e.ha.get("two/status")) }, waitFor, 10*time.Millisecond)
}

func TestFlagsAndFileConflict(t *testing.T) {
	f := &Flags{Broker: "tcp://b:1883", DiscoveryPrefix: "homeassistant", TopicPrefix: "vcf_exporter"}
	_, err := settings(f, &config.Config{MQTT: &config.MQTTConfig{Broker: "tcp://c:1883"}})
	require.ErrorContains(t, err, "use one")
	_, err = settings(&Flags{Install: true}, nil)
	require.ErrorContains(t, err, "without --mqtt.broker")
	r, err := settings(f, nil)
	require.NoError(t, err)
	assert.Equal(t, "tcp://b:1883", r.cfg.Broker)
	r, err = settings(nil, &config.Config{})
	require.NoError(t, err)
	assert.Nil(t, r)
}
