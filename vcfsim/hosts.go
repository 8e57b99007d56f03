package vcfsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// hostTmpl is a host's JSON, pre-encoded once, split around the three usage
// numbers that drift. Serving /v1/hosts then only appends bytes and three
// floats per host instead of re-encoding thousands of nested objects.
type hostTmpl struct {
	parts [4][]byte
}

// Sentinels mark the usage fields in the encoded template; they cannot be
// real values.
const (
	sentCPU  = -9.87654321e+299
	sentMem  = -8.76543219e+299
	sentStor = -7.65432198e+299
)

// usageStep is the simulated granularity of the usage drift.
const usageStep = time.Minute

func (s *Simulator) step() int64 {
	return s.clk.sim().Unix() / int64(usageStep/time.Second)
}

// buildHostTmpl encodes a host. Its detail arrays come from a per-host
// stream of the seed so a rebuild (new esxiVersion) yields the same rest.
func (s *Simulator) buildHostTmpl(h *host) *hostTmpl {
	r := newRand(s.cfg.Seed, 1<<32+uint64(h.idx))
	j := hostJSON{
		ID: h.id, SerialNumber: h.serial, FQDN: h.fqdn,
		EsxiVersion:    s.rel.bom(h.esxVer)[compESX].Version,
		SSHThumbprint:  fmt.Sprintf("SHA256:%x", r.Uint64()),
		SSLThumbprint:  sslThumb(r),
		HardwareVendor: h.hwVendor,
		HardwareModel:  h.hwMd,
		IPAddresses: []ipAddress{
			{IPAddress: h.ip, Type: "MANAGEMENT"},
			{IPAddress: "172.16.12." + strconv.Itoa(10+h.idx%240), Type: "VMOTION"},
			{IPAddress: "172.16.13." + strconv.Itoa(10+h.idx%240), Type: "VSAN"},
		},
		CPU:    hostCPU{FrequencyMHz: h.cpuMHz, UsedFrequencyMHz: sentCPU, Cores: h.cores},
		Memory: hostMemory{TotalCapacityMB: h.memMB, UsedCapacityMB: sentMem},
		Storage: hostStorage{
			TotalCapacityMB: math.Round(h.storMB*100) / 100, UsedCapacityMB: sentStor,
		},
		HostNetworks: []hostNetwork{
			{Type: "MANAGEMENT", VlanID: 1611, MTU: 1500},
			{Type: "VMOTION", VlanID: 1612, MTU: 9000},
			{Type: "VSAN", VlanID: 1613, MTU: 9000},
		},
		Networkpool:           ref{ID: s.inv.poolID, Name: s.inv.poolName},
		Status:                h.status,
		CompatibleStorageType: "VSAN",
		Hybrid:                false,
		Tags:                  []any{},
		ConfigurationStatus:   h.configStatus,
	}
	// 5.2.1's isVsanEsaEligible is drawn in 9.x too, so both versions
	// draw the same stream for the rest of the host.
	esa := r.IntN(2) == 0
	if !s.prof.v9 {
		j.IsVsanEsaEligible = &esa
	}
	perCore := h.cpuMHz / float64(h.cores)
	for i := 0; i < h.cores; i++ {
		j.CPU.CPUCores = append(j.CPU.CPUCores, cpuCore{FrequencyMHz: perCore, Model: h.cpuModel, Manufacturer: "GenuineIntel"})
	}
	capDisks := int(math.Round(h.storMB / (3840 * 1024 * 0.9313)))
	for i := 0; i < capDisks/2+1; i++ {
		j.Storage.Disks = append(j.Storage.Disks, disk{CapacityMB: 763097.0, DiskType: "FLASH", Manufacturer: "NVMe", Model: "Dell Ent NVMe P5600 MU U.2 800GB"})
	}
	for i := 0; i < capDisks; i++ {
		j.Storage.Disks = append(j.Storage.Disks, disk{CapacityMB: 3662830.0, DiskType: "FLASH", Manufacturer: "NVMe", Model: "Dell Ent NVMe CM6 RI 3.84TB"})
	}
	for i := 0; i < 4; i++ {
		state := "ACTIVE_IN_USE"
		if i >= 2 {
			state = "ACTIVE_NOT_IN_USE"
		}
		j.PhysicalNics = append(j.PhysicalNics, physicalNic{
			DeviceName: fmt.Sprintf("vmnic%d", i),
			MacAddress: fmt.Sprintf("00:50:56:%02x:%02x:%02x", byte(h.idx>>8), byte(h.idx), byte(i)),
			Speed:      25000, Unit: "MB", State: state,
		})
	}
	if h.domain != nil {
		j.Domain = &ref{ID: h.domain.id, Name: h.domain.name, Type: h.domain.typ}
		j.Cluster = &ref{ID: h.cluster.id, Name: h.cluster.name}
		j.DatastoreType = "VSAN"
		j.BundleRepoDatastore = "lcm-bundle-repo"
		if !s.prof.v9 {
			primary := h == h.cluster.hosts[0]
			j.IsPrimary = &primary
		}
	}
	if s.prof.v9 {
		j.Gpus = hostGPUs(h.idx)
	}
	esx := s.rel.bom(h.esxVer)[compESX].Version
	si := &softwareInfo{}
	si.BaseImage.Version = esx
	si.BaseImage.Details.DisplayName = "ESXi"
	si.BaseImage.Details.DisplayVersion = esx
	si.BaseImage.Details.ReleaseDate = s.rel.byVersion[h.esxVer].date
	j.SoftwareInfo = si

	b, err := json.Marshal(j)
	if err != nil {
		// hostJSON holds only plain values; failing here is a programming error.
		panic(fmt.Sprintf("vcfsim: encoding host: %v", err))
	}
	t := &hostTmpl{}
	rest := b
	for i, sent := range []float64{sentCPU, sentMem, sentStor} {
		mark, _ := json.Marshal(sent)
		k := bytes.Index(rest, mark)
		t.parts[i] = rest[:k:k]
		rest = rest[k+len(mark):]
	}
	t.parts[3] = rest
	return t
}

