package targets

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// The health cache: certificates, tasks, services, backup and password
// expiry change slowly, so each kind is read in the background at its own
// interval, like the upgrade check, and a scrape adds no request beyond the
// inventory's. The last good reading is kept through failures.

// HealthKind names one kind of health data (and its collector).
type HealthKind string

// The health kinds.
const (
	HealthCertificate HealthKind = "certificate"
	HealthTask        HealthKind = "task"
	HealthService     HealthKind = "service"
	HealthBackup      HealthKind = "backup"
	HealthCredential  HealthKind = "credential"
)

// DefaultHealthIntervals are how long each kind's reading is served before
// a new one starts in the background. A password expiry check starts tasks
// on SDDC Manager: hours, not scrapes.
var DefaultHealthIntervals = map[HealthKind]time.Duration{
	HealthCertificate: time.Hour,
	HealthTask:        time.Minute,
	HealthService:     time.Minute,
	HealthBackup:      15 * time.Minute,
	HealthCredential:  6 * time.Hour,
}

// Task and backup history bounds.
const (
	// TaskWindow: tasks are counted while running and for this long after
	// they completed.
	TaskWindow = 24 * time.Hour
	// healthLookback is how far back the first read of tasks and backups
	// goes; later reads ask only for what completed since the last one.
	healthLookback = 7 * 24 * time.Hour
	// taskOverlap is read again at each refresh: SDDC Manager's clock and
	// ours differ, and a task completing during a read must not be missed.
	taskOverlap = 5 * time.Minute
	// BackupTaskType is the type of SDDC Manager's backup tasks.
	BackupTaskType = "SDDCMANAGER_BACKUP"
)

// CredentialResourceTypes are the resource types whose passwords the
// credential kind checks, one check task each.
var CredentialResourceTypes = []string{"VCENTER", "NSXT_MANAGER", "ESXI", "BACKUP"}

// HealthReading is the cached reading of one kind; only the field of its
// kind is set.
type HealthReading struct {
	Certificates []vcfclient.Certificate
	Tasks        *TaskLedger
	Services     []vcfclient.VcfService
	Backup       *BackupStatus
	Credentials  []vcfclient.CredentialExpiry

	// LastSuccess is when the last successful read finished (zero: never).
	LastSuccess time.Time
	// LastAttempt is when the last read finished (zero: never ran).
	LastAttempt time.Time
	// Err is the last read's error (nil when it succeeded).
	Err error
	// Seq changes with every read: it versions renderings.
	Seq uint64
}

// HasRun reports whether a read has finished.
func (h HealthReading) HasRun() bool { return !h.LastAttempt.IsZero() }

// TaskLedger is what the task reads learnt: tasks that completed within
// TaskWindow, the running ones, and the last failure.
type TaskLedger struct {
	Completed map[string]vcfclient.TaskRecord // by id
	Running   []vcfclient.TaskRecord
	// LastFailure is the completion of the newest FAILED or TIMED_OUT task
	// seen (zero: none within the lookback).
	LastFailure time.Time
	watermark   time.Time // newest completion seen
	// filterIgnored: the last read returned tasks completedAfter excludes
	// (logged when it starts).
	filterIgnored bool
}

// BackupStatus is SDDC Manager's backup configuration and the completion
// of its last successful backup (zero: none within the lookback).
type BackupStatus struct {
	Config      vcfclient.BackupConfiguration
	LastSuccess time.Time
}

type healthState struct {
	reading HealthReading
	seq     uint64
	running chan struct{} // closed when the running read ends; nil: none
}

// healthFetchers read one kind; prev is the last reading (for the
// incremental task and backup reads).
var healthFetchers = map[HealthKind]func(ctx context.Context, t *Target, prev HealthReading) (HealthReading, error){
	HealthCertificate: fetchCertificates,
	HealthTask:        fetchTasks,
	HealthService:     fetchServices,
	HealthBackup:      fetchBackup,
	HealthCredential:  fetchCredentials,
}

