package actions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// storeVersion is the schema version of the files; bumped on incompatible change.
const storeVersion = 1

// Workflow is the persisted state of one domain's upgrade workflow. Every
// field needed to resume after a restart is here.
type Workflow struct {
	SchemaVersion int    `json:"schema_version"`
	Target        string `json:"target"`
	DomainID      string `json:"domain_id"`
	DomainName    string `json:"domain_name"`
	// SddcManager is who the workflow belongs to (identity.go); empty in
	// files written before it was recorded.
	SddcManager SddcIdentity `json:"sddc_manager,omitzero"`

	State       State     `json:"state"`
	StepStarted time.Time `json:"step_started"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished,omitzero"`

	FromVersion   string          `json:"from_version"`
	TargetVersion string          `json:"target_version"`
	Bom           []BomEntry      `json:"bom,omitempty"`
	Bundles       []BundleState   `json:"bundles"`
	Precheck      PrecheckState   `json:"precheck"`
	Components    []ComponentRun  `json:"components,omitempty"`
	Validation    ValidationState `json:"validation"`

	// TargetSet records that PATCH /v1/releases/domains/{id} succeeded.
	TargetSet bool `json:"target_set,omitempty"`
	// Acknowledged: the user accepted the pre-check findings.
	Acknowledged bool `json:"acknowledged,omitempty"`
	// CancelRequested: stop at the next safe point.
	CancelRequested bool `json:"cancel_requested,omitempty"`
	// OutageSince is when the SDDC Manager API stopped answering (zero: it answers).
	OutageSince time.Time `json:"outage_since,omitzero"`
	// SettleUntil: after SDDC Manager's upgrade, wait until then.
	SettleUntil time.Time `json:"settle_until,omitzero"`

	LastError string     `json:"last_error,omitempty"`
	Log       []LogEntry `json:"log,omitempty"`
}

// BomEntry is one product of the target release's bill of materials.
type BomEntry struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// ManagedBy is the entry's lifecycleManagedBy (VCF 9; empty: SDDC
	// Manager upgrades it, as on 5.2).
	ManagedBy string `json:"managed_by,omitempty"`
}

// BundleState tracks one bundle of the target release.
type BundleState struct {
	ID        string  `json:"id"`
	Type      string  `json:"type,omitempty"`
	Kind      string  `json:"kind,omitempty"` // components[0].type
	SizeBytes float64 `json:"size_bytes,omitempty"`
	// Requested: the download PATCH is about to be / was sent.
	Requested      bool   `json:"requested,omitempty"`
	DownloadTaskID string `json:"download_task_id,omitempty"`
	Downloaded     bool   `json:"downloaded,omitempty"`
}

// PrecheckState tracks the pre-check run.
type PrecheckState struct {
	Requested bool   `json:"requested,omitempty"`
	QueryID   string `json:"query_id,omitempty"`
	RunID     string `json:"run_id,omitempty"`
	Done      bool   `json:"done,omitempty"`
	Errors    int    `json:"errors"`
	Warnings  int    `json:"warnings"`
	// ResourceIDs maps a pre-check resourceType to its resourceId (the
	// vCenter's is needed for its upgrade).
	ResourceIDs map[string]string `json:"resource_ids,omitempty"`
	// ValidationID is the release validation whose checks say which
	// findings need an acknowledgement (VCF 9); Acknowledge counts them.
	ValidationID string `json:"validation_id,omitempty"`
	Acknowledge  int    `json:"acknowledge"`
}

// ComponentRun is one POST /v1/upgrades of the workflow.
type ComponentRun struct {
	BundleID     string    `json:"bundle_id"`
	Kind         Kind      `json:"kind"`
	ResourceType string    `json:"resource_type"`
	ResourceIDs  []string  `json:"resource_ids"`
	Phase        Phase     `json:"phase"`
	UpgradeID    string    `json:"upgrade_id,omitempty"`
	TaskID       string    `json:"task_id,omitempty"`
	Status       string    `json:"status,omitempty"`
	Posted       time.Time `json:"posted,omitzero"`
	// PreexistingUpgradeIDs are the upgrades of this bundle that existed
	// before the POST (none of them is ours).
	PreexistingUpgradeIDs []string  `json:"preexisting_upgrade_ids,omitempty"`
	Ended                 time.Time `json:"ended,omitzero"`
}

// ValidationState tracks the final validation.
type ValidationState struct {
	Requested bool   `json:"requested,omitempty"`
	ID        string `json:"id,omitempty"`
}

// LogEntry is one line of the workflow's log.
type LogEntry struct {
	Time    time.Time `json:"time"`
	Level   string    `json:"level"` // info, warning, error
	Message string    `json:"message"`
}