func sslThumb(r interface{ Uint64() uint64 }) string {
	var b bytes.Buffer
	for i := 0; i < 32; i++ {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", byte(r.Uint64()))
	}
	return b.String()
}

// usage is a host's used CPU (MHz), memory (MB) and storage (MB) at a step.
func (s *Simulator) usage(h *host, step int64) (cpu, mem, stor float64) {
	k := uint64(h.idx) * 4
	clamp := func(f float64) float64 { return math.Max(0.01, math.Min(0.97, f)) }
	fc := clamp(h.baseCPU + 0.3*drift(s.cfg.Seed, k, step))
	fm := clamp(h.baseMem + 0.15*drift(s.cfg.Seed, k+1, step))
	fs := clamp(h.baseStor + 0.08*drift(s.cfg.Seed, k+2, floorDiv(step, 30)))
	if h.domain == nil { // commissioned but unused: idle
		fc, fm, fs = fc*0.05, fm*0.05, fs*0.01
	}
	return math.Round(h.cpuMHz * fc), math.Round(h.memMB * fm), math.Round(h.storMB*fs*100) / 100
}

func appendHost(b []byte, t *hostTmpl, cpu, mem, stor float64) []byte {
	b = append(b, t.parts[0]...)
	b = strconv.AppendFloat(b, cpu, 'f', -1, 64)
	b = append(b, t.parts[1]...)
	b = strconv.AppendFloat(b, mem, 'f', -1, 64)
	b = append(b, t.parts[2]...)
	b = strconv.AppendFloat(b, stor, 'f', -1, 64)
	return append(b, t.parts[3]...)
}

// hostsSnapshot returns the hosts passing keep whose position among them
// is in [from, to), their current templates, and how many passed.
func (s *Simulator) hostsSnapshot(keep func(*host) bool, from, to int) ([]*host, []*hostTmpl, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := max(0, min(to, len(s.inv.hosts))-from)
	hs := make([]*host, 0, n)
	ts := make([]*hostTmpl, 0, n)
	total := 0
	for _, h := range s.inv.hosts {
		if keep(h) {
			if total >= from && total < to {
				hs = append(hs, h)
				ts = append(ts, h.tmpl)
			}
			total++
		}
	}
	return hs, ts, total
}

