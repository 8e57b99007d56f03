package vcfsim

import (
	"net/http"
	"sort"
	"strconv"
	"time"
)

// The SDDC Manager API versions the simulator plays (Config.VCFVersion).
const (
	VCF521 = "5.2.1"
	VCF902 = "9.0.2"
	VCF910 = "9.1.0"
)

// Who manages a component's lifecycle (ProductVersion.lifecycleManagedBy,
// 9.x): SDDC Manager itself, or VCF Operations fleet management.
const (
	ManagedBySddcManager   = "SDDC_MANAGER_VCF"
	ManagedByVcfOperations = "VCF_OPERATIONS"
)

// profile is what differs between the API versions, as listed in
// ../shared/vcf-api/VCF9.md. Everything else is shared.
type profile struct {
	v9 bool
	// v91: the VCF 9.1 additions of ../shared/vcf-api/VCF91.md (nested
	// validation checks, NSX finalize, check-set run metadata, BLOCKED).
	v91      bool
	paging   paging // the lists paged and their parameters (paging.go)
	releases []releaseRow
	// domainVersion is the VCF version of domain i (and, for i = 0, of
	// SDDC Manager): every third domain from the third is up to date, the
	// others have upgrade paths.
	domainVersion func(i int) string
	// sddcVersion is SDDC Manager's VCF version when it is not domain 0's
	// (in 9.x SDDC Manager is upgraded first, by VCF Operations).
	sddcVersion string
}

type releaseRow struct {
	version, minCompat, minInstaller, date, desc, notApplicable string
	sddc, nsx, vc, esx                                          string
}

var profiles = map[string]profile{
	VCF521: {
		paging:        paging521,
		domainVersion: func(i int) string { return pick(i, "5.1.1.0", "5.2.1.0") },
		// The real bills of materials of these releases.
		releases: []releaseRow{
			{"5.1.0.0", "4.5.0.0", "", "2023-11-07", "VMware Cloud Foundation 5.1", "", "5.1.0.0-22688368", "4.1.2.1.0-22667789", "8.0.2.00100-22617221", "8.0.2-22380479"},
			{"5.1.1.0", "4.5.0.0", "", "2024-03-26", "VMware Cloud Foundation 5.1.1", "", "5.1.1.0-23480823", "4.1.2.3.0-23382408", "8.0.2.00300-23319993", "8.0.2-23305546"},
			{"5.2.0.0", "4.5.0.0", "", "2024-07-23", "VMware Cloud Foundation 5.2", "", "5.2.0.0-24108943", "4.2.0.0.0-24105817", "8.0.3.00100-24091160", "8.0.3-24022510"},
			{"5.2.1.0", "5.0.0.0", "", "2024-10-09", "VMware Cloud Foundation 5.2.1", "", "5.2.1.0-24307856", "4.2.1.0.0-24304122", "8.0.3.00300-24305161", "8.0.3-24280767"},
			{"5.2.1.1", "5.0.0.0", "", "2024-12-17", "VMware Cloud Foundation 5.2.1.1 (async patch)", "The release is not available for the SKU of this domain", "5.2.1.1-24397777", "4.2.1.1.0-24392716", "8.0.3.00400-24322831", "8.0.3-24414501"},
			// Marked applicable, but its minCompatibleVcfVersion is above
			// every domain's version: clients must compare versions themselves.
			{"9.0.0.0", "5.2.1.1", "", "2025-06-17", "VMware Cloud Foundation 9.0", "", "9.0.0.0-24703748", "9.0.0.0-24733065", "9.0.0.0-24755230", "9.0.0.0-24755229"},
		},
	},
	VCF902: {
		v9:            true,
		paging:        paging902,
		domainVersion: func(i int) string { return pick(i, "9.0.0.0", "9.0.2.0") },
		// 9.0.0.0 has its real builds; the later builds are illustrative.
		// minCompatibleVcfVersion is optional in 9.x: 9.0.1.0 (the next
		// release of the domains at 9.0.0.0) and 9.0.2.1 leave it out, so a
		// client must rely on SDDC Manager's applicability.
		releases: []releaseRow{
			{"9.0.0.0", "5.2.0.0", "9.0.0.0", "2025-06-17", "VMware Cloud Foundation 9.0", "", "9.0.0.0-24703748", "9.0.0.0-24733065", "9.0.0.0-24755230", "9.0.0.0-24755229"},
			{"9.0.1.0", "", "9.0.0.0", "2025-09-29", "VMware Cloud Foundation 9.0.1", "", "9.0.1.0-24962180", "9.0.1.0-24952114", "9.0.1.0-24957454", "9.0.1.0-24957456"},
			{"9.0.2.0", "9.0.0.0", "9.0.0.0", "2025-12-16", "VMware Cloud Foundation 9.0.2", "", "9.0.2.0-25151284", "9.0.2.0-25148203", "9.0.2.0-25148086", "9.0.2.0-25148076"},
			{"9.0.2.1", "", "9.0.0.0", "2026-02-10", "VMware Cloud Foundation 9.0.2.1 (async patch)", "The release is not available for the SKU of this domain", "9.0.2.1-25233641", "9.0.2.1-25230112", "9.0.2.1-25231870", "9.0.2.1-25231866"},
		},
	},
	VCF910: {
		v9: true, v91: true,
		paging: paging910,
		// SDDC Manager already runs 9.1 (it serves the 9.1 API); the
		// domains are at 9.0.2.0 or 9.1.0.0, so the domains behind have
		// NSX, vCenter and ESX left to upgrade through /v1/upgrades.
		sddcVersion:   "9.1.0.0",
		domainVersion: func(i int) string { return pick(i, "9.0.2.0", "9.1.0.0") },
		// 9.0.2.0 has the builds of the 9.0.2 profile; the 9.1 builds are
		// illustrative.
		releases: []releaseRow{
			{"9.0.2.0", "9.0.0.0", "9.0.0.0", "2025-12-16", "VMware Cloud Foundation 9.0.2", "", "9.0.2.0-25151284", "9.0.2.0-25148203", "9.0.2.0-25148086", "9.0.2.0-25148076"},
			{"9.1.0.0", "9.0.0.0", "9.1.0.0", "2026-06-16", "VMware Cloud Foundation 9.1", "", "9.1.0.0-25512064", "9.1.0.0-25508731", "9.1.0.0-25509412", "9.1.0.0-25509410"},
			{"9.1.0.1", "", "9.1.0.0", "2026-09-15", "VMware Cloud Foundation 9.1.0.1 (async patch)", "The release is not available for the SKU of this domain", "9.1.0.1-25790215", "9.1.0.1-25788432", "9.1.0.1-25788950", "9.1.0.1-25788947"},
		},
	},
}

