package vcfclient

import (
	"bytes"
	"math"
	"testing"

	json "github.com/goccy/go-json"
)

// FuzzDecodeHosts feeds arbitrary bodies to the streaming page decoder and
// the host conversion, as GET /v1/hosts does: an error is fine, a panic or
// an exported +Inf or negative number is not. Seeds: testdata/fuzz/.
func FuzzDecodeHosts(f *testing.F) {
	f.Add([]byte(`{"elements":[{"id":"h1","fqdn":"esx","cpu":{"frequencyMHz":1e308,"cores":-4}}],"pageMetadata":{"totalPages":1}}`))
	f.Add([]byte(`[{"id":"h1","memory":{"totalCapacityMB":1024}}]`))
	f.Add([]byte(`{"elements":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = decodePage(json.NewDecoder(bytes.NewReader(body)), func(w *hostWire) error {
			h, err := w.model()
			if err != nil {
				return err
			}
			for _, v := range []float64{h.CPUCores, h.CPUUsedHertz, h.CPUTotalHertz, h.MemoryUsedBytes, h.MemoryTotalBytes, h.StorageUsedBytes, h.StorageTotalBytes} {
				if math.IsInf(v, 0) || v < 0 {
					t.Fatalf("host %q: unusable value %v not dropped", h.ID, v)
				}
			}
			return nil
		})
	})
}

// FuzzDecodeDomains does the same for GET /v1/domains and its capacity
// units.
func FuzzDecodeDomains(f *testing.F) {
	f.Add([]byte(`{"elements":[{"id":"d","name":"mgmt","capacity":{"cpu":{"used":{"value":1e308,"unit":"GHz"}},"memory":{"total":{"value":-1,"unit":"GB"}}},"clusters":[{"id":"c"}]}]}`))
	f.Add([]byte(`{"elements":[{"id":"d","capacity":{"storage":{"used":{"value":3,"unit":"TB"}}}}],"extra":{"a":[1,{"b":null}]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = decodePage(json.NewDecoder(bytes.NewReader(body)), func(w *domainWire) error {
			d, err := w.model()
			if err != nil {
				return err
			}
			c := d.Capacity
			for _, v := range []float64{c.CPUUsedHertz, c.CPUTotalHertz, c.MemoryUsedBytes, c.MemoryTotalBytes, c.StorageUsedBytes, c.StorageTotalBytes} {
				if math.IsInf(v, 0) || v < 0 {
					t.Fatalf("domain %q: unusable value %v not dropped", d.ID, v)
				}
			}
			return nil
		})
	})
}

// FuzzCompareVersions checks that version comparison never panics and is
// an order: antisymmetric and reflexive.
func FuzzCompareVersions(f *testing.F) {
	f.Add("5.2.1.0", "5.10.0.0")
	f.Add("5.2.0.0-24108943", "5.2")
	f.Add("", "1..2")
	f.Add("18446744073709551616", "1")
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, errA := CompareVersions(a, b)
		ba, errB := CompareVersions(b, a)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("errors differ: %v / %v", errA, errB)
		}
		if errA != nil {
			return
		}
		if ab != -ba {
			t.Fatalf("Compare(%q,%q)=%d but Compare(%q,%q)=%d", a, b, ab, b, a, ba)
		}
		if n, err := CompareVersions(a, a); err != nil || n != 0 {
			t.Fatalf("Compare(%q,%q) = %d, %v", a, a, n, err)
		}
		// NextRelease must cope with whatever versions it is given.
		_, _ = NextRelease(a, []Release{{Version: b, MinCompatibleVcfVersion: a, ApplicabilityStatus: "APPLICABLE", IsApplicable: true}})
	})
}
