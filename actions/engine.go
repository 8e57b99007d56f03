package actions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/config"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// Options configure an Engine.
type Options struct {
	// StoragePath is the --storage.path directory (required).
	StoragePath string
	// PollInterval between status requests (default 30s).
	PollInterval time.Duration
	// SettleTime to wait after SDDC Manager's own upgrade (default 5m).
	SettleTime time.Duration
	// RequestTimeout bounds one API call (default 2m).
	RequestTimeout time.Duration
	// MaxBackoff caps the wait between retries while the API is gone
	// (default 10 x PollInterval, at most 5m).
	MaxBackoff time.Duration
	// Config is the config file's actions section (timeouts, request options).
	Config config.ActionsConfig
	Logger *slog.Logger
	// Registerer receives the workflow metrics (nil: not registered).
	Registerer prometheus.Registerer
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Engine runs the upgrade workflows of every target and domain.
type Engine struct {
	targets Targets
	store   *Store
	opts    Options
	live    atomic.Pointer[liveConfig]
	log     *slog.Logger
	metrics *Metrics

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	wfs        map[wfKey]*Workflow   // latest snapshot of every known workflow
	runs       map[wfKey]*run        // running workflows
	unreadable map[string]Unreadable // by file name: workflow files that block their domain

	hook func(string) // tests
	// dead makes the engine behave like a killed process: nothing is
	// persisted or published any more (tests).
	dead atomic.Bool
	// unlock releases the storage directory's lock.
	unlock   func()
	stopOnce sync.Once
}

type wfKey struct{ target, domainID string }

// liveConfig is the config file's actions section in force.
type liveConfig struct {
	Config   config.ActionsConfig
	Timeouts config.ActionsTimeouts // defaults applied
}

// SetConfig applies a reloaded actions section (timeouts and request
// options) to running and future workflows.
func (e *Engine) SetConfig(c config.ActionsConfig) {
	e.live.Store(&liveConfig{Config: c, Timeouts: c.Timeouts.WithDefaults()})
}

func (e *Engine) config() *liveConfig { return e.live.Load() }

// New creates the engine and loads the stored workflows; Start resumes them.
func New(targets Targets, opts Options) (*Engine, error) {
	if opts.PollInterval <= 0 {
		opts.PollInterval = 30 * time.Second
	}
	if opts.SettleTime < 0 {
		opts.SettleTime = 0
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 2 * time.Minute
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = min(10*opts.PollInterval, 5*time.Minute)
	}
	if opts.MaxBackoff < opts.PollInterval {
		opts.MaxBackoff = opts.PollInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, err
	}
	st, err := NewStore(opts.StoragePath)
	if err != nil {
		return nil, err
	}
	unlock, err := lockDir(st.Dir())
	if err != nil {
		return nil, err
	}
	e := &Engine{
		targets: targets,
		store:   st,
		opts:    opts,
		log:     opts.Logger,
		wfs:     map[wfKey]*Workflow{},
		runs:    map[wfKey]*run{},
		unlock:  unlock,
	}
	e.SetConfig(opts.Config)
	e.metrics = newMetrics(e)
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(e.metrics); err != nil {
			unlock()
			return nil, err
		}
	}
	wfs, bad, err := st.Load()
	if err != nil {
		unlock()
		return nil, fmt.Errorf("actions: reading the storage directory: %w", err)
	}
	e.unreadable = map[string]Unreadable{}
	for _, u := range bad {
		e.log.Error("unreadable upgrade workflow file: new work on its domain is blocked", "dir", st.Dir(), "file", u.File, "target", u.Target, "domain", u.DomainName, "err", u.Err)
		e.unreadable[u.File] = u
	}
	for _, w := range wfs {
		e.wfs[wfKey{w.Target, w.DomainID}] = w
	}
	return e, nil
}

