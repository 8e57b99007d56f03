package vcfsim

import (
	"bytes"
	"math"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
)

type hostsPage struct {
	Elements []struct {
		ID, FQDN, Status, EsxiVersion string
		ConfigurationStatus           string `json:"configurationStatus"`
		Domain                        *idName
		Cluster                       *idName
		CPU                           struct {
			FrequencyMHz, UsedFrequencyMHz float64
			Cores                          int
			CPUCores                       []any `json:"cpuCores"`
		} `json:"cpu"`
		Memory  struct{ TotalCapacityMB, UsedCapacityMB float64 }
		Storage struct {
			TotalCapacityMB, UsedCapacityMB float64
			Disks                           []any
		}
		PhysicalNics []any `json:"physicalNics"`
		IPAddresses  []any `json:"ipAddresses"`
	} `json:"elements"`
}

func TestDefaultInventory(t *testing.T) {
	c := startServer(t, DefaultConfig()).login()
	var doms domainsPage
	c.get("/v1/domains", &doms)
	if len(doms.Elements) != 3 || doms.Elements[0].Type != "MANAGEMENT" || doms.Elements[1].Type != "VI" {
		t.Fatalf("domains: %+v", doms.Elements)
	}
	nonActive := 0
	for _, d := range doms.Elements {
		if d.Status != "ACTIVE" {
			nonActive++
		}
		if len(d.Clusters) != 2 {
			t.Errorf("domain %s has %d clusters", d.Name, len(d.Clusters))
		}
	}
	if nonActive != 1 {
		t.Errorf("%d non-ACTIVE domains, want 1", nonActive)
	}
	var cls struct {
		Elements []struct {
			Status string
			Hosts  []struct{ ID string }
			Domain idName
		} `json:"elements"`
	}
	c.get("/v1/clusters", &cls)
	nonActive = 0
	for _, cl := range cls.Elements {
		if cl.Status != "ACTIVE" {
			nonActive++
		}
		if len(cl.Hosts) != 4 || cl.Domain.ID == "" {
			t.Errorf("cluster: %+v", cl)
		}
	}
	if len(cls.Elements) != 6 || nonActive != 1 {
		t.Errorf("%d clusters, %d non-ACTIVE", len(cls.Elements), nonActive)
	}
	var hosts hostsPage
	c.get("/v1/hosts", &hosts)
	if len(hosts.Elements) != 26 {
		t.Fatalf("%d hosts, want 24 assigned + 2 unassigned", len(hosts.Elements))
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	unassigned, errHosts := 0, 0
	for _, h := range hosts.Elements {
		if !uuid.MatchString(h.ID) {
			t.Errorf("host id %q is not UUID-shaped", h.ID)
		}
		if h.Status == "UNASSIGNED_USEABLE" {
			unassigned++
			if h.Domain != nil || h.Cluster != nil {
				t.Errorf("unassigned host with domain/cluster: %+v", h)
			}
		}
		if h.ConfigurationStatus != "ACTIVE" {
			errHosts++
		}
		if h.CPU.Cores == 0 || len(h.CPU.CPUCores) != h.CPU.Cores || len(h.Storage.Disks) == 0 || len(h.PhysicalNics) == 0 || len(h.IPAddresses) == 0 || h.EsxiVersion == "" {
			t.Errorf("host %s lacks detail", h.FQDN)
		}
		if h.CPU.UsedFrequencyMHz <= 0 || h.CPU.UsedFrequencyMHz > h.CPU.FrequencyMHz || h.Memory.UsedCapacityMB > h.Memory.TotalCapacityMB || h.Storage.UsedCapacityMB > h.Storage.TotalCapacityMB {
			t.Errorf("host %s usage out of bounds: %+v %+v", h.FQDN, h.CPU, h.Memory)
		}
	}
	if unassigned != 2 || errHosts != 1 {
		t.Errorf("%d unassigned hosts, %d non-ACTIVE hosts", unassigned, errHosts)
	}
	st, b := c.do("GET", "/v1/hosts/"+hosts.Elements[0].ID, nil)
	if st != http.StatusOK || len(b) < 2000 {
		t.Errorf("GET host: %d, %d bytes (want a few KB)", st, len(b))
	}
	var mgrs struct {
		Elements []struct {
			FQDN, Version string
			Domain        idName
		} `json:"elements"`
	}
	c.get("/v1/sddc-managers", &mgrs)
	if len(mgrs.Elements) != 1 || mgrs.Elements[0].Domain.ID != doms.Elements[0].ID || mgrs.Elements[0].Version != "5.1.1.0-23480823" {
		t.Errorf("sddc managers: %+v", mgrs)
	}
}

func TestFilters(t *testing.T) {
	c := startServer(t, DefaultConfig()).login()
	dom := c.domainID("mgmt-domain")
	var hosts hostsPage
	c.get("/v1/hosts?domainId="+dom, &hosts)
	if len(hosts.Elements) != 8 {
		t.Errorf("hosts of a domain: %d, want 8", len(hosts.Elements))
	}
	c.get("/v1/hosts?status=UNASSIGNED_USEABLE", &hosts)
	if len(hosts.Elements) != 2 {
		t.Errorf("unassigned hosts: %d", len(hosts.Elements))
	}
	var doms domainsPage
	c.get("/v1/domains?type=VI", &doms)
	if len(doms.Elements) != 2 {
		t.Errorf("VI domains: %d", len(doms.Elements))
	}
	var cls struct{ Elements []any }
	c.get("/v1/clusters?domainId="+dom, &cls)
	if len(cls.Elements) != 2 {
		t.Errorf("clusters of a domain: %d", len(cls.Elements))
	}
	for path, want := range map[string]int{
		"/v1/hosts?status=BOGUS":                400,
		"/v1/clusters?isStretched=maybe":        400,
		"/v1/domains/nope":                      404,
		"/v1/hosts/nope":                        404,
		"/v1/clusters/nope":                     404,
		"/v1/releases?domainId=nope":            404,
		"/v1/tasks/nope":                        404,
		"/v1/upgrades/nope":                     404,
		"/v1/bundles/nope":                      404,
		"/v1/system/check-sets/nope":            404,
		"/v1/nothing/here":                      404,
		"/v1/upgradables/domains/nope":          404,
		"/v1/releases/domains/validations/nope": 404,
	} {
		if st, b := c.do("GET", path, nil); st != want || !bytes.Contains(b, []byte(`"errorCode"`)) {
			t.Errorf("GET %s: %d %s, want %d with an Error body", path, st, b, want)
		}
	}
	if st, b := c.do("DELETE", "/v1/hosts", nil); st != http.StatusMethodNotAllowed || !bytes.Contains(b, []byte(`"errorCode"`)) {
		t.Errorf("DELETE /v1/hosts: %d %s, want 405 Error", st, b)
	}
}

// TestCapacityMatchesHosts checks a domain's capacity is the sum of its
// hosts at the same simulated instant.
func TestCapacityMatchesHosts(t *testing.T) {
	clk := newFakeClock()
	cfg := DefaultConfig()
	cfg.Now = clk.Now
	c := startServer(t, cfg).login()
	dom := c.domainID("mgmt-domain")
	var d struct {
		Capacity capacity `json:"capacity"`
	}
	c.get("/v1/domains/"+dom, &d)
	var hosts hostsPage
	c.get("/v1/hosts?domainId="+dom, &hosts)
	var used, total, mem, stor float64
	for _, h := range hosts.Elements {
		used += h.CPU.UsedFrequencyMHz
		total += h.CPU.FrequencyMHz
		mem += h.Memory.UsedCapacityMB
		stor += h.Storage.UsedCapacityMB
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 0.011 }
	if d.Capacity.CPU.Used.Unit != "GHz" || !near(d.Capacity.CPU.Used.Value, math.Round(used/10)/100) || !near(d.Capacity.CPU.Total.Value, math.Round(total/10)/100) {
		t.Errorf("cpu capacity %+v vs hosts used %.0f MHz of %.0f", d.Capacity.CPU, used, total)
	}
	if d.Capacity.Memory.Used.Unit != "GB" || !near(d.Capacity.Memory.Used.Value, math.Round(mem/1024*100)/100) {
		t.Errorf("memory capacity %+v vs hosts %.0f MB", d.Capacity.Memory, mem)
	}
	if d.Capacity.Storage.Used.Unit != "TB" || math.Abs(d.Capacity.Storage.Used.Value-stor/1024/1024) > 0.011 {
		t.Errorf("storage capacity %+v vs hosts %.0f MB", d.Capacity.Storage, stor)
	}
}

func TestDeterminismAndDrift(t *testing.T) {
	body := func(seed int64, clk *testutil.Clock) []byte {
		cfg := DefaultConfig()
		cfg.Seed, cfg.Now, cfg.TimeScale = seed, clk.Now, 60
		c := startServer(t, cfg).login()
		st, b := c.do("GET", "/v1/hosts", nil)
		if st != http.StatusOK {
			t.Fatal(st)
		}
		return b
	}
	c1, c2 := newFakeClock(), newFakeClock()
	a, b := body(7, c1), body(7, c2)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed and simulated time gave different /v1/hosts bodies")
	}
	if bytes.Equal(a, body(8, newFakeClock())) {
		t.Fatal("different seeds gave identical bodies")
	}
	// Usage drifts with simulated time but stays in bounds.
	cfg := DefaultConfig()
	clk := newFakeClock()
	cfg.Now, cfg.TimeScale = clk.Now, 60
	c := startServer(t, cfg).login()
	var first, later hostsPage
	c.get("/v1/hosts", &first)
	changed := false
	for i := 0; i < 20; i++ {
		clk.Add(time.Minute) // an hour simulated
		c.get("/v1/hosts", &later)
		for j, h := range later.Elements {
			if h.CPU.UsedFrequencyMHz != first.Elements[j].CPU.UsedFrequencyMHz {
				changed = true
			}
			if h.CPU.UsedFrequencyMHz <= 0 || h.CPU.UsedFrequencyMHz > h.CPU.FrequencyMHz || h.Memory.UsedCapacityMB > h.Memory.TotalCapacityMB {
				t.Fatalf("usage out of bounds: %+v", h.CPU)
			}
		}
	}
	if !changed {
		t.Error("usage did not drift over 20 simulated hours")
	}
}

