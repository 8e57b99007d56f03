package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
	"github.com/vcf-exporter/vcf_exporter/vcfsim/vcfsimtest"
)

// exporterProc is a running vcf_exporter binary and its address.
type exporterProc struct {
	*testutil.Process
	addr string
}

// requests counts the requests a simulator answered.
func requests(srv *vcfsim.Server) int64 {
	n := int64(0)
	for _, v := range srv.Sim.Stats() {
		n += v
	}
	return n
}

// TestRestartAfterSIGKILL builds the exporter, drives an upgrade through
// /actions against vcfsim, and kills the process with SIGKILL in every state
// that has remote work in flight. Each time a new process is started over
// the same --storage.path. The upgrade must complete with exactly one
// POST /v1/upgrades per component.
// On 9.x it also kills the process while it waits for SDDC Manager's own
// upgrade (started here the way VCF Operations fleet management does),
// during that upgrade's API outage.
func TestRestartAfterSIGKILL(t *testing.T) {
	bin := exporterBinary(t)
	for _, version := range []string{vcfsim.VCF521, vcfsim.VCF902, vcfsim.VCF910} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			restartAfterSIGKILL(t, bin, version)
		})
	}
}

func restartAfterSIGKILL(t *testing.T, bin, version string) {
	dir := t.TempDir()
	srv := vcfsimtest.New(t, simOptions(vcfsim.WithTimeScale(2400), vcfsim.WithVCFVersion(version))...) // 40 simulated minutes per second
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	storage := filepath.Join(dir, "storage")
	c := newTestClient(t, srv.URL)
	ds, err := c.Domains(context.Background())
	require.NoError(t, err)
	domain := ds[0].Name
	rels, _ := c.Releases(context.Background(), ds[0].ID)
	from := rels[0].Version

	var logs testutil.Buffer
	start := func() *exporterProc {
		addr := testutil.FreeAddr(t)
		p := testutil.Start(t, testutil.Command{Path: bin, Output: &logs, Env: []string{"VCF_PASSWORD=VMware1!VMware1!"}, Args: []string{
			"--vcf.url=" + srv.URL, "--vcf.username=admin@local", "--vcf.target-name=lab",
			"--web.listen-address=" + addr,
			"--actions.token-file=" + tokenFile, "--actions.poll-interval=20ms", "--actions.settle-time=100ms",
			"--storage.path=" + storage, "--log.level=info"}})
		p.WaitHTTP(t, 20*time.Second, "http://"+addr+"/-/healthy")
		return &exporterProc{Process: p, addr: addr}
	}
	kill := func(p *exporterProc) { p.Kill(t) }
	call := func(p *exporterProc, method, path string) (int, map[string]any) {
		req, _ := http.NewRequest(method, "http://"+p.addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil
		}
		defer func() { _ = resp.Body.Close() }()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			return resp.StatusCode, nil
		}
		return resp.StatusCode, m
	}

	p := start()
	upgrade := "/actions/v1/domains/" + domain + "/upgrade"
	code, m := call(p, "POST", upgrade)
	if code != 202 {
		t.Fatalf("start: %d %v\n%s", code, m, logs.String())
	}
	target := m["target_version"].(string)

	killStates := []State{StateDownloading, StatePrechecks, StateUpgradingSDDCManager, StateUpgradingNSX, StateUpgradingVCenter, StateUpgradingESX}
	posts := 4
	switch version {
	case vcfsim.VCF902:
		killStates[2], posts = StateWaitingSDDCManager, 3
	case vcfsim.VCF910: // SDDC Manager runs 9.1 already
		killStates, posts = slices.Delete(killStates, 2, 3), 3
	}
	var killedIn []State
	deadline := time.Now().Add(120 * time.Second)
	final := State("")
	for time.Now().Before(deadline) {
		_, s := call(p, "GET", upgrade)
		str, _ := s["state"].(string)
		st := State(str)
		if st != "" && Terminal(st) {
			final = st
			break
		}
		if len(killedIn) < len(killStates) && st == killStates[len(killedIn)] {
			if st == StateWaitingSDDCManager {
				_, err := srv.Sim.UpgradeSddcManager(target)
				require.NoError(t, err)
			}
			// Kill once the step's remote work got going: SDDC Manager
			// saw two more requests since the state showed.
			for n := requests(srv); requests(srv) < n+2 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			kill(p)
			killedIn = append(killedIn, st)
			t.Logf("SIGKILL in %s (POST /v1/upgrades so far: %d)", st, srv.Sim.Stats()["POST /v1/upgrades"])
			p = start()
			continue
		}
		time.Sleep(10 * time.Millisecond)
	}
	if final != StateSucceeded {
		_, s := call(p, "GET", upgrade)
		t.Fatalf("final state %q: %v\nexporter log:\n%s", final, s["log_markdown"], logs.String())
	}
	assert.Equal(t, killStates, killedIn, "killed in every state with remote work")
	assert.EqualValues(t, posts, srv.Sim.Stats()["POST /v1/upgrades"], "POST /v1/upgrades: exactly one per component SDDC Manager upgrades")
	v, err := c.Releases(context.Background(), ds[0].ID)
	require.NoError(t, err)
	require.NotEmpty(t, v)
	assert.True(t, v[0].Version == target && target != from, "domain version %s, want %s (was %s)", v[0].Version, target, from)
	// The exporter's metrics show the workflow's end and the new version.
	resp, err := http.Get("http://" + p.addr + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	for _, want := range []string{
		fmt.Sprintf(`vcf_upgrade_workflow_state{domain=%q,state="successfully_completed",target="lab"} 1`, domain),
		fmt.Sprintf(`vcf_domain_version_info{domain=%q,target="lab",version=%q} 1`, domain, target),
	} {
		assert.Contains(t, string(body), want)
	}
	assert.NotContains(t, logs.String(), testToken, "the token appears in the exporter's log")
}
