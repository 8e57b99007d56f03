package collector

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("backup", true, newBackupCollector)
}

var (
	backupMetrics = []metricDef[targets.BackupStatus]{
		{newDesc("backup", "configured",
			"1 when SDDC Manager's backup is configured (isConfigured of GET /v1/system/backup-configuration), else 0.",
		), func(b *targets.BackupStatus) float64 { return boolValue(b.Config.Configured) }},
		{newDesc("backup", "last_success_timestamp_seconds",
			"Unix time the newest successful SDDC Manager backup task (SDDCMANAGER_BACKUP) completed (absent when none in the last 7 days).",
		), func(b *targets.BackupStatus) float64 { return unixSeconds(b.LastSuccess) }},
	}
	backupScheduleMetrics = []metricDef[vcfclient.BackupSchedule]{
		{newDesc("backup", "schedule_enabled",
			"1 when scheduled backups of the resource are enabled (takeScheduledBackups), else 0.",
			"resource_type"), func(b *vcfclient.BackupSchedule) float64 { return boolValue(b.TakeScheduledBackups) }},
	}
	backupScheduleInfo = newDesc("backup", "schedule_info",
		"The backup schedule of the resource: frequency (WEEKLY or HOURLY), days of the week and time of day (UTC); always 1.",
		"resource_type", "frequency", "days_of_week", "time_utc")
)

// backupCollector exposes SDDC Manager's backup configuration and its last
// successful backup.
type backupCollector struct{}

func newBackupCollector(Options) (Collector, error) { return backupCollector{}, nil }

func (backupCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- healthTimestampDesc
	describeDefs(ch, backupMetrics)
	describeDefs(ch, backupScheduleMetrics)
	ch <- backupScheduleInfo
}

func (backupCollector) version(ctx context.Context, s *Scrape) any {
	return healthVersion(ctx, s, targets.HealthBackup)
}

func (backupCollector) Update(ctx context.Context, s *Scrape, ch chan<- prometheus.Metric) error {
	return updateHealth(ctx, s, ch, targets.HealthBackup, func(h targets.HealthReading) {
		emitDefs(s, ch, backupMetrics, h.Backup)
		seen := map[string]bool{}
		for i := range h.Backup.Config.Schedules {
			b := &h.Backup.Config.Schedules[i]
			if seen[b.ResourceType] {
				continue // one schedule per resource type
			}
			seen[b.ResourceType] = true
			emitDefs(s, ch, backupScheduleMetrics, b, b.ResourceType)
			ch <- s.gauge(backupScheduleInfo, 1, b.ResourceType, b.Frequency, strings.Join(b.DaysOfWeek, ","), scheduleTime(b))
		}
	})
}

// scheduleTime is the schedule's time of day, "" for hourly backups
// (only the minute counts) as "HH:MM" otherwise.
func scheduleTime(b *vcfclient.BackupSchedule) string {
	if strings.EqualFold(b.Frequency, "HOURLY") {
		return fmt.Sprintf("*:%02d", b.MinuteOfHour)
	}
	return fmt.Sprintf("%02d:%02d", b.HourOfDay, b.MinuteOfHour)
}
