package actions

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/config"
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
	// Config is the config file's actions section at start (timeouts,
	// request options); Apply replaces it on a reload.
	Config config.ActionsConfig
	Logger *slog.Logger
	// Registerer receives the workflow metrics (nil: not registered).
	Registerer prometheus.Registerer
	// Now is the clock (default time.Now).
	Now func() time.Time

	// states and components replace the production tables (tests).
	states     []stateRow
	components componentTable
}

// Engine runs the upgrade workflows of every target and domain.
type Engine struct {
	targets    Targets
	store      *Store
	opts       Options
	states     stateTable
	components componentTable
	log        *slog.Logger
	metrics    *Metrics
	// cfg is the actions section in force: read where it is used, so a
	// reload applies at once.
	cfg atomic.Pointer[config.ActionsConfig]

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	wfs        map[wfKey]*Workflow   // latest snapshot of every known workflow
	runs       map[wfKey]*run        // running workflows
	unreadable map[string]Unreadable // by file name: workflow files that block their domain
	orphans    map[string]Orphan     // by file name: unfinished workflows of no configured SDDC Manager

	hook func(string) // tests
	// dead makes the engine behave like a killed process: nothing is
	// persisted or published any more (tests).
	dead atomic.Bool
	// unlock releases the storage directory's lock.
	unlock   func()
	stopOnce sync.Once
}

type wfKey struct{ target, domainID string }

// config returns the actions section in force.
func (e *Engine) config() config.ActionsConfig { return *e.cfg.Load() }

// Apply makes c's actions section the one in force, or refuses it when a
// timeout names no step of the engine's table; subscribe it to the
// configuration's reloads.
func (e *Engine) Apply(c *config.Config) error {
	if err := e.check(c.Actions); err != nil {
		return err
	}
	a := c.Actions
	e.cfg.Store(&a)
	return nil
}

func (e *Engine) check(c config.ActionsConfig) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return e.states.checkTimeouts(c.Timeouts)
}

// New creates the engine and loads the stored workflows; Start resumes them.
func New(targets Targets, opts Options) (*Engine, error) {
	if opts.PollInterval <= 0 {
		opts.PollInterval = 30 * time.Second
	}
	opts.SettleTime = max(opts.SettleTime, 0)
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 2 * time.Minute
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = min(10*opts.PollInterval, 5*time.Minute)
	}
	opts.MaxBackoff = max(opts.MaxBackoff, opts.PollInterval)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	e := &Engine{
		targets:    targets,
		opts:       opts,
		log:        opts.Logger,
		components: components,
		wfs:        map[wfKey]*Workflow{},
		runs:       map[wfKey]*run{},
		unreadable: map[string]Unreadable{},
		orphans:    map[string]Orphan{},
	}
	base := baseStates
	if opts.states != nil {
		base = opts.states
	}
	if opts.components != nil {
		e.components = opts.components
	}
	e.states = newStateTable(base, e.components)
	if err := e.check(opts.Config); err != nil {
		return nil, err
	}
	e.cfg.Store(&opts.Config)
	st, err := NewStore(opts.StoragePath)
	if err != nil {
		return nil, err
	}
	unlock, err := lockDir(st.Dir())
	if err != nil {
		return nil, err
	}
	e.store, e.unlock = st, unlock
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
	for _, u := range bad {
		e.log.Error("unreadable upgrade workflow file: new work on its domain is blocked", "dir", st.Dir(), "file", u.File, "target", u.Target, "domain", u.DomainName, "err", u.Err)
		e.unreadable[u.File] = u
	}
	owners := &owners{e: e, ids: map[string]*SddcIdentity{}}
	for _, w := range wfs {
		if _, ok := e.states.row(w.State); !ok {
			// A state this exporter does not know (a newer one wrote it):
			// it cannot be resumed, and must not be forgotten.
			file := filepath.Base(st.path(w.Target, w.DomainID))
			e.unreadable[file] = Unreadable{File: file, Err: fmt.Errorf("unknown state %q", w.State), Target: w.Target, DomainID: w.DomainID, DomainName: w.DomainName}
			e.log.Error("upgrade workflow in an unknown state: new work on its domain is blocked", "file", file, "target", w.Target, "domain", w.DomainName, "state", w.State)
			continue
		}
		if err := e.place(owners, w); err != nil {
			unlock()
			return nil, err
		}
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
		if e.states.terminal(w.State) {
			continue
		}
		c, ok := e.targets.Client(w.Target)
		if !ok {
			e.log.Error("cannot resume upgrade workflow: target not configured", "target", w.Target, "domain", w.DomainName, "state", w.State)
			continue
		}
		e.log.Info("resuming upgrade workflow", "target", w.Target, "domain", w.DomainName, "state", w.State)
		r := e.newRun(w.clone(), c)
		r.logf(levelInfo, "Resumed after a restart in state %s.", w.State)
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

// StorageDir is the directory holding the workflow files.
func (e *Engine) StorageDir() string { return e.store.Dir() }

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
	return inPlace(e.store, e.unreadable)
}

// inPlace returns the entries of m (by file name) whose file is still in
// the storage directory and forgets the others: moving a file away lifts
// its block. Callers hold e.mu.
func inPlace[T any](s *Store, m map[string]T) []T {
	var out []T
	for f, v := range m {
		if !s.stillThere(f) {
			delete(m, f)
			continue
		}
		out = append(out, v)
	}
	return out
}

func (e *Engine) running(k wfKey) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.runs[k]
	return ok
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
