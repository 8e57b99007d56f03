package vcfclient

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"unique"
)

const (
	endpointDomains      = "/v1/domains"
	endpointDomain       = "/v1/domains/{id}"
	endpointClusters     = "/v1/clusters"
	endpointCluster      = "/v1/clusters/{id}"
	endpointHosts        = "/v1/hosts"
	endpointHost         = "/v1/hosts/{id}"
	endpointSddcManagers = "/v1/sddc-managers"
)

// ---- wire structs: only the fields we keep ----

type refWire struct {
	ID string `json:"id"`
}

type domainWire struct {
	numbers
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	Type     string        `json:"type"`
	Status   string        `json:"status"`
	Capacity *capacityWire `json:"capacity"`
	Clusters []refWire     `json:"clusters"`
	Upgrade  *struct {
		Status string `json:"status"`
	} `json:"upgradeStatus"`
}

func (w *domainWire) listID() string { return w.ID }

func (w *domainWire) model() (Domain, error) {
	d := Domain{ID: w.ID, Name: w.Name, Type: w.Type, Status: w.Status}
	if w.Upgrade != nil {
		d.UpgradeStatus = w.Upgrade.Status
	}
	var err error
	if d.Capacity, err = w.Capacity.toCapacity(&w.numbers); err != nil {
		return d, fmt.Errorf("domain %q: %w", w.ID, err)
	}
	d.ClusterIDs = refIDs(w.Clusters)
	return d, nil
}

// refIDs returns the ids of references; nil for none.
func refIDs(refs []refWire) []string {
	if len(refs) == 0 {
		return nil
	}
	ids := make([]string, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	return ids
}

type clusterWire struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Status       string    `json:"status"`
	Domain       *refWire  `json:"domain"`
	Hosts        []refWire `json:"hosts"`
	IsImageBased bool      `json:"isImageBased"`
	IsStretched  bool      `json:"isStretched"`
}

func (w *clusterWire) listID() string { return w.ID }

func (w *clusterWire) model() (Cluster, error) {
	cl := Cluster{ID: w.ID, Name: w.Name, Status: w.Status, IsImageBased: w.IsImageBased, IsStretched: w.IsStretched}
	if w.Domain != nil {
		cl.DomainID = w.Domain.ID
	}
	cl.HostIDs = refIDs(w.Hosts)
	return cl, nil
}

// hostWire holds the Host fields we keep. Capacities are in the API's MHz
// and MB (MiB) here and converted by model().
type hostWire struct {
	numbers
	ID             string  `json:"id"`
	FQDN           string  `json:"fqdn"`
	Status         string  `json:"status"`
	ConfigStatus   string  `json:"configurationStatus"`
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
	Gpus []GPU `json:"gpus"` // VCF 9
}

func (w *hostWire) listID() string { return w.ID }

func (w *hostWire) model() (Host, error) {
	// A host's strings but its id and name repeat across the estate: one
	// copy of each is kept (a third of the memory of 10,000 hosts).
	h := Host{
		ID:                w.ID,
		FQDN:              w.FQDN,
		Status:            intern(w.Status),
		ConfigStatus:      intern(w.ConfigStatus),
		ESXiVersion:       intern(w.EsxiVersion),
		HardwareVendor:    intern(w.HardwareVendor),
		HardwareModel:     intern(w.HardwareModel),
		CPUCores:          w.check("cpu.cores", float64(w.CPU.Cores)),
		CPUUsedHertz:      w.check("cpu.usedFrequencyMHz", mhzToHertz(w.CPU.UsedFrequencyMHz)),
		CPUTotalHertz:     w.check("cpu.frequencyMHz", mhzToHertz(w.CPU.FrequencyMHz)),
		MemoryUsedBytes:   w.check("memory.usedCapacityMB", mibToBytes(w.Memory.UsedCapacityMB)),
		MemoryTotalBytes:  w.check("memory.totalCapacityMB", mibToBytes(w.Memory.TotalCapacityMB)),
		StorageUsedBytes:  w.check("storage.usedCapacityMB", mibToBytes(w.Storage.UsedCapacityMB)),
		StorageTotalBytes: w.check("storage.totalCapacityMB", mibToBytes(w.Storage.TotalCapacityMB)),
	}
	h.DomainID = intern(w.Domain.ID)
	h.ClusterID = intern(w.Cluster.ID)
	if len(w.Gpus) > 0 {
		h.GPUs = slices.Clone(w.Gpus) // w is reused for the next element
		for i := range h.GPUs {
			g := &h.GPUs[i]
			g.DeviceName, g.VendorName, g.VGPUState = intern(g.DeviceName), intern(g.VendorName), intern(g.VGPUState)
		}
	}
	return h, nil
}

