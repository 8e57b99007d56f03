package collector

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	promtestutil "github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

func init() {
	// The simulator's password expiry checks end at the second status read.
	vcfclient.CredentialCheckPoll = time.Millisecond
}

// healthSet scrapes the named collectors of a small simulator.
func healthSet(t *testing.T, logs *testutil.Buffer, names ...string) (*vcfsim.Server, *targets.Target, *Set) {
	t.Helper()
	srv := smallSim(t)
	logger := slog.New(slog.NewTextHandler(logs, nil))
	tg := newTarget(t, srv, targets.Options{Logger: logger})
	set, err := NewSet(Options{Logger: logger}, names...)
	require.NoError(t, err)
	return srv, tg, set
}

// TestHealthLeastPrivilege: an account without the role for one endpoint
// fails only that collector (once logged, naming the endpoint); vcf_up and
// the other collectors are untouched.
func TestHealthLeastPrivilege(t *testing.T) {
	var logs testutil.Buffer
	srv, tg, set := healthSet(t, &logs, "domain", "certificate", "task", "service", "backup")
	srv.Sim.SetForbidden("GET /v1/vcf-services")
	for range 3 {
		out := exposition(t, set, tg)
		assert.Contains(t, out, "vcf_up 1\n")
		for _, c := range []string{"domain", "certificate", "task", "backup"} {
			assert.Contains(t, out, `vcf_scrape_collector_success{collector="`+c+`"} 1`)
		}
		assert.Contains(t, out, `vcf_scrape_collector_success{collector="service"} 0`)
		assert.NotContains(t, out, "vcf_service_up")
		assert.Contains(t, out, `vcf_certificate_expiration_status{domain="vi-domain-01",resource_name="sfo-w01-vc01.sfo.rainpole.io",resource_type="VCENTER",state="EXPIRED"} 1`)
	}
	assert.Equal(t, 1, strings.Count(logs.String(), "lacks the privilege"), logs.String())
	assert.Contains(t, logs.String(), `endpoint="GET /v1/vcf-services"`)
	assert.NotContains(t, logs.String(), "collector failed")
	assert.Equal(t, 3.0, promtestutil.ToFloat64(set.errors.WithLabelValues("sim", "service")))
}

// TestHealthTargetDown: while SDDC Manager is unreachable the health
// collectors fail with the target (no series but the time of the last good
// read), like the inventory ones.
func TestHealthTargetDown(t *testing.T) {
	srv := smallSim(t)
	noRetries := func(c vcfclient.Config) (*vcfclient.Client, error) { c.MaxRetries = -1; return vcfclient.New(c) }
	tg := newTarget(t, srv, targets.Options{MinRefreshInterval: -1, NewClient: noRetries})
	set := newSet(t, "service")
	require.Contains(t, exposition(t, set, tg), `vcf_service_up{service="LCM"} 1`)
	srv.Sim.SetFaults(vcfsim.Faults{Outage: time.Hour})
	out := exposition(t, set, tg)
	assert.Contains(t, out, "vcf_up 0\n")
	assert.Contains(t, out, `vcf_scrape_collector_success{collector="service"} 0`)
	assert.Contains(t, out, `vcf_health_last_success_timestamp_seconds{kind="service"}`)
	assert.NotContains(t, out, "vcf_service_up")
}

func TestSoonestCertificates(t *testing.T) {
	at := func(d int) time.Time { return time.Date(2027, 1, d, 0, 0, 0, 0, time.UTC) }
	got := soonestCertificates([]vcfclient.Certificate{
		{DomainID: "d", ResourceType: "ESXI", ResourceName: "a", NotAfter: at(5)},
		{DomainID: "d", ResourceType: "ESXI", ResourceName: "a", NotAfter: at(3)},
		{DomainID: "d", ResourceType: "ESXI", ResourceName: "a"},
		{DomainID: "e", ResourceType: "ESXI", ResourceName: "a", NotAfter: at(9)},
	})
	assert.Equal(t, []vcfclient.Certificate{
		{DomainID: "d", ResourceType: "ESXI", ResourceName: "a", NotAfter: at(3)},
		{DomainID: "e", ResourceType: "ESXI", ResourceName: "a", NotAfter: at(9)},
	}, got)
}

