package vcfsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Faults are injected into /v1 requests. The zero value injects nothing.
// In JSON (PUT /sim/faults) durations are Go duration strings ("250ms").
type Faults struct {
	// Latency and Jitter (uniform in [0, Jitter)) delay every /v1 request.
	Latency, Jitter time.Duration
	// ErrorRate is the fraction of /v1 requests answered with ErrorCode,
	// drawn from the seeded RNG.
	ErrorRate float64
	ErrorCode int // 500 or 503 (default 503)
	// FailEndpoint ("GET /v1/hosts", a stats key) is answered with FailCode.
	FailEndpoint string
	FailCode     int // default 500
	// FailCount limits FailEndpoint to the next N matching requests; 0 fails
	// every one. It counts down as requests fail.
	FailCount int
	// FailAfter answers FailEndpoint's failures after the request was
	// processed (a gateway losing the answer: the change happened); by
	// default the request never reaches the handler.
	FailAfter bool
	// Empty names an endpoint whose next 200 answer is an empty page, once
	// (a list endpoint answering nothing for a moment).
	Empty string
	// LagUpgrades hides each new upgrade from GET /v1/upgrades for that
	// many reads of the list (GET /v1/upgrades/{id} finds it at once).
	LagUpgrades int
	// Outage is a real-time window, starting when the faults are set,
	// during which every /v1 request fails as OutageMode says.
	Outage time.Duration
	// OutageMode is "503" (default) or "refuse": the connection is closed
	// without an HTTP answer. It also applies to the SDDC Manager upgrade.
	OutageMode string
	// Malformed and Truncate name endpoints (stats keys or templates such
	// as "GET /v1/hosts") whose 200 bodies become invalid JSON, or are cut
	// short with the connection closed mid-body.
	Malformed string
	Truncate  string
	// SlowBody spreads writing each /v1 body over this duration.
	SlowBody time.Duration
	// FailUpgrade names the component whose upgrade ends FAILED:
	// SDDC_MANAGER, NSX_T_MANAGER, VCENTER or ESX_HOST.
	FailUpgrade string
}

type faultsJSON struct {
	Latency      string  `json:"latency,omitempty"`
	Jitter       string  `json:"jitter,omitempty"`
	ErrorRate    float64 `json:"errorRate,omitempty"`
	ErrorCode    int     `json:"errorCode,omitempty"`
	FailEndpoint string  `json:"failEndpoint,omitempty"`
	FailCode     int     `json:"failCode,omitempty"`
	FailCount    int     `json:"failCount,omitempty"`
	FailAfter    bool    `json:"failAfter,omitempty"`
	Empty        string  `json:"empty,omitempty"`
	LagUpgrades  int     `json:"lagUpgrades,omitempty"`
	Outage       string  `json:"outage,omitempty"`
	OutageMode   string  `json:"outageMode,omitempty"`
	Malformed    string  `json:"malformed,omitempty"`
	Truncate     string  `json:"truncate,omitempty"`
	SlowBody     string  `json:"slowBody,omitempty"`
	FailUpgrade  string  `json:"failUpgrade,omitempty"`
}

func durString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// MarshalJSON writes durations as Go duration strings.
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{
		Latency: durString(f.Latency), Jitter: durString(f.Jitter),
		ErrorRate: f.ErrorRate, ErrorCode: f.ErrorCode,
		FailEndpoint: f.FailEndpoint, FailCode: f.FailCode, FailCount: f.FailCount, FailAfter: f.FailAfter,
		Empty: f.Empty, LagUpgrades: f.LagUpgrades,
		Outage: durString(f.Outage), OutageMode: f.OutageMode,
		Malformed: f.Malformed, Truncate: f.Truncate,
		SlowBody: durString(f.SlowBody), FailUpgrade: f.FailUpgrade,
	})
}