// Start resumes every stored workflow that had not ended. Stop ends them
// (they resume on the next Start, in this or another process).
func (e *Engine) Start(ctx context.Context) {
	e.ctx, e.cancel = context.WithCancel(ctx)
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, w := range e.wfs {
		if Terminal(w.State) {
			continue
		}
		c, ok := e.targets.Client(w.Target)
		if !ok {
			e.log.Error("cannot resume upgrade workflow: target not configured", "target", w.Target, "domain", w.DomainName, "state", w.State)
			continue
		}
		e.log.Info("resuming upgrade workflow", "target", w.Target, "domain", w.DomainName, "state", w.State)
		r := e.newRun(w.clone(), c)
		r.logf("info", "Resumed after a restart in state %s.", w.State)
		e.runs[k] = r
		e.launch(r)
	}
}

// Stop stops the workflows' goroutines and waits for them.
func (e *Engine) Stop() {
	if e.cancel != nil {
		e.cancel()
	}
	e.wg.Wait()
	e.stopOnce.Do(e.unlock)
}

// Wait waits until no workflow runs (tests).
func (e *Engine) Wait() { e.wg.Wait() }

func (e *Engine) now() time.Time { return e.opts.Now() }

func (e *Engine) testHook(s string) {
	if e.hook != nil {
		e.hook(s)
	}
}

func (e *Engine) newRun(w *Workflow, c Client) *run {
	return &run{e: e, w: w, client: c, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (e *Engine) launch(r *run) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		r.loop(e.ctx)
		e.mu.Lock()
		if e.runs[wfKey{r.w.Target, r.w.DomainID}] == r {
			delete(e.runs, wfKey{r.w.Target, r.w.DomainID})
		}
		e.mu.Unlock()
	}()
}

// publish stores the latest snapshot of a workflow.
func (e *Engine) publish(w *Workflow) {
	e.mu.Lock()
	e.wfs[wfKey{w.Target, w.DomainID}] = w
	e.mu.Unlock()
}

// ---- errors with an HTTP status ----

// Error is an error the API answers with Status.
type Error struct {
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func errf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// remoteErr turns an SDDC Manager error into a 502 (or 504 on timeout).
func remoteErr(what string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return errf(http.StatusGatewayTimeout, "%s: SDDC Manager did not answer in time", what)
	}
	return errf(http.StatusBadGateway, "%s: %v", what, err)
}

// ---- API operations ----

func (e *Engine) target(name string) (string, Client, error) {
	names := e.targets.Names()
	if name == "" {
		switch len(names) {
		case 0:
			return "", nil, errf(http.StatusNotFound, "no SDDC Manager is configured")
		case 1:
			name = names[0]
		default:
			return "", nil, errf(http.StatusBadRequest, "several SDDC Managers are configured: choose one with ?target= (%s)", strings.Join(names, ", "))
		}
	}
	c, ok := e.targets.Client(name)
	if !ok {
		return "", nil, errf(http.StatusNotFound, "unknown target %q", name)
	}
	return name, c, nil
}

// resolveDomain finds a domain by id or name.
func (e *Engine) resolveDomain(ctx context.Context, c Client, ref string) (*vcfclient.Domain, error) {
	ds, err := c.Domains(ctx)
	if err != nil {
		return nil, remoteErr("listing domains", err)
	}
	for i := range ds {
		if ds[i].ID == ref {
			return &ds[i], nil
		}
	}
	for i := range ds {
		if strings.EqualFold(ds[i].Name, ref) {
			return &ds[i], nil
		}
	}
	return nil, errf(http.StatusNotFound, "unknown domain %q", ref)
}

// known finds a stored workflow by domain id or name.
func (e *Engine) known(target, ref string) *Workflow {
	e.mu.Lock()
	defer e.mu.Unlock()
	if w, ok := e.wfs[wfKey{target, ref}]; ok {
		return w
	}
	for k, w := range e.wfs {
		if k.target == target && strings.EqualFold(w.DomainName, ref) {
			return w
		}
	}
	return nil
}

// StartRequest is the body of POST .../upgrade.
type StartRequest struct {
	TargetVersion string `json:"target_version"`
	DryRun        bool   `json:"dry_run"`
}

