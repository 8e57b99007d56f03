package vcfclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	gojson "github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fullHostJSON is a host as SDDC Manager returns it, with the many fields
// the client ignores.
func fullHostJSON(i int) map[string]any {
	id := fmt.Sprintf("host-%05d-7c1f-4b6e-9a51-2f0e8d3c4b%02d", i, i%100)
	nics := []any{}
	for n := 0; n < 4; n++ {
		nics = append(nics, map[string]any{"deviceName": fmt.Sprintf("vmnic%d", n), "macAddress": "00:50:56:aa:bb:0" + strconv.Itoa(n), "speed": 25000, "unit": "Mbps", "state": "ACTIVE"})
	}
	cores := []any{}
	for n := 0; n < 8; n++ {
		cores = append(cores, map[string]any{"frequencyMHz": 2600, "model": "Intel(R) Xeon(R) Gold 6348 CPU @ 2.60GHz", "manufacturer": "GenuineIntel"})
	}
	disks := []any{}
	for n := 0; n < 6; n++ {
		disks = append(disks, map[string]any{"capacityMB": 1831420.0, "diskType": "FLASH", "manufacturer": "ATA", "model": "SAMSUNG MZ7LH1T9"})
	}
	return map[string]any{
		"id": id, "serialNumber": "SN" + strconv.Itoa(i), "esxiVersion": "8.0.3-24022510",
		"sshThumbprint": "SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "sslThumbprint": "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01",
		"fqdn": fmt.Sprintf("esx-%05d.sfo.rainpole.io", i), "hardwareVendor": "Dell Inc.", "hardwareModel": "PowerEdge R650",
		"isPrimary": i%100 == 0, "isVsanEsaEligible": true,
		"ipAddresses":  []any{map[string]any{"ipAddress": "10.0.0.1", "type": "MANAGEMENT"}, map[string]any{"ipAddress": "10.0.1.1", "type": "VSAN"}, map[string]any{"ipAddress": "10.0.2.1", "type": "VMOTION"}},
		"cpu":          map[string]any{"frequencyMHz": 41600.0, "usedFrequencyMHz": 12345.5, "cores": 16, "cpuCores": cores},
		"memory":       map[string]any{"totalCapacityMB": 1048576.0, "usedCapacityMB": 524288.25},
		"storage":      map[string]any{"totalCapacityMB": 10988520.0, "usedCapacityMB": 2000000.0, "disks": disks},
		"physicalNics": nics,
		"networks": []any{
			map[string]any{"id": "net-1", "type": "VSAN", "vlanId": 1612, "mtu": 9000, "subnet": "172.16.12.0", "mask": "255.255.255.0", "gateway": "172.16.12.1", "freeIps": []any{}, "usedIps": []any{"172.16.12.11"}},
			map[string]any{"id": "net-2", "type": "VMOTION", "vlanId": 1611, "mtu": 9000, "subnet": "172.16.11.0", "mask": "255.255.255.0", "gateway": "172.16.11.1"},
		},
		"hostNetworks": []any{map[string]any{"type": "VSAN", "vlanId": 1612, "mtu": 9000}},
		"domain":       map[string]any{"id": "dom-" + strconv.Itoa(i/500), "name": "wld"},
		"networkpool":  map[string]any{"id": "np-1", "name": "np"},
		"cluster":      map[string]any{"id": "cl-" + strconv.Itoa(i/100), "name": "cluster"},
		"status":       "ASSIGNED", "compatibleStorageType": "VSAN", "bundleRepoDatastore": "lcm-bundle-repo", "hybrid": false,
		"softwareInfo": map[string]any{"baseImage": map[string]any{"version": "8.0.3-0.0.24022510", "details": map[string]any{"displayName": "ESXi", "displayVersion": "8.0 U3"}}},
		"tags":         []any{}, "configurationStatus": "CONFIGURED", "datastoreType": "VSAN",
	}
}

// hostsBody generates a /v1/hosts body with n hosts.
func hostsBody(tb testing.TB, n int) []byte {
	tb.Helper()
	elems := make([]any, n)
	for i := range elems {
		elems[i] = fullHostJSON(i)
	}
	b, err := json.Marshal(page(elems...))
	require.NoError(tb, err)
	return b
}

func TestHostsDecodedAndConverted(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/hosts", staticJSON(page(fullHostJSON(7))))
	f.handle("GET /v1/hosts/h7", staticJSON(fullHostJSON(7)))
	c := f.client(t)
	hs, err := c.Hosts(context.Background())
	require.NoError(t, err)
	require.Len(t, hs, 1)
	want := Host{
		ID: "host-00007-7c1f-4b6e-9a51-2f0e8d3c4b07", FQDN: "esx-00007.sfo.rainpole.io", Status: "ASSIGNED", ConfigStatus: "CONFIGURED",
		ESXiVersion: "8.0.3-24022510", HardwareVendor: "Dell Inc.", HardwareModel: "PowerEdge R650",
		DomainID: "dom-0", ClusterID: "cl-0", CPUCores: 16,
		CPUUsedHertz: 12345.5e6, CPUTotalHertz: 41600e6,
		MemoryUsedBytes: 524288.25 * 1048576, MemoryTotalBytes: 1048576.0 * 1048576,
		StorageUsedBytes: 2000000.0 * 1048576, StorageTotalBytes: 10988520.0 * 1048576,
	}
	assert.Equal(t, want, hs[0])
	h, err := c.Host(context.Background(), "h7")
	require.NoError(t, err)
	assert.Equal(t, want, *h)
}

