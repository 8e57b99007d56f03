package actions

import (
	"fmt"
	"strings"
	"time"
)

// Status is a workflow's state as the API shows it.
type Status struct {
	Target           string    `json:"target"`
	DomainID         string    `json:"domain_id"`
	DomainName       string    `json:"domain_name"`
	State            State     `json:"state"`
	StepStarted      time.Time `json:"step_started,omitzero"`
	Started          time.Time `json:"started,omitzero"`
	Finished         time.Time `json:"finished,omitzero"`
	FromVersion      string    `json:"from_version,omitempty"`
	TargetVersion    string    `json:"target_version,omitempty"`
	Component        Kind      `json:"component,omitempty"`
	BundlesTotal     int       `json:"bundles_total"`
	BundlesDone      int       `json:"bundles_downloaded"`
	PrecheckErrors   int       `json:"precheck_errors"`
	PrecheckWarnings int       `json:"precheck_warnings"`
	// PrecheckAcknowledge: findings VCF 9 marks for acknowledgement.
	PrecheckAcknowledge int    `json:"precheck_acknowledge"`
	ComponentsDone      int    `json:"components_upgraded"`
	CancelRequested     bool   `json:"cancel_requested"`
	APIUnavailable      bool   `json:"sddc_manager_unavailable"`
	LastError           string `json:"last_error"`
	// LogMarkdown is the end of the workflow's log for a Home Assistant
	// markdown card.
	LogMarkdown string `json:"log_markdown"`
	Message     string `json:"message,omitempty"`
}

func (e *Engine) statusOf(w *Workflow) *Status {
	s := &Status{
		Target: w.Target, DomainID: w.DomainID, DomainName: w.DomainName, State: w.State,
		StepStarted: w.StepStarted, Started: w.Started, Finished: w.Finished,
		FromVersion: w.FromVersion, TargetVersion: w.TargetVersion,
		BundlesTotal: len(w.Bundles), PrecheckErrors: w.Precheck.Errors, PrecheckWarnings: w.Precheck.Warnings,
		PrecheckAcknowledge: w.Precheck.Acknowledge,
		CancelRequested:     w.CancelRequested, APIUnavailable: !w.OutageSince.IsZero(), LastError: w.LastError,
		LogMarkdown: logMarkdown(w.Log),
	}
	for _, b := range w.Bundles {
		if b.Downloaded {
			s.BundlesDone++
		}
	}
	for _, c := range w.Components {
		if c.Phase == PhaseDone {
			s.ComponentsDone++
		}
	}
	if row, ok := e.states.row(w.State); ok && row.message != nil {
		s.Message = row.message(w)
	}
	if _, upgrading := e.components.byState(w.State); upgrading && len(w.Components) > 0 {
		s.Component = w.Components[len(w.Components)-1].Kind
	}
	return s
}

// logMarkdown renders the last log entries as a markdown list, with an
// icon for warnings and errors.
func logMarkdown(log []LogEntry) string {
	if len(log) == 0 {
		return "No messages"
	}
	const maxLines = 25
	if len(log) > maxLines {
		log = log[len(log)-maxLines:]
	}
	var b strings.Builder
	for _, l := range log {
		icon := ""
		switch l.Level {
		case levelWarning:
			icon = "⚠️ "
		case levelError:
			icon = "❌ "
		}
		msg := strings.ReplaceAll(l.Message, "\n", " ")
		fmt.Fprintf(&b, "- `%s` %s%s\n", l.Time.UTC().Format("2006-01-02 15:04:05"), icon, msg)
	}
	return b.String()
}
