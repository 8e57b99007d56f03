// Package mqttsink publishes the exporter's inventory to an MQTT broker as
// Home Assistant MQTT discovery: one device per SDDC Manager, workload
// domain and cluster (and host, when asked), their sensors, and per domain
// an update entity whose Install starts the upgrade through the actions
// engine.
//
// Where things are:
//   - values.go: the adapter, the one path from SDDC Manager data to
//     values: a target's families rendered by the collectors of /metrics,
//     as the InfluxDB sink does.
//   - model.go: the devices and the entities table (one row per entity).
//   - update.go: the update entity, the command buttons, the progress.
//   - discovery.go: topics and discovery configs.
//   - sink.go: what the broker should hold, the connection, the loops;
//     commands.go: the commands Home Assistant sends.
//   - setup.go: flags, configuration, reloads.
//
// Every message is retained, so the sink keeps what the broker should hold
// (topic → payload) and which of it is not sent yet: a broker that is down
// gets the newest state of each topic once it is back, never a backlog,
// and a reconnect or Home Assistant's birth message resends all of it.
package mqttsink

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/jpillora/backoff"
	"github.com/prometheus/client_golang/prometheus"
	promcfg "github.com/prometheus/common/config"

	"github.com/vcf-exporter/vcf_exporter/collector"
	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/targets"
)

// maxReconnectInterval caps the back-off between connection attempts.
const maxReconnectInterval = 30 * time.Second

// Source renders the targets: the collectors of /metrics plus the
// workflows' series (Extra).
type Source struct {
	Registry *targets.Registry
	Set      *collector.Set
	Extra    prometheus.Gatherer // may be nil
}

// Sink publishes to one broker.
type Sink struct {
	cfg     config.MQTTConfig
	topics  topics
	src     *Source
	actions Actions // nil: no actions engine
	log     *slog.Logger
	audit   *slog.Logger
	metrics *Metrics
	now     func() time.Time

	client mqtt.Client

	mu       sync.Mutex
	retained map[string][]byte // what the broker should hold
	pending  []string          // topics of retained not sent yet, oldest first
	isDirty  map[string]bool
	owned    map[string]map[string]bool // target → topics published for it
	commands map[string]commandTarget   // command topic → what it acts on
	urls     map[string]string          // target → release URL
	progress progress

	wake, poke chan struct{}
	cancel     context.CancelFunc
	done       sync.WaitGroup
}

type commandTarget struct {
	command                      command
	target, domainID, domainName string
}

// New builds a sink for cfg (defaults applied) and the resolved password;
// it does nothing until Start. acts may be nil (no actions engine).
func New(cfg config.MQTTConfig, password promcfg.Secret, src *Source, acts Actions, m *Metrics, logger *slog.Logger) (*Sink, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("mqtt: %w", err)
	}
	u, _ := url.Parse(cfg.Broker) // validated
	var tlsCfg *tls.Config
	if config.MQTTSchemes[u.Scheme] {
		var err error
		if tlsCfg, err = promcfg.NewTLSConfig(&cfg.TLSConfig); err != nil {
			return nil, fmt.Errorf("mqtt tls_config: %w", err)
		}
	}
	if cfg.Install && acts == nil {
		return nil, errors.New("mqtt install is set but the actions engine is off: configure --actions.token-file or actions.tokens")
	}
	s := &Sink{
		cfg: cfg, topics: topics{discovery: cfg.DiscoveryPrefix, prefix: cfg.TopicPrefix},
		src: src, actions: acts, metrics: m, now: time.Now,
		log:      logger.With("component", "mqtt", "broker", u.Redacted()),
		audit:    logger.With("component", "actions_audit"),
		retained: map[string][]byte{}, isDirty: map[string]bool{},
		owned: map[string]map[string]bool{}, commands: map[string]commandTarget{}, urls: map[string]string{},
		wake: make(chan struct{}, 1), poke: make(chan struct{}, 1),
	}
	broker := *u
	broker.Scheme = map[string]string{"mqtt": "tcp", "tcp": "tcp", "mqtts": "ssl", "ssl": "ssl"}[u.Scheme]
	opts := mqtt.NewClientOptions().AddBroker(broker.String()).SetClientID(cfg.ClientID).
		SetUsername(cfg.Username).SetPassword(string(password)).SetTLSConfig(tlsCfg).
		SetWill(s.topics.status(), "offline", 1, true).
		SetCleanSession(true).SetOrderMatters(false).SetKeepAlive(30 * time.Second).
		SetConnectTimeout(10 * time.Second).SetWriteTimeout(10 * time.Second).
		SetAutoReconnect(true).SetMaxReconnectInterval(maxReconnectInterval).
		SetOnConnectHandler(s.onConnect).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			m.connected.Set(0)
			s.log.Warn("MQTT connection lost; reconnecting", "err", err)
		})
	s.client = mqtt.NewClient(opts)
	return s, nil
}

