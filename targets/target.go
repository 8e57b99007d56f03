// Package targets is the exporter's runtime view of the SDDC Managers it
// watches: one Target per SDDC Manager, with its API client, a short-lived
// inventory snapshot shared by concurrent scrapes, and a cached upgrade check.
// The collectors and the /actions API both use it.
package targets

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	promcfg "github.com/prometheus/common/config"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// Options tune every Target of a Registry.
type Options struct {
	// MinRefreshInterval: an inventory snapshot younger than this is reused
	// instead of asking SDDC Manager again (default 10s).
	MinRefreshInterval time.Duration
	// UpgradeCheckInterval: how long an upgrade check result is served
	// before a new check is started in the background (default 15m).
	UpgradeCheckInterval time.Duration
	// UpgradeCheckRetryInterval: after a failed check, the next one starts
	// no sooner than this (default min(1m, UpgradeCheckInterval)).
	UpgradeCheckRetryInterval time.Duration
	// FetchTimeout bounds every inventory fetch and upgrade check. Fetches
	// are shared and detached from the deadlines of the scrapes waiting for
	// them (default 2m).
	FetchTimeout time.Duration
	// MaxConcurrentDomainChecks bounds the parallel release calls of one
	// upgrade check (default 4).
	MaxConcurrentDomainChecks int
	// HealthIntervals: how long each kind of health data is served before
	// it is read again in the background (default DefaultHealthIntervals).
	HealthIntervals map[HealthKind]time.Duration
	// MaxResponseBytes caps one SDDC Manager response body for targets
	// without max_response_size (default vcfclient.DefaultMaxResponseBytes).
	MaxResponseBytes int64
	Logger           *slog.Logger
	// NewClient builds the API client (default vcfclient.New); tests may
	// replace it.
	NewClient func(vcfclient.Config) (*vcfclient.Client, error)
	// Now returns the current time (default time.Now).
	Now func() time.Time
}

