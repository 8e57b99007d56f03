package examples

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/exporter-toolkit/web"
	"github.com/stretchr/testify/require"
	yaml3 "go.yaml.in/yaml/v3"
	"golang.org/x/crypto/bcrypt"

	"github.com/vcf-exporter/vcf_exporter/config"
)

// loadYAML parses a file; Home Assistant's tags (!secret, !include...)
// decode as their plain value.
func loadYAML(t *testing.T, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var v any
	require.NoError(t, yaml3.Unmarshal(b, &v), "%s", path)
	return v
}

// TestAllYAMLParses: every YAML file of examples/.
func TestAllYAMLParses(t *testing.T) {
	n := 0
	require.NoError(t, filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err == nil && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
			n++
			require.NotNil(t, loadYAML(t, p), "%s is empty", p)
		}
		return err
	}))
	require.Greater(t, n, 10)
}

// TestCompose: the compose file parses and everything it mounts or builds
// from exists (no container engine runs here).
func TestCompose(t *testing.T) {
	var compose struct {
		Services map[string]struct {
			Build *struct {
				Context    string `yaml:"context"`
				Dockerfile string `yaml:"dockerfile"`
			} `yaml:"build"`
			Image       string            `yaml:"image"`
			Volumes     []string          `yaml:"volumes"`
			Command     []string          `yaml:"command"`
			Ports       []string          `yaml:"ports"`
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	b, err := os.ReadFile("docker-compose.yml")
	require.NoError(t, err)
	require.NoError(t, yaml3.Unmarshal(b, &compose))
	for _, s := range []string{"vcf-exporter", "prometheus", "grafana", "influxdb"} {
		require.Contains(t, compose.Services, s)
	}
	mounts := 0
	for name, s := range compose.Services {
		require.True(t, s.Image != "" || s.Build != nil, "%s: image or build", name)
		if s.Build != nil {
			require.DirExists(t, s.Build.Context, "%s: build context", name)
			require.FileExists(t, filepath.Join(s.Build.Context, s.Build.Dockerfile), "%s: Dockerfile", name)
		}
		for _, v := range s.Volumes {
			src := strings.Split(v, ":")[0]
			if !strings.HasPrefix(src, ".") {
				continue // a named volume
			}
			_, err := os.Stat(src)
			require.NoError(t, err, "%s mounts %s", name, src)
			mounts++
		}
	}
	require.GreaterOrEqual(t, mounts, 5)
	require.Contains(t, compose.Services["vcf-exporter"].Command, "--simulator")

	// Safe by default: loopback only, no password in the file, every
	// variable it needs listed in .env.example.
	envExample, err := os.ReadFile(".env.example")
	require.NoError(t, err)
	required := regexp.MustCompile(`^\$\{(\w+):\?[^}]+\}$|^vcf:\$\{(\w+):\?[^}]+\}$`)
	for name, s := range compose.Services {
		for _, p := range s.Ports {
			require.True(t, strings.HasPrefix(p, "127.0.0.1:"), "%s publishes %s beyond loopback", name, p)
		}
		for k, v := range s.Environment {
			if !strings.Contains(k, "PASSWORD") && !strings.Contains(k, "TOKEN") {
				continue
			}
			m := required.FindStringSubmatch(v)
			require.NotNil(t, m, "%s: %s must come from .env as ${VAR:?message}, not %q", name, k, v)
			require.Regexp(t, `(?m)^`+m[1]+m[2]+`=`, string(envExample), ".env.example lists %s", m[1]+m[2])
		}
	}
	require.Equal(t, "true", compose.Services["influxdb"].Environment["INFLUXDB_HTTP_AUTH_ENABLED"])
	require.Contains(t, string(b), "INFLUXDB_HTTP_AUTH_ENABLED")

	// Grafana reads the dashboards' schema version.
	grafana := regexp.MustCompile(`^grafana/grafana:(\d+)\.\d+\.\d+$`).FindStringSubmatch(compose.Services["grafana"].Image)
	require.NotNil(t, grafana, "Grafana pinned to a release: %s", compose.Services["grafana"].Image)
	major, err := strconv.Atoi(grafana[1])
	require.NoError(t, err)
	require.GreaterOrEqual(t, major, grafanaMajorFor(t, maxSchemaVersion(t)), "the pinned Grafana must read the dashboards' schemaVersion")
	// The Prometheus configuration it mounts scrapes the exporter service.
	var prom struct {
		ScrapeConfigs []struct {
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	b, err = os.ReadFile(filepath.Join("prometheus", "prometheus.yml"))
	require.NoError(t, err)
	require.NoError(t, yaml3.Unmarshal(b, &prom))
	require.Equal(t, "vcf-exporter:10095", prom.ScrapeConfigs[0].StaticConfigs[0].Targets[0])
}

// grafanaMajorFor is the first Grafana major release that reads a dashboard
// schemaVersion (39: 11.0, 41 and 42: 12.x).
func grafanaMajorFor(t *testing.T, schema int) int {
	t.Helper()
	switch {
	case schema <= 38:
		return 10
	case schema <= 40:
		return 11
	case schema <= 42:
		return 12
	}
	t.Fatalf("schemaVersion %d: which Grafana reads it? extend grafanaMajorFor", schema)
	return 0
}

func maxSchemaVersion(t *testing.T) int {
	t.Helper()
	files, err := filepath.Glob("../dashboards/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	highest := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var d struct {
			SchemaVersion int `json:"schemaVersion"`
		}
		require.NoError(t, json.Unmarshal(b, &d), f)
		highest = max(highest, d.SchemaVersion)
	}
	return highest
}

func TestExporterConfig(t *testing.T) {
	c, err := config.Load("vcf_exporter.yml")
	require.NoError(t, err)
	require.Len(t, c.Targets, 2)
}

// TestWebConfig: exporter-toolkit accepts the file (with real certificate
// files in place of the example paths) and the hash is the documented one.
func TestWebConfig(t *testing.T) {
	b, err := os.ReadFile("web-config.yml")
	require.NoError(t, err)
	dir := t.TempDir()
	crt, key := writeSelfSigned(t, dir)
	s := strings.ReplaceAll(string(b), "/etc/vcf_exporter/tls.crt", crt)
	s = strings.ReplaceAll(s, "/etc/vcf_exporter/tls.key", key)
	p := filepath.Join(dir, "web-config.yml")
	require.NoError(t, os.WriteFile(p, []byte(s), 0o600))
	require.NoError(t, web.Validate(p))

	var wc struct {
		Users map[string]string `yaml:"basic_auth_users"`
	}
	require.NoError(t, yaml3.Unmarshal(b, &wc))
	require.NoError(t, bcrypt.CompareHashAndPassword([]byte(wc.Users["prometheus"]), []byte("change-me")))
}

func writeSelfSigned(t *testing.T, dir string) (crt, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vcf-exporter"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"vcf-exporter"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	kd, err := x509.MarshalECPrivateKey(k)
	require.NoError(t, err)
	crt, key = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	require.NoError(t, os.WriteFile(crt, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600))
	return crt, key
}

// TestGrafanaProvisioning: the provider loads the folder compose mounts the
// dashboards into, and there is a data source of each type the dashboards'
// "datasource" variables ask for.
func TestGrafanaProvisioning(t *testing.T) {
	ds := loadYAML(t, "grafana/provisioning/datasources/vcf.yml").(map[string]any)
	var types []string
	for _, d := range ds["datasources"].([]any) {
		types = append(types, d.(map[string]any)["type"].(string))
	}
	require.Contains(t, types, "prometheus")
	require.Contains(t, types, "influxdb")
	prov := loadYAML(t, "grafana/provisioning/dashboards/vcf.yml").(map[string]any)
	path := prov["providers"].([]any)[0].(map[string]any)["options"].(map[string]any)["path"]
	compose, err := os.ReadFile("docker-compose.yml")
	require.NoError(t, err)
	require.Contains(t, string(compose), "../dashboards:"+path.(string)+":ro")
}

// Keys each Home Assistant integration documents (home-assistant.io
// integrations rest, rest_command, template, influxdb, automation, script;
// the prometheus_sensor README). A key outside these lists is a typo or an
// invention that Home Assistant rejects at start.
var haKeys = map[string][]string{
	"rest":                     {"resource", "resource_template", "method", "headers", "params", "payload", "verify_ssl", "ssl_cipher_list", "timeout", "encoding", "authentication", "username", "password", "scan_interval", "sensor", "binary_sensor"},
	"rest.sensor":              {"name", "unique_id", "value_template", "json_attributes", "json_attributes_path", "unit_of_measurement", "device_class", "state_class", "icon", "picture", "availability", "force_update"},
	"rest.binary_sensor":       {"name", "unique_id", "value_template", "device_class", "icon", "picture", "availability", "force_update"},
	"rest_command.*":           {"url", "method", "headers", "payload", "content_type", "timeout", "username", "password", "authentication", "verify_ssl", "insecure_cipher", "skip_url_encoding"},
	"prometheus_sensor":        {"platform", "url", "headers", "queries"},
	"prometheus_sensor.sensor": {"name", "unique_id", "expr", "unit_of_measurement", "device_class", "state_class"},
	"prometheus_sensor.binary": {"name", "unique_id", "expr", "value_template", "device_class"},
	"influxdb":                 {"platform", "api_version", "host", "port", "path", "ssl", "verify_ssl", "ssl_ca_cert", "token", "organization", "bucket", "username", "password", "database", "queries", "queries_flux"},
	"influxdb.queries_flux":    {"name", "unique_id", "unit_of_measurement", "value_template", "bucket", "range_start", "range_stop", "query", "imports", "group_function"},
	"template.sensor":          {"name", "unique_id", "state", "unit_of_measurement", "state_class", "device_class", "availability", "icon", "picture", "attributes"},
	"template.binary_sensor":   {"name", "unique_id", "state", "device_class", "availability", "icon", "picture", "attributes", "delay_on", "delay_off", "auto_off"},
	"automation":               {"id", "alias", "description", "mode", "max", "max_exceeded", "variables", "trace", "initial_state", "trigger", "triggers", "condition", "conditions", "action", "actions"},
	"automation.trigger.state": {"platform", "trigger", "id", "enabled", "variables", "entity_id", "attribute", "from", "to", "not_from", "not_to", "for"},
	"automation.trigger.time":  {"platform", "trigger", "id", "enabled", "variables", "at", "weekday"},
	"script.*":                 {"alias", "sequence", "mode", "max", "description", "icon", "fields", "variables"},
	"package":                  {"rest", "rest_command", "sensor", "binary_sensor", "template"},
	"configuration.yaml":       {"rest", "rest_command"},
}

func requireKeys(t *testing.T, where, kind string, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "%s: a mapping expected", where)
	allowed, ok := haKeys[kind]
	require.True(t, ok, "no key list for %s", kind)
	for k := range m {
		require.True(t, slices.Contains(allowed, k), "%s: key %q is not documented for %s", where, k, kind)
	}
	return m
}

func list(v any) []any { l, _ := v.([]any); return l }

var slug = regexp.MustCompile(`[^a-z0-9]+`)

// entityID is the sensor id Home Assistant derives from a name.
func entityID(domain, name string) string {
	return domain + "." + strings.Trim(slug.ReplaceAllString(strings.ToLower(name), "_"), "_")
}

// TestHomeAssistantKeys checks the package files and the /actions files:
// documented keys only, numeric sensors keep long-term statistics, state
// triggers ignore unknown/unavailable.
func TestHomeAssistantKeys(t *testing.T) {
	files, err := filepath.Glob("home-assistant/packages/*.yaml")
	require.NoError(t, err)
	require.Len(t, files, 3)
	files = append(files, "home-assistant/configuration.yaml")
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			kind := "package"
			if strings.HasSuffix(f, "configuration.yaml") {
				kind = "configuration.yaml"
			}
			top := requireKeys(t, f, kind, loadYAML(t, f))
			// numeric[entity id] = has state_class; wrapped[entity id] from
			// template sensors reading it with states().
			numeric := map[string]bool{}
			templated := map[string]bool{}
			check := func(where, k string, s any, platformDomain string) {
				m := requireKeys(t, where, k, s)
				if _, ok := m["unit_of_measurement"]; ok {
					numeric[entityID(platformDomain, m["name"].(string))] = m["state_class"] == "measurement"
				}
			}
			for _, r := range list(top["rest"]) {
				m := requireKeys(t, f+" rest", "rest", r)
				for _, s := range list(m["sensor"]) {
					check(f+" rest sensor", "rest.sensor", s, "sensor")
				}
				for _, s := range list(m["binary_sensor"]) {
					requireKeys(t, f+" rest binary_sensor", "rest.binary_sensor", s)
				}
			}
			if rc, ok := top["rest_command"].(map[string]any); ok {
				for name, c := range rc {
					requireKeys(t, f+" rest_command "+name, "rest_command.*", c)
				}
			}
			for _, domain := range []string{"sensor", "binary_sensor"} {
				for _, p := range list(top[domain]) {
					switch platform := p.(map[string]any)["platform"]; platform {
					case "prometheus_sensor":
						m := requireKeys(t, f+" "+domain, "prometheus_sensor", p)
						for _, q := range list(m["queries"]) {
							if domain == "sensor" {
								check(f+" prometheus_sensor query", "prometheus_sensor.sensor", q, "sensor")
							} else {
								requireKeys(t, f+" prometheus_sensor binary query", "prometheus_sensor.binary", q)
							}
						}
					case "influxdb":
						require.Equal(t, "sensor", domain)
						m := requireKeys(t, f+" influxdb", "influxdb", p)
						for _, q := range list(m["queries_flux"]) {
							qm := requireKeys(t, f+" influxdb query", "influxdb.queries_flux", q)
							if _, ok := qm["unit_of_measurement"]; ok {
								// No state_class on this platform: a template
								// sensor must wrap it (checked below).
								numeric[entityID("sensor", qm["name"].(string))] = false
							}
						}
					default:
						t.Fatalf("%s: unexpected platform %v", f, platform)
					}
				}
			}
			stateRef := regexp.MustCompile(`states\('([a-z_]+\.[a-z0-9_]+)'\)`)
			for _, tb := range list(top["template"]) {
				for domain, entities := range tb.(map[string]any) {
					for _, e := range list(entities) {
						m := requireKeys(t, f+" template "+domain, "template."+domain, e)
						if m["state_class"] == "measurement" {
							for _, ref := range stateRef.FindAllStringSubmatch(m["state"].(string), -1) {
								templated[ref[1]] = true
							}
						}
					}
				}
			}
			if kind == "package" {
				require.NotEmpty(t, numeric)
			}
			for id, hasClass := range numeric {
				require.True(t, hasClass || templated[id],
					"%s: numeric sensor %s keeps no long-term statistics (no state_class: measurement, and no template sensor with one reads it)", f, id)
			}
		})
	}
	t.Run("automations", func(t *testing.T) {
		for _, a := range list(loadYAML(t, "home-assistant/automations.yaml")) {
			m := requireKeys(t, "automations.yaml", "automation", a)
			for _, tr := range list(m["trigger"]) {
				tm := tr.(map[string]any)
				kind := "automation.trigger." + tm["platform"].(string)
				requireKeys(t, "automations.yaml "+m["alias"].(string), kind, tr)
				if tm["platform"] == "state" {
					nf := list(tm["not_from"])
					require.Contains(t, nf, "unknown", "%s: a state trigger must not fire when the entity comes back from unknown", m["alias"])
					require.Contains(t, nf, "unavailable", "%s: a state trigger must not fire when the entity comes back from unavailable", m["alias"])
				}
			}
		}
	})
	t.Run("scripts", func(t *testing.T) {
		for name, s := range loadYAML(t, "home-assistant/scripts.yaml").(map[string]any) {
			requireKeys(t, "scripts.yaml "+name, "script.*", s)
		}
	})
}

