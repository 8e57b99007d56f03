package vcfclient

// Acceptance tests against the SDDC Manager simulator (package vcfsim) and
// its fault knobs. Request counts come from the simulator's Stats, so they
// prove what the server saw, not what the client believes it sent.

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
	"github.com/vcf-exporter/vcf_exporter/vcfsim/vcfsimtest"
)

const (
	statLogin   = "POST /v1/tokens"
	statRefresh = "PATCH /v1/tokens/access-token/refresh"
)

// startSim starts a simulator server and a client for it with test timings.
func startSim(t *testing.T, simOpt vcfsim.Option, cliMod ...func(*Config)) (*vcfsim.Server, *Client) {
	t.Helper()
	var opts []vcfsim.Option
	if simOpt != nil {
		opts = append(opts, simOpt)
	}
	srv := vcfsimtest.New(t, opts...)
	user, pass := srv.Credentials()
	ccfg := Config{
		URL:            srv.URL,
		Username:       user,
		Password:       config.Secret(pass),
		RetryBaseDelay: 2 * time.Millisecond,
		RetryMaxDelay:  20 * time.Millisecond,
		LoginBackoff:   time.Hour,
		TokenTimeout:   5 * time.Second,
	}
	for _, m := range cliMod {
		m(&ccfg)
	}
	c, err := New(ccfg)
	require.NoError(t, err)
	return srv, c
}

func TestSimInventoryIsFourCalls(t *testing.T) {
	srv, c := startSim(t, nil)
	inv, err := c.Inventory(context.Background())
	require.NoError(t, err)
	assert.Len(t, inv.Domains, 3)
	assert.Len(t, inv.Clusters, 6)
	assert.Len(t, inv.Hosts, 3*2*4+2, "assigned and unassigned hosts")
	assert.NotEmpty(t, inv.SddcManagers)

	st := srv.Sim.Stats()
	assert.Equal(t, map[string]int64{
		statLogin: 1, "GET /v1/domains": 1, "GET /v1/clusters": 1, "GET /v1/hosts": 1, "GET /v1/sddc-managers": 1,
	}, st)

	// Cross-references and converted units are consistent.
	hosts := map[string]Host{}
	for _, h := range inv.Hosts {
		hosts[h.ID] = h
		assert.Greater(t, h.MemoryTotalBytes, float64(1<<30), h.FQDN)
		assert.Greater(t, h.CPUTotalHertz, 1e9, h.FQDN)
		assert.LessOrEqual(t, h.MemoryUsedBytes, h.MemoryTotalBytes)
	}
	for _, cl := range inv.Clusters {
		require.NotEmpty(t, cl.HostIDs)
		for _, id := range cl.HostIDs {
			assert.Equal(t, cl.ID, hosts[id].ClusterID)
			assert.Equal(t, cl.DomainID, hosts[id].DomainID)
		}
	}
	for _, d := range inv.Domains {
		assert.Greater(t, d.Capacity.MemoryTotalBytes, float64(1<<30), d.Name)
		assert.Greater(t, d.Capacity.CPUTotalHertz, 1e9, d.Name)
		assert.NotEmpty(t, d.ClusterIDs)
	}
	// The single-object endpoints agree with the lists.
	h, err := c.Host(context.Background(), inv.Hosts[0].ID)
	require.NoError(t, err)
	assert.Equal(t, inv.Hosts[0].FQDN, h.FQDN)
	d, err := c.Domain(context.Background(), inv.Domains[0].ID)
	require.NoError(t, err)
	assert.Equal(t, inv.Domains[0].Name, d.Name)
	cl, err := c.Cluster(context.Background(), inv.Clusters[0].ID)
	require.NoError(t, err)
	assert.Equal(t, inv.Clusters[0].HostIDs, cl.HostIDs)
}

