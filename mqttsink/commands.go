package mqttsink

import (
	"context"
	"net/url"
	"strings"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// commandTimeout bounds one command's call of the actions engine.
const commandTimeout = time.Minute

// onMessage handles Home Assistant's birth message and the commands.
func (s *Sink) onMessage(_ mqtt.Client, m mqtt.Message) {
	if m.Topic() == s.topics.haStatus() {
		if string(m.Payload()) == "online" {
			s.log.Info("Home Assistant is online; republishing discovery and states")
			s.republish()
		}
		return
	}
	if len(m.Payload()) == 0 {
		return // a retained command cleared (by us, below)
	}
	if m.Retained() {
		// Replayed by the broker at (re)subscription: running it would
		// repeat an old command at every reconnection. Cleared, so that
		// it is not replayed again.
		s.audit.Info("actions audit", "token", "mqtt:"+s.cfg.Username, "client", "mqtt", "action", "MQTT "+m.Topic(),
			"result", "ignored: retained message")
		s.clear(m.Topic())
		return
	}
	s.mu.Lock()
	ct, ok := s.commands[m.Topic()]
	s.mu.Unlock()
	if !ok {
		s.log.Info("MQTT command for an unknown domain ignored", "topic", m.Topic())
		return
	}
	// MQTT 3.1.1 marks only replayed messages as retained: a command
	// published retained while we are connected arrives unmarked, so every
	// command topic is cleared after use, and no command can stay on the
	// broker to be replayed.
	s.clear(m.Topic())
	switch {
	case string(m.Payload()) != ct.command.payload:
		s.auditLine(ct, m.Topic(), "ignored: unexpected payload")
	case !s.cfg.Install:
		s.log.Info("MQTT "+ct.command.name+" command ignored: commands from Home Assistant need --mqtt.install (mqtt.install in the config file)",
			"target", ct.target, "domain", ct.domainName)
		s.auditLine(ct, m.Topic(), "ignored: --mqtt.install is off")
	default:
		go s.run(ct, m.Topic())
	}
}

// clear deletes a retained message from a command topic.
func (s *Sink) clear(topic string) {
	s.client.Publish(topic, 1, true, []byte{}) // best effort: not waited for in the client's callback
}

// run calls the actions engine as POST /actions/... would, audits the
// result and refreshes the states at once.
func (s *Sink) run(ct commandTarget, topic string) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	st, err := ct.command.run(s.actions, ctx, ct.target, ct.domainID)
	result := "ok"
	if err != nil {
		result = "refused: " + err.Error()
	} else if st != nil {
		result = "ok: " + string(st.State)
	}
	s.auditLine(ct, topic, result)
	s.signal(s.poke)
}

// auditLine logs an MQTT command as the /actions API logs a request.
func (s *Sink) auditLine(ct commandTarget, topic, result string) {
	broker, _ := url.Parse(s.cfg.Broker)
	s.audit.Info("actions audit", "token", "mqtt:"+s.cfg.Username, "client", "mqtt "+broker.Host,
		"action", "MQTT "+strings.ToUpper(ct.command.name)+" "+topic,
		"detail", "target "+ct.target+" domain "+ct.domainName, "result", result)
}