// Plan is the answer to a dry run.
type Plan struct {
	DryRun         bool         `json:"dry_run"`
	Target         string       `json:"target"`
	DomainID       string       `json:"domain_id"`
	DomainName     string       `json:"domain_name"`
	CurrentVersion string       `json:"current_version"`
	TargetVersion  string       `json:"target_version"`
	Bundles        []PlanBundle `json:"bundles"`
	DownloadBytes  float64      `json:"download_bytes"`
	ComponentOrder []string     `json:"component_order"`
	Clusters       []string     `json:"esx_clusters,omitempty"`
	Steps          []string     `json:"steps"`
}

// PlanBundle is one bundle of the plan.
type PlanBundle struct {
	ID             string  `json:"id"`
	Type           string  `json:"type"`
	Component      string  `json:"component"`
	Version        string  `json:"version,omitempty"`
	SizeBytes      float64 `json:"size_bytes"`
	DownloadStatus string  `json:"download_status"`
	NeedsDownload  bool    `json:"needs_download"`
}

// StartUpgrade validates and starts (or plans, with DryRun) a domain upgrade.
// It returns a *Status or a *Plan.
func (e *Engine) StartUpgrade(ctx context.Context, targetName, ref string, req StartRequest) (any, error) {
	target, c, err := e.target(targetName)
	if err != nil {
		return nil, err
	}
	d, err := e.resolveDomain(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	key := wfKey{target, d.ID}
	if u := e.blocked(key); u != nil {
		return nil, errf(http.StatusConflict, "%v", u)
	}
	if e.running(key) {
		return nil, errf(http.StatusConflict, "an upgrade workflow already runs for domain %s", d.Name)
	}
	if d.Status != "ACTIVE" {
		return nil, errf(http.StatusConflict, "domain %s is %s, not ACTIVE", d.Name, d.Status)
	}
	rels, err := c.Releases(ctx, d.ID)
	if err != nil {
		return nil, remoteErr("reading the domain's release", err)
	}
	if len(rels) == 0 {
		return nil, errf(http.StatusBadGateway, "SDDC Manager reports no current release for domain %s", d.Name)
	}
	current := rels[0].Version
	future, err := c.FutureReleases(ctx, d.ID)
	if err != nil {
		return nil, remoteErr("reading the future releases", err)
	}
	paths := vcfclient.UpgradePaths(current, future)
	if len(paths) == 0 {
		return nil, errf(http.StatusUnprocessableEntity, "nothing to upgrade: domain %s (VCF %s) has no applicable update", d.Name, current)
	}
	next := paths[0]
	if req.TargetVersion != "" {
		i := slices.IndexFunc(paths, func(r vcfclient.Release) bool {
			n, err := vcfclient.CompareVersions(r.Version, req.TargetVersion)
			return err == nil && n == 0
		})
		if i < 0 {
			var vs []string
			for _, p := range paths {
				vs = append(vs, p.Version)
			}
			return nil, errf(http.StatusUnprocessableEntity, "version %q is not an applicable upgrade of domain %s (VCF %s); applicable: %s",
				req.TargetVersion, d.Name, current, strings.Join(vs, ", "))
		}
		next = paths[i]
	}
	if req.DryRun {
		return e.plan(ctx, c, target, d, current, next)
	}
	w := &Workflow{
		Target: target, DomainID: d.ID, DomainName: d.Name,
		Started: e.now().UTC(), FromVersion: current, TargetVersion: next.Version,
	}
	for _, b := range next.Bom {
		w.Bom = append(w.Bom, BomEntry{Name: b.Name, Version: b.Version})
	}
	for _, pb := range next.PatchBundles {
		w.Bundles = append(w.Bundles, BundleState{ID: pb.BundleID, Type: pb.BundleType})
	}
	e.mu.Lock()
	if r, ok := e.runs[key]; ok && r != nil {
		e.mu.Unlock()
		return nil, errf(http.StatusConflict, "an upgrade workflow already runs for domain %s", d.Name)
	}
	if e.ctx == nil {
		e.mu.Unlock()
		return nil, errf(http.StatusServiceUnavailable, "the actions engine is not started")
	}
	r := e.newRun(w, c)
	e.runs[key] = r
	e.mu.Unlock()
	if err := r.setState(StateTargeting, "Upgrade of domain %s from VCF %s to %s requested.", d.Name, current, next.Version); err != nil {
		e.mu.Lock()
		delete(e.runs, key)
		e.mu.Unlock()
		return nil, errf(http.StatusInternalServerError, "cannot persist the workflow: %v", err)
	}
	snap := w.clone()
	e.launch(r)
	return e.statusOf(snap), nil
}

// blocked returns the unreadable workflow file of a domain, if it is still
// in the storage directory.
func (e *Engine) blocked(k wfKey) *Unreadable {
	file := filepath.Base(e.store.path(k.target, k.domainID))
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.unreadable[file]
	if !ok {
		return nil
	}
	if !e.store.stillThere(file) {
		delete(e.unreadable, file)
		return nil
	}
	return &u
}

// unreadableFiles returns the unreadable workflow files still in place.
func (e *Engine) unreadableFiles() []Unreadable {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Unreadable
	for f, u := range e.unreadable {
		if !e.store.stillThere(f) {
			delete(e.unreadable, f)
			continue
		}
		out = append(out, u)
	}
	return out
}

func (e *Engine) running(k wfKey) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.runs[k]
	return ok
}