func TestSimTokenExpiryMidRun(t *testing.T) {
	// 1s tokens: the client must renew several times during the run, and
	// the simulator also drops every token once, and no call may fail.
	srv, c := startSim(t, func(c *vcfsim.Config) { c.TokenTTL = time.Second })
	ctx := context.Background()
	expired := false
	testutil.WaitFor(t, 20*time.Second, "three token refreshes", func() bool {
		_, err := c.Domains(ctx)
		require.NoError(t, err, "the caller never sees an expiry")
		if !expired && srv.Sim.Stats()[statRefresh] >= 1 {
			srv.Sim.ExpireTokens()
			expired = true
		}
		return srv.Sim.Stats()[statRefresh] >= 3
	})
	assert.Equal(t, int64(1), srv.Sim.Stats()[statLogin], "renewed with the refresh token, never a new login")
}

func TestSimRefreshFailureFallsBackToLogin(t *testing.T) {
	srv, c := startSim(t, nil)
	ctx := context.Background()
	_, err := c.Domains(ctx)
	require.NoError(t, err)
	srv.Sim.ExpireTokens()
	srv.Sim.RevokeRefreshTokens()
	_, err = c.Domains(ctx)
	require.NoError(t, err)
	st := srv.Sim.Stats()
	assert.Equal(t, int64(1), st[statRefresh], "the refresh was tried")
	assert.Equal(t, int64(2), st[statLogin], "then a new login")
	assert.Equal(t, 1.0, metricValue(t, c, "vcf_api_token_refreshes_total", "kind", "refresh", "result", "failure"))
}

func TestSimWrongPasswordIsBounded(t *testing.T) {
	srv, c := startSim(t, nil, func(c *Config) { c.Password = "not-the-password" })
	for i := 0; i < 25; i++ {
		_, err := c.Domains(context.Background())
		require.ErrorIs(t, err, ErrUnauthorized)
		var ae *AuthError
		require.ErrorAs(t, err, &ae)
		assert.NotContains(t, err.Error(), "not-the-password")
	}
	assert.Equal(t, int64(1), srv.Sim.Stats()[statLogin], "one login, then refused locally during the back-off")
	assert.Zero(t, srv.Sim.Stats()["GET /v1/domains"])
}

func TestSim503BurstIsRetried(t *testing.T) {
	srv, c := startSim(t, nil)
	srv.Sim.SetFaults(vcfsim.Faults{FailEndpoint: "GET /v1/domains", FailCode: 503, FailCount: 3})
	ds, err := c.Domains(context.Background())
	require.NoError(t, err)
	assert.Len(t, ds, 3)
	assert.Equal(t, int64(4), srv.Sim.Stats()["GET /v1/domains"])
	assert.Equal(t, 3.0, metricValue(t, c, "vcf_api_requests_total", "endpoint", "/v1/domains", "code", "503"))
}

func TestSimRandomErrorsAreRetried(t *testing.T) {
	// 20% of all requests fail with 503, token requests included.
	srv, c := startSim(t, nil, func(c *Config) { c.MaxRetries = 12 })
	srv.Sim.SetFaults(vcfsim.Faults{ErrorRate: 0.2, ErrorCode: 503})
	for i := 0; i < 10; i++ {
		_, err := c.Inventory(context.Background())
		require.NoError(t, err)
	}
}

func TestSimPostIsNotRetriedOn503(t *testing.T) {
	srv, c := startSim(t, nil)
	bs, err := c.Bundles(context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, bs)
	srv.Sim.SetFaults(vcfsim.Faults{FailEndpoint: "PATCH /v1/bundles/{id}", FailCode: 503, FailCount: 1})
	_, err = c.DownloadBundle(context.Background(), bs[0].ID)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 503, ae.StatusCode)
	assert.Equal(t, "/v1/bundles/{id}", ae.Endpoint)
	assert.Equal(t, int64(1), srv.Sim.Stats()["PATCH /v1/bundles/{id}"])
}