func TestDomainsAndClusters(t *testing.T) {
	f := newFake(t)
	dom := map[string]any{
		"id": "d1", "name": "sfo-m01", "type": "MANAGEMENT", "status": "ACTIVE", "orgName": "x",
		"clusters": []any{map[string]any{"id": "c1"}, map[string]any{"id": "c2"}},
		"capacity": map[string]any{
			"cpu":     map[string]any{"used": map[string]any{"value": 1.5, "unit": "GHz"}, "total": map[string]any{"value": 100, "unit": "MHz"}, "numberOfCores": 8},
			"memory":  map[string]any{"used": map[string]any{"value": 2, "unit": "GB"}, "total": map[string]any{"value": 1, "unit": "TB"}},
			"storage": map[string]any{"used": map[string]any{"value": 512, "unit": "KB"}, "total": map[string]any{"value": 3, "unit": "PB"}},
		},
		"vcenters":      []any{map[string]any{"id": "vc1", "fqdn": "vc"}},
		"upgradeStatus": map[string]any{"status": "IN_PROGRESS", "completedResources": 1, "totalResources": 4},
	}
	f.handle("GET /v1/domains", staticJSON(page(dom)))
	f.handle("GET /v1/clusters", staticJSON(page(map[string]any{
		"id": "c1", "name": "cl01", "status": "ACTIVE", "domain": map[string]any{"id": "d1"},
		"hosts": []any{map[string]any{"id": "h1", "fqdn": "a"}, map[string]any{"id": "h2"}}, "isImageBased": true, "isStretched": false,
		"vdsSpecs": []any{map[string]any{"name": "vds"}},
	})))
	c := f.client(t)
	ds, err := c.Domains(context.Background())
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, Domain{ID: "d1", Name: "sfo-m01", Type: "MANAGEMENT", Status: "ACTIVE", ClusterIDs: []string{"c1", "c2"}, UpgradeStatus: "IN_PROGRESS",
		Capacity: Capacity{
			CPUUsedHertz: 1.5e9, CPUTotalHertz: 100e6,
			MemoryUsedBytes: 2 << 30, MemoryTotalBytes: 1 << 40,
			StorageUsedBytes: 512 << 10, StorageTotalBytes: 3 << 50,
		}}, ds[0])
	cs, err := c.Clusters(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []Cluster{{ID: "c1", Name: "cl01", Status: "ACTIVE", DomainID: "d1", HostIDs: []string{"h1", "h2"}, IsImageBased: true}}, cs)
}

func TestUnknownUnitIsDecodeError(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/domains", staticJSON(page(map[string]any{"id": "d1", "capacity": map[string]any{"memory": map[string]any{"used": map[string]any{"value": 2, "unit": "furlongs"}}}})))
	c := f.client(t)
	_, err := c.Domains(context.Background())
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "/v1/domains", de.Endpoint)
	assert.Contains(t, err.Error(), "furlongs")
}

func TestInventoryIsFourCalls(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/domains", staticJSON(page(map[string]any{"id": "d1"})))
	f.handle("GET /v1/clusters", staticJSON(page(map[string]any{"id": "c1"})))
	elems := make([]any, 300)
	for i := range elems {
		elems[i] = fullHostJSON(i)
	}
	f.handle("GET /v1/hosts", staticJSON(page(elems...)))
	f.handle("GET /v1/sddc-managers", staticJSON(page(map[string]any{"id": "s1", "fqdn": "sddc", "version": "5.2.1.0-24307856", "ipAddress": "10.0.0.4", "domain": map[string]any{"id": "d1"}})))
	c := f.client(t)
	inv, err := c.Inventory(context.Background())
	require.NoError(t, err)
	assert.Len(t, inv.Domains, 1)
	assert.Len(t, inv.Clusters, 1)
	assert.Len(t, inv.Hosts, 300)
	assert.Equal(t, []SddcManager{{ID: "s1", FQDN: "sddc", Version: "5.2.1.0-24307856", IPAddress: "10.0.0.4", DomainID: "d1"}}, inv.SddcManagers)
	total := int64(0)
	f.counts.Range(func(k, v any) bool {
		if !strings.Contains(k.(string), "/v1/tokens") {
			total += f.count(k.(string))
		}
		return true
	})
	assert.Equal(t, int64(4), total, "four list calls, whatever the number of hosts")
	assert.Equal(t, int64(1), f.logins.Load())
}

