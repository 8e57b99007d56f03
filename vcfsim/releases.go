package vcfsim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Upgradable components in the order SDDC Manager upgrades them.
const (
	compSDDC = "SDDC_MANAGER"
	compNSX  = "NSX_T_MANAGER"
	compVC   = "VCENTER"
	compESX  = "ESX_HOST"
)

var bomName = map[string]string{compSDDC: "SDDC_MANAGER_VCF", compNSX: "NSX_T_MANAGER", compVC: "VCENTER", compESX: "ESX_HOST"}
var publicName = map[string]string{compSDDC: "SDDC Manager", compNSX: "VMware NSX", compVC: "VMware vCenter Server", compESX: "VMware ESXi"}

// bundleMB are typical bundle sizes per component.
var bundleMB = map[string]float64{compSDDC: 2148.6, compNSX: 9823.4, compVC: 11532.9, compESX: 618.2}

type release struct {
	version, minCompat, date, desc string
	minInstaller                   string            // 9.x
	builds                         map[string]string // component -> build version
	notApplicable                  string            // reason; "" when applicable
	bundles                        map[string]*bundle
}

type bundle struct {
	id, comp  string
	rel       *release
	from      string // build version it upgrades from
	sizeMB    float64
	installed bool      // shipped with a release the inventory runs
	dlStart   time.Time // simulated; zero until a download is requested
	dlEnd     time.Time
}

type catalog struct {
	list       []*release // ascending versions
	byVersion  map[string]*release
	bundles    map[string]*bundle
	bundleList []*bundle
}

func buildCatalog(seed int64, releaseTable []releaseRow, installedUpTo string) *catalog {
	r := newRand(seed, 2)
	c := &catalog{byVersion: map[string]*release{}, bundles: map[string]*bundle{}}
	var prev *release
	for _, t := range releaseTable {
		rel := &release{
			version: t.version, minCompat: t.minCompat, minInstaller: t.minInstaller, date: t.date, desc: t.desc, notApplicable: t.notApplicable,
			builds:  map[string]string{compSDDC: t.sddc, compNSX: t.nsx, compVC: t.vc, compESX: t.esx},
			bundles: map[string]*bundle{},
		}
		for _, comp := range upgradeComponents {
			b := &bundle{id: uuidFrom(r), comp: comp, rel: rel, sizeMB: bundleMB[comp] * (0.9 + 0.2*r.Float64())}
			b.sizeMB = float64(int(b.sizeMB*10)) / 10
			if prev != nil {
				b.from = prev.builds[comp]
			}
			b.installed = cmpVersion(rel.version, installedUpTo) <= 0
			rel.bundles[comp] = b
			c.bundles[b.id] = b
			c.bundleList = append(c.bundleList, b)
		}
		c.list = append(c.list, rel)
		c.byVersion[rel.version] = rel
		prev = rel
	}
	return c
}

// bom returns the product versions of a release by component.
func (c *catalog) bom(version string) map[string]productVersion {
	rel := c.byVersion[version]
	m := map[string]productVersion{}
	if rel == nil {
		return m
	}
	for comp, v := range rel.builds {
		m[comp] = productVersion{Name: bomName[comp], Version: v, PublicName: publicName[comp]}
	}
	return m
}

// managedBy is lifecycleManagedBy of a component (9.x): in VCF 9 SDDC
// Manager itself is upgraded by VCF Operations fleet management.
func managedBy(comp string) string {
	if comp == compSDDC {
		return ManagedByVcfOperations
	}
	return ManagedBySddcManager
}

