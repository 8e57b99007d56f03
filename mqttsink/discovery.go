package mqttsink

import (
	"encoding/json"
	"maps"

	"github.com/prometheus/common/version"
)

// topics names every topic of one sink. Discovery configs follow Home
// Assistant's single-component form
// <discovery_prefix>/<component>/<node_id>/<object_id>/config, node_id the
// target; everything else is under the topic prefix.
type topics struct{ discovery, prefix string }

// status is the exporter's availability: "online", and "offline" as its
// last will.
func (t topics) status() string { return t.prefix + "/status" }

// haStatus is where Home Assistant announces itself (its birth message).
func (t topics) haStatus() string { return t.discovery + "/status" }

// reachable is a target's availability: whether its SDDC Manager answers.
func (t topics) reachable(target string) string { return t.prefix + "/" + target + "/availability" }

func (t topics) device(target string, d *device) string {
	if d.kind == kindSDDCManager {
		return t.prefix + "/" + target
	}
	return t.prefix + "/" + target + "/" + string(d.kind) + "/" + id(d.id)
}

// state is the device's JSON state: one key per entity.
func (t topics) state(target string, d *device) string { return t.device(target, d) + "/state" }

func (t topics) config(component, target, object string) string {
	return t.discovery + "/" + component + "/" + id(target) + "/" + object + "/config"
}

// commandFilters are the subscriptions for the domains' commands.
func (t topics) commandFilters() []string {
	out := make([]string, 0, len(commands))
	for _, c := range commands {
		out = append(out, t.prefix+"/+/domain/+/"+c.name)
	}
	return out
}

// discoveryConfig is the retained config of one entity.
func discoveryConfig(t topics, target string, d *device, component, object, name string, static map[string]any, withReachability bool) map[string]any {
	avail := []map[string]string{{"topic": t.status()}}
	if withReachability {
		avail = append(avail, map[string]string{"topic": t.reachable(target)})
	}
	c := map[string]any{
		"name":              name,
		"unique_id":         unique(target, d, object),
		"device":            deviceInfo(target, d),
		"availability":      avail,
		"availability_mode": "all",
		"origin":            map[string]string{"name": "vcf_exporter", "sw_version": version.Version, "support_url": "https://github.com/vcf-exporter/vcf_exporter"},
	}
	switch {
	case !withReachability:
		// The SDDC Manager's connectivity: its state is the availability
		// topic, current even while SDDC Manager does not answer.
		c["state_topic"] = t.reachable(target)
	case component != "button" && component != "update":
		c["state_topic"] = t.state(target, d)
		c["value_template"] = "{{ value_json." + object + " }}"
	}
	maps.Copy(c, static)
	return c
}

func deviceInfo(target string, d *device) map[string]any {
	info := map[string]any{
		"identifiers":  []string{unique(target, d, "")},
		"name":         d.name,
		"manufacturer": "VMware by Broadcom",
		"model":        d.model,
	}
	if d.parent != nil {
		info["via_device"] = unique(target, d.parent, "")
	}
	return info
}

// encode is v as JSON; values are finite numbers, strings and bools.
func encode(v any) ([]byte, error) { return json.Marshal(v) }
