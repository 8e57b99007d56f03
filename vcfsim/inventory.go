package vcfsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

type domain struct {
	idx                    int
	id, name, typ, status  string
	clusters               []*cluster
	vcID, vcFQDN           string
	nsxID, nsxFQDN, nsxVIP string
	edgeID                 string
	ssoID                  string
	hosts                  []*host
	// Release versions (VCF version strings) each component is at; the
	// domain's version becomes the target once every component reached it.
	version, nsxVer, vcVer string
	target                 string
}

type cluster struct {
	idx                  int
	id, name, status     string
	moref, datastoreName string
	imageBased           bool
	domain               *domain
	hosts                []*host
	esxVer               string // release version of its hosts' ESXi
}

type host struct {
	idx                        int
	id, fqdn, ip               string
	serial, hwVendor, hwMd     string
	cpuModel                   string
	domain                     *domain
	cluster                    *cluster
	status, configStatus       string
	cpuMHz                     float64
	cores                      int
	memMB, storMB              float64
	baseCPU, baseMem, baseStor float64 // usage fractions the drift moves around
	esxVer                     string  // release version, for esxiVersion
	tmpl                       *hostTmpl
}

type inventory struct {
	site        string
	domains     []*domain
	clusters    []*cluster
	hosts       []*host
	byDomain    map[string]*domain
	byCluster   map[string]*cluster
	byHost      map[string]*host
	sddcID      string
	sddcFQDN    string
	sddcIP      string
	sddcVersion string // release version
	poolID      string
	poolName    string
}

var sites = []string{"sfo", "lax", "nyc", "ams", "fra", "lhr", "sin", "syd"}

