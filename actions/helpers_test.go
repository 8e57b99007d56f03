package actions

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
	"github.com/vcf-exporter/vcf_exporter/vcfsim/vcfsimtest"
)

const testToken = "s3cret-test-token-0123456789abcdef"

// fakeTargets serves one simulator as target "sim".
type fakeTargets struct {
	mu      sync.Mutex
	clients map[string]Client
	url     string
	domains []string
	checks  atomic.Int64
}

func (f *fakeTargets) Names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for n := range f.clients {
		out = append(out, n)
	}
	return out
}

func (f *fakeTargets) Client(name string) (Client, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.clients[name]
	return c, ok
}

func (f *fakeTargets) CheckUpdates(ctx context.Context, name string) error {
	f.checks.Add(1)
	return nil
}

func (f *fakeTargets) URL(name string) string { return f.url }

func (f *fakeTargets) KnownDomains(name string) []string { return f.domains }

type env struct {
	t       *testing.T
	srv     *vcfsim.Server
	client  *vcfclient.Client
	targets *fakeTargets
	dir     string
	eng     *Engine
	reg     *prometheus.Registry
	domain  vcfclient.Domain
}

// simOptions make a small, fast simulator: one management domain, two
// clusters of two hosts; ten simulated hours per real second.
func simOptions(more ...vcfsim.Option) []vcfsim.Option {
	return append([]vcfsim.Option{vcfsim.WithInventory(1, 2, 2, 0), vcfsim.WithTimeScale(36000)}, more...)
}

func newTestClient(t *testing.T, url string) *vcfclient.Client {
	t.Helper()
	c, err := vcfclient.New(vcfclient.Config{
		URL: url, Username: "admin@local", Password: "VMware1!VMware1!",
		MaxRetries: 1, RetryBaseDelay: 2 * time.Millisecond, RetryMaxDelay: 10 * time.Millisecond,
		MaxRetryAfter: 10 * time.Millisecond, LoginBackoff: 5 * time.Millisecond, LoginBackoffMax: 20 * time.Millisecond,
		TokenTimeout: 5 * time.Second,
	})
	require.NoError(t, err)
	return c
}

func newEnv(t *testing.T, mutate vcfsim.Option) *env {
	t.Helper()
	var opts []vcfsim.Option
	if mutate != nil {
		opts = append(opts, mutate)
	}
	srv := vcfsimtest.New(t, simOptions(opts...)...)
	e := &env{t: t, srv: srv, dir: t.TempDir()}
	e.client = newTestClient(t, srv.URL)
	e.targets = &fakeTargets{clients: map[string]Client{"sim": e.client}, url: srv.URL}
	ds, err := e.client.Domains(context.Background())
	require.NoError(t, err)
	e.domain = ds[0]
	e.start(nil)
	return e
}

func testEngineOptions(dir string, reg prometheus.Registerer) Options {
	return Options{
		StoragePath:    dir,
		PollInterval:   5 * time.Millisecond,
		SettleTime:     20 * time.Millisecond,
		MaxBackoff:     20 * time.Millisecond,
		RequestTimeout: 5 * time.Second,
		Registerer:     reg,
		Logger:         slog.New(slog.DiscardHandler),
	}
}

// start builds a new engine over the env's storage directory.
func (e *env) start(mutate func(*Options)) {
	e.t.Helper()
	e.reg = prometheus.NewRegistry()
	opts := testEngineOptions(e.dir, e.reg)
	if mutate != nil {
		mutate(&opts)
	}
	eng, err := New(e.targets, opts)
	require.NoError(e.t, err)
	eng.Start(context.Background())
	e.t.Cleanup(eng.Stop)
	e.eng = eng
}

// The helpers below call the engine as the HTTP API does (no ?target=:
// the only target; the domain by name) and read its answers as the
// JSON objects the API serializes.

// upgrade starts an upgrade to version ("": the newest).
func (e *env) upgrade(version string) (map[string]any, error) {
	s, err := e.eng.StartUpgrade(context.Background(), "", e.domain.Name, version)
	return asMap(s), err
}