// cmpVersion compares dotted versions numerically ("5.10" > "5.9").
func cmpVersion(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

func releaseDate(d string) string { return d + "T00:00:00.000Z" }

func (s *Simulator) releaseJSON(rel *release) releaseJSON {
	j := releaseJSON{
		Product: "VCF", Version: rel.version, MinCompatibleVcfVersion: rel.minCompat, MinInstallerVersion: rel.minInstaller,
		Description: rel.desc, ReleaseDate: releaseDate(rel.date), IsApplicable: rel.notApplicable == "",
		NotApplicableReason: rel.notApplicable,
		UpgradeOrder:        "NSX_T_MANAGER,VCENTER,ESX_HOST",
	}
	bom := s.rel.bom(rel.version)
	for _, comp := range upgradeComponents {
		pv := bom[comp]
		if s.prof.v9 {
			pv.LifecycleManagedBy = managedBy(comp)
		}
		j.Bom = append(j.Bom, pv)
		b := rel.bundles[comp]
		typ := "VMWARE_SOFTWARE"
		if comp == compSDDC {
			typ = "SDDC_MANAGER"
		}
		j.PatchBundles = append(j.PatchBundles, patchBundle{
			BundleID: b.id, BundleType: typ, BundleElements: []string{bomName[comp]}, CumulativeFromVcfVersion: "4.5.0.0",
		})
	}
	return j
}

// isUpgradePath says whether a domain at current may target rel: the same
// rule the exporter applies (docs/metrics.md, "Updates and versions").
func isUpgradePath(rel *release, current string) bool {
	return rel.notApplicable == "" && cmpVersion(rel.version, current) > 0 && cmpVersion(current, rel.minCompat) >= 0
}

func (s *Simulator) futureReleases(d *domain) []futureReleaseJSON {
	out := []futureReleaseJSON{}
	for _, rel := range s.rel.list {
		if cmpVersion(rel.version, d.version) <= 0 {
			continue
		}
		f := futureReleaseJSON{releaseJSON: s.releaseJSON(rel), ApplicabilityStatus: "APPLICABLE"}
		if rel.notApplicable != "" {
			f.ApplicabilityStatus = "NOT_APPLICABLE"
			mp := messagePack{Component: "LCM", MessageKey: "RELEASE_NOT_APPLICABLE", Message: rel.notApplicable, Arguments: []string{rel.version}}
			f.ReasonNotApplicable = &mp
			f.ReasonsNotApplicable = []messagePack{mp}
		} else if cmpVersion(d.version, rel.minCompat) < 0 {
			f.Warnings = []messagePack{{Component: "LCM", MessageKey: "MIN_COMPATIBLE_VERSION",
				Message: fmt.Sprintf("Upgrade to %s requires VCF %s or later first", rel.version, rel.minCompat)}}
		}
		out = append(out, f)
	}
	return out
}

func (s *Simulator) getReleases(r *http.Request, _ vars) (int, any) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []releaseJSON
	if id := q.Get("domainId"); id != "" {
		d := s.inv.byDomain[id]
		if d == nil {
			return errorf(http.StatusNotFound, "DOMAIN_NOT_FOUND", "Domain %s not found", id)
		}
		out = append(out, s.releaseJSON(s.rel.byVersion[d.version]))
		if q.Get("getFutureReleases") == "true" {
			for _, f := range s.futureReleases(d) {
				out = append(out, f.releaseJSON)
			}
		}
	} else {
		for _, rel := range s.rel.list {
			out = append(out, s.releaseJSON(rel))
		}
	}
	filtered := out[:0:0]
	for _, rel := range out {
		if v := q.Get("versionEq"); v != "" && cmpVersion(rel.Version, v) != 0 {
			continue
		}
		if v := q.Get("versionGt"); v != "" && cmpVersion(rel.Version, v) <= 0 {
			continue
		}
		filtered = append(filtered, rel)
	}
	return http.StatusOK, newPage(filtered)
}

func (s *Simulator) releaseView(d *domain) domainReleaseView {
	v := domainReleaseView{DomainID: d.id, TargetVersion: d.version, Patches: []targetProductVersion{}}
	if d.target != "" {
		v.TargetVersion = d.target
	}
	v.TargetSddcManagerVersion = s.rel.bom(v.TargetVersion)[compSDDC].Version
	return v
}

func (s *Simulator) getDomainReleaseViews(_ *http.Request, _ vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domainReleaseView
	for _, d := range s.inv.domains {
		out = append(out, s.releaseView(d))
	}
	return http.StatusOK, newPage(out)
}