var kindOrder = []string{KindSDDCManager, KindNSX, KindVCenter, KindESX}

func (e *Engine) plan(ctx context.Context, c Client, target string, d *vcfclient.Domain, current string, next vcfclient.Release) (*Plan, error) {
	p := &Plan{DryRun: true, Target: target, DomainID: d.ID, DomainName: d.Name, CurrentVersion: current, TargetVersion: next.Version}
	kinds := map[string]bool{}
	for _, pb := range next.PatchBundles {
		b, err := c.Bundle(ctx, pb.BundleID)
		if err != nil {
			return nil, remoteErr("reading bundle "+pb.BundleID, err)
		}
		pbv := PlanBundle{ID: b.ID, Type: b.Type, Version: b.Version, SizeBytes: math.Round(b.SizeBytes), DownloadStatus: b.DownloadStatus, NeedsDownload: b.DownloadStatus != "SUCCESSFUL"}
		if len(b.Components) > 0 {
			pbv.Component = kindOf(b.Components[0].Type)
			kinds[pbv.Component] = true
		}
		if pbv.NeedsDownload {
			p.DownloadBytes += pbv.SizeBytes
		}
		p.Bundles = append(p.Bundles, pbv)
	}
	for _, k := range kindOrder {
		if kinds[k] {
			p.ComponentOrder = append(p.ComponentOrder, k)
		}
	}
	if kinds[KindESX] {
		cls, err := c.Clusters(ctx)
		if err != nil {
			return nil, remoteErr("listing clusters", err)
		}
		for _, cl := range cls {
			if cl.DomainID == d.ID {
				p.Clusters = append(p.Clusters, cl.Name)
			}
		}
	}
	p.Steps = []string{
		"set the domain's target version to " + next.Version,
		fmt.Sprintf("download %d bundle(s) (%s)", countNeeding(p.Bundles), humanBytes(p.DownloadBytes)),
		"run the upgrade pre-checks (findings wait for an acknowledgement)",
	}
	for _, k := range p.ComponentOrder {
		p.Steps = append(p.Steps, "upgrade "+componentName(k, len(p.Clusters)))
	}
	p.Steps = append(p.Steps, "validate the domain at "+next.Version)
	return p, nil
}

func countNeeding(bs []PlanBundle) int {
	n := 0
	for _, b := range bs {
		if b.NeedsDownload {
			n++
		}
	}
	return n
}

