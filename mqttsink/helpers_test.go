package mqttsink

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	promcfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/internal/mosquittotest"
	"github.com/vcf-exporter/vcf_exporter/internal/scrapetest"
	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
	"github.com/vcf-exporter/vcf_exporter/vcfsim/vcfsimtest"
)

const waitFor = 60 * time.Second

// env is a simulator watched by a target registry, a broker, and a client
// playing Home Assistant.
type env struct {
	sim     *vcfsim.Server
	reg     *targets.Registry
	set     *collector.Set
	self    *prometheus.Registry
	metrics *Metrics
	src     *Source
	broker  *mosquittotest.Broker
	ha      *homeAssistant
}

func newEnv(t *testing.T, simOpts ...vcfsim.Option) *env {
	t.Helper()
	return newEnvWith(t, targets.Options{MinRefreshInterval: time.Hour, UpgradeCheckInterval: time.Hour}, simOpts...)
}

func newEnvWith(t *testing.T, opts targets.Options, simOpts ...vcfsim.Option) *env {
	t.Helper()
	broker := mosquittotest.Start(t)
	sim := vcfsimtest.New(t, simOpts...)
	reg := targets.NewRegistry(opts)
	t.Cleanup(reg.Close)
	user, pw := sim.Credentials()
	require.NoError(t, reg.Apply([]config.TargetConfig{{Name: "lab", URL: sim.URL, Username: user, Password: promcfg.Secret(pw)}}))
	set, err := collector.NewSet(collector.Options{}, collector.DefaultEnabled()...)
	require.NoError(t, err)
	self := prometheus.NewRegistry()
	e := &env{sim: sim, reg: reg, set: set, self: self, metrics: NewMetrics(self),
		src: &Source{Registry: reg, Set: set, Extra: self}, broker: broker}
	e.ha = newHomeAssistant(t, broker, "home-assistant")
	return e
}

// sink starts a sink on the env's broker.
func (e *env) sink(t *testing.T, acts Actions, mod func(*config.MQTTConfig)) (*Sink, *testutil.Buffer) {
	t.Helper()
	cfg := config.MQTTConfig{Broker: e.broker.URL, Username: mosquittotest.User, PasswordFile: e.broker.PasswordFile,
		Interval: model.Duration(time.Hour)}
	if mod != nil {
		mod(&cfg)
	}
	pw, err := cfg.ResolvePassword()
	require.NoError(t, err)
	log := &testutil.Buffer{}
	s, err := New(cfg, pw, e.src, acts, e.metrics, slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	require.NoError(t, err)
	s.Start()
	t.Cleanup(s.Stop)
	return s, log
}

// scrape serves /metrics like the exporter and parses it.
func (e *env) scrape(t *testing.T) map[string]*dto.MetricFamily {
	return scrapetest.Metrics(t, e.reg, e.set)
}

// homeAssistant is an MQTT client subscribed as Home Assistant is: to the
// discovery prefix and, here, to every topic. It keeps
// what the broker holds (the last retained payload per topic) and every
// message received.
type homeAssistant struct {
	c mqtt.Client

	mu       sync.Mutex
	retained map[string]string
	history  map[string][]string
}

func newHomeAssistant(t *testing.T, b *mosquittotest.Broker, id string) *homeAssistant {
	ha := &homeAssistant{retained: map[string]string{}, history: map[string][]string{}}
	ha.c = b.Client(t, id)
	ha.subscribe(t)
	return ha
}

func (ha *homeAssistant) subscribe(t *testing.T) {
	t.Helper()
	tok := ha.c.SubscribeMultiple(map[string]byte{"#": 1}, func(_ mqtt.Client, m mqtt.Message) {
		ha.mu.Lock()
		defer ha.mu.Unlock()
		ha.history[m.Topic()] = append(ha.history[m.Topic()], string(m.Payload()))
		if len(m.Payload()) == 0 {
			delete(ha.retained, m.Topic())
		} else {
			ha.retained[m.Topic()] = string(m.Payload())
		}
	})
	require.True(t, tok.WaitTimeout(waitFor))
	require.NoError(t, tok.Error())
}

// get returns the last payload of topic ("" when none or deleted).
func (ha *homeAssistant) get(topic string) string {
	ha.mu.Lock()
	defer ha.mu.Unlock()
	return ha.retained[topic]
}

// topics returns the topics with a payload under prefix.
func (ha *homeAssistant) topics(prefix string) map[string]string {
	ha.mu.Lock()
	defer ha.mu.Unlock()
	out := map[string]string{}
	for k, v := range ha.retained {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}

func (ha *homeAssistant) historyOf(topic string) []string {
	ha.mu.Lock()
	defer ha.mu.Unlock()
	return append([]string(nil), ha.history[topic]...)
}

// publish sends a message as Home Assistant would.
func (ha *homeAssistant) publish(t *testing.T, topic, payload string, retained bool) {
	t.Helper()
	tok := ha.c.Publish(topic, 1, retained, payload)
	require.True(t, tok.WaitTimeout(waitFor))
	require.NoError(t, tok.Error())
}

// waitTopics waits until the broker holds want topics under prefix.
func (ha *homeAssistant) waitTopics(t *testing.T, prefix string, want int) map[string]string {
	t.Helper()
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Len(c, ha.topics(prefix), want)
	}, waitFor, 10*time.Millisecond)
	return ha.topics(prefix)
}