func TestSimOutageFailsWithinDeadline(t *testing.T) {
	for _, mode := range []string{"503", "refuse"} {
		t.Run(mode, func(t *testing.T) {
			srv, c := startSim(t, nil, func(c *Config) { c.MaxRetries = 1000 })
			_, err := c.Domains(context.Background()) // logged in before the outage
			require.NoError(t, err)
			srv.Sim.SetFaults(vcfsim.Faults{Outage: time.Hour, OutageMode: mode})
			ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err = c.Domains(ctx)
			require.Error(t, err)
			// Ignoring the deadline, 1000 retries would take 20 s.
			assert.Less(t, time.Since(start), 10*time.Second)
			assert.Greater(t, srv.Sim.Stats()["GET /v1/domains"], int64(2), "retried during the outage")
		})
	}
}

// The outage ends on the simulator's clock once the client has been
// refused three times, however long that takes on a busy machine.
func TestSimShortOutageIsRiddenOut(t *testing.T) {
	clk := testutil.NewClock(time.Now())
	srv, c := startSim(t, vcfsim.WithNow(clk.Now), func(c *Config) {
		c.MaxRetries = 1000
		c.RetryBaseDelay = 5 * time.Millisecond
		c.RetryMaxDelay = 20 * time.Millisecond
	})
	srv.Sim.SetFaults(vcfsim.Faults{Outage: 300 * time.Millisecond, OutageMode: "refuse"})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for srv.Sim.Stats()[statLogin] < 3 {
			time.Sleep(time.Millisecond)
		}
		clk.Add(300 * time.Millisecond)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.Inventory(ctx)
	require.NoError(t, err)
	<-ended
	assert.GreaterOrEqual(t, srv.Sim.Stats()[statLogin], int64(4), "refused three times, then logged in")
}

func TestSimMalformedAndTruncated(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults vcfsim.Faults
	}{
		{"malformed", vcfsim.Faults{Malformed: "GET /v1/hosts"}},
		{"truncated", vcfsim.Faults{Truncate: "GET /v1/hosts"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := startSim(t, nil)
			srv.Sim.SetFaults(tc.faults)
			_, err := c.Hosts(context.Background())
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, "/v1/hosts", de.Endpoint)
			_, err = c.Inventory(context.Background())
			require.ErrorAs(t, err, &de, "the inventory fails as a whole")
			_, err = c.Domains(context.Background())
			require.NoError(t, err, "other endpoints are fine")
		})
	}
}

func TestSim50CallersOneRefresh(t *testing.T) {
	srv, c := startSim(t, nil, func(c *Config) { c.MaxInFlight = 8 })
	_, err := c.Domains(context.Background())
	require.NoError(t, err)
	srv.Sim.ExpireTokens()
	srv.Sim.ResetStats()

	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 50; i++ {
		wg.Go(func() {
			<-start
			_, err := c.Domains(context.Background())
			assert.NoError(t, err)
		})
	}
	close(start)
	wg.Wait()
	st := srv.Sim.Stats()
	assert.Equal(t, int64(1), st[statRefresh], "exactly one refresh for 50 callers")
	assert.Zero(t, st[statLogin])
	t.Logf("GET /v1/domains served %d times for 50 callers", st["GET /v1/domains"])
	// Callers queued behind the limiter wait for the renewal instead of
	// replaying the rejected token: the first 401 starts the renewal
	// before its caller frees its slot, so only the requests already in
	// flight (at most MaxInFlight = 8) are repeated, however busy the
	// machine.
	assert.LessOrEqual(t, st["GET /v1/domains"], int64(50+8))
}

// concurrencyProbe wraps a handler and, once armed, records the peak of
// concurrent requests it serves. Armed requests wait until `fill` of them
// are in flight (or 10 s passed), so that the peak does not depend on how
// fast a busy machine starts goroutines.
type concurrencyProbe struct {
	h         http.Handler
	fill      int64
	armed     atomic.Bool
	cur, peak atomic.Int64
	once      sync.Once
	full      chan struct{}
}

func (p *concurrencyProbe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !p.armed.Load() {
		p.h.ServeHTTP(w, r)
		return
	}
	n := p.cur.Add(1)
	defer p.cur.Add(-1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			break
		}
	}
	if n >= p.fill {
		p.once.Do(func() { close(p.full) })
	}
	select {
	case <-p.full:
	case <-time.After(10 * time.Second):
	}
	p.h.ServeHTTP(w, r)
}

