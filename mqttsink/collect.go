package mqttsink

import (
	"context"
	"time"

	"github.com/vcf-exporter/vcf_exporter/actions"
)

// collectLoop renders and publishes every interval, and at once when poked
// (after a command).
func (s *Sink) collectLoop(ctx context.Context) {
	t := time.NewTicker(time.Duration(s.cfg.Interval))
	defer t.Stop()
	for {
		s.Collect(ctx)
		select {
		case <-t.C:
		case <-s.poke:
		case <-ctx.Done():
			return
		}
	}
}

// Collect renders every target once and records what the broker should
// hold; the sender publishes it.
func (s *Sink) Collect(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.cfg.Interval))
	defer cancel()
	seen := map[string]bool{}
	for _, t := range s.src.Registry.Targets() {
		seen[t.Name] = true
		v := render(ctx, s.src.Set, s.src.Extra, t, s.now())
		s.publishTarget(ctx, v, httpURL(t.URL()))
	}
	s.mu.Lock()
	var gone []string
	for target := range s.owned {
		if !seen[target] {
			gone = append(gone, target)
		}
	}
	s.mu.Unlock()
	for _, target := range gone { // removed from the configuration
		s.replaceOwned(target, map[string][]byte{s.topics.reachable(target): nil})
	}
}

// publishTarget records the target's discovery configs and states. While
// its SDDC Manager does not answer only its availability changes: its
// entities become unavailable, they do not vanish.
func (s *Sink) publishTarget(ctx context.Context, v *values, releaseURL string) {
	up := false
	if ss := v.where("vcf_up", nil); len(ss) > 0 {
		up = ss[0].value == 1
	}
	reach := map[bool][]byte{true: []byte("online"), false: []byte("offline")}[up]
	if !up {
		s.set(s.topics.reachable(v.target), reach)
		return
	}
	msgs := map[string][]byte{s.topics.reachable(v.target): reach}
	cmds := map[string]commandTarget{}
	add := func(topic string, payload any) {
		b, err := encode(payload)
		if err != nil { // a value JSON cannot carry; never the broker's fault
			s.log.Error("MQTT payload not encodable; skipped", "topic", topic, "err", err)
			return
		}
		msgs[topic] = b
	}
	for _, d := range devices(v, s.cfg.Hosts) {
		state := map[string]any{}
		for _, e := range entities {
			if e.kind != d.kind {
				continue
			}
			val, ok := e.value(v, d)
			if !ok {
				continue
			}
			// The connectivity sensor stays available while the SDDC
			// Manager does not answer: that is what it shows.
			withReach := e.object != "connectivity"
			if withReach {
				state[e.object] = val
			}
			add(s.topics.config(e.component, v.target, unique(v.target, d, e.object)), discoveryConfig(s.topics, v.target, d, e.component, e.object, e.name, e.static, withReach))
		}
		add(s.topics.state(v.target, d), state)
		if d.kind != kindDomain {
			continue
		}
		for _, c := range commands {
			add(s.topics.config(c.component, v.target, unique(v.target, d, c.name)), commandConfig(s.topics, v.target, d, c, releaseURL))
			cmds[s.topics.command(v.target, d, c.name)] = commandTarget{command: c, target: v.target, domainID: d.id, domainName: d.name}
		}
		add(s.topics.command(v.target, d, "update"), updateState(v, d, s.workflow(ctx, v, d), &s.progress))
	}
	s.mu.Lock()
	for topic, ct := range s.commands {
		if ct.target == v.target {
			delete(s.commands, topic)
		}
	}
	for topic, ct := range cmds {
		s.commands[topic] = ct
	}
	s.mu.Unlock()
	s.replaceOwned(v.target, msgs)
}

// workflow is the domain's upgrade workflow as the engine shows it, when
// it has one (the engine answers those without calling SDDC Manager).
func (s *Sink) workflow(ctx context.Context, v *values, d *device) *actions.Status {
	st, ok := v.state("vcf_upgrade_workflow_state", d.match)
	if s.actions == nil || !ok || st == string(actions.StateWaitingForInitiation) {
		return nil
	}
	wf, err := s.actions.UpgradeStatus(ctx, v.target, d.id)
	if err != nil {
		s.log.Debug("upgrade workflow status unavailable", "target", v.target, "domain", d.name, "err", err)
		return nil
	}
	return wf
}

// replaceOwned makes msgs the target's retained messages; its topics that
// are not in msgs get an empty retained message, which removes a vanished
// entity from Home Assistant. A nil payload is such a removal.
func (s *Sink) replaceOwned(target string, msgs map[string][]byte) {
	s.mu.Lock()
	old := s.owned[target]
	now := map[string]bool{}
	for topic, payload := range msgs {
		if payload != nil {
			now[topic] = true
		}
	}
	if len(now) == 0 {
		delete(s.owned, target)
	} else {
		s.owned[target] = now
	}
	s.mu.Unlock()
	for topic := range old {
		if !now[topic] {
			s.set(topic, []byte{})
		}
	}
	for topic, payload := range msgs {
		if payload == nil {
			payload = []byte{}
		}
		s.set(topic, payload)
	}
}
