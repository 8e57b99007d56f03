package vcfsim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The health of the instance: resource certificates, SDDC Manager's own
// services, the backup configuration and password expiry. The demo mix
// (seedHealth) has one certificate about to expire, one expired in the last
// VI domain (the lab), a failed task, a service down, backups configured
// with a recent success and a password expiring; tests change it with the
// Set* methods.

// health is guarded by Simulator.mu.
type health struct {
	certExpiry map[string]time.Time // resource FQDN -> notAfter override
	services   []vcfService
	backup     bool                 // configured
	pwExpiry   map[string]time.Time // resource name -> password expiry override
	checks     map[string]*credentialCheck
	forbidden  map[string]bool // "METHOD template" answered 403
	// ignoreCompletedAfter plays a server that does not filter GET
	// /v1/tasks by completedAfter.
	ignoreCompletedAfter bool
}

type vcfService struct{ id, name, status string }

// serviceNames are the SDDC Manager services GET /v1/vcf-services lists.
var serviceNames = []string{"COMMON_SERVICES", "DOMAIN_MANAGER", "LCM", "OPERATIONS_MANAGER", "SDDC_MANAGER_UI"}

// Certificate expiry thresholds of the simulated SDDC Manager.
const (
	certValidity        = 398 * 24 * time.Hour
	aboutToExpire       = 30 * 24 * time.Hour
	credentialCheckTime = 30 * time.Second // simulated duration of a password expiry check
	passwordMaxAge      = 90 * 24 * time.Hour
	expiringWithin      = 15 * 24 * time.Hour
	backupTaskType      = "SDDCMANAGER_BACKUP"
)

// seedHealth builds the demo mix at start. Callers hold s.mu (or own s).
func (s *Simulator) seedHealth(now time.Time) {
	h := &s.health
	h.certExpiry = map[string]time.Time{s.inv.sddcFQDN: now.Add(20 * 24 * time.Hour)}
	if len(s.inv.domains) > 1 {
		lab := s.inv.domains[len(s.inv.domains)-1]
		h.certExpiry[lab.vcFQDN] = now.Add(-3 * 24 * time.Hour)
	}
	for _, n := range serviceNames {
		st := "UP"
		if n == "SDDC_MANAGER_UI" {
			st = "DOWN"
		}
		h.services = append(h.services, vcfService{id: uuidFrom(s.healthRand), name: n, status: st})
	}
	h.backup = true
	// The management vCenter's root password expires in ten days.
	h.pwExpiry = map[string]time.Time{s.inv.domains[0].vcFQDN: now.Add(10 * 24 * time.Hour)}
	h.checks = map[string]*credentialCheck{}
	h.forbidden = map[string]bool{}
	mgmt := resourceJSON{ResourceID: s.inv.sddcID, FQDN: s.inv.sddcFQDN, Type: "SDDC_MANAGER", Name: s.inv.sddcFQDN}
	s.seedTask("SDDC Manager backup", backupTaskType, now.Add(-27*time.Hour), 4*time.Minute, nil, mgmt)
	s.seedTask("SDDC Manager backup", backupTaskType, now.Add(-3*time.Hour), 4*time.Minute, nil, mgmt)
	if h := s.inv.hosts; len(h) > 0 {
		s.seedTask("Commissioning host(s) "+h[len(h)-1].fqdn, "HOST_COMMISSION", now.Add(-2*time.Hour), 7*time.Minute,
			&apiError{ErrorCode: "HOST_VALIDATION_FAILED", ErrorType: "ERROR", Message: "Host validation failed: NTP server not reachable"},
			resourceJSON{ResourceID: h[len(h)-1].id, FQDN: h[len(h)-1].fqdn, Type: "ESXI", Name: h[len(h)-1].fqdn})
	}
}

// seedTask records a task of the past with its own ids (the upgrade tasks'
// ids do not move).
func (s *Simulator) seedTask(name, typ string, created time.Time, dur time.Duration, fail *apiError, res ...resourceJSON) {
	t := &task{id: uuidFrom(s.healthRand), name: name, typ: typ, created: created, end: created.Add(dur), resources: res, failErr: fail}
	s.tasks = append(s.tasks, t)
	s.taskByID[t.id] = t
}