// Start connects (retrying with back-off) and publishes every interval
// until Stop.
func (s *Sink) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done.Add(3)
	go func() { defer s.done.Done(); s.connect(ctx) }()
	go func() { defer s.done.Done(); s.sendLoop(ctx) }()
	go func() { defer s.done.Done(); s.collectLoop(ctx) }()
}

// connect makes the first connection; paho reconnects after that.
func (s *Sink) connect(ctx context.Context) {
	b := backoff.Backoff{Min: time.Second, Max: maxReconnectInterval, Factor: 2, Jitter: true}
	for ctx.Err() == nil {
		tok := s.client.Connect()
		tok.WaitTimeout(15 * time.Second)
		err := tok.Error()
		if err == nil && s.client.IsConnected() {
			return
		}
		if err == nil {
			err = errors.New("no answer from the broker")
		}
		d := b.Duration()
		if b.Attempt() == 1 {
			s.log.Error("MQTT broker unreachable or credentials refused; Home Assistant gets no updates, /metrics is unaffected; retrying", "err", err, "retry_in", d)
		} else {
			s.log.Debug("MQTT connection attempt failed", "err", err, "retry_in", d)
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
}

// onConnect runs after every (re)connection: subscribe, then resend all.
func (s *Sink) onConnect(c mqtt.Client) {
	s.metrics.connected.Set(1)
	s.log.Info("MQTT connected; publishing Home Assistant discovery", "discovery_prefix", s.cfg.DiscoveryPrefix, "topic_prefix", s.cfg.TopicPrefix)
	filters := map[string]byte{s.topics.haStatus(): 1}
	for _, f := range s.topics.commandFilters() {
		filters[f] = 1
	}
	tok := c.SubscribeMultiple(filters, s.onMessage)
	if tok.WaitTimeout(10*time.Second) && tok.Error() != nil {
		s.log.Error("MQTT subscription failed; Home Assistant's restarts and commands are not seen", "err", tok.Error())
	}
	s.set(s.topics.status(), []byte("online"))
	s.republish()
}

// republish marks everything the broker should hold as not sent.
func (s *Sink) republish() {
	s.mu.Lock()
	for t := range s.retained {
		s.markLocked(t)
	}
	s.mu.Unlock()
	s.signal(s.wake)
}

func (s *Sink) signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// set records what topic should hold ("" deletes a retained message) and
// queues it when it changed.
func (s *Sink) set(topic string, payload []byte) {
	s.mu.Lock()
	old, ok := s.retained[topic]
	if !ok || !bytes.Equal(old, payload) {
		s.retained[topic] = payload
		s.markLocked(topic)
	}
	s.mu.Unlock()
	s.signal(s.wake)
}

func (s *Sink) markLocked(topic string) {
	if !s.isDirty[topic] {
		s.isDirty[topic] = true
		s.pending = append(s.pending, topic)
	}
}

// sendLoop sends what is pending whenever connected.
func (s *Sink) sendLoop(ctx context.Context) {
	for {
		select {
		case <-s.wake:
		case <-ctx.Done():
			return
		}
		s.drain(ctx)
	}
}

// drain publishes the pending topics, newest payload each; a failure
// leaves the rest pending for the next connection.
func (s *Sink) drain(ctx context.Context) {
	for ctx.Err() == nil && s.client.IsConnectionOpen() {
		s.mu.Lock()
		if len(s.pending) == 0 {
			s.mu.Unlock()
			return
		}
		topic := s.pending[0]
		payload := s.retained[topic]
		s.mu.Unlock()
		tok := s.client.Publish(topic, 1, true, payload)
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			s.metrics.errors.Inc()
			return // stays pending; onConnect resends
		}
		s.metrics.published.Inc()
		s.mu.Lock()
		if bytes.Equal(s.retained[topic], payload) { // else newer, still pending
			s.pending = s.pending[1:]
			delete(s.isDirty, topic)
			if len(payload) == 0 {
				delete(s.retained, topic)
			}
		} else {
			s.pending = append(s.pending[1:], topic)
		}
		s.mu.Unlock()
	}
}

// Pending returns the number of topics not sent yet.
func (s *Sink) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending)
}

// Stop publishes "offline" (a clean disconnect sends no last will) and
// disconnects.
func (s *Sink) Stop() {
	if s.cancel != nil {
		s.cancel()
		s.done.Wait()
	}
	if s.client.IsConnectionOpen() {
		s.client.Publish(s.topics.status(), 1, true, "offline").WaitTimeout(2 * time.Second)
	}
	s.client.Disconnect(250)
	s.metrics.connected.Set(0)
}