// Status is a workflow's state as the API shows it.
type Status struct {
	Target           string    `json:"target"`
	DomainID         string    `json:"domain_id"`
	DomainName       string    `json:"domain_name"`
	State            string    `json:"state"`
	StepStarted      time.Time `json:"step_started,omitzero"`
	Started          time.Time `json:"started,omitzero"`
	Finished         time.Time `json:"finished,omitzero"`
	FromVersion      string    `json:"from_version,omitempty"`
	TargetVersion    string    `json:"target_version,omitempty"`
	Component        string    `json:"component,omitempty"`
	BundlesTotal     int       `json:"bundles_total"`
	BundlesDone      int       `json:"bundles_downloaded"`
	PrecheckErrors   int       `json:"precheck_errors"`
	PrecheckWarnings int       `json:"precheck_warnings"`
	ComponentsDone   int       `json:"components_upgraded"`
	CancelRequested  bool      `json:"cancel_requested"`
	APIUnavailable   bool      `json:"sddc_manager_unavailable"`
	LastError        string    `json:"last_error"`
	LogMarkdown      string    `json:"log_markdown"`
	Message          string    `json:"message,omitempty"`
}

func (e *Engine) statusOf(w *Workflow) *Status {
	s := &Status{
		Target: w.Target, DomainID: w.DomainID, DomainName: w.DomainName, State: w.State,
		StepStarted: w.StepStarted, Started: w.Started, Finished: w.Finished,
		FromVersion: w.FromVersion, TargetVersion: w.TargetVersion,
		BundlesTotal: len(w.Bundles), PrecheckErrors: w.Precheck.Errors, PrecheckWarnings: w.Precheck.Warnings,
		CancelRequested: w.CancelRequested, APIUnavailable: !w.OutageSince.IsZero(), LastError: w.LastError,
		LogMarkdown: logMarkdown(w.Log),
	}
	for _, b := range w.Bundles {
		if b.Downloaded {
			s.BundlesDone++
		}
	}
	for _, c := range w.Components {
		if c.Phase == PhaseDone {
			s.ComponentsDone++
		}
	}
	if n := len(w.Components); n > 0 && strings.HasPrefix(w.State, "upgrading_") {
		s.Component = w.Components[n-1].Kind
	}
	return s
}

// logMarkdown renders the last log entries for a Home Assistant markdown card.
func logMarkdown(log []LogEntry) string {
	if len(log) == 0 {
		return "No messages"
	}
	const maxLines = 25
	if len(log) > maxLines {
		log = log[len(log)-maxLines:]
	}
	var b strings.Builder
	for _, l := range log {
		icon := ""
		switch l.Level {
		case "warning":
			icon = "⚠️ "
		case "error":
			icon = "❌ "
		}
		msg := strings.ReplaceAll(l.Message, "\n", " ")
		fmt.Fprintf(&b, "- `%s` %s%s\n", l.Time.UTC().Format("2006-01-02 15:04:05"), icon, msg)
	}
	return b.String()
}

