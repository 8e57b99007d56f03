package collector

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vcf-exporter/vcf_exporter/targets"
)

// The health collectors (certificate, task, service, backup, credential)
// serve the target's health cache: a scrape never waits for SDDC Manager
// except for the very first read of a kind. Each file holds one table of
// families over its rows and a function listing the rows of a reading.

// healthTimestampDesc is shared by the health collectors, one series per
// kind (Set.Describe lists it once).
var healthTimestampDesc = newDesc("health", "last_success_timestamp_seconds",
	"Unix time of the last successful read of this kind of health data from SDDC Manager (cached, read again in the background).",
	"kind")

// errHealthLogged wraps a failed health read: the target logs it once per
// state change (a missing privilege is said once, not every scrape).
var errHealthLogged = errors.New("health read failed")

// healthCollector is a listCollector over the rows of one kind of health
// reading: rows lists them, families turns each into samples.
type healthCollector[T any] struct {
	kind     targets.HealthKind
	families []Family[T]
	rows     func(s *Scrape, h *targets.HealthReading, yield func(*T))
}

func (c healthCollector[T]) Describe() []*Desc {
	return append([]*Desc{healthTimestampDesc}, descs(c.families)...)
}

// version keys the render cache: the output changes with each read.
func (c healthCollector[T]) version(ctx context.Context, s *Scrape) any {
	return s.health(ctx, c.kind).Seq
}

// inventoryKey: of the inventory, the output depends on whether the SDDC
// Manager is up and on the domains' names (certificates are labelled with
// them), so a new snapshot renders it again only when they changed.
func (c healthCollector[T]) inventoryKey(s *Scrape) any { return s.domainsKey() }

// Update writes the time of the last good read and, when there is a
// reading, its rows; it fails when the target is down, the first read has
// not finished, or the last read failed (the last good reading is still
// served, and vcf_scrape_collector_success says 0).
func (c healthCollector[T]) Update(ctx context.Context, s *Scrape, out Out) error {
	h := s.health(ctx, c.kind)
	if !h.LastSuccess.IsZero() {
		out.Sample(healthTimestampDesc, unixSeconds(h.LastSuccess), []string{string(c.kind)})
	}
	if !s.Snapshot.Up() {
		return ErrTargetDown
	}
	if !h.HasRun() {
		return fmt.Errorf("first %s read did not finish in time: %w", c.kind, ctx.Err())
	}
	if !h.LastSuccess.IsZero() {
		generateRows(out, c.families, collect(func(yield func(*T)) { c.rows(s, &h, yield) }))
	}
	if h.Err != nil {
		return fmt.Errorf("%w: %w", errHealthLogged, h.Err)
	}
	return nil
}

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

// unixSeconds is t as a Unix timestamp in seconds (NaN for the zero time:
// number leaves it out).
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return math.NaN()
	}
	return float64(t.UnixNano()) / 1e9
}