// TestStatisticsCard: the card shows statistics of sensors all three
// packages define (with the same entity ids), with the card keys Home Assistant documents.
func TestStatisticsCard(t *testing.T) {
	cardKeys := map[string][]string{
		"vertical-stack":   {"type", "cards", "title"},
		"statistics-graph": {"type", "title", "entities", "period", "days_to_show", "stat_types", "chart_type", "hide_legend", "logarithmic_scale", "min_y_axis", "max_y_axis", "fit_y_data", "unit", "energy_date_selection"},
		"statistic":        {"type", "name", "entity", "stat_type", "period", "unit", "icon", "theme", "footer"},
	}
	defined := func(file string) map[string]bool {
		ids := map[string]bool{}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if n, ok := v["name"].(string); ok && v["unit_of_measurement"] != nil && v["state_class"] == "measurement" {
					ids[entityID("sensor", n)] = true
				}
				for _, x := range v {
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		walk(loadYAML(t, file))
		return ids
	}
	rest := defined("home-assistant/packages/vcf_prometheus_rest.yaml")
	psensor := defined("home-assistant/packages/vcf_prometheus_sensor.yaml")
	influx := defined("home-assistant/packages/vcf_influxdb.yaml")
	card := loadYAML(t, "home-assistant/statistics-card.yaml").(map[string]any)
	n := 0
	for _, c := range append([]any{card}, list(card["cards"])...) {
		m := c.(map[string]any)
		allowed, ok := cardKeys[m["type"].(string)]
		require.True(t, ok, "card type %v", m["type"])
		for k := range m {
			require.Contains(t, allowed, k, "card %v: key %q", m["type"], k)
		}
		ents := list(m["entities"])
		if e, ok := m["entity"]; ok {
			ents = append(ents, e)
		}
		for _, e := range ents {
			n++
			require.True(t, rest[e.(string)] && psensor[e.(string)] && influx[e.(string)], "%s is no statistics sensor of all three packages", e)
		}
	}
	require.Greater(t, n, 2)
}

// TestDocSnippetsDoNotCollide: a top-level `automation:` in a snippet of
// the documentation would replace Home Assistant's default
// `automation: !include automations.yaml`.
func TestDocSnippetsDoNotCollide(t *testing.T) {
	docs, err := filepath.Glob("../docs/*.md")
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	for _, f := range append(docs, "../README.md") {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		inYAML := false
		for i, line := range strings.Split(string(b), "\n") {
			switch {
			case strings.HasPrefix(line, "```yaml"):
				inYAML = true
			case strings.HasPrefix(line, "```"):
				inYAML = false
			case inYAML:
				require.NotRegexp(t, `^(automation|script):\s*$`, line, "%s:%d: use a labelled block (automation vcf:) or a package", f, i+1)
			}
		}
	}
}

// TestActionsOverHTTPS: the actions token travels only over TLS in every
// example and every page of the documentation (loopback, the demo's,
// excepted).
func TestActionsOverHTTPS(t *testing.T) {
	files, err := filepath.Glob("../docs/*.md")
	require.NoError(t, err)
	files = append(files, "../README.md")
	require.NoError(t, filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, "_test.go") {
			files = append(files, p)
		}
		return err
	}))
	plain := regexp.MustCompile(`http://([^/"'\s]+)[^"'\s]*/actions/`)
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		n += strings.Count(string(b), "https://vcf-exporter.example.com:10095/actions/")
		for _, m := range plain.FindAllStringSubmatch(string(b), -1) {
			host := strings.Split(m[1], ":")[0]
			require.Contains(t, []string{"127.0.0.1", "localhost"}, host, "%s: %s sends the actions token over plain http", f, m[0])
		}
	}
	require.Positive(t, n, "the examples call /actions over https")
}