func TestConfigValidation(t *testing.T) {
	bad := []func(*Config){
		func(c *Config) { c.Domains = 0 },
		func(c *Config) { c.HostsPerCluster = -1 },
		func(c *Config) { c.TimeScale = 0 },
		func(c *Config) { c.TokenTTL = 0 },
		func(c *Config) { c.Password = "" },
		func(c *Config) { c.Faults.ErrorRate = 2 },
		func(c *Config) { c.Faults.OutageMode = "explode" },
		func(c *Config) { c.Faults.FailUpgrade = "TOASTER" },
		func(c *Config) { c.HostOrder = "name" },
		func(c *Config) { c.Domains, c.ClustersPerDomain, c.HostsPerCluster = 1000, 1000, 1000 },
	}
	for i, mod := range bad {
		cfg := DefaultConfig()
		mod(&cfg)
		if _, err := New(cfg); err == nil {
			t.Errorf("case %d: invalid config accepted", i)
		}
	}
	if _, err := New(DefaultConfig()); err != nil {
		t.Fatal(err)
	}
}

// TestHostOrder: by id, GET /v1/hosts lists the same hosts as in the order
// they were commissioned, sorted by id, which is no order of their names.
func TestHostOrder(t *testing.T) {
	list := func(order string) (ids, names []string) {
		cfg := fastConfig()
		cfg.HostOrder = order
		var hosts hostsPage
		startServer(t, cfg).login().get("/v1/hosts", &hosts)
		for _, h := range hosts.Elements {
			ids, names = append(ids, h.ID), append(names, h.FQDN)
		}
		return ids, names
	}
	commissionedIDs, commissioned := list(HostOrderCommissioned)
	byIDs, byID := list(HostOrderID)
	if !slices.IsSorted(byIDs) || slices.IsSorted(byID) || slices.Equal(byID, commissioned) {
		t.Errorf("by id: ids %v, names %v", byIDs, byID)
	}
	if slices.IsSorted(commissionedIDs) {
		t.Errorf("commissioned: ids sorted %v", commissionedIDs)
	}
	slices.Sort(commissioned)
	slices.Sort(byID)
	if !slices.Equal(commissioned, byID) {
		t.Errorf("not the same hosts: %v and %v", commissioned, byID)
	}
}

