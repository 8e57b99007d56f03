package vcfsim

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Simulator is an in-memory SDDC Manager. It is an http.Handler serving the
// VCF API under /v1 and the simulator's control API under /sim. It is safe
// for concurrent use.
type Simulator struct {
	cfg    Config
	prof   profile // what differs between the simulated API versions
	paging paging  // the lists paged, prof's unless a test overrides it
	// pageShift is the pending ShiftNextPage; totalLie the
	// TotalElementsLie in force.
	pageShift, totalLie atomic.Int64
	clk                 clock
	routes              []route

	// mu guards the inventory and the upgrade state machine.
	mu               sync.Mutex
	inv              *inventory
	rel              *catalog
	idRand           *rand.Rand // ids of tasks, queries, upgrades...
	tasks            []*task
	taskByID         map[string]*task
	queries          map[string]*checkQuery
	runs             map[string]*checkRun
	upgrades         []*upgrade
	upgradeByID      map[string]*upgrade
	pending          []*upgrade // not yet applied
	validations      map[string]*validation
	outages          []window      // SDDC Manager upgrades, simulated time
	sddcExt          *sddcExternal // 9.x: running upgrade by VCF Operations
	precheckErrors   int
	precheckWarnings int
	health           health
	healthRand       *rand.Rand // ids of the health data (seeded tasks...)
	blockComp        string     // 9.1: component whose upgrades are BLOCKED

	tmu     sync.Mutex // tokens
	tokens  tokenStore
	tokRand *rand.Rand

	fmu    sync.Mutex // faults
	faults faultState
	frng   *rand.Rand

	smu   sync.Mutex // stats
	stats map[string]int64
}

type window struct{ from, to time.Time }

// New validates cfg and builds the deterministic inventory.
func New(cfg Config) (*Simulator, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Simulator{
		cfg:              cfg,
		prof:             profileOf(&cfg),
		paging:           pagingOf(&cfg),
		clk:              newClock(cfg.Now, cfg.TimeScale),
		idRand:           newRand(cfg.Seed, 3),
		tokRand:          newRand(cfg.Seed, 4),
		frng:             newRand(cfg.Seed, 5),
		healthRand:       newRand(cfg.Seed, 6),
		taskByID:         map[string]*task{},
		queries:          map[string]*checkQuery{},
		runs:             map[string]*checkRun{},
		upgradeByID:      map[string]*upgrade{},
		validations:      map[string]*validation{},
		precheckErrors:   cfg.PrecheckErrors,
		precheckWarnings: cfg.PrecheckWarnings,
		tokens:           newTokenStore(),
		stats:            map[string]int64{},
	}
	s.inv = buildInventory(&s.cfg, s.prof.domainVersion)
	if s.prof.sddcVersion != "" {
		s.inv.sddcVersion = s.prof.sddcVersion
	}
	// Bundles of releases every domain already runs count as downloaded;
	// the ones an upgrade needs start PENDING.
	minVer := ""
	for _, d := range s.inv.domains {
		if minVer == "" || cmpVersion(d.version, minVer) < 0 {
			minVer = d.version
		}
	}
	s.rel = buildCatalog(cfg.Seed, s.prof.releases, minVer)
	s.buildTemplates()
	s.seedHealth(s.clk.sim())
	s.faults = newFaultState(cfg.Faults, s.realNow())
	s.routes = s.buildRoutes()
	s.totalLie.Store(int64(cfg.TotalElementsLie))
	return s, nil
}

func (s *Simulator) realNow() time.Time { return s.clk.now() }

// SimNow returns the current simulated time.
func (s *Simulator) SimNow() time.Time { return s.clk.sim() }

// Config returns the configuration the simulator runs with.
func (s *Simulator) Config() Config { return s.cfg }

// SetPrecheckFindings sets the error and warning counts that check-set runs
// started from now on report.
func (s *Simulator) SetPrecheckFindings(errors, warnings int) {
	s.mu.Lock()
	s.precheckErrors, s.precheckWarnings = max(0, errors), max(0, warnings)
	s.mu.Unlock()
}

// sddcOutage reports whether an SDDC Manager upgrade has the API down.
func (s *Simulator) sddcOutage() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.sim()
	for _, w := range s.outages {
		if !now.Before(w.from) && now.Before(w.to) {
			return true
		}
	}
	return false
}

// buildTemplates encodes every host in parallel; each host draws from its
// own seed stream, so the result does not depend on scheduling.
func (s *Simulator) buildTemplates() {
	hosts := s.inv.hosts
	workers := min(runtime.GOMAXPROCS(0), 8)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(hosts); i += workers {
				hosts[i].tmpl = s.buildHostTmpl(hosts[i])
			}
		}()
	}
	wg.Wait()
}