// hostsPage encodes a PageOfHost: the page p of the hosts passing keep.
func (s *Simulator) hostsPage(p pageReq, keep func(*host) bool) []byte {
	from, to := s.bounds(p)
	hs, ts, total := s.hostsSnapshot(keep, from, to)
	meta := s.meta(p, len(hs), total)
	step := s.step()
	b := make([]byte, 0, 64+len(hs)*sizeHint(ts))
	b = append(b, `{"elements":[`...)
	for i, h := range hs {
		if i > 0 {
			b = append(b, ',')
		}
		cpu, mem, stor := s.usage(h, step)
		b = appendHost(b, ts[i], cpu, mem, stor)
	}
	b = append(b, `],"pageMetadata":{"pageNumber":`...)
	b = strconv.AppendInt(b, int64(meta.PageNumber), 10)
	b = append(b, `,"pageSize":`...)
	b = strconv.AppendInt(b, int64(meta.PageSize), 10)
	b = append(b, `,"totalElements":`...)
	b = strconv.AppendInt(b, int64(meta.TotalElements), 10)
	b = append(b, `,"totalPages":`...)
	b = strconv.AppendInt(b, int64(meta.TotalPages), 10)
	return append(b, `}}`...)
}

// hostGPUs are a host's GPUs (9.x), a fixed pattern by host index: every
// fourth host carries one to three NVIDIA GPUs (one of every three such
// hosts without the vGPU driver), every fourth other host only the
// server's onboard Matrox graphics, the rest none.
func hostGPUs(idx int) []gpuJSON {
	switch idx % 4 {
	case 1:
		state := "READY"
		if idx%12 == 5 {
			state = "DRIVER_MISSING"
		}
		dev := []string{"NVIDIA L40S", "NVIDIA A100-PCIE-40GB", "NVIDIA H100 PCIe"}[idx/4%3]
		out := make([]gpuJSON, 1+idx/4%3)
		for i := range out {
			out[i] = gpuJSON{DeviceName: dev, VendorName: "NVIDIA Corporation", VgpuState: state}
		}
		return out
	case 3:
		return []gpuJSON{{DeviceName: "Integrated Matrox G200eW3 Graphics Controller", VendorName: "Matrox Electronics Systems Ltd.", VgpuState: "NO_NVIDIA_GPU"}}
	}
	return nil
}

// sizeHint estimates one host's encoded size so the buffer grows once.
func sizeHint(ts []*hostTmpl) int {
	if len(ts) == 0 {
		return 0
	}
	n := 64 // the three numbers and a comma
	for _, p := range ts[0].parts {
		n += len(p)
	}
	return n
}

func (s *Simulator) hostBody(h *host) []byte {
	s.mu.Lock()
	t := h.tmpl
	s.mu.Unlock()
	cpu, mem, stor := s.usage(h, s.step())
	return appendHost(nil, t, cpu, mem, stor)
}

// capacityOf sums hosts' capacity and usage in the units SDDC Manager uses
// for domains and clusters (GHz, GB, TB).
func (s *Simulator) capacityOf(hosts []*host, step int64) capacity {
	var c capacity
	var cpuT, cpuU, memT, memU, stT, stU float64
	for _, h := range hosts {
		cu, mu, su := s.usage(h, step)
		cpuT += h.cpuMHz
		cpuU += cu
		memT += h.memMB
		memU += mu
		stT += h.storMB
		stU += su
		c.CPU.NumberOfCores += h.cores
		c.CPU.NumberOfPkgs += 2
	}
	r2 := func(v float64) float64 { return math.Round(v*100) / 100 }
	c.CPU.Used = metric{r2(cpuU / 1000), "GHz"}
	c.CPU.Total = metric{r2(cpuT / 1000), "GHz"}
	c.Memory.Used = metric{r2(memU / 1024), "GB"}
	c.Memory.Total = metric{r2(memT / 1024), "GB"}
	c.Storage.Used = metric{r2(stU / 1024 / 1024), "TB"}
	c.Storage.Total = metric{r2(stT / 1024 / 1024), "TB"}
	return c
}
