// Package vcfsim simulates the VMware Cloud Foundation SDDC Manager public API
// (VCF API 5.2.1, or 9.0.2 or 9.1.0 with Config.VCFVersion), the way govmomi's vcsim
// simulates vCenter: a deterministic inventory, token auth, the upgrade
// lifecycle as a state machine that runs on a compressible clock, fault
// injection, per-endpoint request counters, and each version's paging with
// the readings the references leave open (paging.go).
package vcfsim

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Config sizes and tunes a Simulator. Start from DefaultConfig.
type Config struct {
	// Seed makes ids, names, versions and usage drift reproducible.
	Seed int64

	// VCFVersion is the SDDC Manager API the simulator plays: "5.2.1"
	// (default when empty), "9.0.2" or "9.1.0" (see version.go for what
	// differs).
	VCFVersion string

	// HostsPageSize is, where the version pages GET /v1/hosts, its default
	// and largest page (0: the version's, DefaultHostsPageSize in 9.0.2).
	// 5.2.1 does not page.
	HostsPageSize int
	// MaxPageSize caps every paged list: at most that many elements a
	// page, whatever is asked (0: a list's default size is its cap).
	MaxPageSize int
	// PageBase is the number of the first page, 0 or 1: the references
	// do not say, so both are played.
	PageBase int
	// TotalElementsLie is added to the totalElements of the lists that
	// can be paged (hosts, domains, clusters, tasks): pages that do not
	// add up.
	TotalElementsLie int
	// paging replaces the version's paged lists (the package's own tests).
	paging paging
	// HostOrder is the order of GET /v1/hosts: HostOrderCommissioned
	// (default when empty: by domain and cluster, then the unassigned
	// hosts) or HostOrderID (by id, so in no order of their names). The
	// references promise none.
	HostOrder string

	Domains           int // first one is the MANAGEMENT domain, the rest VI
	ClustersPerDomain int
	HostsPerCluster   int
	UnassignedHosts   int // commissioned hosts without domain

	Username, Password string
	// TokenTTL is the access token lifetime in real time (not scaled).
	TokenTTL time.Duration

	// TimeScale compresses simulated time: 1 is real time, 3600 makes an
	// hour pass in a second. It scales downloads, check runs, upgrades and
	// the SDDC Manager outage, and the usage drift.
	TimeScale float64

	// Latency and Jitter are added to every /v1 request (real time), on
	// top of Faults.Latency/Jitter.
	Latency, Jitter time.Duration

	// PrecheckErrors and PrecheckWarnings are the counts reported by
	// check-set runs in presentedArtifactsMap["validation-domain-summary"].
	PrecheckErrors, PrecheckWarnings int

	// NsxFinalizeAfterUpgrade (9.1): the NSX upgrade reads
	// COMPLETED_WITH_SUCCESS before its finalize stage (nsxtFinalize)
	// runs, instead of covering it. The reference leaves it open.
	NsxFinalizeAfterUpgrade bool

	// TLS makes NewServer/StartServer serve HTTPS with a fresh self-signed CA.
	TLS bool

	// Faults is the initial fault set (SetFaults replaces it later).
	Faults Faults

	// Now is the real-time source; nil means time.Now. Tests inject a fixed
	// clock to compare bodies at the same simulated instant.
	Now func() time.Time

	// Logger, when set, gets one debug record per request served by
	// NewServer/StartServer.
	Logger *slog.Logger
}

// DefaultConfig is a small demo inventory: 3 domains x 2 clusters x 4 hosts
// plus 2 unassigned hosts, real time, plain HTTP.
func DefaultConfig() Config {
	return Config{
		Seed:              1,
		VCFVersion:        VCF521,
		Domains:           3,
		ClustersPerDomain: 2,
		HostsPerCluster:   4,
		UnassignedHosts:   2,
		Username:          "admin@local",
		Password:          "VMware1!VMware1!",
		TokenTTL:          time.Hour,
		TimeScale:         1,
	}
}

// The orders GET /v1/hosts can list the hosts in (Config.HostOrder).
const (
	HostOrderCommissioned = "commissioned"
	HostOrderID           = "id"
)

// HostOrders lists the values of Config.HostOrder.
func HostOrders() []string { return []string{HostOrderCommissioned, HostOrderID} }

// maxHosts bounds the inventory so a typo cannot exhaust memory.
const maxHosts = 200000

func (c *Config) validate() error {
	var errs []error
	if c.Domains < 1 {
		errs = append(errs, fmt.Errorf("domains must be >= 1, got %d", c.Domains))
	}
	if c.ClustersPerDomain < 1 {
		errs = append(errs, fmt.Errorf("clusters per domain must be >= 1, got %d", c.ClustersPerDomain))
	}
	if c.HostsPerCluster < 1 {
		errs = append(errs, fmt.Errorf("hosts per cluster must be >= 1, got %d", c.HostsPerCluster))
	}
	if c.UnassignedHosts < 0 {
		errs = append(errs, fmt.Errorf("unassigned hosts must be >= 0, got %d", c.UnassignedHosts))
	}
	if c.Domains >= 1 && c.ClustersPerDomain >= 1 && c.HostsPerCluster >= 1 {
		if n := c.Domains * c.ClustersPerDomain * c.HostsPerCluster; n > maxHosts || n < 0 {
			errs = append(errs, fmt.Errorf("inventory too large: %d hosts (max %d)", n, maxHosts))
		}
	}
	if _, ok := profiles[c.VCFVersion]; !ok && c.VCFVersion != "" {
		errs = append(errs, fmt.Errorf("VCF version %q not simulated: use %s", c.VCFVersion, strings.Join(Versions(), " or ")))
	}
	if c.HostsPageSize < 0 || c.MaxPageSize < 0 {
		errs = append(errs, fmt.Errorf("page sizes must be >= 0, got %d and %d", c.HostsPageSize, c.MaxPageSize))
	}
	if c.PageBase != 0 && c.PageBase != 1 {
		errs = append(errs, fmt.Errorf("page base must be 0 or 1, got %d", c.PageBase))
	}
	if !slices.Contains(HostOrders(), c.HostOrder) && c.HostOrder != "" {
		errs = append(errs, fmt.Errorf("host order must be %s, got %q", strings.Join(HostOrders(), " or "), c.HostOrder))
	}
	if c.Username == "" || c.Password == "" {
		errs = append(errs, errors.New("username and password must not be empty"))
	}
	if c.TokenTTL <= 0 {
		errs = append(errs, fmt.Errorf("token TTL must be > 0, got %s", c.TokenTTL))
	}
	if !(c.TimeScale > 0) || c.TimeScale > 1e9 {
		errs = append(errs, fmt.Errorf("time scale must be in (0, 1e9], got %v", c.TimeScale))
	}
	if c.Latency < 0 || c.Jitter < 0 {
		errs = append(errs, errors.New("latency and jitter must be >= 0"))
	}
	if c.PrecheckErrors < 0 || c.PrecheckWarnings < 0 {
		errs = append(errs, errors.New("precheck errors and warnings must be >= 0"))
	}
	if err := c.Faults.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
