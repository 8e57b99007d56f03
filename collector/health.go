package collector

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/targets"
)

// The health collectors (certificate, task, service, backup, credential)
// serve the target's health cache: a scrape never waits for SDDC Manager
// except for the very first read of a kind. Each file holds one table of
// definitions and pure functions from vcfclient types to values.

// healthTimestampDesc is shared by the health collectors, one series per
// kind (Set.describe sends it once).
var healthTimestampDesc = newDesc("health", "last_success_timestamp_seconds",
	"Unix time of the last successful read of this kind of health data from SDDC Manager (cached, read again in the background).",
	"kind")

// errHealthLogged wraps a failed health read: the target logs it once per
// state change (a missing privilege is said once, not every scrape).
var errHealthLogged = errors.New("health read failed")

// health is the target's reading of kind as this scrape sees it, the same
// for the render cache's key and for Update. It waits only for the very
// first read, and not at all while the SDDC Manager is unreachable.
func (s *Scrape) health(ctx context.Context, kind targets.HealthKind) targets.HealthReading {
	s.healthMu.Lock()
	defer s.healthMu.Unlock()
	if h, ok := s.healthReadings[kind]; ok {
		return h
	}
	var h targets.HealthReading
	if s.Snapshot.Up() {
		h = s.Target.Health(ctx, kind)
	} else {
		h = s.Target.HealthStatus(kind)
	}
	if s.healthReadings == nil {
		s.healthReadings = map[targets.HealthKind]targets.HealthReading{}
	}
	s.healthReadings[kind] = h
	return h
}

// healthVersion keys the render cache of a health collector: its output
// changes with each read.
func healthVersion(ctx context.Context, s *Scrape, kind targets.HealthKind) any {
	return s.health(ctx, kind).Seq
}

// updateHealth sends the timestamp of kind and, when there is a reading,
// its series (emit); it returns the collector's error: the target is down,
// the first read has not finished, or the last read failed (the last good
// reading is still served, and vcf_scrape_collector_success says 0).
func updateHealth(ctx context.Context, s *Scrape, ch chan<- prometheus.Metric, kind targets.HealthKind, emit func(targets.HealthReading)) error {
	h := s.health(ctx, kind)
	if !h.LastSuccess.IsZero() {
		ch <- s.gauge(healthTimestampDesc, unixSeconds(h.LastSuccess), string(kind))
	}
	if !s.Snapshot.Up() {
		return ErrTargetDown
	}
	if !h.HasRun() {
		return fmt.Errorf("first %s read did not finish in time: %w", kind, ctx.Err())
	}
	if !h.LastSuccess.IsZero() {
		emit(h)
	}
	if h.Err != nil {
		return fmt.Errorf("%w: %w", errHealthLogged, h.Err)
	}
	return nil
}

// unixSeconds is t as a Unix timestamp in seconds (NaN for the zero time:
// emitDefs leaves it out).
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return math.NaN()
	}
	return float64(t.UnixNano()) / 1e9
}
