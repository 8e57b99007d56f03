package config

import (
	"testing"

	yaml "go.yaml.in/yaml/v2"
)

// FuzzParse: any configuration file gives a configuration or an error,
// never a panic; a file that parses validates, and survives a round trip
// through YAML. Seeds: testdata/fuzz/ and the files in testdata/.
func FuzzParse(f *testing.F) {
	f.Add([]byte("targets:\n- {name: a, url: 'https://a', username: u, password: p, max_response_size: 1MiB}\n"))
	f.Add([]byte("targets:\n- name: a\n  url: https://a\n  username: u\n  password_file: pw\n  tls_config: {ca_file: ca.pem}\n"))
	f.Add([]byte("targets: [{name: a}, {name: a}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a configuration that does not validate: %v", err)
		}
		if _, err := yaml.Marshal(c); err != nil {
			t.Fatalf("cannot marshal a parsed configuration: %v", err)
		}
	})
}
