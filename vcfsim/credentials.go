package vcfsim

import (
	"hash/fnv"
	"net/http"
	"strings"
	"time"
)

// POST /v1/credentials/expirations starts a check task; GET
// /v1/credentials/expirations/{id} reports it, IN_PROGRESS for
// credentialCheckTime simulated time, then COMPLETED with one element per
// credential of the asked resource type.

type credentialCheck struct {
	id       string
	created  time.Time
	elements []credentialCheckJSON
	reads    int
}

type credential struct {
	resType, resID, resName, user string
	ip                            string
	domains                       []string
}

// credentials lists the accounts SDDC Manager manages, by resource type.
func (s *Simulator) credentials(resType, domainName string) []credential {
	var out []credential
	for _, d := range s.inv.domains {
		if domainName != "" && d.name != domainName {
			continue
		}
		doms := []string{d.name}
		switch resType {
		case "VCENTER":
			out = append(out, credential{"VCENTER", d.vcID, d.vcFQDN, "root", strings.TrimSuffix(d.nsxVIP, ".5") + ".4", doms})
		case "NSXT_MANAGER":
			out = append(out, credential{"NSXT_MANAGER", d.nsxID, d.nsxFQDN, "admin", d.nsxVIP, doms},
				credential{"NSXT_MANAGER", d.nsxID, d.nsxFQDN, "root", d.nsxVIP, doms})
		case "ESXI":
			for _, h := range d.hosts {
				out = append(out, credential{"ESXI", h.id, h.fqdn, "root", h.ip, doms})
			}
		}
	}
	if resType == "BACKUP" && domainName == "" {
		out = append(out, credential{"BACKUP", s.inv.sddcID, s.inv.sddcFQDN, "backup", s.inv.sddcIP, []string{s.inv.domains[0].name}})
	}
	return out
}

// credentialResourceTypes are the types POST /v1/credentials/expirations
// accepts ("One among: ..." of CredentialsExpirationSpec.resourceType).
var credentialResourceTypes = map[string]bool{"ESXI": true, "VCENTER": true, "PSC": true, "NSXT_MANAGER": true,
	"NSXT_EDGE": true, "NSX_ALB": true, "BACKUP": true, "NSX_MANAGER": true, "NSX_CONTROLLER": true, "NSX_EDGE": true,
	"VRLI": true, "VROPS": true, "VRA": true, "WSA": true, "VRSLCM": true, "VXRAIL_MANAGER": true, "HCX_MANAGER": true, "VSP": true}

