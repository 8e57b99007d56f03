package vcfclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jpillora/backoff"
)

// The health of a VCF instance: resource certificates, tasks, SDDC
// Manager's services, its backup, and password expiry. The models keep only
// what the metrics need: never a PEM, a key or a password.

const (
	endpointResourceCertificates = "/v1/domains/{id}/resource-certificates"
	endpointVcfServices          = "/v1/vcf-services"
	endpointBackupConfiguration  = "/v1/system/backup-configuration"
	endpointCredentialChecks     = "/v1/credentials/expirations"
	endpointCredentialCheck      = "/v1/credentials/expirations/{id}"
)

// ParseTimestamp reads a timestamp in every spelling the reference allows:
// with or without fractional seconds, "Z" or a numeric offset (with or
// without a colon). A timestamp without a zone is an error: its instant is
// unknown.
func ParseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unparseable timestamp %q", s)
}

// NormalizeStatus maps the spellings the reference lists side by side
// ("IN_PROGRESS, In Progress", "TIMED_OUT, Timed Out") to one.
func NormalizeStatus(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", "_"))
}

// timestamp parses field v of a wire object, recording a value it cannot
// read as dropped (zero time in the model).
func (n *numbers) timestamp(field, v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := ParseTimestamp(v)
	if err != nil {
		n.dropped = append(n.dropped, droppedValue{field, "unparseable_timestamp"})
	}
	return t
}

// ---- certificates ----

// Certificate is one resource's certificate as SDDC Manager reports it.
type Certificate struct {
	DomainID     string // the domain it was listed for
	ResourceType string
	ResourceName string
	// NotAfter is zero when SDDC Manager's value could not be read.
	NotAfter time.Time
	// ExpirationStatus: ACTIVE, ABOUT_TO_EXPIRE or EXPIRED.
	ExpirationStatus string
}

type certificateWire struct {
	numbers
	ResourceType     string `json:"resourceType"`
	ResourceName     string `json:"resourceName"`
	IssuedTo         string `json:"issuedTo"`
	NotAfter         string `json:"notAfter"`
	ExpirationStatus string `json:"expirationStatus"`
}

// ResourceCertificates lists the certificates of a domain's resources
// (GET /v1/domains/{id}/resource-certificates), following pages (9.1).
func (c *Client) ResourceCertificates(ctx context.Context, domainID string) ([]Certificate, error) {
	if domainID == "" {
		return nil, errors.New("vcfclient: resource certificates: empty domain id")
	}
	return list(ctx, c, newRequest(http.MethodGet, endpointResourceCertificates, domainID), func(w *certificateWire) (Certificate, error) {
		name := w.ResourceName // optional: issuedTo names the resource too
		if name == "" {
			name = w.IssuedTo
		}
		return Certificate{DomainID: domainID, ResourceType: w.ResourceType, ResourceName: name,
			NotAfter: w.timestamp("notAfter", w.NotAfter), ExpirationStatus: NormalizeStatus(w.ExpirationStatus)}, nil
	})
}

// ---- services ----

// VcfService is one SDDC Manager service (GET /v1/vcf-services).
type VcfService struct {
	ID, Name, Version string
	// Status is as reported; the reference lists no values.
	Status string
}

// VcfServices lists SDDC Manager's services.
func (c *Client) VcfServices(ctx context.Context) ([]VcfService, error) {
	return list(ctx, c, newRequest(http.MethodGet, endpointVcfServices), keep[VcfService])
}

// ---- backup ----

// BackupConfiguration is what GET /v1/system/backup-configuration says.
type BackupConfiguration struct {
	// Configured is isConfigured; when SDDC Manager leaves it out (it is
	// optional), whether a backup location is set.
	Configured bool
	Schedules  []BackupSchedule
}

// BackupSchedule is one backup schedule (times in UTC).
type BackupSchedule struct {
	ResourceType         string
	Frequency            string // WEEKLY or HOURLY
	TakeScheduledBackups bool
	DaysOfWeek           []string
	HourOfDay            int
	MinuteOfHour         int
}

type backupConfigWire struct {
	IsConfigured    *bool `json:"isConfigured"`
	BackupLocations []struct {
		Server string `json:"server"` // the credentials are never decoded
	} `json:"backupLocations"`
	BackupSchedules []BackupSchedule `json:"backupSchedules"`
}

// BackupConfiguration reads SDDC Manager's backup configuration.
func (c *Client) BackupConfiguration(ctx context.Context) (*BackupConfiguration, error) {
	var w backupConfigWire
	if err := c.do(ctx, newRequest(http.MethodGet, endpointBackupConfiguration), decodeInto(&w)); err != nil {
		return nil, err
	}
	b := &BackupConfiguration{Configured: len(w.BackupLocations) > 0, Schedules: w.BackupSchedules}
	if w.IsConfigured != nil {
		b.Configured = *w.IsConfigured
	}
	return b, nil
}

// ---- tasks ----

// TaskRecord is the part of a task the health metrics use.
type TaskRecord struct {
	ID, Name, Type string
	// Status is normalized (NormalizeStatus).
	Status             string
	Created, Completed time.Time // zero when absent or unreadable
}

// TaskFilter selects tasks (GET /v1/tasks); zero fields do not filter.
type TaskFilter struct {
	Type, Status string
	// CompletedAfter: "tasks which are completed after the given
	// timestamp", sent in milliseconds.
	CompletedAfter time.Time
}

