package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMQTTConfig(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mqtt.password"), []byte("s3cret\n"), 0o600))
	file := filepath.Join(dir, "vcf.yml")
	require.NoError(t, os.WriteFile(file, []byte(`
mqtt:
  broker: mqtts://mqtt.example.com:8883
  username: vcf
  password_file: mqtt.password
  install: true
`), 0o600))
	c, err := Load(file)
	require.NoError(t, err)
	require.NotNil(t, c.MQTT)
	require.Equal(t, filepath.Join(dir, "mqtt.password"), c.MQTT.PasswordFile, "relative to the config file")
	pw, err := c.MQTT.ResolvePassword()
	require.NoError(t, err)
	require.Equal(t, "s3cret", string(pw))
	d := c.MQTT.WithDefaults()
	assert.Equal(t, "homeassistant", d.DiscoveryPrefix)
	assert.Equal(t, "vcf_exporter", d.TopicPrefix)
	assert.True(t, d.Install)
	assert.False(t, d.Hosts)

	for name, tc := range map[string]struct{ yaml, err string }{
		"unknown key":       {"mqtt:\n  broker: tcp://b:1883\n  colour: red\n", "colour"},
		"no broker":         {"mqtt:\n  username: u\n", "broker is required"},
		"http scheme":       {"mqtt:\n  broker: http://b:1883\n", "scheme must be"},
		"no port":           {"mqtt:\n  broker: tcp://b\n", "host and port"},
		"password in url":   {"mqtt:\n  broker: tcp://u:pw@b:1883\n", "not in the URL"},
		"wildcard prefix":   {"mqtt:\n  broker: tcp://b:1883\n  topic_prefix: vcf/#\n", "topic_prefix"},
		"empty level":       {"mqtt:\n  broker: tcp://b:1883\n  discovery_prefix: ha//x\n", "discovery_prefix"},
		"both passwords":    {"mqtt:\n  broker: tcp://b:1883\n  password: x\n  password_file: f\n", "mutually exclusive"},
		"negative interval": {"mqtt:\n  broker: tcp://b:1883\n  interval: -1s\n", ""},
	} {
		_, err := Parse([]byte(tc.yaml))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), tc.err, name)
		assert.NotContains(t, err.Error(), ":pw@", "no password in errors")
	}
}