func (s *Simulator) postCredentialExpirations(r *http.Request, _ vars) (int, any) {
	var spec struct {
		ResourceType  string   `json:"resourceType"`
		DomainName    string   `json:"domainName"`
		CredentialIDs []string `json:"credentialIds"`
	}
	if st, e := decodeBody(r, &spec); e != nil {
		return st, e
	}
	if !credentialResourceTypes[spec.ResourceType] {
		return errorf(http.StatusBadRequest, "INVALID_RESOURCE_TYPE", "Invalid resource type %q", spec.ResourceType)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.sim()
	c := &credentialCheck{id: uuidFrom(s.healthRand), created: now}
	want := map[string]bool{}
	for _, id := range spec.CredentialIDs {
		want[id] = true
	}
	for i, cr := range s.credentials(spec.ResourceType, spec.DomainName) {
		id := credentialID(cr.resID + "/" + cr.user)
		if len(want) > 0 && !want[id] {
			continue
		}
		// Passwords were set at install, a day apart; a set expiry wins.
		exp := s.clk.start.Add(passwordMaxAge - time.Duration(i)*24*time.Hour).Truncate(time.Second)
		if t, ok := s.health.pwExpiry[cr.resName]; ok {
			exp = t.Truncate(time.Second)
		}
		st := expiryStatus(exp.Sub(now), expiringWithin, "EXPIRING")
		layout := certStampLayouts[i%len(certStampLayouts)]
		c.elements = append(c.elements, credentialCheckJSON{
			ID: id, Username: cr.user,
			Resource: authResourceJSON{ResourceID: cr.resID, ResourceName: cr.resName, ResourceIP: cr.ip, ResourceType: cr.resType, DomainNames: cr.domains},
			Expiry: &expiryJSON{ExpiryDate: exp.UTC().Format(layout), LastCheckedDate: stamp(now.Add(credentialCheckTime)),
				ConnectivityStatus: "ACTIVE", Status: st},
			CreationTimestamp: stamp(now), CompletionTimestamp: stamp(now.Add(credentialCheckTime)),
		})
	}
	s.health.checks[c.id] = c
	return http.StatusAccepted, credentialsExpirationJSON{ID: c.id, Status: "IN_PROGRESS", CreationTimestamp: stamp(now),
		Elements: []credentialCheckJSON{}}
}

func (s *Simulator) getCredentialExpiration(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.health.checks[v["id"]]
	if c == nil {
		return errorf(http.StatusNotFound, "CREDENTIALS_EXPIRATION_NOT_FOUND", "Credentials expiration %s not found", v["id"])
	}
	out := credentialsExpirationJSON{ID: c.id, Status: "IN_PROGRESS", CreationTimestamp: stamp(c.created), Elements: []credentialCheckJSON{}}
	// It ends after credentialCheckTime, or at the second status read: a
	// frozen clock (golden tests) sees it IN_PROGRESS once, then done.
	c.reads++
	now := s.clk.sim()
	end := c.created.Add(credentialCheckTime)
	if c.reads >= 2 && now.Before(end) {
		end = now
	}
	if !now.Before(end) {
		out.Status, out.CompletionTimestamp, out.Elements = "COMPLETED", stamp(end), c.elements
	}
	return http.StatusOK, out
}

// credentialID is a stable id for an account (the same in every check).
func credentialID(key string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return uuidFrom(newRand(int64(h.Sum64()), 7))
}

// ---- wire types of the health endpoints ----

type certificateJSON struct {
	Domain                 string   `json:"domain"`
	DomainID               string   `json:"domainId,omitempty"` // 9.x
	ResourceType           string   `json:"resourceType"`
	ResourceName           string   `json:"resourceName"`
	IsInstalled            bool     `json:"isInstalled"`
	Version                string   `json:"version"`
	SerialNumber           string   `json:"serialNumber"`
	IssuedTo               string   `json:"issuedTo"`
	IssuedBy               string   `json:"issuedBy"`
	NotBefore              string   `json:"notBefore"`
	NotAfter               string   `json:"notAfter"`
	SignatureAlgorithm     string   `json:"signatureAlgorithm"`
	Subject                string   `json:"subject"`
	SubjectAlternativeName []string `json:"subjectAlternativeName"`
	PublicKey              string   `json:"publicKey"`
	PublicKeyAlgorithm     string   `json:"publicKeyAlgorithm"`
	KeySize                string   `json:"keySize"`
	ThumbprintAlgorithm    string   `json:"thumbprintAlgorithm"`
	Thumbprint             string   `json:"thumbprint"`
	NumberOfDaysToExpire   int      `json:"numberOfDaysToExpire"`
	ExpirationStatus       string   `json:"expirationStatus"`
	PemEncoded             string   `json:"pemEncoded"`
	GetCertificateError    string   `json:"getCertificateError"`
}

type vcfServiceJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Status  string `json:"status"`
}

type backupConfigJSON struct {
	BackupLocations []backupLocationJSON `json:"backupLocations,omitempty"`
	BackupSchedules []backupScheduleJSON `json:"backupSchedules,omitempty"`
	IsConfigured    *bool                `json:"isConfigured,omitempty"`
}

type backupLocationJSON struct {
	Server         string `json:"server"`
	Port           int    `json:"port"`
	Protocol       string `json:"protocol"`
	Username       string `json:"username"`
	DirectoryPath  string `json:"directoryPath"`
	SSHFingerprint string `json:"sshFingerprint,omitempty"`
}

type backupScheduleJSON struct {
	ResourceType            string   `json:"resourceType"`
	TakeScheduledBackups    bool     `json:"takeScheduledBackups"`
	Frequency               string   `json:"frequency"`
	DaysOfWeek              []string `json:"daysOfWeek,omitempty"`
	HourOfDay               int      `json:"hourOfDay"`
	MinuteOfHour            int      `json:"minuteOfHour"`
	TakeBackupOnStateChange bool     `json:"takeBackupOnStateChange"`
}

type credentialsExpirationJSON struct {
	ID                  string                `json:"id"`
	Status              string                `json:"status"`
	Elements            []credentialCheckJSON `json:"elements"`
	CreationTimestamp   string                `json:"creationTimestamp,omitempty"`
	CompletionTimestamp string                `json:"completionTimestamp,omitempty"`
}

type credentialCheckJSON struct {
	ID                  string           `json:"id"`
	Username            string           `json:"username"`
	Resource            authResourceJSON `json:"resource"`
	Expiry              *expiryJSON      `json:"expiry,omitempty"`
	CreationTimestamp   string           `json:"creationTimestamp,omitempty"`
	CompletionTimestamp string           `json:"completionTimestamp,omitempty"`
}

type authResourceJSON struct {
	ResourceID   string   `json:"resourceId"`
	ResourceName string   `json:"resourceName"`
	ResourceIP   string   `json:"resourceIp"` // required in 5.2.1, deprecated in 9.x
	ResourceType string   `json:"resourceType"`
	DomainNames  []string `json:"domainNames"`
}

type expiryJSON struct {
	ExpiryDate         string `json:"expiryDate"`
	LastCheckedDate    string `json:"lastCheckedDate"`
	ConnectivityStatus string `json:"connectivityStatus"`
	Status             string `json:"status"`
}