// Store keeps one JSON file per workflow under a directory. Writes are
// atomic: a temporary file is written and fsynced, renamed over the old one,
// and the directory is fsynced.
type Store struct {
	dir string
	// write writes a file atomically (writeAtomic; tests inject a full disk).
	write func(path string, data []byte) error
}

// NewStore creates (if needed) dir/actions and returns a store there.
func NewStore(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("actions: a storage path is required")
	}
	d := filepath.Join(dir, "actions")
	if err := os.MkdirAll(d, 0o700); err != nil {
		return nil, fmt.Errorf("actions: creating storage directory: %w", err)
	}
	return &Store{dir: d, write: writeAtomic}, nil
}

// Dir is the directory holding the workflow files.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(target, domainID string) string {
	return filepath.Join(s.dir, "workflow_"+url.PathEscape(target)+"_"+url.PathEscape(domainID)+".json")
}

// Save writes w atomically.
func (s *Store) Save(w *Workflow) error {
	b, err := encodeWorkflow(w)
	if err != nil {
		return err
	}
	return s.write(s.path(w.Target, w.DomainID), b)
}

// Peek reads the stored workflow of a domain (fs.ErrNotExist: none).
func (s *Store) Peek(target, domainID string) (*Workflow, error) {
	b, err := os.ReadFile(s.path(target, domainID))
	if err != nil {
		return nil, err
	}
	return parseWorkflow(b)
}

// encodeWorkflow is the content of w's file (parseWorkflow reads it back).
func encodeWorkflow(w *Workflow) ([]byte, error) {
	w.SchemaVersion = storeVersion
	return json.MarshalIndent(w, "", "  ")
}

// Unreadable is a workflow file the exporter cannot use: corrupt,
// truncated, empty, or written by a newer exporter. It may describe a
// running upgrade, so it is never overwritten and its domain is blocked.
type Unreadable struct {
	File string // base name
	Err  error
	// Identity read from the file's readable beginning (may be empty).
	Target, DomainID, DomainName string
}

func (u Unreadable) Error() string {
	return fmt.Sprintf("workflow file %s is unreadable (%v): it may describe a running upgrade, so no new work starts on this domain; inspect the file, then move it out of the storage directory", u.File, u.Err)
}

// Load reads every workflow file. Unreadable files are returned apart and
// left in place, untouched.
func (s *Store) Load() (wfs []*Workflow, bad []Unreadable, err error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, "workflow_") || !strings.HasSuffix(name, ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil {
			bad = append(bad, Unreadable{File: name, Err: err})
			continue
		}
		w, err := parseWorkflow(b)
		if err != nil {
			u := Unreadable{File: name, Err: err}
			u.Target, u.DomainID, u.DomainName = salvageIdentity(b)
			bad = append(bad, u)
			continue
		}
		wfs = append(wfs, w)
	}
	return wfs, bad, nil
}

// parseWorkflow decodes one workflow file strictly.
func parseWorkflow(b []byte) (*Workflow, error) {
	var w Workflow
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, err
	}
	switch {
	case w.SchemaVersion > storeVersion:
		return nil, fmt.Errorf("schema version %d is newer than this exporter's (%d): written by a newer vcf_exporter", w.SchemaVersion, storeVersion)
	case w.SchemaVersion != storeVersion:
		return nil, fmt.Errorf("unsupported schema version %d", w.SchemaVersion)
	case w.Target == "" || w.DomainID == "":
		return nil, errors.New("no target or domain id")
	}
	return &w, nil
}

// stillThere reports whether a file is still in the storage directory
// (moving an unreadable file away lifts its block).
func (s *Store) stillThere(file string) bool {
	_, err := os.Lstat(filepath.Join(s.dir, file))
	return err == nil
}

// salvageIdentity reads the top-level string fields target, domain_id and
// domain_name from the readable beginning of a damaged file.
func salvageIdentity(b []byte) (target, domainID, domainName string) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return
	}
	for {
		k, err := dec.Token()
		if err != nil {
			return
		}
		key, ok := k.(string)
		if !ok {
			return
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return
		}
		s, _ := v.(string)
		switch key {
		case "target":
			target = s
		case "domain_id":
			domainID = s
		case "domain_name":
			domainName = s
		}
	}
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok { // the write failed already: this is only cleanup
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}

// clone deep-copies a workflow.
func (w *Workflow) clone() *Workflow {
	b, err := json.Marshal(w)
	if err != nil {
		panic(err)
	}
	var c Workflow
	if err := json.Unmarshal(b, &c); err != nil {
		panic(err)
	}
	return &c
}