func intern(s string) string { return unique.Make(s).Value() }

type sddcManagerWire struct {
	ID        string   `json:"id"`
	FQDN      string   `json:"fqdn"`
	Version   string   `json:"version"`
	IPAddress string   `json:"ipAddress"`
	Domain    *refWire `json:"domain"`
}

func (w *sddcManagerWire) listID() string { return w.ID }

func (w *sddcManagerWire) model() (SddcManager, error) {
	s := SddcManager{ID: w.ID, FQDN: w.FQDN, Version: w.Version, IPAddress: w.IPAddress}
	if w.Domain != nil {
		s.DomainID = w.Domain.ID
	}
	return s, nil
}

// ---- methods ----

// Domains lists the workload domains (GET /v1/domains).
func (c *Client) Domains(ctx context.Context) ([]Domain, error) {
	return list(ctx, c, newRequest(http.MethodGet, endpointDomains), (*domainWire).model)
}

// Domain gets one domain (GET /v1/domains/{id}).
func (c *Client) Domain(ctx context.Context, id string) (*Domain, error) {
	return get(ctx, c, endpointDomain, id, (*domainWire).model)
}

// Clusters lists all clusters (GET /v1/clusters).
func (c *Client) Clusters(ctx context.Context) ([]Cluster, error) {
	return list(ctx, c, newRequest(http.MethodGet, endpointClusters), (*clusterWire).model)
}

// Cluster gets one cluster (GET /v1/clusters/{id}).
func (c *Client) Cluster(ctx context.Context, id string) (*Cluster, error) {
	return get(ctx, c, endpointCluster, id, (*clusterWire).model)
}

// Hosts lists all hosts (GET /v1/hosts), decoding the bodies as a stream
// and following the pages VCF 9 serves (see list).
func (c *Client) Hosts(ctx context.Context) ([]Host, error) {
	return list(ctx, c, newRequest(http.MethodGet, endpointHosts), (*hostWire).model)
}

// Host gets one host (GET /v1/hosts/{id}).
func (c *Client) Host(ctx context.Context, id string) (*Host, error) {
	return get(ctx, c, endpointHost, id, (*hostWire).model)
}

// SddcManagers lists the SDDC Manager appliances (GET /v1/sddc-managers).
func (c *Client) SddcManagers(ctx context.Context) ([]SddcManager, error) {
	return list(ctx, c, newRequest(http.MethodGet, endpointSddcManagers), (*sddcManagerWire).model)
}

// Inventory fetches domains, clusters, hosts and SDDC Managers with one list
// call each, concurrently: four calls whatever the size of the estate. The
// first failure cancels the other calls and is the error returned: an
// unreachable SDDC Manager fails all four the same way, and one line saying
// so reads better in the log than four.
func (c *Client) Inventory(ctx context.Context) (*Inventory, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		inv         Inventory
		wg, smaller sync.WaitGroup
		once        sync.Once
		first       error
	)
	run := func(wg *sync.WaitGroup, f func() error) {
		wg.Go(func() {
			if err := f(); err != nil {
				once.Do(func() { first = err })
				cancel()
			}
		})
	}
	run(&smaller, func() (err error) { inv.Domains, err = c.Domains(ctx); return })
	run(&smaller, func() (err error) { inv.Clusters, err = c.Clusters(ctx); return })
	run(&smaller, func() (err error) { inv.SddcManagers, err = c.SddcManagers(ctx); return })
	run(&wg, func() (err error) { inv.Hosts, err = c.Hosts(ctx); return })
	smaller.Wait()
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return &inv, nil
}