func TestSummarizeTasks(t *testing.T) {
	l := &targets.TaskLedger{
		Completed: map[string]vcfclient.TaskRecord{
			"1": {Type: "HOST_COMMISSION", Status: "FAILED"}, "2": {Type: "HOST_COMMISSION", Status: "FAILED"},
			"3": {Type: "UPGRADE", Status: "TIMED_OUT"},
		},
		Running: []vcfclient.TaskRecord{{Type: "UPGRADE", Status: "QUEUED"}, {Type: "UPGRADE", Status: "IN_PROGRESS"}},
	}
	assert.Equal(t, []taskCount{{"HOST_COMMISSION", "FAILED", 2}, {"UPGRADE", "IN_PROGRESS", 1}, {"UPGRADE", "QUEUED", 1}, {"UPGRADE", "TIMED_OUT", 1}},
		summarizeTasks(l).counts)
	assert.Empty(t, summarizeTasks(nil).counts)
}

// TestHealthScrapeAddsNoRequest: after the first reads, a scrape sends no
// health request: the data comes from the target's cache.
func TestHealthScrapeAddsNoRequest(t *testing.T) {
	var logs testutil.Buffer
	srv, tg, set := healthSet(t, &logs, "certificate", "task", "service", "backup")
	health := []string{"GET /v1/domains/{id}/resource-certificates", "GET /v1/tasks", "GET /v1/vcf-services", "GET /v1/system/backup-configuration"}
	exposition(t, set, tg)
	first := srv.Sim.Stats()
	for _, e := range health {
		require.Positive(t, first[e], e)
	}
	assert.EqualValues(t, 1, first["GET /v1/hosts"], "the certificate read uses the scrape's inventory")
	for range 3 {
		exposition(t, set, tg)
	}
	now := srv.Sim.Stats()
	for _, e := range health {
		assert.Equal(t, first[e], now[e], e)
	}
	assert.Greater(t, now["GET /v1/hosts"], first["GET /v1/hosts"], "the inventory is read again (no minimum refresh interval here)")
}

// TestHealthInventoryKey: a health collector's rendering is keyed by
// whether the SDDC Manager is up and by the domains' ids and names, not by
// the rest of the snapshot.
func TestHealthInventoryKey(t *testing.T) {
	key := func(snap *targets.Snapshot) any {
		return healthCollector[certificateRow]{}.inventoryKey(&Scrape{Snapshot: snap})
	}
	inv := func(hosts int, domains ...vcfclient.Domain) *targets.Snapshot {
		return &targets.Snapshot{Inventory: &vcfclient.Inventory{Domains: domains, Hosts: make([]vcfclient.Host, hosts)}}
	}
	mgmt, vi := vcfclient.Domain{ID: "d1", Name: "mgmt"}, vcfclient.Domain{ID: "d2", Name: "vi"}
	base := key(inv(3, mgmt, vi))
	assert.Equal(t, base, key(inv(5, mgmt, vi)), "hosts do not matter")
	assert.NotEqual(t, base, key(inv(3, mgmt, vcfclient.Domain{ID: "d2", Name: "vi-renamed"})))
	assert.NotEqual(t, base, key(inv(3, mgmt)))
	assert.NotEqual(t, key(inv(3, vcfclient.Domain{ID: "d1", Name: "a\x00d2"})), key(inv(3, vcfclient.Domain{ID: "d1", Name: "a"}, vcfclient.Domain{ID: "", Name: "d2"})))
	down := key(&targets.Snapshot{Err: assert.AnError})
	assert.NotEqual(t, base, down)
	assert.Equal(t, down, key(&targets.Snapshot{Err: assert.AnError}))
}