// UpgradeStatus returns a domain's workflow status ("waiting_for_initiation"
// when none ever ran).
func (e *Engine) UpgradeStatus(ctx context.Context, targetName, ref string) (*Status, error) {
	target, c, err := e.target(targetName)
	if err != nil {
		return nil, err
	}
	if w := e.known(target, ref); w != nil {
		return e.statusOf(w), nil
	}
	d, err := e.resolveDomain(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	if w := e.known(target, d.ID); w != nil {
		return e.statusOf(w), nil
	}
	if u := e.blocked(wfKey{target, d.ID}); u != nil {
		return &Status{Target: target, DomainID: d.ID, DomainName: d.Name, State: StateFileUnreadable, LastError: u.Error(), LogMarkdown: "No messages"}, nil
	}
	return &Status{Target: target, DomainID: d.ID, DomainName: d.Name, State: StateWaitingForInitiation, LogMarkdown: "No messages"}, nil
}

// runOf returns the running workflow of a domain.
func (e *Engine) runOf(ctx context.Context, targetName, ref string) (*run, *Workflow, error) {
	target, c, err := e.target(targetName)
	if err != nil {
		return nil, nil, err
	}
	w := e.known(target, ref)
	if w == nil {
		d, err := e.resolveDomain(ctx, c, ref)
		if err != nil {
			return nil, nil, err
		}
		w = e.known(target, d.ID)
		if w == nil {
			return nil, nil, errf(http.StatusConflict, "no upgrade workflow runs for domain %s", d.Name)
		}
	}
	e.mu.Lock()
	r := e.runs[wfKey{target, w.DomainID}]
	e.mu.Unlock()
	if r == nil {
		return nil, w, errf(http.StatusConflict, "no upgrade workflow runs for domain %s (state %s)", w.DomainName, w.State)
	}
	return r, w, nil
}

// Acknowledge continues a workflow waiting after pre-check findings.
func (e *Engine) Acknowledge(ctx context.Context, targetName, ref string) (*Status, error) {
	r, w, err := e.runOf(ctx, targetName, ref)
	if err != nil {
		return nil, err
	}
	if w.State != StateWaitingAck {
		return nil, errf(http.StatusConflict, "domain %s is not waiting for an acknowledgement (state %s)", w.DomainName, w.State)
	}
	r.ackReq.Store(true)
	r.poke()
	s := e.statusOf(w)
	s.Message = "acknowledged: the upgrade continues"
	return s, nil
}

// Cancel asks a workflow to stop at its next safe point.
func (e *Engine) Cancel(ctx context.Context, targetName, ref string) (*Status, error) {
	r, w, err := e.runOf(ctx, targetName, ref)
	if err != nil {
		return nil, err
	}
	r.cancelReq.Store(true)
	r.poke()
	s := e.statusOf(w)
	s.CancelRequested = true
	s.Message = "cancel requested: the workflow stops at the next safe point; running VCF tasks are never aborted"
	if strings.HasPrefix(w.State, "upgrading_") {
		s.Message += " (the running upgrade is not aborted: the workflow stops after it ends)"
	}
	return s, nil
}

// DownloadBundle starts a bundle download.
func (e *Engine) DownloadBundle(ctx context.Context, targetName, bundleID string) (*vcfclient.Task, error) {
	_, c, err := e.target(targetName)
	if err != nil {
		return nil, err
	}
	t, err := c.DownloadBundle(ctx, bundleID)
	if err != nil {
		var ae *vcfclient.APIError
		if errors.As(err, &ae) && (ae.StatusCode == 404 || ae.StatusCode == 409 || ae.StatusCode == 400) {
			return nil, errf(ae.StatusCode, "%v", err)
		}
		return nil, remoteErr("starting the download", err)
	}
	return t, nil
}

// CheckUpdates refreshes the exporter's cached upgrade check.
func (e *Engine) CheckUpdates(ctx context.Context, targetName string) (string, error) {
	target, _, err := e.target(targetName)
	if err != nil {
		return "", err
	}
	if err := e.targets.CheckUpdates(ctx, target); err != nil {
		return "", remoteErr("upgrade check", err)
	}
	return target, nil
}

// RefreshToken refreshes the SDDC Manager access token.
func (e *Engine) RefreshToken(ctx context.Context, targetName string) (string, error) {
	target, c, err := e.target(targetName)
	if err != nil {
		return "", err
	}
	if err := c.RefreshToken(ctx); err != nil {
		return "", remoteErr("token refresh", err)
	}
	return target, nil
}

// snapshots returns every known workflow, sorted (metrics).
func (e *Engine) snapshots() []*Workflow {
	e.mu.Lock()
	out := make([]*Workflow, 0, len(e.wfs))
	for _, w := range e.wfs {
		out = append(out, w)
	}
	e.mu.Unlock()
	slices.SortFunc(out, func(a, b *Workflow) int {
		return cmp.Or(cmp.Compare(a.Target, b.Target), cmp.Compare(a.DomainName, b.DomainName))
	})
	return out
}
