package vcfclient

import (
	"context"
	"net/http"
	"testing"
	"time"

	promtestutil "github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vcf-exporter/vcf_exporter/internal/testutil"
	"github.com/vcf-exporter/vcf_exporter/vcfsim"
)

func TestParseTimestamp(t *testing.T) {
	want := time.Date(2026, 2, 2, 10, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-02-02T10:04:05Z", want, true},
		{"2026-02-02T10:04:05.000Z", want, true},
		{"2026-02-02T10:04:05.123456Z", want.Add(123456 * time.Microsecond), true},
		{"2026-02-02T12:04:05+02:00", want, true},
		{"2026-02-02T12:04:05.000+02:00", want, true},
		{"2026-02-02T12:04:05.000+0200", want, true},
		{"2026-02-02T05:04:05-0500", want, true},
		{" 2026-02-02T10:04:05Z ", want, true},
		{"2026-02-02T10:04:05", time.Time{}, false}, // no zone: instant unknown
		{"398", time.Time{}, false},                 // numberOfDaysToExpire is not a timestamp
		{"", time.Time{}, false},
	} {
		got, err := ParseTimestamp(tc.in)
		if !tc.ok {
			require.Error(t, err, tc.in)
			continue
		}
		if assert.NoError(t, err, tc.in) {
			assert.True(t, tc.want.Equal(got), "%s: %v", tc.in, got)
		}
	}
}

func TestNormalizeStatus(t *testing.T) {
	for in, want := range map[string]string{"In Progress": "IN_PROGRESS", "IN_PROGRESS": "IN_PROGRESS", "Timed Out": "TIMED_OUT",
		"Queued": "QUEUED", "Successful": "SUCCESSFUL", "COMPLETED_WITH_WARNING": "COMPLETED_WITH_WARNING"} {
		assert.Equal(t, want, NormalizeStatus(in), in)
	}
}

func TestSimHealth(t *testing.T) {
	for _, v := range vcfsim.Versions() {
		t.Run(v, func(t *testing.T) {
			clk := testutil.NewClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
			srv, c := startSim(t, func(cfg *vcfsim.Config) { cfg.VCFVersion, cfg.Now = v, clk.Now })
			ctx := context.Background()
			doms, err := c.Domains(ctx)
			require.NoError(t, err)

			// Certificates: every spelling the simulator alternates parses.
			status := map[string]int{}
			for _, d := range doms {
				certs, err := c.ResourceCertificates(ctx, d.ID)
				require.NoError(t, err)
				require.NotEmpty(t, certs)
				for _, ce := range certs {
					assert.False(t, ce.NotAfter.IsZero(), "%s %s", ce.ResourceType, ce.ResourceName)
					assert.Equal(t, d.ID, ce.DomainID)
					status[ce.ExpirationStatus]++
				}
			}
			assert.Equal(t, 1, status["EXPIRED"])
			assert.Equal(t, 1, status["ABOUT_TO_EXPIRE"])

			svcs, err := c.VcfServices(ctx)
			require.NoError(t, err)
			assert.Len(t, svcs, 5)

			b, err := c.BackupConfiguration(ctx)
			require.NoError(t, err)
			assert.True(t, b.Configured)
			require.Len(t, b.Schedules, 1)
			assert.Equal(t, "WEEKLY", b.Schedules[0].Frequency)
			srv.Sim.SetBackupConfigured(false)
			b, err = c.BackupConfiguration(ctx)
			require.NoError(t, err)
			assert.False(t, b.Configured)

			// Tasks: 150 more than a page, completedAfter in milliseconds.
			for i := 0; i < 150; i++ {
				srv.Sim.AddTask("t", "HOST_COMMISSION", clk.Now().Add(-time.Hour), time.Minute, i%2 == 0)
			}
			srv.Sim.ResetStats()
			tasks, err := c.FilterTasks(ctx, TaskFilter{CompletedAfter: clk.Now().Add(-4 * time.Hour)})
			require.NoError(t, err)
			assert.Len(t, tasks, 150+1+1, "the added ones, the demo's failed task and its last backup")
			assert.Equal(t, int64(2), srv.Sim.Stats()["GET /v1/tasks"], "two pages of 100")
			backups, err := c.FilterTasks(ctx, TaskFilter{Type: "SDDCMANAGER_BACKUP", CompletedAfter: clk.Now().Add(-48 * time.Hour)})
			require.NoError(t, err)
			require.Len(t, backups, 2)
			assert.Equal(t, "SUCCESSFUL", backups[0].Status)
			assert.True(t, backups[0].Completed.After(clk.Now().Add(-3*time.Hour)))
		})
	}
}

