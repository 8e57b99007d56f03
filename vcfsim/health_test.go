package vcfsim

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkHealth validates the health endpoints' answers (TestConformance and
// TestHealthConformance91).
func checkHealth(cf *conformance, c *tclient, dom string) {
	t := cf.t
	t.Helper()
	cf.check("GET", "/v1/domains/{id}/resource-certificates", "/v1/domains/"+dom+"/resource-certificates", nil, 200)
	cf.check("GET", "/v1/domains/{id}/resource-certificates", "/v1/domains/nope/resource-certificates", nil, 404)
	cf.check("GET", "/v1/vcf-services", "/v1/vcf-services", nil, 200)
	cf.check("GET", "/v1/system/backup-configuration", "/v1/system/backup-configuration", nil, 200)
	c.srv.Sim.SetBackupConfigured(false)
	cf.check("GET", "/v1/system/backup-configuration", "/v1/system/backup-configuration", nil, 200)
	c.srv.Sim.SetBackupConfigured(true)
	cf.check("GET", "/v1/tasks", "/v1/tasks?completedAfter=0&pageNumber=0&pageSize=2", nil, 200)
	cf.check("GET", "/v1/tasks", "/v1/tasks?taskType=SDDCMANAGER_BACKUP&completedAfter=0", nil, 200)
	cf.check("POST", "/v1/credentials/expirations", "/v1/credentials/expirations", map[string]string{"resourceType": "NOPE"}, 400)
	var check struct{ ID, Status string }
	mustJSON(t, cf.check("POST", "/v1/credentials/expirations", "/v1/credentials/expirations", map[string]string{"resourceType": "VCENTER"}, 202), &check)
	cf.check("GET", "/v1/credentials/expirations/{id}", "/v1/credentials/expirations/"+check.ID, nil, 200)
	cf.check("GET", "/v1/credentials/expirations/{id}", "/v1/credentials/expirations/nope", nil, 404)
	c.eventually("credential check", func() bool {
		var r struct{ Status string }
		mustJSON(t, cf.check("GET", "/v1/credentials/expirations/{id}", "/v1/credentials/expirations/"+check.ID, nil, 200), &r)
		return r.Status == "COMPLETED"
	})
	c.srv.Sim.SetForbidden("POST /v1/credentials/expirations")
	cf.check("POST", "/v1/credentials/expirations", "/v1/credentials/expirations", map[string]string{"resourceType": "ESXI"}, 403)
	c.srv.Sim.SetForbidden()
}

// TestHealthConformance91 validates the 9.x health answers against the
// 9.1.0 reference, whose shapes of these endpoints are the 9.0.2 ones plus
// optional fields.
func TestHealthConformance91(t *testing.T) {
	doc := loadSpec(t, "9.1.0")
	cfg := fastConfig()
	cfg.VCFVersion = VCF902
	c := startClocked(t, cfg).login()
	cf := &conformance{t: t, c: c, doc: doc, errSch: doc.Components.Schemas["Error"].Value, covered: map[string]bool{}}
	checkHealth(cf, c, c.domainID("mgmt-domain"))
}

// TestHealthDemoMix checks the demo's health story and the knobs.
func TestHealthDemoMix(t *testing.T) {
	c := startClocked(t, DefaultConfig()).login()
	now := c.clk.Now()

	type cert struct{ ResourceType, ResourceName, NotAfter, ExpirationStatus string }
	var mgmt, lab struct{ Elements []cert }
	c.get("/v1/domains/"+c.domainID("mgmt-domain")+"/resource-certificates", &mgmt)
	c.get("/v1/domains/"+c.domainID("vi-domain-02")+"/resource-certificates", &lab)
	status := func(cs []cert) map[string]int {
		m := map[string]int{}
		for _, x := range cs {
			m[x.ExpirationStatus]++
		}
		return m
	}
	assert.Equal(t, map[string]int{"ABOUT_TO_EXPIRE": 1, "ACTIVE": len(mgmt.Elements) - 1}, status(mgmt.Elements))
	assert.Equal(t, map[string]int{"EXPIRED": 1, "ACTIVE": len(lab.Elements) - 1}, status(lab.Elements))

	var svcs struct {
		Elements []struct{ Name, Status string }
	}
	c.get("/v1/vcf-services", &svcs)
	down := 0
	for _, s := range svcs.Elements {
		if s.Status != "UP" {
			down++
		}
	}
	assert.Equal(t, 1, down)

	var tasks struct {
		Elements []struct{ Type, Status string }
	}
	c.get("/v1/tasks?completedAfter="+strconv.FormatInt(now.Add(-24*time.Hour).UnixMilli(), 10), &tasks)
	assert.ElementsMatch(t, []struct{ Type, Status string }{{"SDDCMANAGER_BACKUP", "SUCCESSFUL"}, {"HOST_COMMISSION", "FAILED"}}, tasks.Elements)

	// Knobs.
	c.srv.Sim.SetCertificateExpiry(mgmt.Elements[1].ResourceName, now.Add(-time.Hour))
	c.get("/v1/domains/"+c.domainID("mgmt-domain")+"/resource-certificates", &mgmt)
	assert.Equal(t, "EXPIRED", mgmt.Elements[1].ExpirationStatus)
	require.NoError(t, c.srv.Sim.SetServiceStatus("LCM", "DOWN"))
	require.Error(t, c.srv.Sim.SetServiceStatus("NOPE", "DOWN"))
	c.srv.Sim.SetForbidden("GET /v1/vcf-services")
	st, _ := c.do("GET", "/v1/vcf-services", nil)
	assert.Equal(t, http.StatusForbidden, st)
	st, _ = c.do("GET", "/v1/system/backup-configuration", nil)
	assert.Equal(t, http.StatusOK, st, "only the named endpoint is forbidden")
	c.srv.Sim.SetForbidden()
	st, _ = c.do("GET", "/v1/vcf-services", nil)
	assert.Equal(t, http.StatusOK, st)
}