var hardware = []struct{ vendor, model, cpu string }{
	{"Dell Inc.", "PowerEdge R650", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"},
	{"Dell Inc.", "VxRail P670F", "Intel(R) Xeon(R) Gold 6342 CPU @ 2.80GHz"},
	{"HPE", "ProLiant DL380 Gen10 Plus", "Intel(R) Xeon(R) Gold 6330 CPU @ 2.00GHz"},
	{"Lenovo", "ThinkSystem SR650 V2", "Intel(R) Xeon(R) Platinum 8358 CPU @ 2.60GHz"},
}

// buildInventory generates everything from the seed in a fixed order, so
// one seed always yields the same ids, names and sizes.
func buildInventory(cfg *Config, domainVersion func(int) string) *inventory {
	r := newRand(cfg.Seed, 1)
	inv := &inventory{
		site:      sites[r.IntN(len(sites))],
		byDomain:  map[string]*domain{},
		byCluster: map[string]*cluster{},
		byHost:    map[string]*host{},
	}
	suffix := inv.site + ".rainpole.io"
	inv.sddcID = uuidFrom(r)
	inv.sddcFQDN = inv.site + "-vcf01." + suffix
	inv.sddcIP = "10.11.10.10"
	inv.sddcVersion = domainVersion(0)
	inv.poolID = uuidFrom(r)
	inv.poolName = inv.site + "-m01-np01"
	ssoID := uuidFrom(r)

	for d := 0; d < cfg.Domains; d++ {
		dom := &domain{idx: d, id: uuidFrom(r), status: "ACTIVE", ssoID: ssoID}
		code := fmt.Sprintf("w%02d", d)
		if d == 0 {
			dom.typ, dom.name, code = "MANAGEMENT", "mgmt-domain", "m01"
		} else {
			dom.typ, dom.name = "VI", fmt.Sprintf("vi-domain-%02d", d)
		}
		// One non-ACTIVE domain: the second one (the first VI domain).
		if d == 1 {
			dom.status = "ERROR"
		}
		dom.version = domainVersion(d)
		dom.nsxVer, dom.vcVer = dom.version, dom.version
		dom.vcID, dom.vcFQDN = uuidFrom(r), fmt.Sprintf("%s-%s-vc01.%s", inv.site, code, suffix)
		dom.nsxID, dom.nsxFQDN = uuidFrom(r), fmt.Sprintf("%s-%s-nsx01.%s", inv.site, code, suffix)
		dom.nsxVIP = fmt.Sprintf("10.%d.%d.5", 11+d/200, (10+d)%250)
		dom.edgeID = uuidFrom(r)
		inv.domains = append(inv.domains, dom)
		inv.byDomain[dom.id] = dom
		for c := 0; c < cfg.ClustersPerDomain; c++ {
			cl := &cluster{
				idx: len(inv.clusters), id: uuidFrom(r), status: "ACTIVE", domain: dom,
				name:       fmt.Sprintf("%s-%s-cl%02d", inv.site, code, c+1),
				moref:      fmt.Sprintf("domain-c%d", 1000+len(inv.clusters)*7),
				imageBased: r.IntN(2) == 0,
				esxVer:     dom.version,
			}
			cl.datastoreName = cl.name + "-vsan01"
			// One non-ACTIVE cluster: the last cluster of the last domain.
			if d == cfg.Domains-1 && c == cfg.ClustersPerDomain-1 && (cfg.Domains > 1 || cfg.ClustersPerDomain > 1) {
				cl.status = "EXPANDING"
			}
			dom.clusters = append(dom.clusters, cl)
			inv.clusters = append(inv.clusters, cl)
			inv.byCluster[cl.id] = cl
			for h := 0; h < cfg.HostsPerCluster; h++ {
				hst := newHost(r, len(inv.hosts), fmt.Sprintf("%s-%s-cl%02d-esx%03d.%s", inv.site, code, c+1, h+1, suffix))
				hst.domain, hst.cluster, hst.status, hst.esxVer = dom, cl, "ASSIGNED", dom.version
				cl.hosts = append(cl.hosts, hst)
				dom.hosts = append(dom.hosts, hst)
				inv.addHost(hst)
			}
		}
	}
	// One non-ACTIVE host: the last host of the first cluster.
	if first := inv.clusters[0]; len(first.hosts) > 1 {
		first.hosts[len(first.hosts)-1].configStatus = "ERROR"
	}
	for u := 0; u < cfg.UnassignedHosts; u++ {
		hst := newHost(r, len(inv.hosts), fmt.Sprintf("%s-esx-spare%02d.%s", inv.site, u+1, suffix))
		hst.status, hst.esxVer = "UNASSIGNED_USEABLE", inv.sddcVersion
		inv.addHost(hst)
	}
	if cfg.HostOrder == HostOrderID {
		slices.SortFunc(inv.hosts, func(a, b *host) int { return strings.Compare(a.id, b.id) })
	}
	return inv
}

func (inv *inventory) addHost(h *host) {
	inv.hosts = append(inv.hosts, h)
	inv.byHost[h.id] = h
}

func newHost(r *rand.Rand, idx int, fqdn string) *host {
	hw := hardware[r.IntN(len(hardware))]
	cores := []int{16, 20, 24, 28}[r.IntN(4)]
	ghz := []float64{2.0, 2.6, 2.8}[r.IntN(3)]
	h := &host{
		idx: idx, id: uuidFrom(r), fqdn: fqdn,
		ip:       fmt.Sprintf("10.%d.%d.%d", 11+idx/62500, (idx/250)%250, 10+idx%250),
		serial:   strings.ToUpper(fmt.Sprintf("%07x", r.Uint32()&0xfffffff)),
		hwVendor: hw.vendor, hwMd: hw.model, cpuModel: hw.cpu,
		configStatus: "ACTIVE",
		cores:        cores,
		cpuMHz:       float64(cores) * ghz * 1000,
		memMB:        float64([]int{512, 768, 1024, 1536}[r.IntN(4)]) * 1024,
		storMB:       float64(4+r.IntN(5)) * 3840 * 1024 * 0.9313, // capacity disks of 3.84 TB
		baseCPU:      0.15 + 0.45*r.Float64(),
		baseMem:      0.35 + 0.4*r.Float64(),
		baseStor:     0.3 + 0.4*r.Float64(),
	}
	return h
}