func (s *Simulator) getDomainReleaseView(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.inv.byDomain[v["domainId"]]
	if d == nil {
		return domainNotFound(v["domainId"])
	}
	return http.StatusOK, s.releaseView(d)
}

func (s *Simulator) getFutureReleases(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.inv.byDomain[v["domainId"]]
	if d == nil {
		return domainNotFound(v["domainId"])
	}
	return http.StatusOK, newPage(s.futureReleases(d))
}

func (s *Simulator) patchDomainRelease(r *http.Request, v vars) (int, any) {
	var body domainRelease
	if st, e := decodeBody(r, &body); e != nil {
		return st, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.inv.byDomain[v["domainId"]]
	if d == nil {
		return domainNotFound(v["domainId"])
	}
	if body.TargetVersion == "" {
		return errorf(http.StatusBadRequest, "TARGET_VERSION_REQUIRED", "targetVersion is required")
	}
	rel := s.rel.byVersion[body.TargetVersion]
	if rel == nil {
		return errorf(http.StatusNotFound, "RELEASE_NOT_FOUND", "VCF release %s not found", body.TargetVersion)
	}
	if body.TargetVersion != d.target && !isUpgradePath(rel, d.version) {
		return errorf(http.StatusBadRequest, "TARGET_VERSION_NOT_APPLICABLE",
			"VCF %s is not an applicable upgrade for domain %s at version %s", rel.version, d.name, d.version)
	}
	if d.target != "" && d.target != body.TargetVersion && s.domainBusy(d) {
		return errorf(http.StatusBadRequest, "UPGRADE_IN_PROGRESS", "Domain %s has an upgrade in progress", d.name)
	}
	d.target = body.TargetVersion
	return http.StatusOK, nil
}

func (s *Simulator) bundleDLStatus(b *bundle, now time.Time) string {
	switch {
	case b.installed:
		return "SUCCESSFUL"
	case b.dlStart.IsZero():
		return "PENDING"
	case now.Before(b.dlStart):
		return "SCHEDULED"
	case now.Before(b.dlEnd):
		return "IN_PROGRESS"
	default:
		return "SUCCESSFUL"
	}
}

func (s *Simulator) bundleJSON(b *bundle, now time.Time) bundleJSON {
	typ := "VMWARE_SOFTWARE"
	if b.comp == compSDDC {
		typ = "SDDC_MANAGER"
	}
	to := b.rel.builds[b.comp]
	appl := "AVAILABLE"
	if b.installed {
		appl = "SUCCESS"
	}
	return bundleJSON{
		ID: b.id, Type: typ, Version: to, Severity: "CRITICAL", Vendor: "VMware",
		Description:  fmt.Sprintf("%s bundle for %s (%s)", publicName[b.comp], b.rel.desc, to),
		ReleasedDate: releaseDate(b.rel.date), IsCumulative: true, IsCompliant: true,
		SizeMB: b.sizeMB, DownloadStatus: s.bundleDLStatus(b, now),
		Components: []bundleComponent{{
			Description: publicName[b.comp] + " " + to, Vendor: "VMware", ReleasedDate: releaseDate(b.rel.date),
			ToVersion: to, FromVersion: b.from, ImageType: "PATCH", ID: b.id, Type: b.comp,
		}},
		ApplicabilityStatus: appl,
		ApplicabilityOrder:  indexOf(upgradeComponents, b.comp) + 1,
	}
}

func indexOf(list []string, v string) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

func (s *Simulator) getBundles(r *http.Request, _ vars) (int, any) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.sim()
	out := []bundleJSON{}
	for _, b := range s.rel.bundleList {
		j := s.bundleJSON(b, now)
		if v := q.Get("bundleType"); v != "" && v != j.Type {
			continue
		}
		if v := q.Get("productType"); v != "" && v != "VCF" && v != b.comp {
			continue
		}
		out = append(out, j)
	}
	return http.StatusOK, newPage(out)
}