// plan is the dry run of an upgrade to version ("": the newest).
func (e *env) plan(version string) (map[string]any, error) {
	p, err := e.eng.PlanUpgrade(context.Background(), "", e.domain.Name, version)
	return asMap(p), err
}

func (e *env) acknowledge() (map[string]any, error) {
	s, err := e.eng.Acknowledge(context.Background(), "", e.domain.Name)
	return asMap(s), err
}

func (e *env) cancel() (map[string]any, error) {
	s, err := e.eng.Cancel(context.Background(), "", e.domain.Name)
	return asMap(s), err
}

// statusOf reads the status of the domain with this name or id.
func (e *env) statusOf(ref string) (map[string]any, error) {
	s, err := e.eng.UpgradeStatus(context.Background(), "", ref)
	return asMap(s), err
}

// asMap is v as the JSON object the API answers (nil for a nil pointer).
func asMap(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return typed(m)
}

// typed gives an answer's "state" its type, so that it compares with the
// State constants.
func typed(m map[string]any) map[string]any {
	if s, ok := m["state"].(string); ok {
		m["state"] = State(s)
	}
	return m
}

// mustStart starts the upgrade to version ("": the newest).
func (e *env) mustStart(version string) map[string]any {
	e.t.Helper()
	m, err := e.upgrade(version)
	require.NoError(e.t, err, "start")
	return m
}

func (e *env) status() map[string]any {
	e.t.Helper()
	m, err := e.statusOf(e.domain.Name)
	require.NoError(e.t, err, "status")
	return m
}

// waitState waits until the workflow is in one of states.
func (e *env) waitState(timeout time.Duration, states ...State) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	var last map[string]any
	for time.Now().Before(deadline) {
		last = e.snapshot()
		for _, s := range states {
			if last["state"] == s {
				return last
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatalf("workflow not in %v after %s: %v", states, timeout, last)
	return nil
}

// snapshot reads the status by target and id (cheap, for tight waits).
func (e *env) snapshot() map[string]any {
	e.t.Helper()
	s, err := e.eng.UpgradeStatus(context.Background(), "sim", e.domain.ID)
	require.NoError(e.t, err)
	return asMap(s)
}

// remoteChanges counts the requests that change something on SDDC Manager.
func (e *env) remoteChanges() int64 {
	n := int64(0)
	for k, v := range e.srv.Sim.Stats() {
		if !strings.HasPrefix(k, "GET ") && !strings.HasPrefix(k, "POST /v1/tokens") {
			n += v
		}
	}
	return n
}

func (e *env) posts() int64 { return e.srv.Sim.Stats()["POST /v1/upgrades"] }

func (e *env) currentVersion() string {
	e.t.Helper()
	rs, err := e.client.Releases(context.Background(), e.domain.ID)
	if err != nil || len(rs) == 0 {
		e.t.Fatalf("releases: %v %v", rs, err)
	}
	return rs[0].Version
}

func (e *env) metric(name string, labels map[string]string) float64 {
	e.t.Helper()
	mfs, err := e.reg.Gather()
	require.NoError(e.t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.Metric {
			for _, lp := range m.Label {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			if m.Gauge != nil {
				return m.Gauge.GetValue()
			}
			return m.Counter.GetValue()
		}
	}
	return -1
}

// runCounters reads the domain's run counters (-1: absent).
func (e *env) runCounters() map[string]float64 {
	e.t.Helper()
	l := map[string]string{"target": "sim", "domain": e.domain.Name}
	return map[string]float64{
		"runs":          e.metric("vcf_upgrade_workflow_runs_total", l),
		"failures":      e.metric("vcf_upgrade_workflow_failures_total", l),
		"cancellations": e.metric("vcf_upgrade_workflow_cancellations_total", l),
	}
}

func modelDuration(d time.Duration) model.Duration { return model.Duration(d) }
