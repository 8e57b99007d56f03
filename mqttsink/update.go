package mqttsink

import (
	"context"
	"fmt"
	"net/url"
	"sync"

	"github.com/vcf-exporter/vcf_exporter/actions"
)

// Actions is what the sink needs of the actions engine (*actions.Engine):
// its public operations, with the same checks as the /actions API.
type Actions interface {
	StartUpgrade(ctx context.Context, target, domain, version string) (*actions.Status, error)
	UpgradeStatus(ctx context.Context, target, domain string) (*actions.Status, error)
	Acknowledge(ctx context.Context, target, domain string) (*actions.Status, error)
	Cancel(ctx context.Context, target, domain string) (*actions.Status, error)
}

// command is a domain command Home Assistant can publish: the update
// entity's Install, and a button each for acknowledge and cancel.
type command struct {
	name      string // last topic level
	component string // update or button
	title     string
	payload   string // the only payload accepted
	run       func(a Actions, ctx context.Context, target, domainID string) (*actions.Status, error)
}

const payloadInstall = "install"

var commands = []command{
	{"install", "update", "VCF upgrade", payloadInstall, func(a Actions, ctx context.Context, t, d string) (*actions.Status, error) {
		return a.StartUpgrade(ctx, t, d, "") // the next applicable release, as Home Assistant shows it
	}},
	{"acknowledge", "button", "Acknowledge pre-check findings", "PRESS", Actions.Acknowledge},
	{"cancel", "button", "Cancel upgrade", "PRESS", Actions.Cancel},
}

func (t topics) command(target string, d *device, name string) string {
	return t.device(target, d) + "/" + name
}

// commandConfig is the discovery config of a command's entity.
func commandConfig(t topics, target string, d *device, c command, releaseURL string) map[string]any {
	cfg := discoveryConfig(t, target, d, c.component, c.name, c.title, nil, true)
	cfg["command_topic"] = t.command(target, d, c.name)
	cfg["retain"] = false // a restart of the broker must never replay a command
	switch c.component {
	case "update":
		cfg["payload_install"] = c.payload
		cfg["state_topic"] = t.command(target, d, "update")
		cfg["device_class"] = "firmware"
		cfg["title"] = "VMware Cloud Foundation"
		if releaseURL != "" {
			cfg["release_url"] = releaseURL
		}
	case "button":
		cfg["payload_press"] = c.payload
		cfg["entity_category"] = "config"
	}
	return cfg
}

// httpURL returns u without credentials when it is http(s), else "".
func httpURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	p.User = nil
	p.RawQuery, p.Fragment = "", ""
	return p.String()
}

// updateState is the JSON state of a domain's update entity. Unknown
// values are left out: Home Assistant drops the whole message for a null
// string or an unknown key.
func updateState(v *values, d *device, wf *actions.Status, pct *progress) map[string]any {
	s := map[string]any{}
	installed, ok := v.label("vcf_domain_version_info", "version", d.match)
	if ok && installed != "" {
		s["installed_version"] = installed
		s["latest_version"] = installed
	}
	if next, ok := v.label("vcf_domain_next_version_info", "version", d.match); ok && next != "" {
		s["latest_version"] = next
		s["release_summary"] = fmt.Sprintf("VCF %s is the next applicable release of domain %s.", next, d.name)
	}
	running := wf != nil && inProgress(wf.State)
	s["in_progress"] = running
	if running {
		s["update_percentage"] = pct.of(wf)
		if wf.TargetVersion != "" {
			s["latest_version"] = wf.TargetVersion
		}
	}
	return s
}

func inProgress(s actions.State) bool { return !actions.Terminal(s) }

// stateProgress is how far a workflow is at the start of each state, in
// percent. Downloading adds the downloaded share of the bundles.
var stateProgress = map[actions.State]int{
	actions.StateTargeting:            2,
	actions.StateDownloading:          5,
	actions.StatePrechecks:            25,
	actions.StateWaitingAck:           30,
	actions.StateWaitingSDDCManager:   30,
	actions.StateStartingUpgrades:     35,
	actions.StateUpgradingSDDCManager: 40,
	actions.StateUpgradingNSX:         50,
	actions.StateUpgradingVCenter:     65,
	actions.StateUpgradingESX:         80,
	actions.StateValidating:           95,
	actions.StateSucceeded:            100,
}

// progress keeps each workflow's percentage from going back (a state that
// is retried, a workflow resumed after a restart of the exporter).
type progress struct {
	mu   sync.Mutex
	best map[string]int // target, domain id and start time of a workflow
}

func (p *progress) of(wf *actions.Status) int {
	pct := stateProgress[wf.State]
	if wf.State == actions.StateDownloading && wf.BundlesTotal > 0 {
		pct += 20 * wf.BundlesDone / wf.BundlesTotal
	}
	k := wf.Target + "\x00" + wf.DomainID + "\x00" + wf.Started.String()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.best == nil {
		p.best = map[string]int{}
	}
	pct = max(pct, p.best[k])
	p.best[k] = pct
	return pct
}