// forbid wraps the handler of a health endpoint: a monitoring account
// without the role for it gets 403, as SDDC Manager answers.
func (s *Simulator) forbid(method, template string, h handler) handler {
	key := method + " " + template
	return func(r *http.Request, v vars) (int, any) {
		s.mu.Lock()
		no := s.health.forbidden[key]
		s.mu.Unlock()
		if no {
			return errorf(http.StatusForbidden, "FORBIDDEN", "The user does not have the privilege for %s", key)
		}
		return h(r, v)
	}
}

// SetForbidden makes the endpoints ("GET /v1/vcf-services", stats keys)
// answer 403 from now on; an empty call allows every endpoint again.
func (s *Simulator) SetForbidden(endpoints ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.health.forbidden = map[string]bool{}
	for _, e := range endpoints {
		s.health.forbidden[e] = true
	}
}

// IgnoreCompletedAfter makes GET /v1/tasks ignore its completedAfter
// filter (answering the whole history), as a server might.
func (s *Simulator) IgnoreCompletedAfter(on bool) {
	s.mu.Lock()
	s.health.ignoreCompletedAfter = on
	s.mu.Unlock()
}

// SetCertificateExpiry sets the notAfter of the certificate of the resource
// with this FQDN.
func (s *Simulator) SetCertificateExpiry(fqdn string, notAfter time.Time) {
	s.mu.Lock()
	s.health.certExpiry[fqdn] = notAfter
	s.mu.Unlock()
}

// SetServiceStatus sets the status of an SDDC Manager service.
func (s *Simulator) SetServiceStatus(name, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.health.services {
		if s.health.services[i].name == name {
			s.health.services[i].status = status
			return nil
		}
	}
	return fmt.Errorf("vcfsim: no service %q", name)
}

// SetBackupConfigured configures or removes the SDDC Manager backup.
func (s *Simulator) SetBackupConfigured(on bool) {
	s.mu.Lock()
	s.health.backup = on
	s.mu.Unlock()
}

// AddTask records a task that ran from created for dur (simulated time),
// ending FAILED when failed. It returns its id.
func (s *Simulator) AddTask(name, typ string, created time.Time, dur time.Duration, failed bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var fail *apiError
	if failed {
		fail = &apiError{ErrorCode: "TASK_FAILED", ErrorType: "ERROR", Message: name + " failed"}
	}
	s.seedTask(name, typ, created, dur, fail)
	return s.tasks[len(s.tasks)-1].id
}

// SetPasswordExpiry sets when the password of the resource named name
// (an FQDN) expires.
func (s *Simulator) SetPasswordExpiry(name string, at time.Time) {
	s.mu.Lock()
	s.health.pwExpiry[name] = at
	s.mu.Unlock()
}

// ---- GET /v1/domains/{id}/resource-certificates ----

type certResource struct{ typ, fqdn string }

// domainCertResources are the resources whose certificates SDDC Manager
// manages in a domain: SDDC Manager (management domain), vCenter, NSX and
// every ESX host.
func (s *Simulator) domainCertResources(d *domain) []certResource {
	var out []certResource
	if d.typ == "MANAGEMENT" {
		out = append(out, certResource{"SDDC_MANAGER", s.inv.sddcFQDN})
	}
	out = append(out, certResource{"VCENTER", d.vcFQDN}, certResource{"NSXT_MANAGER", d.nsxFQDN})
	for _, h := range d.hosts {
		out = append(out, certResource{"ESXI", h.fqdn})
	}
	return out
}

// certStampLayouts are the timestamp spellings the reference allows, used
// in turn so that clients parse each of them.
var certStampLayouts = []string{"2006-01-02T15:04:05Z", "2006-01-02T15:04:05.000Z", "2006-01-02T15:04:05.000-07:00"}

var certZone = time.FixedZone("", 2*3600)