// Health returns the cached reading of kind. Before the first read it runs
// one and waits for it (bounded by ctx); afterwards it never waits: a stale
// reading starts a new read in the background and is returned as is.
func (t *Target) Health(ctx context.Context, kind HealthKind) HealthReading {
	h := t.HealthStatus(kind)
	if !h.HasRun() {
		select {
		case <-t.startHealth(kind):
		case <-ctx.Done():
		}
		return t.HealthStatus(kind)
	}
	interval := t.healthInterval(kind)
	age := t.opts.Now().Sub(h.LastAttempt)
	if age >= interval || (h.Err != nil && age >= min(time.Minute, interval)) {
		t.startHealth(kind)
	}
	return h
}

// HealthStatus returns the cached reading of kind without starting one.
func (t *Target) HealthStatus(kind HealthKind) HealthReading {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.health[kind]; st != nil {
		return st.reading
	}
	return HealthReading{}
}

func (t *Target) healthInterval(kind HealthKind) time.Duration {
	if d := t.opts.HealthIntervals[kind]; d > 0 {
		return d
	}
	return DefaultHealthIntervals[kind]
}

// startHealth starts a read of kind unless one is running, and returns a
// channel closed when that read has ended. The read is detached from its
// callers and bounded by FetchTimeout. Its result and the end of "running"
// are one update under t.mu, so a caller that sees the result can start
// the next read at once.
func (t *Target) startHealth(kind HealthKind) <-chan struct{} {
	fetch := healthFetchers[kind]
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.health == nil {
		t.health = map[HealthKind]*healthState{}
	}
	st := t.health[kind]
	if st == nil {
		st = &healthState{}
		t.health[kind] = st
	}
	if st.running != nil {
		return st.running
	}
	done := make(chan struct{})
	if t.ctx.Err() != nil || fetch == nil {
		close(done)
		return done
	}
	st.running = done
	prev := st.reading
	go func() {
		defer close(done)
		fctx, cancel := t.fetchContext(context.Background())
		defer cancel()
		next, err := fetch(fctx, t, prev)
		now := t.opts.Now()
		t.mu.Lock()
		hadRun, prevErr := st.reading.HasRun(), st.reading.Err
		st.seq++
		if err == nil {
			next.LastSuccess = now
			st.reading = next
		}
		st.reading.LastAttempt, st.reading.Err, st.reading.Seq = now, err, st.seq
		st.running = nil
		// Logged before the reading is seen: whoever sees it sees the log.
		t.logHealth(kind, err, prevErr, hadRun)
		t.mu.Unlock()
	}()
	return done
}

// logHealth logs state changes only: a missing privilege is said once, not
// every scrape.
func (t *Target) logHealth(kind HealthKind, err, prevErr error, hadRun bool) {
	switch {
	case err != nil && (prevErr == nil || !hadRun):
		var ae *vcfclient.APIError
		if errors.As(err, &ae) && ae.StatusCode == http.StatusForbidden {
			t.log.Error("SDDC Manager refused a health read (403): the account lacks the privilege for this endpoint; the collector fails until it is granted",
				"collector", string(kind), "endpoint", ae.Method+" "+ae.Endpoint)
			return
		}
		t.log.Error("health read failed; keeping the last good reading", "collector", string(kind), "err", err)
	case err == nil && prevErr != nil:
		t.log.Info("health read succeeded again", "collector", string(kind))
	}
}