func (s *Simulator) getBundle(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.rel.bundles[v["id"]]
	if b == nil {
		return errorf(http.StatusNotFound, "BUNDLE_NOT_FOUND", "Bundle %s not found", v["id"])
	}
	return http.StatusOK, s.bundleJSON(b, s.clk.sim())
}

// downloadDuration is how long a bundle takes to download, simulated: a
// fixed setup plus ~40 MB/s.
func downloadDuration(sizeMB float64) time.Duration {
	return 30*time.Second + time.Duration(sizeMB/40*float64(time.Second))
}

func (s *Simulator) patchBundle(r *http.Request, v vars) (int, any) {
	var spec struct {
		BundleDownloadSpec *struct {
			ScheduledTimestamp string `json:"scheduledTimestamp"`
			DownloadNow        bool   `json:"downloadNow"`
			CancelNow          bool   `json:"cancelNow"`
		} `json:"bundleDownloadSpec"`
	}
	if st, e := decodeBody(r, &spec); e != nil {
		return st, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.rel.bundles[v["id"]]
	if b == nil {
		// The spec has no 404 here; an unknown bundle is a bad request.
		return errorf(http.StatusBadRequest, "BUNDLE_NOT_FOUND", "Bundle %s not found", v["id"])
	}
	ds := spec.BundleDownloadSpec
	if ds == nil || (!ds.DownloadNow && !ds.CancelNow && ds.ScheduledTimestamp == "") {
		return errorf(http.StatusBadRequest, "INVALID_BUNDLE_DOWNLOAD_SPEC", "bundleDownloadSpec needs downloadNow, cancelNow or scheduledTimestamp")
	}
	now := s.clk.sim()
	status := s.bundleDLStatus(b, now)
	if ds.CancelNow {
		if status != "IN_PROGRESS" && status != "SCHEDULED" {
			return errorf(http.StatusConflict, "BUNDLE_DOWNLOAD_NOT_IN_PROGRESS", "Bundle %s is not being downloaded (%s)", b.id, status)
		}
		b.dlStart, b.dlEnd = time.Time{}, time.Time{}
		t := s.newTask("Cancel bundle download", "BUNDLE_DOWNLOAD_CANCEL", now, 0, s.bundleResource(b))
		return http.StatusAccepted, s.taskJSON(t, now)
	}
	if status == "IN_PROGRESS" || status == "SCHEDULED" || status == "SUCCESSFUL" {
		return errorf(http.StatusConflict, "BUNDLE_DOWNLOAD_ALREADY_"+status, "Bundle %s download status is %s", b.id, status)
	}
	start := now
	if !ds.DownloadNow {
		t, err := time.Parse(time.RFC3339, ds.ScheduledTimestamp)
		if err != nil {
			return errorf(http.StatusBadRequest, "INVALID_SCHEDULED_TIMESTAMP", "scheduledTimestamp: %v", err)
		}
		start = maxTime(t, now)
	}
	b.dlStart, b.dlEnd = start, start.Add(downloadDuration(b.sizeMB))
	t := s.newTask("Bundle download", "BUNDLE_DOWNLOAD", now, b.dlEnd.Sub(now), s.bundleResource(b))
	return http.StatusAccepted, s.taskJSON(t, now)
}

func (s *Simulator) bundleResource(b *bundle) resourceJSON {
	return resourceJSON{ResourceID: b.id, Type: "BUNDLE", Name: publicName[b.comp] + " " + b.rel.builds[b.comp]}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// SetDomainTarget sets a domain's target release as someone else would
// (another client, the UI), even while one of its upgrades runs: tests of
// a workflow whose target changes behind its back.
func (s *Simulator) SetDomainTarget(domainID, version string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.inv.byDomain[domainID]
	if d == nil {
		return fmt.Errorf("vcfsim: no domain %q", domainID)
	}
	if version != "" && s.rel.byVersion[version] == nil {
		return fmt.Errorf("vcfsim: no release %q", version)
	}
	d.target = version
	return nil
}