func TestSimConcurrencyLimit(t *testing.T) {
	cfg := vcfsim.DefaultConfig()
	sim, err := vcfsim.New(cfg)
	require.NoError(t, err)
	probe := &concurrencyProbe{h: sim, fill: 4, full: make(chan struct{})}
	srv := httptest.NewServer(probe)
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, Username: cfg.Username, Password: config.Secret(cfg.Password), MaxInFlight: 4})
	require.NoError(t, err)
	inv, err := c.Inventory(context.Background())
	require.NoError(t, err)
	probe.armed.Store(true)

	var wg sync.WaitGroup
	for _, h := range inv.Hosts {
		wg.Go(func() {
			_, err := c.Host(context.Background(), h.ID)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, probe.peak.Load(), int64(4), "never more than MaxInFlight requests at the server")
	assert.Equal(t, int64(4), probe.peak.Load(), "26 parallel callers do fill the 4 slots")
	assert.Equal(t, int64(len(inv.Hosts)), sim.Stats()["GET /v1/hosts/{id}"])
}

func TestSimTLS(t *testing.T) {
	srv := vcfsimtest.New(t, vcfsim.WithTLS())
	user, pass := srv.Credentials()

	c, err := New(Config{URL: srv.URL, Username: user, Password: config.Secret(pass), MaxRetries: -1})
	require.NoError(t, err)
	_, err = c.Domains(context.Background())
	require.Error(t, err, "the simulator's self-signed CA is not trusted by default")
	assert.Zero(t, srv.Sim.Stats()[statLogin], "no credentials were sent over the untrusted connection")

	c, err = New(Config{URL: srv.URL, Username: user, Password: config.Secret(pass),
		HTTP: config.HTTPClientConfig{TLSConfig: config.TLSConfig{CAFile: srv.CAFile}}})
	require.NoError(t, err)
	_, err = c.Domains(context.Background())
	require.NoError(t, err)
}

// An untrusted certificate is not retried until the deadline: the caller
// gets the certificate error itself, which tells the operator what to fix.
func TestSimTLSUntrustedNotRetried(t *testing.T) {
	srv := vcfsimtest.New(t, vcfsim.WithTLS())
	user, pass := srv.Credentials()

	c, err := New(Config{URL: srv.URL, Username: user, Password: config.Secret(pass), MaxRetries: 50})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = c.Domains(ctx)
	require.Error(t, err)
	require.NotErrorIs(t, err, context.DeadlineExceeded, "a certificate error must not be retried until the deadline")
	var verr *tls.CertificateVerificationError
	require.ErrorAs(t, err, &verr, "the certificate error reaches the caller: %v", err)
	assert.Equal(t, 1.0, metricValue(t, c, "vcf_api_requests_total", "endpoint", "/v1/tokens", "code", "error"),
		"one login attempt, no retries")
}

// TestSimUpgradeFlowModels drives the upgrade flow (docs/actions.md)
// against the simulator far enough to prove that every request model is
// accepted and every response model decodes: target, download, pre-checks,
// upgradables, an upgrade start per component kind, validation.
func TestSimUpgradeFlowModels(t *testing.T) {
	clk := testutil.NewClock(time.Now())
	_, c := startSim(t, func(c *vcfsim.Config) { c.TimeScale, c.Now = 3600, clk.Now })
	ctx := context.Background()
	// Every wait moves the simulator's clock on five simulated minutes per
	// poll: downloads, checks and upgrades take the same number of polls on
	// any machine, and the SDDC Manager outage is met at the same point.
	simWait := func(what string, cond func() (bool, error)) {
		t.Helper()
		for range 100000 {
			clk.Add(5 * time.Minute / 3600)
			done, err := cond()
			if err != nil && !sddcOutage(err) {
				require.NoError(t, err, what)
			}
			if err == nil && done {
				return
			}
		}
		t.Fatalf("%s: never happened", what)
	}
	ds, err := c.Domains(ctx)
	require.NoError(t, err)
	var dom Domain
	for _, d := range ds {
		if d.Status == "ACTIVE" {
			dom = d
			break
		}
	}
	require.NotEmpty(t, dom.ID)

	rels, err := c.Releases(ctx, dom.ID)
	require.NoError(t, err)
	require.NotEmpty(t, rels)
	current := rels[0].Version
	future, err := c.FutureReleases(ctx, dom.ID)
	require.NoError(t, err)
	next, ok := NextRelease(current, future)
	require.True(t, ok, "the simulator offers an upgrade from %s", current)
	require.NotEmpty(t, next.PatchBundles)
	require.NotEmpty(t, next.Bom)

	require.NoError(t, c.SetTargetRelease(ctx, dom.ID, DomainRelease{TargetVersion: next.Version}))
	view, err := c.DomainReleaseView(ctx, dom.ID)
	require.NoError(t, err)
	assert.Equal(t, next.Version, view.TargetVersion)
	views, err := c.DomainReleaseViews(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, views)

	for _, pb := range next.PatchBundles {
		b, err := c.Bundle(ctx, pb.BundleID)
		require.NoError(t, err)
		if b.DownloadStatus != "SUCCESSFUL" {
			task, err := c.DownloadBundle(ctx, pb.BundleID)
			require.NoError(t, err)
			assert.NotEmpty(t, task.ID)
		}
		simWait("download of "+pb.BundleID, func() (bool, error) {
			b, err := c.Bundle(ctx, pb.BundleID)
			return err == nil && b.DownloadStatus == "SUCCESSFUL", err
		})
	}

	q, err := c.QueryCheckSets(ctx, CheckSetQueryInput{CheckSetType: "UPGRADE", Domains: []CheckSetQueryDomainResources{{DomainID: dom.ID}}})
	require.NoError(t, err)
	require.NotEmpty(t, q.Resources)
	var targeted []CheckSetQueryResource
	for _, r := range q.Resources {
		for _, pv := range next.Bom {
			if pv.Name == r.ResourceType {
				targeted = append(targeted, CheckSetQueryResource{ResourceType: r.ResourceType, ResourceTargetVersion: pv.Version})
			}
		}
	}
	q2, err := c.QueryCheckSets(ctx, CheckSetQueryInput{CheckSetType: "UPGRADE", Domains: []CheckSetQueryDomainResources{{DomainID: dom.ID, Resources: targeted}}})
	require.NoError(t, err)
	runTask, err := c.RunCheckSets(ctx, q2.RunInput(next.Version))
	require.NoError(t, err)
	require.NotEmpty(t, runTask.ID)
	var run *AssessmentOutput
	simWait("pre-check run", func() (bool, error) {
		run, err = c.CheckSetRun(ctx, runTask.ID)
		return err == nil && run.Status != "IN_PROGRESS", err
	})
	assert.Equal(t, "COMPLETED_WITH_SUCCESS", run.Status)
	errs, warns, err := run.DomainSummary()
	require.NoError(t, err)
	assert.Zero(t, errs)
	assert.Zero(t, warns)

	ups, err := c.Upgradables(ctx, dom.ID, next.Version)
	require.NoError(t, err)
	require.NotEmpty(t, ups)
	clusters, err := c.UpgradableClusters(ctx, dom.ID)
	require.NoError(t, err)
	require.NotEmpty(t, clusters)

	// Walk the components as the flow does, starting each upgrade with the
	// spec its kind needs, until nothing is AVAILABLE.
	kinds := map[string]bool{}
	for step := 0; step < 8; step++ {
		ups, err := c.Upgradables(ctx, dom.ID, next.Version)
		require.NoError(t, err)
		var avail *Upgradable
		for i := range ups {
			if ups[i].Status == "AVAILABLE" {
				avail = &ups[i]
				break
			}
		}
		if avail == nil {
			break
		}
		b, err := c.Bundle(ctx, avail.BundleID)
		require.NoError(t, err)
		require.NotEmpty(t, b.Components)
		kind := b.Components[0].Type
		spec := UpgradeSpec{BundleID: b.ID, ResourceType: "DOMAIN", ResourceUpgradeSpecs: []ResourceUpgradeSpec{{ResourceID: dom.ID, UpgradeNow: true}}}
		switch {
		case strings.Contains(kind, "NSX_T_MANAGER"):
			nsx, err := c.UpgradableNSXT(ctx, dom.ID, b.ID)
			require.NoError(t, err)
			require.NotNil(t, nsx.NsxtManagerCluster)
			in := NsxtUpgradeUserInputSpec{NsxtID: nsx.NsxtManagerCluster.ID, NsxtUpgradeOptions: &NsxtUpgradeOptions{IsEdgeClustersUpgradeParallel: true}}
			for _, hc := range nsx.NsxtHostClusters {
				in.NsxtHostClusterUpgradeSpecs = append(in.NsxtHostClusterUpgradeSpecs, NsxtHostClusterUpgradeSpec{HostClusterID: hc.ID, HostParallelUpgrade: true})
			}
			spec.NsxtUpgradeUserInputSpecs = []NsxtUpgradeUserInputSpec{in}
		case strings.Contains(kind, "VCENTER"):
			var vcID string
			for _, r := range q2.Resources {
				if r.ResourceType == "VCENTER" {
					vcID = r.ResourceID
				}
			}
			spec.VcenterUpgradeUserInputSpecs = []VcenterUpgradeUserInputSpec{{ResourceID: vcID, UpgradeMechanism: "InPlace"}}
		case strings.Contains(kind, "ESX_HOST"):
			spec.ResourceType = "CLUSTER"
			spec.ResourceUpgradeSpecs = nil
			for _, cl := range clusters {
				rs := ResourceUpgradeSpec{ResourceID: cl.ResourceID, UpgradeNow: true,
					EsxUpgradeOptionsSpec: &EsxUpgradeOptionsSpec{EnableQuickboot: true, EvacuateOfflineVms: true}}
				spec.ResourceUpgradeSpecs = append(spec.ResourceUpgradeSpecs, rs)
			}
		}
		task, err := c.StartUpgrade(ctx, spec)
		require.NoError(t, err, "kind %s", kind)
		require.NotEmpty(t, task.ID)
		kinds[kind] = true
		// Wait for the upgrade to finish; the SDDC Manager upgrade makes the
		// API unavailable for a while, which the GET retries ride out.
		simWait("upgrade of "+kind, func() (bool, error) {
			all, err := c.Upgrades(ctx)
			if err != nil {
				return false, err
			}
			for _, u := range all {
				if u.BundleID == b.ID {
					one, err := c.Upgrade(ctx, u.ID)
					return err == nil && one.Status == "COMPLETED_WITH_SUCCESS", err
				}
			}
			return false, nil
		})
	}
	assert.NotEmpty(t, kinds)
	t.Logf("upgraded components: %v", kinds)

	val, err := c.ValidateRelease(ctx, dom.ID, DomainRelease{TargetVersion: next.Version})
	require.NoError(t, err)
	require.NotEmpty(t, val.ID)
	simWait("validation", func() (bool, error) {
		v, err := c.Validation(ctx, val.ID)
		return err == nil && v.ExecutionStatus != "IN_PROGRESS", err
	})

	tasks, err := c.Tasks(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, tasks)
	tk, err := c.Task(ctx, tasks[0].ID)
	require.NoError(t, err)
	assert.Equal(t, tasks[0].ID, tk.ID)
}

// sddcOutage reports whether err is SDDC Manager being away while it
// upgrades itself: a 503, or a refused or cut connection (the simulator's
// "refuse" outage mode). Every poll of an upgrade treats it as "not yet".
func sddcOutage(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode == http.StatusServiceUnavailable
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)
}

