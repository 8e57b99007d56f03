package mqttsink

import (
	"regexp"
	"slices"
)

// kind is a level of the inventory; each is a Home Assistant device.
type kind string

const (
	kindSDDCManager kind = "sddc_manager"
	kindDomain      kind = "domain"
	kindCluster     kind = "cluster"
	kindHost        kind = "host"
)

// device is one Home Assistant device: the SDDC Manager, a workload
// domain, a cluster or a host of one target.
type device struct {
	kind   kind
	id     string            // SDDC Manager's id of the domain, cluster or host ("" for the SDDC Manager)
	name   string            // shown in Home Assistant
	model  string            // e.g. "Workload domain (VI)"
	match  map[string]string // the labels selecting its series
	parent *device           // via_device
}

// devices lists the target's devices from its series: the SDDC Manager,
// its domains (vcf_domain_info), clusters (vcf_cluster_info) and, with
// hosts, its assigned hosts (vcf_host_info).
func devices(v *values, hosts bool) []*device {
	sddc := &device{kind: kindSDDCManager, name: "SDDC Manager " + v.target, model: "SDDC Manager", match: map[string]string{}}
	out := []*device{sddc}
	domains := map[string]*device{}
	for _, s := range v.byName["vcf_domain_info"] {
		d := &device{kind: kindDomain, id: s.labels["domain_id"], name: s.labels["domain"],
			model: "Workload domain (" + s.labels["type"] + ")", match: map[string]string{"domain": s.labels["domain"]}, parent: sddc}
		if d.id == "" || domains[d.name] != nil {
			continue
		}
		domains[d.name] = d
		out = append(out, d)
	}
	clusters := map[[2]string]*device{}
	for _, s := range v.byName["vcf_cluster_info"] {
		p := domains[s.labels["domain"]]
		k := [2]string{s.labels["domain"], s.labels["cluster"]}
		if p == nil || s.labels["cluster_id"] == "" || clusters[k] != nil {
			continue
		}
		c := &device{kind: kindCluster, id: s.labels["cluster_id"], name: s.labels["cluster"], model: "vSphere cluster",
			match: map[string]string{"domain": k[0], "cluster": k[1]}, parent: p}
		clusters[k] = c
		out = append(out, c)
	}
	if hosts {
		for _, s := range v.byName["vcf_host_info"] {
			p := clusters[[2]string{s.labels["domain"], s.labels["cluster"]}]
			if p == nil || s.labels["host_id"] == "" {
				continue // unassigned hosts stay out of Home Assistant
			}
			out = append(out, &device{kind: kindHost, id: s.labels["host_id"], name: s.labels["host"], model: "ESXi host",
				match: map[string]string{"host": s.labels["host"]}, parent: p})
		}
	}
	return out
}

// entityDef is one kind of entity: a row of the entities table.
type entityDef struct {
	kind      kind
	component string // sensor, binary_sensor, update, button
	object    string // the quantity, ending unique_id and object_id
	name      string
	static    map[string]any // further discovery keys
	// value is the entity's state (nil: unknown); ok false means the entity
	// does not exist for this device (its family is off or absent).
	value func(v *values, d *device) (val any, ok bool)
}

var (
	percent     = map[string]any{"unit_of_measurement": "%", "state_class": "measurement", "suggested_display_precision": 1}
	count       = map[string]any{"state_class": "measurement"}
	diagnostic  = map[string]any{"entity_category": "diagnostic"}
	connectivit = map[string]any{"device_class": "connectivity", "payload_on": "online", "payload_off": "offline", "entity_category": "diagnostic"}
)

