package mqttsink

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Home Assistant's MQTT discovery schema, as far as this sink uses it,
// transcribed from homeassistant/components/mqtt/ (discovery.py,
// abbreviations.py, schemas.py, config.py, sensor.py, binary_sensor.py,
// button.py, update.py) and components/sensor/const.py. Home Assistant
// rejects a config that breaks it (voluptuous), and drops a whole update
// state message for a null string, an unknown key or a non-http URL.

// haTopic is discovery.py's TOPIC_MATCHER after the discovery prefix.
var haTopic = regexp.MustCompile(`^(?P<component>\w+)/(?:(?P<node_id>[a-zA-Z0-9_-]+)/)?(?P<object_id>[a-zA-Z0-9_-]+)/config$`)

// haAbbreviations are the abbreviations of the keys used here
// (abbreviations.py); Home Assistant expands them before validating.
var haAbbreviations = map[string]string{
	"avty": "availability", "avty_mode": "availability_mode", "avty_t": "availability_topic",
	"cmd_t": "command_topic", "dev": "device", "dev_cla": "device_class", "ent_cat": "entity_category",
	"ic": "icon", "name": "name", "obj_id": "object_id", "pl_on": "payload_on", "pl_off": "payload_off",
	"pl_prs": "payload_press", "pl_inst": "payload_install", "rel_s": "release_summary", "rel_u": "release_url",
	"ret": "retain", "stat_cla": "state_class", "stat_t": "state_topic", "sug_dsp_prc": "suggested_display_precision",
	"uniq_id": "unique_id", "unit_of_meas": "unit_of_measurement", "val_tpl": "value_template", "o": "origin",
	"en": "enabled_by_default", "t": "topic", "exp_aft": "expire_after", "frc_upd": "force_update",
	"ent_pic": "entity_picture", "l_ver_t": "latest_version_topic", "l_ver_tpl": "latest_version_template",
	"dsp_prc": "display_precision", "tit": "title", "qos": "qos", "e": "encoding",
}

var haDeviceAbbreviations = map[string]string{
	"cns": "connections", "cu": "configuration_url", "ids": "identifiers", "name": "name", "mf": "manufacturer",
	"mdl": "model", "mdl_id": "model_id", "hw": "hw_version", "sw": "sw_version", "sa": "suggested_area",
	"sn": "serial_number", "via_device": "via_device",
}

var haOriginAbbreviations = map[string]string{"name": "name", "sw": "sw_version", "url": "support_url"}

// haCommon are the keys of MQTT_ENTITY_COMMON_SCHEMA and the availability
// schema, valid for every component.
var haCommon = []string{"availability", "availability_mode", "availability_topic", "availability_template",
	"payload_available", "payload_not_available", "device", "enabled_by_default", "entity_category", "entity_picture",
	"icon", "json_attributes_topic", "json_attributes_template", "name", "object_id", "default_entity_id", "unique_id",
	"origin", "encoding", "qos"}

// haComponents: each component's own keys and its required ones.
var haComponents = map[string]struct{ keys, required []string }{
	"sensor": {[]string{"state_topic", "value_template", "unit_of_measurement", "device_class", "state_class",
		"suggested_display_precision", "expire_after", "force_update", "last_reset_value_template", "options"}, []string{"state_topic"}},
	"binary_sensor": {[]string{"state_topic", "value_template", "payload_on", "payload_off", "device_class",
		"expire_after", "force_update", "off_delay"}, []string{"state_topic"}},
	"button": {[]string{"command_topic", "command_template", "payload_press", "retain", "device_class"}, []string{"command_topic"}},
	"update": {[]string{"state_topic", "value_template", "command_topic", "payload_install", "device_class",
		"entity_picture", "latest_version_template", "latest_version_topic", "release_summary", "release_url",
		"retain", "title", "display_precision"}, nil},
}

// haDeviceClasses per component; for sensors the units each accepts (nil:
// any unit) — sensor/const.py DEVICE_CLASS_UNITS for the classes used here.
var haDeviceClasses = map[string]map[string][]string{
	"sensor":        {"duration": {"d", "h", "min", "s", "ms", "µs"}, "enum": {}},
	"binary_sensor": {"connectivity": nil, "problem": nil, "update": nil, "running": nil},
	"button":        {"identify": nil, "restart": nil, "update": nil},
	"update":        {"firmware": nil},
}

