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
	s.mu.Lock()
	ct, ok := s.commands[m.Topic()]
	s.mu.Unlock()
	if !ok {
		s.log.Info("MQTT command for an unknown domain ignored", "topic", m.Topic())
		return
	}
	switch {
	case m.Retained():
		// A retained command would run again at every reconnection.
		s.auditLine(ct, m.Topic(), "ignored: retained message (clear it: publish an empty retained message)")
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
