// Package decodebench compares JSON decoders on the same 10,000-host
// GET /v1/hosts body (~53 MB, from vcfsim): encoding/json v1 (the old
// client), goccy/go-json (chosen), segmentio/encoding, go-json-experiment
// (= encoding/json/v2), the standard library's encoding/json/v2 under
// GOEXPERIMENT=jsonv2, and a two-core pipeline. It is a separate module so
// that the candidates stay out of the exporter's go.mod:
//
//	cd internal/decodebench && go test -bench . -benchmem
//	GOEXPERIMENT=jsonv2 go test -bench . -benchmem   # adds encoding/json/v2
package decbench

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

var (
	once sync.Once
	body []byte
)

func getBody(b testing.TB) []byte {
	once.Do(func() {
		// DECODEBENCH_BODY caches the body between runs.
		if d, err := os.ReadFile(os.Getenv("DECODEBENCH_BODY")); err == nil {
			body = d
			return
		}
		cfg := vcfsim.DefaultConfig()
		cfg.Domains, cfg.ClustersPerDomain, cfg.HostsPerCluster, cfg.UnassignedHosts = 20, 5, 100, 0
		sim, err := vcfsim.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/tokens", strings.NewReader(`{"username":"`+cfg.Username+`","password":"`+cfg.Password+`"}`)))
		var pair struct {
			AccessToken string `json:"accessToken"`
		}
		json.Unmarshal(rec.Body.Bytes(), &pair)
		req := httptest.NewRequest("GET", "/v1/hosts", nil)
		req.Header.Set("Authorization", "Bearer "+pair.AccessToken)
		rec = httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		body, _ = io.ReadAll(rec.Body)
		if f := os.Getenv("DECODEBENCH_BODY"); f != "" {
			_ = os.WriteFile(f, body, 0o644)
		}
	})
	return body
}

type refWire struct {
	ID string `json:"id"`
}

type hostWire struct {
	ID             string  `json:"id"`
	FQDN           string  `json:"fqdn"`
	Status         string  `json:"status"`
	EsxiVersion    string  `json:"esxiVersion"`
	HardwareVendor string  `json:"hardwareVendor"`
	HardwareModel  string  `json:"hardwareModel"`
	Domain         refWire `json:"domain"`
	Cluster        refWire `json:"cluster"`
	CPU            struct {
		FrequencyMHz     float64 `json:"frequencyMHz"`
		UsedFrequencyMHz float64 `json:"usedFrequencyMHz"`
		Cores            int     `json:"cores"`
	} `json:"cpu"`
	Memory struct {
		TotalCapacityMB float64 `json:"totalCapacityMB"`
		UsedCapacityMB  float64 `json:"usedCapacityMB"`
	} `json:"memory"`
	Storage struct {
		TotalCapacityMB float64 `json:"totalCapacityMB"`
		UsedCapacityMB  float64 `json:"usedCapacityMB"`
	} `json:"storage"`
}
