package mqttsink

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/actions"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

// recorder is an Actions that records the commands it gets.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) record(op, target, domain string) (*actions.Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, op+" "+target+" "+domain)
	return &actions.Status{Target: target, DomainID: domain, State: actions.StateTargeting}, nil
}

func (r *recorder) StartUpgrade(_ context.Context, target, domain, _ string) (*actions.Status, error) {
	return r.record("start", target, domain)
}

func (r *recorder) UpgradeStatus(context.Context, string, string) (*actions.Status, error) {
	return nil, actions.ErrNotFound
}

func (r *recorder) Acknowledge(_ context.Context, target, domain string) (*actions.Status, error) {
	return r.record("acknowledge", target, domain)
}

func (r *recorder) Cancel(_ context.Context, target, domain string) (*actions.Status, error) {
	return r.record("cancel", target, domain)
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// domainID is the id of the simulator's first domain.
func (e *env) domainID(t *testing.T) string {
	t.Helper()
	d := e.scrape(t)["vcf_domain_info"].GetMetric()
	require.NotEmpty(t, d)
	return labels(d[0])["domain_id"]
}

// Without --mqtt.install every command is ignored, logged at info level
// with the word "install", and audited; with it, a retained command (which
// a reconnection would replay) is still ignored.
func TestCommandsIgnoredWithoutInstallAndWhenRetained(t *testing.T) {
	e := newEnv(t, frozen, vcfsim.WithInventory(1, 1, 1, 0))
	rec := &recorder{}
	_, log := e.sink(t, rec, nil)
	e.ha.waitTopics(t, "homeassistant/", 2+10+5)
	base := "vcf_exporter/lab/domain/" + e.domainID(t) + "/"
	for _, c := range []string{"install", "acknowledge", "cancel"} {
		payload := map[string]string{"install": "install"}[c]
		if payload == "" {
			payload = "PRESS"
		}
		e.ha.publish(t, base+c, payload, false)
		assert.EventuallyWithT(t, func(ct *assert.CollectT) {
			assert.Contains(ct, log.String(), "MQTT "+c+" command ignored")
		}, waitFor, 10*time.Millisecond)
	}
	assert.Empty(t, rec.got())
	for line := range strings.SplitSeq(log.String(), "\n") {
		if strings.Contains(line, "command ignored") {
			assert.Contains(t, line, "level=INFO")
			assert.Contains(t, line, "install")
		}
	}
	assert.Contains(t, log.String(), "ignored: --mqtt.install is off")
	assert.NotContains(t, log.String(), "mosquittotest", "no password in the log")

	// A retained command is on the broker before the exporter connects:
	// replayed at subscription, it is ignored and cleared.
	id := e.domainID(t)
	e.ha.publish(t, "vcf2/lab/domain/"+id+"/install", "install", true)
	rec2 := &recorder{}
	_, log2 := e.sink(t, rec2, func(c *config.MQTTConfig) { c.Install = true; c.TopicPrefix = "vcf2" })
	assert.EventuallyWithT(t, func(ct *assert.CollectT) {
		assert.Contains(ct, log2.String(), "ignored: retained message")
		assert.Empty(ct, e.ha.get("vcf2/lab/domain/"+id+"/install"), "cleared on the broker")
	}, waitFor, 10*time.Millisecond)
	e.ha.waitTopics(t, "vcf2/lab/domain/"+id+"/state", 1)
	e.ha.publish(t, "vcf2/lab/domain/"+id+"/install", "INSTALL!", false)
	assert.EventuallyWithT(t, func(ct *assert.CollectT) {
		assert.Contains(ct, log2.String(), "ignored: unexpected payload")
	}, waitFor, 10*time.Millisecond)
	e.ha.publish(t, "vcf2/lab/domain/"+id+"/cancel", "PRESS", false)
	assert.EventuallyWithT(t, func(ct *assert.CollectT) {
		assert.Equal(ct, []string{"cancel lab " + id}, rec2.got())
	}, waitFor, 10*time.Millisecond)
}

// Install starts the domain's upgrade through the actions engine; the
// update entity's progress never goes back, and installed_version ends at
// the former latest_version.
func TestInstallRunsTheUpgrade(t *testing.T) {
	e := newEnvWith(t, targets.Options{MinRefreshInterval: time.Millisecond, UpgradeCheckInterval: time.Millisecond},
		vcfsim.WithInventory(1, 2, 2, 0), vcfsim.WithTimeScale(36000))
	eng, err := actions.New(actions.RegistryTargets(e.reg), actions.Options{
		StoragePath: t.TempDir(), PollInterval: 5 * time.Millisecond, SettleTime: 20 * time.Millisecond,
		MaxBackoff: 20 * time.Millisecond, RequestTimeout: 5 * time.Second, Registerer: e.self,
		Logger: slog.New(slog.DiscardHandler),
	})
	require.NoError(t, err)
	eng.Start(context.Background())
	t.Cleanup(eng.Stop)
	_, log := e.sink(t, eng, func(c *config.MQTTConfig) { c.Install = true; c.Interval = model.Duration(20 * time.Millisecond) })
	id := e.domainID(t)
	topic := "vcf_exporter/lab/domain/" + id + "/update"
	var before map[string]any
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		before = map[string]any{}
		assert.NoError(c, json.Unmarshal([]byte(e.ha.get(topic)), &before))
		assert.NotEqual(c, before["installed_version"], before["latest_version"])
	}, waitFor, 10*time.Millisecond)
	require.NotEmpty(t, before["latest_version"])

	e.ha.publish(t, "vcf_exporter/lab/domain/"+id+"/install", "install", false)
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		var s map[string]any
		assert.NoError(c, json.Unmarshal([]byte(e.ha.get(topic)), &s))
		assert.Equal(c, before["latest_version"], s["installed_version"])
		assert.Equal(c, false, s["in_progress"])
	}, 2*waitFor, 10*time.Millisecond)
	assert.Contains(t, log.String(), "MQTT INSTALL")

	last, running := -1.0, 0
	for _, p := range e.ha.historyOf(topic) {
		require.NoError(t, checkUpdateState([]byte(p)))
		var s map[string]any
		require.NoError(t, json.Unmarshal([]byte(p), &s))
		if s["in_progress"] == true {
			running++
			pct := s["update_percentage"].(float64)
			assert.GreaterOrEqual(t, pct, last, "update_percentage went back")
			last = pct
		}
	}
	assert.Positive(t, running, "the upgrade was seen in progress")
	t.Logf("update states seen: %d, %d in progress, last update_percentage %v", len(e.ha.historyOf(topic)), running, last)
	st, err := eng.UpgradeStatus(context.Background(), "lab", id)
	require.NoError(t, err)
	assert.Equal(t, actions.StateSucceeded, st.State)
}