// simBenchBody returns the simulator's /v1/hosts body for 20 domains x 5
// clusters x 100 hosts = 10,000 hosts, served through its ServeHTTP.
func simBenchBody(b *testing.B) []byte {
	cfg := vcfsim.DefaultConfig()
	cfg.Domains, cfg.ClustersPerDomain, cfg.HostsPerCluster, cfg.UnassignedHosts = 20, 5, 100, 0
	sim, err := vcfsim.New(cfg)
	require.NoError(b, err)
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/tokens", strings.NewReader(`{"username":"`+cfg.Username+`","password":"`+cfg.Password+`"}`)))
	require.Equal(b, 201, rec.Code, rec.Body.String())
	var pair tokenPairWire
	require.NoError(b, jsonUnmarshal(rec.Body.Bytes(), &pair))
	req := httptest.NewRequest(http.MethodGet, "/v1/hosts", nil)
	req.Header.Set("Authorization", "Bearer "+pair.AccessToken)
	rec = httptest.NewRecorder()
	sim.ServeHTTP(rec, req)
	require.Equal(b, 200, rec.Code)
	return rec.Body.Bytes()
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// TestSimBothVersions reads the inventory and the releases from each
// simulated API version. On 9.x /v1/hosts is paged (7 hosts a page here,
// below the 1000 the client asks for): every page is read, and the GPUs,
// minInstallerVersion and lifecycleManagedBy come through.
func TestSimBothVersions(t *testing.T) {
	for _, version := range vcfsim.Versions() {
		t.Run(version, func(t *testing.T) {
			srv, c := startSim(t, func(cfg *vcfsim.Config) { cfg.VCFVersion, cfg.HostsPageSize = version, 7 })
			v9 := version != vcfsim.VCF521
			ctx := context.Background()
			inv, err := c.Inventory(ctx)
			require.NoError(t, err)
			ids := map[string]bool{}
			gpus := 0
			for _, h := range inv.Hosts {
				ids[h.ID] = true
				gpus += len(h.GPUs)
			}
			assert.Len(t, ids, 26, "every host, each once")
			wantCalls := int64(1)
			if v9 {
				wantCalls = 4 // 26 hosts in pages of 7
			}
			assert.Equal(t, wantCalls, srv.Sim.Stats()["GET /v1/hosts"])
			assert.Equal(t, v9, gpus > 0, "GPUs only in 9.x")

			mgmt := inv.Domains[0]
			require.Equal(t, "mgmt-domain", mgmt.Name)
			rels, err := c.FutureReleases(ctx, mgmt.ID)
			require.NoError(t, err)
			current := map[string]string{vcfsim.VCF521: "5.1.1.0", vcfsim.VCF902: "9.0.0.0", vcfsim.VCF910: "9.0.2.0"}[version]
			paths := UpgradePaths(current, rels)
			var versions []string
			for _, r := range paths {
				versions = append(versions, r.Version)
			}
			withoutMin, installer, byOps := 0, 0, 0
			for _, r := range rels {
				if r.MinCompatibleVcfVersion == "" {
					withoutMin++
				}
				if r.MinInstallerVersion != "" {
					installer++
				}
				for _, p := range r.Bom {
					if p.Name == "SDDC_MANAGER_VCF" && p.LifecycleManagedBy == vcfsim.ManagedByVcfOperations {
						byOps++
					}
				}
			}
			if v9 {
				// 9.0.1.0 has no minCompatibleVcfVersion and is a path all the same.
				assert.Equal(t, map[string][]string{vcfsim.VCF902: {"9.0.1.0", "9.0.2.0"}, vcfsim.VCF910: {"9.1.0.0"}}[version], versions)
				assert.Positive(t, withoutMin)
				assert.Equal(t, len(rels), installer)
				assert.Equal(t, len(rels), byOps)
			} else {
				assert.Equal(t, []string{"5.2.0.0", "5.2.1.0"}, versions)
				assert.Zero(t, withoutMin+installer+byOps)
			}
		})
	}
}