func TestSimCredentialExpirations(t *testing.T) {
	srv, c := startSim(t, vcfsim.WithTimeScale(36000)) // the 30 s check ends within a millisecond
	soon := srv.Sim.SimNow().Add(5 * 24 * time.Hour)
	srv.Sim.SetPasswordExpiry("sfo-m01-vc01.sfo.rainpole.io", soon)
	creds, err := c.CredentialExpirations(context.Background(), "VCENTER")
	require.NoError(t, err)
	require.Len(t, creds, 3)
	assert.Equal(t, "sfo-m01-vc01.sfo.rainpole.io", creds[0].ResourceName)
	assert.Equal(t, "EXPIRING", creds[0].Status)
	assert.WithinDuration(t, soon, creds[0].Expiry, time.Second)
	assert.Equal(t, []string{"mgmt-domain"}, creds[0].Domains)

	srv.Sim.SetForbidden("POST /v1/credentials/expirations")
	_, err = c.CredentialExpirations(context.Background(), "VCENTER")
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusForbidden, ae.StatusCode)
}

// TestCredentialCheckBounded: a check that never completes ends at the
// caller's deadline, naming the check.
func TestCredentialCheckBounded(t *testing.T) {
	f := newFake(t)
	f.handle("POST /v1/credentials/expirations", staticJSON(map[string]string{"id": "c1", "status": "IN_PROGRESS"}))
	f.handle("GET /v1/credentials/expirations/c1", staticJSON(map[string]string{"id": "c1", "status": "In Progress"}))
	c := f.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := c.CredentialExpirations(ctx, "ESXI")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "c1")
	assert.GreaterOrEqual(t, f.count("GET /v1/credentials/expirations/c1"), int64(1))

	f.handle("GET /v1/credentials/expirations/c1", staticJSON(map[string]string{"id": "c1", "status": "FAILED"}))
	_, err = c.CredentialExpirations(context.Background(), "ESXI")
	assert.ErrorContains(t, err, "FAILED")
}

// TestBackupConfiguredWithoutFlag: isConfigured is optional; without it a
// backup location means configured.
func TestBackupConfiguredWithoutFlag(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/system/backup-configuration", staticJSON(map[string]any{"backupLocations": []map[string]any{{"server": "b", "password": "secret"}}}))
	c := f.client(t)
	b, err := c.BackupConfiguration(context.Background())
	require.NoError(t, err)
	assert.True(t, b.Configured)
	f.handle("GET /v1/system/backup-configuration", staticJSON(map[string]any{}))
	b, err = c.BackupConfiguration(context.Background())
	require.NoError(t, err)
	assert.False(t, b.Configured)
}

// TestUnparseableNotAfterIsCounted: a notAfter the client cannot read is a
// zero time in the model and a dropped value, not a wrong instant.
func TestUnparseableNotAfterIsCounted(t *testing.T) {
	f := newFake(t)
	f.handle("GET /v1/domains/d1/resource-certificates", staticJSON(page(
		map[string]any{"resourceType": "VCENTER", "resourceName": "vc", "notAfter": "2027-01-01 00:00", "expirationStatus": "ACTIVE", "numberOfDaysToExpire": 398},
		map[string]any{"resourceType": "ESXI", "issuedTo": "esx1", "notAfter": "2027-01-01T00:00:00.000+0000", "expirationStatus": "Active"})))
	c := f.client(t)
	certs, err := c.ResourceCertificates(context.Background(), "d1")
	require.NoError(t, err)
	require.Len(t, certs, 2)
	assert.True(t, certs[0].NotAfter.IsZero())
	assert.Equal(t, "esx1", certs[1].ResourceName)
	assert.Equal(t, "ACTIVE", certs[1].ExpirationStatus)
	assert.Equal(t, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), certs[1].NotAfter.UTC())
	assert.Equal(t, 1.0, promtestutil.ToFloat64(c.metrics.dropped.WithLabelValues(endpointResourceCertificates, "notAfter", "unparseable_timestamp")))
}