// TasksPageSize is the page asked for from GET /v1/tasks: "Max page size
// allowed is 100."
const TasksPageSize = 100

type taskRecordWire struct {
	numbers
	ID                  string `json:"id"`
	Name                string `json:"name"`
	Type                string `json:"type"`
	Status              string `json:"status"`
	CreationTimestamp   string `json:"creationTimestamp"`
	CompletionTimestamp string `json:"completionTimestamp"`
}

// FilterTasks lists the tasks matching f, following pages.
func (c *Client) FilterTasks(ctx context.Context, f TaskFilter) ([]TaskRecord, error) {
	req := newRequest(http.MethodGet, endpointTasks)
	req.query = url.Values{"pageSize": {strconv.Itoa(TasksPageSize)}}
	if f.Type != "" {
		req.query.Set("taskType", f.Type)
	}
	if f.Status != "" {
		req.query.Set("taskStatus", f.Status)
	}
	if !f.CompletedAfter.IsZero() {
		req.query.Set("completedAfter", strconv.FormatInt(f.CompletedAfter.UnixMilli(), 10))
	}
	return list(ctx, c, req, func(w *taskRecordWire) (TaskRecord, error) {
		return TaskRecord{ID: w.ID, Name: w.Name, Type: w.Type, Status: NormalizeStatus(w.Status),
			Created:   w.timestamp("creationTimestamp", w.CreationTimestamp),
			Completed: w.timestamp("completionTimestamp", w.CompletionTimestamp)}, nil
	})
}

// ---- password expiry ----

// CredentialExpiry is the password expiry of one account. The password
// itself is never part of it.
type CredentialExpiry struct {
	ID, Username               string
	ResourceType, ResourceName string
	Domains                    []string
	// Expiry is zero when SDDC Manager's value is absent or unreadable.
	Expiry time.Time
	// Status: ACTIVE, EXPIRING, EXPIRED or UNKNOWN.
	Status string
}

type credentialCheckWire struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Elements []struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Resource struct {
			ResourceName string   `json:"resourceName"`
			ResourceType string   `json:"resourceType"`
			DomainNames  []string `json:"domainNames"`
		} `json:"resource"`
		Expiry *struct {
			ExpiryDate string `json:"expiryDate"`
			Status     string `json:"status"`
		} `json:"expiry"`
	} `json:"elements"`
}

// Bounds of a password expiry check: SDDC Manager runs it as a task.
var (
	CredentialCheckPoll    = 200 * time.Millisecond // first wait, doubling up to 5 s
	CredentialCheckTimeout = 10 * time.Minute
)

// CredentialExpirations runs a password expiry check for the accounts of
// one resource type (POST /v1/credentials/expirations, which starts a task
// on SDDC Manager) and follows it (GET /v1/credentials/expirations/{id})
// until it ends, at most CredentialCheckTimeout. A check that FAILED or
// never completes is an error.
func (c *Client) CredentialExpirations(ctx context.Context, resourceType string) ([]CredentialExpiry, error) {
	ctx, cancel := context.WithTimeout(ctx, CredentialCheckTimeout)
	defer cancel()
	req := newRequest(http.MethodPost, endpointCredentialChecks)
	req.body = map[string]string{"resourceType": resourceType}
	var w credentialCheckWire
	if err := c.do(ctx, req, decodeInto(&w)); err != nil {
		return nil, err
	}
	if w.ID == "" {
		return nil, &DecodeError{Method: req.method, Endpoint: req.endpoint, Err: errors.New("the check started has no id")}
	}
	poll := backoff.Backoff{Min: CredentialCheckPoll, Max: 5 * time.Second, Factor: 2}
	for {
		switch NormalizeStatus(w.Status) {
		case "COMPLETED":
			return credentialModels(c, &w), nil
		case "FAILED":
			return nil, fmt.Errorf("vcfclient: password expiry check %s of %s accounts FAILED on SDDC Manager", w.ID, resourceType)
		}
		t := time.NewTimer(poll.Duration())
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("vcfclient: password expiry check %s of %s accounts still %s: %w", w.ID, resourceType, w.Status, ctx.Err())
		case <-t.C:
		}
		id := w.ID
		w = credentialCheckWire{}
		if err := c.do(ctx, newRequest(http.MethodGet, endpointCredentialCheck, id), decodeInto(&w)); err != nil {
			return nil, err
		}
		if w.ID == "" {
			w.ID = id
		}
	}
}

func credentialModels(c *Client, w *credentialCheckWire) []CredentialExpiry {
	out := make([]CredentialExpiry, 0, len(w.Elements))
	for _, e := range w.Elements {
		var n numbers
		ce := CredentialExpiry{ID: e.ID, Username: e.Username, ResourceType: e.Resource.ResourceType,
			ResourceName: e.Resource.ResourceName, Domains: e.Resource.DomainNames, Status: "UNKNOWN"}
		if e.Expiry != nil {
			ce.Expiry = n.timestamp("expiry.expiryDate", e.Expiry.ExpiryDate)
			if e.Expiry.Status != "" {
				ce.Status = NormalizeStatus(e.Expiry.Status)
			}
		}
		c.noteDropped(endpointCredentialCheck, &n)
		out = append(out, ce)
	}
	return out
}