func (o *Options) setDefaults() {
	if o.MinRefreshInterval < 0 {
		o.MinRefreshInterval = 0
	}
	if o.UpgradeCheckInterval <= 0 {
		o.UpgradeCheckInterval = 15 * time.Minute
	}
	if o.UpgradeCheckRetryInterval <= 0 {
		o.UpgradeCheckRetryInterval = min(time.Minute, o.UpgradeCheckInterval)
	}
	if o.FetchTimeout <= 0 {
		o.FetchTimeout = 2 * time.Minute
	}
	if o.MaxConcurrentDomainChecks <= 0 {
		o.MaxConcurrentDomainChecks = 4
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.NewClient == nil {
		o.NewClient = vcfclient.New
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// DefaultOptions are the defaults of the command-line flags.
func DefaultOptions() Options {
	o := Options{MinRefreshInterval: 10 * time.Second}
	o.setDefaults()
	return o
}

// Snapshot is one fetch of a target's inventory. When Err is set, Inventory
// is nil: nothing stale is ever served.
type Snapshot struct {
	Inventory *vcfclient.Inventory
	Err       error
	// Time is when the fetch finished; zero when the caller gave up waiting
	// for a fetch still running.
	Time time.Time
	// Duration is how long the fetch took.
	Duration time.Duration
}

// Up reports whether the fetch succeeded.
func (s *Snapshot) Up() bool { return s != nil && s.Err == nil && s.Inventory != nil }

// DomainUpgrade is the upgrade state of one domain.
type DomainUpgrade struct {
	DomainID   string
	DomainName string
	// CurrentVersion is the first element of GET /v1/releases?domainId=.
	CurrentVersion string
	// FutureReleases as returned by GET /v1/releases/domains/{id}/future-releases.
	FutureReleases []vcfclient.Release
	// Next is the lowest applicable upgrade, nil when up to date.
	Next *vcfclient.Release
}

// UpdateAvailable reports whether an applicable newer release exists.
func (d DomainUpgrade) UpdateAvailable() bool { return d.Next != nil }

// UpgradeStatus is the cached result of the upgrade checks.
type UpgradeStatus struct {
	// Domains from the last successful check (ACTIVE domains only), in
	// inventory order.
	Domains []DomainUpgrade
	// LastSuccess is when the last successful check finished (zero: never).
	LastSuccess time.Time
	// LastAttempt is when the last check finished (zero: never ran).
	LastAttempt time.Time
	// Err is the last check's error (nil when it succeeded).
	Err error
}

// HasRun reports whether any check has finished.
func (u UpgradeStatus) HasRun() bool { return !u.LastAttempt.IsZero() }

// Domain returns the upgrade state of a domain by name or id.
func (u UpgradeStatus) Domain(nameOrID string) (DomainUpgrade, bool) {
	for _, d := range u.Domains {
		if d.DomainID == nameOrID || d.DomainName == nameOrID {
			return d, true
		}
	}
	return DomainUpgrade{}, false
}

// Target is one SDDC Manager.
type Target struct {
	Name   string
	Client *vcfclient.Client

	cfg      config.TargetConfig
	password string
	opts     Options
	log      *slog.Logger

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc

	sf singleflight.Group

	mu       sync.Mutex
	snap     *Snapshot
	up       *bool // last known reachability, for logging state changes only
	upgrades UpgradeStatus
	recheck  bool // the last check failed because the inventory fetch did
	health   map[HealthKind]*healthState
}

func newTarget(cfg config.TargetConfig, password promcfg.Secret, opts Options) (*Target, error) {
	log := opts.Logger.With("target", cfg.Name)
	client, err := opts.NewClient(vcfclient.Config{
		URL:              cfg.URL,
		Username:         cfg.Username,
		Password:         password,
		HTTP:             cfg.HTTPClientConfig(),
		MaxInFlight:      cfg.MaxInFlight,
		Logger:           log,
		MaxResponseBytes: cmp.Or(int64(cfg.MaxResponseSize), opts.MaxResponseBytes),
	})
	if err != nil {
		return nil, fmt.Errorf("target %q: %w", cfg.Name, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Target{
		Name:     cfg.Name,
		Client:   client,
		cfg:      cfg,
		password: string(password),
		opts:     opts,
		log:      log,
		ctx:      ctx,
		cancel:   cancel,
	}, nil
}

// URL is the SDDC Manager's base URL.
func (t *Target) URL() string { return t.cfg.URL }

// Config returns the target's configuration.
func (t *Target) Config() config.TargetConfig { return t.cfg }

// Close cancels the target's running fetches and checks and releases its
// client's background work. The target must not be used afterwards; its
// client may (an upgrade workflow keeps the client it started with).
func (t *Target) Close() {
	t.cancel()
	if t.Client != nil {
		t.Client.Release()
	}
}

// fetchContext derives a context for work shared by several callers. It
// keeps ctx's values but neither its cancellation nor its deadline: one
// impatient caller (a scrape with a tiny timeout) must not cut short a fetch
// that others wait for, nor make its failure the cached answer for
// everyone. The work is bounded by FetchTimeout and ends when the target is
// closed; each caller still stops waiting at its own deadline.
func (t *Target) fetchContext(ctx context.Context) (context.Context, context.CancelFunc) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.opts.FetchTimeout)
	stop := context.AfterFunc(t.ctx, cancel)
	return fctx, func() { stop(); cancel() }
}

// Snapshot returns the inventory, fetching it when the cached snapshot is
// older than MinRefreshInterval. Concurrent callers share one fetch. A
// caller whose ctx ends first gets a snapshot carrying ctx's error.
func (t *Target) Snapshot(ctx context.Context) *Snapshot {
	t.mu.Lock()
	s := t.snap
	t.mu.Unlock()
	if s != nil && t.opts.Now().Sub(s.Time) < t.opts.MinRefreshInterval {
		return s
	}
	ch := t.sf.DoChan("inventory", func() (any, error) {
		fctx, cancel := t.fetchContext(ctx)
		defer cancel()
		start := t.opts.Now()
		inv, err := t.Client.Inventory(fctx)
		end := t.opts.Now()
		s := &Snapshot{Time: end, Duration: end.Sub(start)}
		if err != nil {
			s.Err = err
		} else {
			s.Inventory = inv
		}
		t.mu.Lock()
		t.snap = s
		t.logStateChange(s)
		if err != nil && t.upgrades.HasRun() {
			// The upgrade check starts by listing the inventory: while that
			// fails, so does the check, and vcf_upgrade_check_success says
			// so at once instead of up to an interval later.
			t.upgrades.Err = fmt.Errorf("listing domains: %w", err)
			t.upgrades.LastAttempt = end
			t.recheck = true
		}
		t.mu.Unlock()
		return s, nil
	})
	select {
	case r := <-ch:
		return r.Val.(*Snapshot)
	case <-ctx.Done():
		err := fmt.Errorf("waiting for the inventory fetch in progress: %w", ctx.Err())
		if last := t.LastSnapshot(); last != nil && last.Err != nil {
			// The fetch may be retrying the failure of the last one: say so.
			err = fmt.Errorf("%w (the last fetch failed: %w)", err, last.Err)
		}
		return &Snapshot{Err: err}
	}
}

// LastSnapshot returns the last fetched snapshot without fetching (nil
// before the first fetch).
func (t *Target) LastSnapshot() *Snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.snap
}

// logStateChange logs reachability transitions only. t.mu must be held.
func (t *Target) logStateChange(s *Snapshot) {
	up := s.Up()
	if t.up != nil && *t.up == up {
		return
	}
	first := t.up == nil
	t.up = &up
	switch {
	case up && first:
		t.log.Info("SDDC Manager reachable", "url", t.cfg.URL,
			"domains", len(s.Inventory.Domains), "clusters", len(s.Inventory.Clusters), "hosts", len(s.Inventory.Hosts))
	case up:
		t.log.Info("SDDC Manager reachable again", "url", t.cfg.URL)
	default:
		t.log.Error(vcfclient.Failure(s.Err)+"; vcf_up is 0 until it answers again",
			"url", t.cfg.URL, "after", s.Duration.Round(time.Millisecond), "err", s.Err)
	}
}

// Upgrades returns the cached upgrade check. Before the first check has run
// it runs one and waits for it (bounded by ctx); afterwards it never waits:
// a stale result starts a new check in the background and is returned as is.
func (t *Target) Upgrades(ctx context.Context) UpgradeStatus {
	st := t.UpgradeStatus()
	if !st.HasRun() {
		ch := t.startCheck()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		return t.UpgradeStatus()
	}
	age := t.opts.Now().Sub(st.LastAttempt)
	t.mu.Lock()
	recheck := t.recheck // failed only because the inventory did: check again at once
	t.mu.Unlock()
	if recheck || age >= t.opts.UpgradeCheckInterval || (st.Err != nil && age >= t.opts.UpgradeCheckRetryInterval) {
		t.startCheck()
	}
	return st
}

// UpgradeStatus returns the cached upgrade check without starting one.
func (t *Target) UpgradeStatus() UpgradeStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.upgrades
}

// CheckUpdates runs an upgrade check now (joining one already running) and
// waits for it, at most until ctx ends (the check itself goes on). On
// failure the last good result is kept.
func (t *Target) CheckUpdates(ctx context.Context) error {
	select {
	case r := <-t.startCheck():
		if r.Err != nil {
			return r.Err
		}
		if err, _ := r.Val.(error); err != nil {
			return err
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startCheck starts a check unless one is running and returns its result
// channel. The check is detached from its callers and bounded by
// FetchTimeout, so that a scrape giving up does not waste it.
func (t *Target) startCheck() <-chan singleflight.Result {
	if t.ctx.Err() != nil {
		ch := make(chan singleflight.Result, 1)
		ch <- singleflight.Result{Err: errors.New("target closed")}
		return ch
	}
	return t.sf.DoChan("upgrade-check", func() (any, error) {
		fctx, cancel := t.fetchContext(context.Background())
		defer cancel()
		domains, err := t.checkUpgrades(fctx)
		now := t.opts.Now()
		t.mu.Lock()
		prevErr := t.upgrades.Err
		hadRun := t.upgrades.HasRun()
		t.upgrades.LastAttempt = now
		t.upgrades.Err = err
		t.recheck = false
		if err == nil {
			t.upgrades.Domains = domains
			t.upgrades.LastSuccess = now
		}
		t.mu.Unlock()
		switch {
		case err != nil && (prevErr == nil || !hadRun):
			t.log.Error("upgrade check failed; keeping the last good result", "err", err)
		case err == nil && prevErr != nil:
			t.log.Info("upgrade check succeeded again", "domains", len(domains))
		case err == nil:
			t.log.Debug("upgrade check done", "domains", len(domains))
		}
		// The error is returned as the value so that singleflight does not
		// treat it specially; CheckUpdates unwraps it.
		return err, nil
	})
}

// checkUpgrades implements "Detecting an update": for each ACTIVE domain,
// the current version is the first release of GET /v1/releases?domainId=,
// and the next release is the lowest applicable future release.
func (t *Target) checkUpgrades(ctx context.Context) ([]DomainUpgrade, error) {
	snap := t.Snapshot(ctx)
	if !snap.Up() {
		return nil, fmt.Errorf("listing domains: %w", snap.Err)
	}
	var active []vcfclient.Domain
	for _, d := range snap.Inventory.Domains {
		if strings.EqualFold(d.Status, "ACTIVE") {
			active = append(active, d)
		}
	}
	out := make([]DomainUpgrade, len(active))
	gone := make([]bool, len(active))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(t.opts.MaxConcurrentDomainChecks)
	for i, d := range active {
		g.Go(func() error {
			rels, err := t.Client.Releases(gctx, d.ID)
			if vcfclient.IsNotFound(err) {
				gone[i] = true // deleted since the inventory was listed
				return nil
			}
			if err != nil {
				return fmt.Errorf("domain %q: releases: %w", d.Name, err)
			}
			if len(rels) == 0 {
				return fmt.Errorf("domain %q: no releases returned, current version unknown", d.Name)
			}
			future, err := t.Client.FutureReleases(gctx, d.ID)
			if vcfclient.IsNotFound(err) {
				gone[i] = true
				return nil
			}
			if err != nil {
				return fmt.Errorf("domain %q: future releases: %w", d.Name, err)
			}
			du := DomainUpgrade{DomainID: d.ID, DomainName: d.Name, CurrentVersion: rels[0].Version, FutureReleases: future}
			if next, ok := vcfclient.NextRelease(du.CurrentVersion, future); ok {
				du.Next = &next
			}
			out[i] = du
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	kept := out[:0]
	for i, d := range out {
		if !gone[i] {
			kept = append(kept, d)
		}
	}
	return kept, nil
}