func fetchCertificates(ctx context.Context, t *Target, _ HealthReading) (HealthReading, error) {
	// The scrape that started this read has just fetched the inventory:
	// its domains serve, without asking SDDC Manager again.
	snap := t.LastSnapshot()
	if !snap.Up() {
		snap = t.Snapshot(ctx)
	}
	if !snap.Up() {
		return HealthReading{}, fmt.Errorf("listing domains: %w", snap.Err)
	}
	doms := snap.Inventory.Domains
	per := make([][]vcfclient.Certificate, len(doms))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(t.opts.MaxConcurrentDomainChecks)
	for i, d := range doms {
		g.Go(func() error {
			certs, err := t.Client.ResourceCertificates(gctx, d.ID)
			if vcfclient.IsNotFound(err) {
				return nil // deleted since the inventory was listed
			}
			if err != nil {
				return fmt.Errorf("domain %q: %w", d.Name, err)
			}
			per[i] = certs
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return HealthReading{}, err
	}
	var all []vcfclient.Certificate
	for _, c := range per {
		all = append(all, c...)
	}
	return HealthReading{Certificates: all}, nil
}

// fetchTasks reads the tasks completed since the last read (the first read
// goes back healthLookback) and the running ones: two filtered, paged
// requests, never the whole history.
func fetchTasks(ctx context.Context, t *Target, prev HealthReading) (HealthReading, error) {
	now := t.opts.Now()
	since := now.Add(-healthLookback)
	l := &TaskLedger{Completed: map[string]vcfclient.TaskRecord{}}
	if p := prev.Tasks; p != nil {
		l.LastFailure, l.watermark = p.LastFailure, p.watermark
		for id, r := range p.Completed {
			l.Completed[id] = r
		}
		if !p.watermark.IsZero() {
			since = p.watermark.Add(-taskOverlap)
		} else {
			since = prev.LastSuccess.Add(-taskOverlap)
		}
	}
	done, err := t.Client.FilterTasks(ctx, vcfclient.TaskFilter{CompletedAfter: since})
	if err != nil {
		return HealthReading{}, err
	}
	running, err := t.Client.FilterTasks(ctx, vcfclient.TaskFilter{Status: "IN_PROGRESS"})
	if err != nil {
		return HealthReading{}, err
	}
	ignored := false
	for _, r := range done {
		// completedAfter is exclusive; a task completed before since, or
		// not at all, means SDDC Manager did not filter.
		ignored = ignored || !r.Completed.After(since.Add(-time.Second))
		if r.Completed.After(l.watermark) {
			l.watermark = r.Completed
		}
		if (r.Status == "FAILED" || r.Status == "TIMED_OUT") && r.Completed.After(l.LastFailure) {
			l.LastFailure = r.Completed
		}
		l.Completed[r.ID] = r
	}
	for id, r := range l.Completed {
		if r.Completed.Before(now.Add(-TaskWindow)) {
			delete(l.Completed, id)
		}
	}
	for _, r := range running {
		if _, ended := l.Completed[r.ID]; !ended {
			l.Running = append(l.Running, r)
		}
	}
	if ignored && (prev.Tasks == nil || !prev.Tasks.filterIgnored) {
		t.log.Warn("SDDC Manager ignored completedAfter on GET /v1/tasks: every task read returns the whole task history", "since", since.UTC())
	}
	l.filterIgnored = ignored
	return HealthReading{Tasks: l}, nil
}

func fetchServices(ctx context.Context, t *Target, _ HealthReading) (HealthReading, error) {
	s, err := t.Client.VcfServices(ctx)
	return HealthReading{Services: s}, err
}

// fetchBackup reads the configuration and the backup tasks completed since
// the last success seen (the first read goes back healthLookback).
func fetchBackup(ctx context.Context, t *Target, prev HealthReading) (HealthReading, error) {
	cfg, err := t.Client.BackupConfiguration(ctx)
	if err != nil {
		return HealthReading{}, err
	}
	b := &BackupStatus{Config: *cfg}
	since := t.opts.Now().Add(-healthLookback)
	if prev.Backup != nil && prev.Backup.LastSuccess.After(since) {
		b.LastSuccess = prev.Backup.LastSuccess
		since = b.LastSuccess.Add(-taskOverlap)
	}
	tasks, err := t.Client.FilterTasks(ctx, vcfclient.TaskFilter{Type: BackupTaskType, CompletedAfter: since})
	if err != nil {
		return HealthReading{}, err
	}
	for _, r := range tasks {
		if r.Type == BackupTaskType && r.Status == "SUCCESSFUL" && r.Completed.After(b.LastSuccess) {
			b.LastSuccess = r.Completed
		}
	}
	return HealthReading{Backup: b}, nil
}

func fetchCredentials(ctx context.Context, t *Target, _ HealthReading) (HealthReading, error) {
	var all []vcfclient.CredentialExpiry
	for _, typ := range CredentialResourceTypes {
		c, err := t.Client.CredentialExpirations(ctx, typ)
		if err != nil {
			return HealthReading{}, fmt.Errorf("%s accounts: %w", typ, err)
		}
		all = append(all, c...)
	}
	return HealthReading{Credentials: all}, nil
}