func TestInventoryFailsAsAWhole(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/domains", staticJSON(page()))
	f.handle("GET /v1/clusters", func(w http.ResponseWriter, r *http.Request) { apiErr(w, 500, "BOOM", "boom") })
	f.handle("GET /v1/hosts", staticJSON(page()))
	f.handle("GET /v1/sddc-managers", staticJSON(page()))
	c := f.client(t)
	inv, err := c.Inventory(context.Background())
	require.Nil(t, inv)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "/v1/clusters", ae.Endpoint)
}

func TestPaging(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/tasks", func(w http.ResponseWriter, r *http.Request) {
		p, _ := strconv.Atoi(r.URL.Query().Get("pageNumber"))
		if r.URL.Query().Get("pageNumber") != "" {
			assert.Equal(t, "2", r.URL.Query().Get("pageSize"))
		}
		var el []any
		for i := 0; i < 2 && p*2+i < 5; i++ {
			el = append(el, map[string]any{"id": fmt.Sprintf("t%d", p*2+i), "name": "n", "status": "SUCCESSFUL", "creationTimestamp": "x"})
		}
		writeJSON(w, 200, map[string]any{"elements": el, "pageMetadata": map[string]int{"pageNumber": p, "pageSize": 2, "totalElements": 5, "totalPages": 3}})
	})
	c := f.client(t)
	ts, err := c.Tasks(context.Background())
	require.NoError(t, err)
	var ids []string
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	assert.Equal(t, []string{"t0", "t1", "t2", "t3", "t4"}, ids)
	assert.Equal(t, int64(3), f.count("GET /v1/tasks"))
}

func TestBadBodiesAreDecodeErrors(t *testing.T) {
	cases := map[string]func(w http.ResponseWriter){
		"malformed": func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"elements":[{"id":"h1",}]}`)) },
		"truncated": func(w http.ResponseWriter) {
			body := hostsBody(t, 3)
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body[:len(body)/2])
		},
		"cut at element boundary": func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"elements":[{"id":"h1"},`)) },
		"html":                    func(w http.ResponseWriter) { _, _ = w.Write([]byte(`<html>maintenance</html>`)) },
		"empty":                   func(w http.ResponseWriter) {},
		"elements not an array":   func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"elements":"nope"}`)) },
		"wrong field type":        func(w http.ResponseWriter) { _, _ = w.Write([]byte(`{"elements":[{"id":"h1","cpu":"fast"}]}`)) },
		"top-level string":        func(w http.ResponseWriter) { _, _ = w.Write([]byte(`"hello"`)) },
	}
	for name, write := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			f.handle("GET /v1/hosts", func(w http.ResponseWriter, r *http.Request) { write(w) })
			c := f.client(t)
			hs, err := c.Hosts(context.Background())
			require.Nil(t, hs)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "/v1/hosts", de.Endpoint)
			assert.Equal(t, "GET", de.Method)
			assert.Equal(t, int64(1), f.count("GET /v1/hosts"), "decode errors are not retried")
		})
	}
}

func TestDecodePageAcceptsVariants(t *testing.T) {
	for name, body := range map[string]string{
		"bare array":    `[{"id":"a"},{"id":"b"}]`,
		"meta first":    `{"pageMetadata":{"totalPages":1},"elements":[{"id":"a"},{"id":"b"}],"extra":{"x":[1,2,{"y":null}]}}`,
		"null elements": `{"elements":null,"other":[]}`,
	} {
		t.Run(name, func(t *testing.T) {
			var ids []string
			_, err := decodePage(gojson.NewDecoder(strings.NewReader(body)), func(w *refWire) error { ids = append(ids, w.ID); return nil })
			require.NoError(t, err)
			if name != "null elements" {
				assert.Equal(t, []string{"a", "b"}, ids)
			}
		})
	}
}

// FuzzDecodePage checks that no input makes the page decoder panic. Run
// with go test -fuzz=FuzzDecodePage; the seeds run as a normal test.
func FuzzDecodePage(f *testing.F) {
	for _, s := range []string{`{"elements":[{"id":"a","cpu":{"cores":1}}]}`, `[`, `{"elements":[`, `{"a":`, `]`, `{"elements":[1,2]}`, `nul`, `{"pageMetadata":"x"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodePage(gojson.NewDecoder(bytes.NewReader(b)), func(w *hostWire) error { _, err := w.model(); return err })
	})
}

// An unreachable SDDC Manager fails the four list calls alike: the error
// (and the "unreachable" log line made of it) says so once, on one line.
func TestInventoryUnreachableErrorOnce(t *testing.T) {
	f := newFake(t)
	c := f.client(t, func(c *Config) { c.MaxRetries = 1 })
	f.srv.Close()
	_, err := c.Inventory(context.Background())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "\n")
	assert.Equal(t, 1, strings.Count(err.Error(), "connection refused"), err.Error())
}