// entities is every entity the sink publishes, one row each. The update
// entity and the buttons are in update.go.
var entities = []entityDef{
	// Its state is the target's availability topic (see discoveryConfig).
	{kindSDDCManager, "binary_sensor", "connectivity", "Reachable", connectivit, func(*values, *device) (any, bool) { return nil, true }},
	{kindSDDCManager, "sensor", "version", "Version", diagnostic, func(v *values, _ *device) (any, bool) {
		s, _ := v.label("vcf_sddc_manager_info", "version", nil)
		return orNil(s), true
	}},
	// Tasks belong to no domain: the SDDC Manager's, summed over type. A
	// task that timed out failed too (as in the Prometheus and InfluxDB
	// packages' sensors).
	{kindSDDCManager, "sensor", "failed_tasks", "Failed tasks", count, ifFamily(failedTasksMetric, func(v *values, _ *device) (any, bool) {
		failed, _ := v.sum(failedTasksMetric, map[string]string{"status": "FAILED"})
		timedOut, _ := v.sum(failedTasksMetric, map[string]string{"status": "TIMED_OUT"})
		return failed + timedOut, true
	})},

	// _info metrics carry no status: the state sets do.
	{kindDomain, "sensor", "status", "Status", nil, func(v *values, d *device) (any, bool) {
		return orNil(first(v.state("vcf_domain_status", d.match))), true
	}},
	{kindDomain, "sensor", "version", "VCF version", nil, func(v *values, d *device) (any, bool) {
		return orNil(first(v.label("vcf_domain_version_info", "version", d.match))), true
	}},
	{kindDomain, "sensor", "cpu_usage", "CPU usage", percent, usage("vcf_domain_cpu_used_hertz", "vcf_domain_cpu_capacity_hertz")},
	{kindDomain, "sensor", "memory_usage", "Memory usage", percent, usage("vcf_domain_memory_used_bytes", "vcf_domain_memory_capacity_bytes")},
	{kindDomain, "sensor", "storage_usage", "Storage usage", percent, usage("vcf_domain_storage_used_bytes", "vcf_domain_storage_capacity_bytes")},
	{kindDomain, "sensor", "hosts", "Hosts", count, total("vcf_cluster_hosts")},
	{kindDomain, "sensor", "upgrade_workflow", "Upgrade workflow", nil, ifFamily("vcf_upgrade_workflow_state", func(v *values, d *device) (any, bool) {
		return orNil(first(v.state("vcf_upgrade_workflow_state", d.match))), true
	})},
	// The health collectors' entities: they appear when those families exist.
	{kindDomain, "sensor", "certificate_expiry_days", "Days to next certificate expiry", map[string]any{"unit_of_measurement": "d", "device_class": "duration", "state_class": "measurement"},
		daysUntilMin(certificateExpiryMetric)},

	{kindCluster, "sensor", "cpu_usage", "CPU usage", percent, usage("vcf_host_cpu_used_hertz", "vcf_host_cpu_capacity_hertz")},
	{kindCluster, "sensor", "memory_usage", "Memory usage", percent, usage("vcf_host_memory_used_bytes", "vcf_host_memory_capacity_bytes")},
	{kindCluster, "sensor", "storage_usage", "Storage usage", percent, usage("vcf_host_storage_used_bytes", "vcf_host_storage_capacity_bytes")},
	{kindCluster, "sensor", "hosts", "Hosts", count, total("vcf_cluster_hosts")},
	{kindCluster, "sensor", "status", "Status", nil, func(v *values, d *device) (any, bool) {
		return orNil(first(v.state("vcf_cluster_status", d.match))), true
	}},

	{kindHost, "sensor", "cpu_usage", "CPU usage", percent, usage("vcf_host_cpu_used_hertz", "vcf_host_cpu_capacity_hertz")},
	{kindHost, "sensor", "memory_usage", "Memory usage", percent, usage("vcf_host_memory_used_bytes", "vcf_host_memory_capacity_bytes")},
	{kindHost, "sensor", "storage_usage", "Storage usage", percent, usage("vcf_host_storage_used_bytes", "vcf_host_storage_capacity_bytes")},
	{kindHost, "sensor", "esxi_version", "ESXi version", diagnostic, func(v *values, d *device) (any, bool) {
		return orNil(first(v.label("vcf_host_info", "esxi_version", d.match))), true
	}},
}

// The health collectors' families (collector/certificate.go, task.go):
// the entities reading them exist only while those collectors serve them.
const (
	// labels domain, resource_type, resource_name
	certificateExpiryMetric = "vcf_certificate_expiry_timestamp_seconds"
	// labels type, status: the tasks of a type in a status
	failedTasksMetric = "vcf_tasks"
)

func usage(used, capacity string) func(v *values, d *device) (any, bool) {
	return func(v *values, d *device) (any, bool) { return v.percent(used, capacity, d.match) }
}

func total(name string) func(v *values, d *device) (any, bool) {
	return func(v *values, d *device) (any, bool) {
		t, ok := v.sum(name, d.match)
		if !ok {
			return nil, v.has(name)
		}
		return t, true
	}
}

func ifFamily(name string, f func(v *values, d *device) (any, bool)) func(v *values, d *device) (any, bool) {
	return func(v *values, d *device) (any, bool) {
		if !v.has(name) {
			return nil, false
		}
		return f(v, d)
	}
}

// daysUntilMin is the number of days from the snapshot to the earliest
// timestamp of name among the device's series.
func daysUntilMin(name string) func(v *values, d *device) (any, bool) {
	return func(v *values, d *device) (any, bool) {
		if !v.has(name) {
			return nil, false
		}
		ss := v.where(name, d.match)
		if len(ss) == 0 {
			return nil, true
		}
		earliest := slices.MinFunc(ss, func(a, b series) int { return cmpFloat(a.value, b.value) }).value
		return float64(int((earliest - v.now) / 86400)), true
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func first(s string, ok bool) string {
	if !ok {
		return ""
	}
	return s
}

// orNil is s, or nil (unknown) for "".
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var notID = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// id makes s usable in Home Assistant's node_id, object_id and unique_id.
func id(s string) string { return notID.ReplaceAllString(s, "_") }

// unique returns the Home Assistant identifier of a device (and, with an
// object, of one of its entities): stable across restarts, built from the
// target and SDDC Manager's ids, never from names that can change.
func unique(target string, d *device, object string) string {
	u := "vcf_" + id(target)
	if d.kind != kindSDDCManager {
		u += "_" + string(d.kind) + "_" + id(d.id)
	}
	if object != "" {
		u += "_" + object
	}
	return u
}