func (s *Simulator) getResourceCertificates(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.inv.byDomain[v["id"]]
	if d == nil {
		return errorf(http.StatusNotFound, "DOMAIN_NOT_FOUND", "Domain %s not found", v["id"])
	}
	now := s.clk.sim()
	var out []certificateJSON
	for i, r := range s.domainCertResources(d) {
		// Issued at the simulator's start, a little earlier for each one.
		notBefore := s.clk.start.Add(-time.Duration(i+1) * 24 * time.Hour).Truncate(time.Second)
		notAfter := notBefore.Add(certValidity)
		if t, ok := s.health.certExpiry[r.fqdn]; ok {
			notAfter = t.Truncate(time.Second)
		}
		status := expiryStatus(notAfter.Sub(now), aboutToExpire, "ABOUT_TO_EXPIRE")
		layout := certStampLayouts[i%len(certStampLayouts)]
		zone := time.UTC
		if strings.HasSuffix(layout, "07:00") {
			zone = certZone
		}
		c := certificateJSON{
			Domain: d.id, ResourceType: r.typ, ResourceName: r.fqdn, IsInstalled: true, Version: "V3",
			SerialNumber: fmt.Sprintf("46:85:19:77:%02x:12:67:26", i%256), IssuedTo: r.fqdn,
			IssuedBy:  "CN=" + s.inv.sddcFQDN + "-CA, OU=VCF, O=VMware",
			NotBefore: notBefore.In(zone).Format(layout), NotAfter: notAfter.In(zone).Format(layout),
			SignatureAlgorithm: "SHA256withRSA", Subject: "CN=" + r.fqdn + ", OU=VCF, O=VMware",
			SubjectAlternativeName: []string{r.fqdn}, PublicKey: "D6:FD:DF:33:F1:00:" + fmt.Sprintf("%02X", i%256),
			PublicKeyAlgorithm: "RSA", KeySize: "2048", ThumbprintAlgorithm: "SHA-256",
			Thumbprint:           fmt.Sprintf("59:24:D5:18:04:A0:26:B0:%02X", i%256),
			NumberOfDaysToExpire: int(notAfter.Sub(now).Hours() / 24), ExpirationStatus: status,
			PemEncoded:          "-----BEGIN CERTIFICATE-----\nMIIFqSIMULATED" + fmt.Sprint(i) + "\n-----END CERTIFICATE-----",
			GetCertificateError: "",
		}
		if s.prof.v9 {
			c.DomainID = d.id
		}
		out = append(out, c)
	}
	return http.StatusOK, newPage(out)
}

// expiryStatus is ACTIVE, then soonName within soon of the end, then
// EXPIRED.
func expiryStatus(left, soon time.Duration, soonName string) string {
	switch {
	case left <= 0:
		return "EXPIRED"
	case left <= soon:
		return soonName
	}
	return "ACTIVE"
}

// ---- GET /v1/vcf-services ----

func (s *Simulator) getVcfServices(*http.Request, vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ver := s.rel.bom(s.inv.sddcVersion)[compSDDC].Version
	out := make([]vcfServiceJSON, 0, len(s.health.services))
	for _, sv := range s.health.services {
		out = append(out, vcfServiceJSON{ID: sv.id, Name: sv.name, Version: ver, Status: sv.status})
	}
	return http.StatusOK, newPage(out)
}

// ---- GET /v1/system/backup-configuration ----

func (s *Simulator) getBackupConfiguration(*http.Request, vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.health.backup {
		f := false
		return http.StatusOK, backupConfigJSON{IsConfigured: &f}
	}
	t := true
	return http.StatusOK, backupConfigJSON{
		IsConfigured: &t,
		BackupLocations: []backupLocationJSON{{Server: "backup.rainpole.io", Port: 22, Protocol: "SFTP",
			Username: "svc-vcf-backup", DirectoryPath: "/backups/vcf", SSHFingerprint: "SHA256:Qm9ndXNGaW5nZXJwcmludA"}},
		BackupSchedules: []backupScheduleJSON{{ResourceType: "SDDC_MANAGER", TakeScheduledBackups: true, Frequency: "WEEKLY",
			DaysOfWeek: []string{"SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"},
			HourOfDay:  4, MinuteOfHour: 0, TakeBackupOnStateChange: true}},
	}
}
