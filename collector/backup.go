package collector

import (
	"fmt"
	"strings"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("backup", true, func(Options) (Collector, error) {
		return healthCollector[backupRow]{kind: targets.HealthBackup, families: backupFamilies, rows: backupRows}, nil
	})
}

// backupRow is the one row of a reading: the backup status and its
// schedules, one per resource type.
type backupRow struct {
	*targets.BackupStatus
	schedules []*vcfclient.BackupSchedule
}

func noLabels(*backupRow) []string { return nil }

var backupFamilies = []Family[backupRow]{
	number(newDesc("backup", "configured",
		"1 when SDDC Manager's backup is configured (isConfigured of GET /v1/system/backup-configuration), else 0.",
	), noLabels, func(b *backupRow) float64 { return boolValue(b.Config.Configured) }),
	number(newDesc("backup", "last_success_timestamp_seconds",
		"Unix time the newest successful SDDC Manager backup task (SDDCMANAGER_BACKUP) completed (absent when none in the last 7 days).",
	), noLabels, func(b *backupRow) float64 { return unixSeconds(b.LastSuccess) }),
	gauge(newDesc("backup", "schedule_enabled",
		"1 when scheduled backups of the resource are enabled (takeScheduledBackups), else 0.",
		"resource_type"),
		func(b *backupRow, emit Emit) {
			for _, s := range b.schedules {
				emit(boolValue(s.TakeScheduledBackups), s.ResourceType)
			}
		}),
	gauge(newDesc("backup", "schedule_info",
		"The backup schedule of the resource: frequency (WEEKLY or HOURLY), days of the week and time of day (UTC); always 1.",
		"resource_type", "frequency", "days_of_week", "time_utc"),
		func(b *backupRow, emit Emit) {
			for _, s := range b.schedules {
				emit(1, s.ResourceType, s.Frequency, strings.Join(s.DaysOfWeek, ","), scheduleTime(s))
			}
		}),
}

func backupRows(_ *Scrape, h *targets.HealthReading, yield func(*backupRow)) {
	if h.Backup == nil {
		return
	}
	row := &backupRow{BackupStatus: h.Backup}
	seen := map[string]bool{}
	for i := range h.Backup.Config.Schedules {
		b := &h.Backup.Config.Schedules[i]
		if seen[b.ResourceType] {
			continue // one schedule per resource type
		}
		seen[b.ResourceType] = true
		row.schedules = append(row.schedules, b)
	}
	yield(row)
}

// scheduleTime is the schedule's time of day, "" for hourly backups
// (only the minute counts) as "HH:MM" otherwise.
func scheduleTime(b *vcfclient.BackupSchedule) string {
	if strings.EqualFold(b.Frequency, "HOURLY") {
		return fmt.Sprintf("*:%02d", b.MinuteOfHour)
	}
	return fmt.Sprintf("%02d:%02d", b.HourOfDay, b.MinuteOfHour)
}