func pick(i int, old, current string) string {
	if i%3 == 2 {
		return current
	}
	return old
}

// Versions lists the simulated API versions.
func Versions() []string {
	out := make([]string, 0, len(profiles))
	for v := range profiles {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func profileOf(cfg *Config) profile {
	if p, ok := profiles[cfg.VCFVersion]; ok {
		return p
	}
	return profiles[VCF521]
}

// pagingOf is the paging of the version played, unless a test chose
// another generation's.
func pagingOf(cfg *Config) paging {
	if cfg.paging != nil {
		return cfg.paging
	}
	return profileOf(cfg).paging
}

// ---- 9.x: SDDC Manager upgraded by VCF Operations fleet management ----

// sddcExternal is an SDDC Manager upgrade started outside the SDDC Manager
// API (UpgradeSddcManager), as VCF Operations fleet management does in 9.x.
type sddcExternal struct {
	to         string // release version
	start, end time.Time
}

// SddcManagerUpgrade describes the SDDC Manager upgrade started by
// UpgradeSddcManager, in simulated time.
type SddcManagerUpgrade struct {
	Version string    `json:"version"` // target release version
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"` // SDDC Manager reports Version from here on
	// OutageStart and OutageEnd bound the time its API answers 503.
	OutageStart time.Time `json:"outageStart"`
	OutageEnd   time.Time `json:"outageEnd"`
}

// errUpgrade is a refused UpgradeSddcManager; status is the /sim answer.
type errUpgrade struct {
	status int
	msg    string
}

func (e *errUpgrade) Error() string { return e.msg }

// UpgradeSddcManager plays VCF Operations fleet management upgrading SDDC
// Manager to the release version (e.g. "9.0.2.0"), 9.x only: the API goes
// away like during a 5.2.1 SDDC Manager upgrade (503 from one simulated
// minute after the start for an hour) and SDDC Manager reports the new
// version 62 simulated minutes after the start. Domains whose target needs
// it can then upgrade NSX, vCenter and ESX through /v1/upgrades.
func (s *Simulator) UpgradeSddcManager(version string) (SddcManagerUpgrade, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.sim()
	s.advance(now)
	switch rel := s.rel.byVersion[version]; {
	case !s.prof.v9:
		return SddcManagerUpgrade{}, &errUpgrade{http.StatusConflict, "VCF " + s.cfg.VCFVersion + " upgrades SDDC Manager through POST /v1/upgrades"}
	case rel == nil:
		return SddcManagerUpgrade{}, &errUpgrade{http.StatusBadRequest, "unknown VCF release " + strconv.Quote(version)}
	case cmpVersion(version, s.inv.sddcVersion) <= 0:
		return SddcManagerUpgrade{}, &errUpgrade{http.StatusBadRequest, "SDDC Manager already runs VCF " + s.inv.sddcVersion}
	case s.sddcExt != nil:
		return SddcManagerUpgrade{}, &errUpgrade{http.StatusConflict, "an SDDC Manager upgrade to " + s.sddcExt.to + " is running"}
	}
	s.sddcExt = &sddcExternal{to: version, start: now, end: now.Add(sddcUpgradeTime)}
	w := window{now.Add(sddcOutageDelay), now.Add(sddcOutageDelay + sddcOutage)}
	s.outages = append(s.outages, w)
	return SddcManagerUpgrade{Version: version, Start: now, End: s.sddcExt.end, OutageStart: w.from, OutageEnd: w.to}, nil
}

// finishSddcExternal applies an external SDDC Manager upgrade that ended
// by now. Callers hold s.mu.
func (s *Simulator) finishSddcExternal(now time.Time) {
	if s.sddcExt == nil || now.Before(s.sddcExt.end) {
		return
	}
	s.inv.sddcVersion = s.sddcExt.to
	s.sddcExt = nil
	for _, d := range s.inv.domains {
		s.maybeFinishDomain(d)
	}
}

// SddcManagerVersion returns the VCF release version SDDC Manager runs.
func (s *Simulator) SddcManagerVersion() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.clk.sim())
	return s.inv.sddcVersion
}