// UnmarshalJSON reads durations as Go duration strings ("1.5s").
func (f *Faults) UnmarshalJSON(b []byte) error {
	var j faultsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	var out Faults
	var errs []error
	parse := func(name, s string, d *time.Duration) {
		if s == "" {
			return
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		*d = v
	}
	parse("latency", j.Latency, &out.Latency)
	parse("jitter", j.Jitter, &out.Jitter)
	parse("outage", j.Outage, &out.Outage)
	parse("slowBody", j.SlowBody, &out.SlowBody)
	out.ErrorRate, out.ErrorCode = j.ErrorRate, j.ErrorCode
	out.FailEndpoint, out.FailCode, out.FailCount, out.FailAfter = j.FailEndpoint, j.FailCode, j.FailCount, j.FailAfter
	out.Empty, out.LagUpgrades = j.Empty, j.LagUpgrades
	out.OutageMode, out.Malformed, out.Truncate, out.FailUpgrade = j.OutageMode, j.Malformed, j.Truncate, j.FailUpgrade
	if err := errors.Join(errs...); err != nil {
		return err
	}
	*f = out
	return nil
}

var upgradeComponents = []string{compSDDC, compNSX, compVC, compESX}

func (f *Faults) validate() error {
	var errs []error
	if f.Latency < 0 || f.Jitter < 0 || f.Outage < 0 || f.SlowBody < 0 {
		errs = append(errs, errors.New("fault durations must be >= 0"))
	}
	if !(f.ErrorRate >= 0 && f.ErrorRate <= 1) {
		errs = append(errs, fmt.Errorf("fault error rate must be in [0,1], got %v", f.ErrorRate))
	}
	if f.ErrorCode != 0 && (f.ErrorCode < 400 || f.ErrorCode > 599) {
		errs = append(errs, fmt.Errorf("fault error code must be 4xx/5xx, got %d", f.ErrorCode))
	}
	if f.FailCode != 0 && (f.FailCode < 400 || f.FailCode > 599) {
		errs = append(errs, fmt.Errorf("fault fail code must be 4xx/5xx, got %d", f.FailCode))
	}
	if f.FailCount < 0 || f.LagUpgrades < 0 {
		errs = append(errs, errors.New("fault fail count and upgrades lag must be >= 0"))
	}
	switch f.OutageMode {
	case "", "503", "refuse":
	default:
		errs = append(errs, fmt.Errorf("outage mode must be 503 or refuse, got %q", f.OutageMode))
	}
	if f.FailUpgrade != "" {
		ok := false
		for _, c := range upgradeComponents {
			ok = ok || c == f.FailUpgrade
		}
		if !ok {
			errs = append(errs, fmt.Errorf("fail upgrade must be one of %s, got %q", strings.Join(upgradeComponents, ", "), f.FailUpgrade))
		}
	}
	return errors.Join(errs...)
}

// faultState is the active fault set plus what it needs at run time.
type faultState struct {
	f           Faults
	outageUntil time.Time // real time
	failLeft    int       // remaining FailEndpoint failures when FailCount > 0
	emptyUsed   bool      // the one-shot Empty answer was given
}

func newFaultState(f Faults, now time.Time) faultState {
	if f.ErrorCode == 0 {
		f.ErrorCode = http.StatusServiceUnavailable
	}
	if f.FailCode == 0 {
		f.FailCode = http.StatusInternalServerError
	}
	fs := faultState{f: f, failLeft: f.FailCount}
	if f.Outage > 0 {
		fs.outageUntil = now.Add(f.Outage)
	}
	return fs
}

// SetFaults replaces the active faults; Outage starts now.
// Invalid faults are ignored and reported by the returned error.
func (s *Simulator) SetFaults(f Faults) {
	_ = s.setFaults(f)
}

func (s *Simulator) setFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.fmu.Lock()
	s.faults = newFaultState(f, s.realNow())
	s.fmu.Unlock()
	return nil
}

// Faults returns the active faults (FailCount shows what is left).
func (s *Simulator) Faults() Faults {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	f := s.faults.f
	if f.FailCount > 0 {
		f.FailCount = s.faults.failLeft
	}
	if s.faults.emptyUsed {
		f.Empty = ""
	}
	if !s.faults.outageUntil.IsZero() {
		f.Outage = max(0, s.faults.outageUntil.Sub(s.realNow()))
	}
	return f
}

// faultDecision is what the fault layer decided for one request.
type faultDecision struct {
	delay     time.Duration
	outage    bool
	refuse    bool
	failCode  int
	failWhy   string
	failAfter bool // failCode replaces the handler's answer
	empty     bool // a 200 answer becomes an empty page
	malformed bool
	truncate  bool
	slowBody  time.Duration
}

// decideFaults draws every fault for one request under one lock so that
// FailCount and the seeded RNG stay consistent under concurrency.
func (s *Simulator) decideFaults(key, template string) faultDecision {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	fs := &s.faults
	var d faultDecision
	d.delay = s.cfg.Latency + fs.f.Latency
	if j := s.cfg.Jitter + fs.f.Jitter; j > 0 {
		d.delay += time.Duration(s.frng.Int64N(int64(j)))
	}
	now := s.realNow()
	if !fs.outageUntil.IsZero() && now.Before(fs.outageUntil) {
		d.outage = true
	}
	d.refuse = fs.f.OutageMode == "refuse"
	match := func(name string) bool { return name != "" && (name == key || name == template) }
	if match(fs.f.FailEndpoint) && (fs.f.FailCount == 0 || fs.failLeft > 0) {
		if fs.f.FailCount > 0 {
			fs.failLeft--
		}
		d.failCode, d.failWhy = fs.f.FailCode, "injected failure of "+fs.f.FailEndpoint
		d.failAfter = fs.f.FailAfter
	} else if fs.f.ErrorRate > 0 && s.frng.Float64() < fs.f.ErrorRate {
		d.failCode, d.failWhy = fs.f.ErrorCode, "injected random error"
	}
	if match(fs.f.Empty) && !fs.emptyUsed {
		fs.emptyUsed, d.empty = true, true
	}
	d.malformed = match(fs.f.Malformed)
	d.truncate = match(fs.f.Truncate)
	d.slowBody = fs.f.SlowBody
	return d
}

func (s *Simulator) failUpgradeFault() string {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return s.faults.f.FailUpgrade
}

func (s *Simulator) lagUpgradesFault() int {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return s.faults.f.LagUpgrades
}