// checkDiscovery validates one retained config against the schema.
func checkDiscovery(discoveryPrefix, topic string, payload []byte) error {
	rest, ok := strings.CutPrefix(topic, discoveryPrefix+"/")
	m := haTopic.FindStringSubmatch(rest)
	if !ok || m == nil {
		return fmt.Errorf("%s: not a discovery topic", topic)
	}
	component := m[1]
	comp, ok := haComponents[component]
	if !ok {
		return fmt.Errorf("%s: component %q not checked here", topic, component)
	}
	var raw map[string]any
	if err := json.Unmarshal(payload, &raw); err != nil {
		return fmt.Errorf("%s: %w", topic, err)
	}
	c := expand(raw, haAbbreviations)
	var errs []string
	for k, v := range c {
		if !slices.Contains(haCommon, k) && !slices.Contains(comp.keys, k) {
			errs = append(errs, "unknown key "+k)
		}
		if v == nil && k != "name" && k != "device_class" {
			errs = append(errs, k+" is null")
		}
	}
	for _, k := range append(comp.required, "unique_id", "device") {
		if _, ok := c[k]; !ok {
			errs = append(errs, "missing "+k)
		}
	}
	if dev, ok := c["device"].(map[string]any); ok {
		dev = expand(dev, haDeviceAbbreviations)
		known := slices.Collect(maps.Values(haDeviceAbbreviations))
		for k := range dev {
			if !slices.Contains(known, k) {
				errs = append(errs, "unknown device key "+k)
			}
		}
		if ids, _ := dev["identifiers"].([]any); len(ids) == 0 {
			errs = append(errs, "device without identifiers")
		}
	}
	if o, ok := c["origin"].(map[string]any); ok {
		o = expand(o, haOriginAbbreviations)
		if s, _ := o["name"].(string); s == "" {
			errs = append(errs, "origin without name")
		}
	}
	if av, ok := c["availability"].([]any); ok {
		for _, a := range av {
			if t, _ := a.(map[string]any)["topic"].(string); t == "" {
				errs = append(errs, "availability entry without topic")
			}
		}
	}
	if mode, ok := c["availability_mode"].(string); ok && !slices.Contains([]string{"all", "any", "latest"}, mode) {
		errs = append(errs, "availability_mode "+mode)
	}
	if ec, ok := c["entity_category"].(string); ok && ec != "config" && ec != "diagnostic" {
		errs = append(errs, "entity_category "+ec)
	}
	if dc, ok := c["device_class"].(string); ok {
		if _, known := haDeviceClasses[component][dc]; !known {
			errs = append(errs, "device_class "+dc+" of "+component)
		}
	}
	if component == "sensor" {
		errs = append(errs, checkSensor(c)...)
	}
	if component == "update" {
		if u, ok := c["release_url"].(string); ok && !httpLike(u) {
			errs = append(errs, "release_url not http(s)")
		}
		if _, ok := c["command_topic"]; ok {
			if _, ok := c["payload_install"]; !ok {
				errs = append(errs, "command_topic without payload_install")
			}
		}
	}
	if r, ok := c["retain"].(bool); ok && r {
		errs = append(errs, "commands must not be retained")
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s: %s", topic, strings.Join(errs, "; "))
	}
	return nil
}

// checkSensor is sensor.py's validation of state_class, device_class and unit.
func checkSensor(c map[string]any) []string {
	var errs []string
	dc, _ := c["device_class"].(string)
	sc, hasSC := c["state_class"].(string)
	unit, hasUnit := c["unit_of_measurement"].(string)
	if hasSC && !slices.Contains([]string{"measurement", "measurement_angle", "total", "total_increasing"}, sc) {
		errs = append(errs, "state_class "+sc)
	}
	if dc == "enum" && (hasSC || hasUnit) {
		errs = append(errs, "enum sensors have neither state_class nor unit")
	}
	if _, ok := c["options"]; ok && dc != "enum" {
		errs = append(errs, "options only for enum sensors")
	}
	if units := haDeviceClasses["sensor"][dc]; dc != "" && units != nil && hasUnit && !slices.Contains(units, unit) {
		errs = append(errs, fmt.Sprintf("unit %q not valid for device_class %s", unit, dc))
	}
	if _, ok := c["last_reset_value_template"]; ok && sc != "total" {
		errs = append(errs, "last_reset_value_template needs state_class total")
	}
	return errs
}

// checkUpdateState is update.py's schema of a JSON state: the keys it
// knows, strings that are strings (a null is refused: the whole message is
// dropped), http(s) URLs, in_progress a boolean, update_percentage a
// number from 0 to 100 or null.
func checkUpdateState(payload []byte) error {
	var s map[string]any
	if err := json.Unmarshal(payload, &s); err != nil {
		return err
	}
	var errs []string
	for k, v := range s {
		switch k {
		case "installed_version", "latest_version", "title", "release_summary":
			if _, ok := v.(string); !ok {
				errs = append(errs, k+" is not a string")
			}
		case "release_url", "entity_picture":
			if u, ok := v.(string); !ok || !httpLike(u) {
				errs = append(errs, k+" is not an http(s) URL")
			}
		case "in_progress":
			if _, ok := v.(bool); !ok {
				errs = append(errs, k+" is not a boolean")
			}
		case "update_percentage":
			if f, ok := v.(float64); v != nil && (!ok || f < 0 || f > 100) {
				errs = append(errs, k+" is not a number from 0 to 100")
			}
		default:
			errs = append(errs, "unknown key "+k)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("update state %s: %s", payload, strings.Join(errs, "; "))
	}
	return nil
}

func httpLike(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

func expand(m map[string]any, abbr map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if full, ok := abbr[k]; ok {
			k = full
		}
		out[k] = v
	}
	return out
}