func TestLargeInventoryStartsFast(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("large inventory: skipped with -short and -race")
	}
	cfg := DefaultConfig()
	cfg.Domains, cfg.ClustersPerDomain, cfg.HostsPerCluster = 20, 5, 100
	start := time.Now()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("10,000 hosts built in %s", took)
	if took > 10*time.Second { // generous: a shared 2-core machine
		t.Errorf("building 10,000 hosts took %s", took)
	}
	if n := len(s.inv.hosts); n != 10002 {
		t.Errorf("%d hosts", n)
	}
}

func TestTaskFilters(t *testing.T) {
	c := startServer(t, DefaultConfig()).login()
	var bundles struct {
		Elements []struct{ ID, DownloadStatus string } `json:"elements"`
	}
	c.get("/v1/bundles", &bundles)
	n := 0
	for _, b := range bundles.Elements {
		if b.DownloadStatus == "PENDING" && n < 3 {
			c.do("PATCH", "/v1/bundles/"+b.ID, map[string]any{"bundleDownloadSpec": map[string]bool{"downloadNow": true}})
			n++
		}
	}
	var tasks struct {
		Elements []struct{ ID, Type, Status string } `json:"elements"`
	}
	c.get("/v1/tasks?taskType=BUNDLE_DOWNLOAD", &tasks)
	if len(tasks.Elements) != 3 || tasks.Elements[0].Type != "BUNDLE_DOWNLOAD" || tasks.Elements[0].Status != "IN_PROGRESS" {
		t.Fatalf("tasks: %+v", tasks.Elements)
	}
	for q, want := range map[string]int{"limit=2": 2, "taskType=BUNDLE_DOWNLOAD": 3, "taskType=UPGRADE": 0, "taskStatus=SUCCESSFUL": 2, // the demo's backups
		"resourceType=BUNDLE": 3, "resourceId=" + bundles.Elements[0].ID: 0, "taskName=bundle": 3} {
		c.get("/v1/tasks?"+q, &tasks)
		if len(tasks.Elements) != want {
			t.Errorf("/v1/tasks?%s: %d tasks, want %d", q, len(tasks.Elements), want)
		}
	}
}
