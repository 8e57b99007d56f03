package vcfclient

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"testing"

	gojson "github.com/goccy/go-json"
)

// Full structs for the Host schema, as a generated client (or a naive one)
// would declare them: the baseline of BenchmarkDecodeHosts.
type fullRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

type fullHost struct {
	ID                string `json:"id"`
	SerialNumber      string `json:"serialNumber"`
	EsxiVersion       string `json:"esxiVersion"`
	SSHThumbprint     string `json:"sshThumbprint"`
	SSLThumbprint     string `json:"sslThumbprint"`
	FQDN              string `json:"fqdn"`
	HardwareVendor    string `json:"hardwareVendor"`
	HardwareModel     string `json:"hardwareModel"`
	IsPrimary         bool   `json:"isPrimary"`
	IsVsanEsaEligible bool   `json:"isVsanEsaEligible"`
	IPAddresses       []struct {
		IPAddress string `json:"ipAddress"`
		Type      string `json:"type"`
	} `json:"ipAddresses"`
	CPU struct {
		FrequencyMHz     float64 `json:"frequencyMHz"`
		UsedFrequencyMHz float64 `json:"usedFrequencyMHz"`
		Cores            int     `json:"cores"`
		CPUCores         []struct {
			FrequencyMHz float64 `json:"frequencyMHz"`
			Model        string  `json:"model"`
			Manufacturer string  `json:"manufacturer"`
		} `json:"cpuCores"`
	} `json:"cpu"`
	Memory struct {
		TotalCapacityMB float64 `json:"totalCapacityMB"`
		UsedCapacityMB  float64 `json:"usedCapacityMB"`
	} `json:"memory"`
	Storage struct {
		TotalCapacityMB float64 `json:"totalCapacityMB"`
		UsedCapacityMB  float64 `json:"usedCapacityMB"`
		Disks           []struct {
			CapacityMB   float64 `json:"capacityMB"`
			DiskType     string  `json:"diskType"`
			Manufacturer string  `json:"manufacturer"`
			Model        string  `json:"model"`
		} `json:"disks"`
	} `json:"storage"`
	PhysicalNics []struct {
		DeviceName   string `json:"deviceName"`
		MacAddress   string `json:"macAddress"`
		Speed        int    `json:"speed"`
		Unit         string `json:"unit"`
		State        string `json:"state"`
		SmartNicInfo *struct {
			VendorName string `json:"vendorName"`
			DpuID      string `json:"dpuId"`
		} `json:"smartNicInfo"`
	} `json:"physicalNics"`
	Networks []struct {
		ID      string   `json:"id"`
		Type    string   `json:"type"`
		VlanID  int      `json:"vlanId"`
		Mtu     int      `json:"mtu"`
		Subnet  string   `json:"subnet"`
		Mask    string   `json:"mask"`
		Gateway string   `json:"gateway"`
		FreeIps []string `json:"freeIps"`
		UsedIps []string `json:"usedIps"`
		IPPools []struct {
			Start string `json:"start"`
			End   string `json:"end"`
		} `json:"ipPools"`
	} `json:"networks"`
	HostNetworks []struct {
		Type   string `json:"type"`
		VlanID int    `json:"vlanId"`
		Mtu    int    `json:"mtu"`
	} `json:"hostNetworks"`
	Domain                fullRef                    `json:"domain"`
	Networkpool           fullRef                    `json:"networkpool"`
	Cluster               fullRef                    `json:"cluster"`
	Status                string                     `json:"status"`
	CompatibleStorageType string                     `json:"compatibleStorageType"`
	BundleRepoDatastore   string                     `json:"bundleRepoDatastore"`
	Hybrid                bool                       `json:"hybrid"`
	SoftwareInfo          *SoftwareInfo              `json:"softwareInfo"`
	Tags                  []map[string]string        `json:"tags"`
	ConfigurationStatus   string                     `json:"configurationStatus"`
	DatastoreType         string                     `json:"datastoreType"`
	Extra                 map[string]json.RawMessage `json:"-"`
}

type fullHostPage struct {
	Elements     []fullHost `json:"elements"`
	PageMetadata pageMeta   `json:"pageMetadata"`
}

var (
	benchBodyOnce sync.Once
	benchBody     []byte
)

// benchHostsBody is a 10,000-host /v1/hosts body (20 domains x 5 clusters x
// 100 hosts when it comes from the simulator, see simBenchBody).
func benchHostsBody(b *testing.B) []byte {
	benchBodyOnce.Do(func() {
		if body := simBenchBody(b); body != nil {
			benchBody = body
			return
		}
		benchBody = hostsBody(b, 10_000)
	})
	return benchBody
}

// BenchmarkDecodeHosts compares the client's streaming decode of /v1/hosts
// (token walk of elements, one lean hostWire at a time, converted to Host)
// with plain encoding/json: json.Unmarshal of the whole body into full
// structs. "unmarshal-lean" (whole body, lean structs) separates what the
// lean structs gain from what streaming gains.
func BenchmarkDecodeHosts(b *testing.B) {
	body := benchHostsBody(b)
	b.Logf("body: %d bytes", len(body))

	b.Run("stream-lean", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var hosts []Host
			_, err := decodePage(gojson.NewDecoder(bytes.NewReader(body)), func(w *hostWire) error {
				h, err := w.model()
				hosts = append(hosts, h)
				return err
			})
			if err != nil || len(hosts) != 10_000 {
				b.Fatalf("err=%v hosts=%d", err, len(hosts))
			}
		}
	})
	// As the client reads it: through the body limit and its value scanner.
	b.Run("stream-lean-limited", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var hosts []Host
			r := bufio.NewReaderSize(newLimitedBody(bytes.NewReader(body), DefaultMaxResponseBytes), 64<<10)
			_, err := decodePage(gojson.NewDecoder(r), func(w *hostWire) error {
				h, err := w.model()
				hosts = append(hosts, h)
				return err
			})
			if err != nil || len(hosts) != 10_000 {
				b.Fatalf("err=%v hosts=%d", err, len(hosts))
			}
		}
	})
	b.Run("unmarshal-full", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var p fullHostPage
			if err := json.Unmarshal(body, &p); err != nil || len(p.Elements) != 10_000 {
				b.Fatalf("err=%v hosts=%d", err, len(p.Elements))
			}
		}
	})
	// What a plain encoding/json client really does: read the whole body,
	// then unmarshal it.
	b.Run("readall-unmarshal-full", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			all, err := io.ReadAll(bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			var p fullHostPage
			if err := json.Unmarshal(all, &p); err != nil || len(p.Elements) != 10_000 {
				b.Fatalf("err=%v hosts=%d", err, len(p.Elements))
			}
		}
	})
	b.Run("unmarshal-lean", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var p struct {
				Elements []hostWire `json:"elements"`
			}
			if err := json.Unmarshal(body, &p); err != nil || len(p.Elements) != 10_000 {
				b.Fatalf("err=%v hosts=%d", err, len(p.Elements))
			}
		}
	})
}
