package actions

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A workflow belongs to an SDDC Manager, not to a target name: its file
// records the SDDC Manager's URL and the id and FQDN GET /v1/sddc-managers
// reports. At start-up each stored workflow is given to the configured
// target with the same URL, else the one reporting the same id or FQDN,
// else (files written before identities were recorded) the one of the same
// name. A renamed target finds its workflow (the file is renamed with it);
// an unfinished workflow that matches no configured SDDC Manager is an
// orphan: it blocks new work on its domain until a person removes it.

// SddcIdentity is who an SDDC Manager is.
type SddcIdentity struct {
	URL  string `json:"url,omitempty"`
	ID   string `json:"id,omitempty"`
	FQDN string `json:"fqdn,omitempty"`
}

func (s SddcIdentity) String() string {
	var parts []string
	for _, p := range []string{s.URL, s.ID, s.FQDN} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

func sameURL(a, b string) bool {
	norm := func(s string) string { return strings.TrimRight(strings.ToLower(strings.TrimSpace(s)), "/") }
	return a != "" && norm(a) == norm(b)
}

// targetURL is the configured URL of a target ("" when Targets cannot say).
func (e *Engine) targetURL(name string) string {
	if u, ok := e.targets.(URLer); ok {
		return u.URL(name)
	}
	return ""
}

// identify asks a target's SDDC Manager who it is.
func identify(ctx context.Context, c Client, url string) (SddcIdentity, error) {
	id := SddcIdentity{URL: url}
	ms, err := c.SddcManagers(ctx)
	if err != nil {
		return id, err
	}
	if len(ms) > 0 {
		id.ID, id.FQDN = ms[0].ID, ms[0].FQDN
	}
	return id, nil
}

// owners finds the configured target of stored workflows; SDDC Managers
// are asked who they are only when a workflow's URL matches no target.
type owners struct {
	e   *Engine
	ids map[string]*SddcIdentity // by target name, asked once
}

func (o *owners) of(w *Workflow) (string, bool) {
	names := o.e.targets.Names()
	slices.Sort(names)
	for _, n := range names {
		if sameURL(o.e.targetURL(n), w.SddcManager.URL) {
			return n, true
		}
	}
	if w.SddcManager.ID != "" || w.SddcManager.FQDN != "" {
		for _, n := range names {
			id := o.ask(n)
			if id != nil && (w.SddcManager.ID != "" && id.ID == w.SddcManager.ID ||
				w.SddcManager.FQDN != "" && strings.EqualFold(id.FQDN, w.SddcManager.FQDN)) {
				return n, true
			}
		}
	}
	if w.SddcManager == (SddcIdentity{}) && slices.Contains(names, w.Target) {
		return w.Target, true // a file from before identities were recorded
	}
	return "", false
}

func (o *owners) ask(name string) *SddcIdentity {
	if id, ok := o.ids[name]; ok {
		return id
	}
	o.ids[name] = nil
	c, ok := o.e.targets.Client(name)
	if !ok || c == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.e.opts.RequestTimeout)
	defer cancel()
	id, err := identify(ctx, c, o.e.targetURL(name))
	if err != nil {
		o.e.log.Warn("cannot ask an SDDC Manager who it is, to find its stored upgrade workflows", "target", name, "err", err)
		return nil
	}
	o.ids[name] = &id
	return &id
}

// adopt gives a loaded workflow to its configured target: a renamed
// target's workflow is stored under the new name (the old file removed);
// the URL becomes the target's (a file without an identity gets one, one
// found by id follows its SDDC Manager's new address).
func (e *Engine) adopt(w *Workflow, name string) error {
	if u := e.targetURL(name); u != "" {
		w.SddcManager.URL = u
	}
	if name == w.Target {
		return nil
	}
	old := e.store.path(w.Target, w.DomainID)
	e.log.Warn("upgrade workflow found under a former target name; it now belongs to the target of the same SDDC Manager",
		"former_target", w.Target, "target", name, "domain", w.DomainName, "state", w.State)
	w.Target = name
	if err := e.store.Save(w); err != nil {
		return fmt.Errorf("actions: storing the workflow of domain %s under target %s: %w", w.DomainName, name, err)
	}
	if err := os.Remove(old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("actions: removing the workflow file of former target name: %w", err)
	}
	return nil
}

// Orphan is a stored, unfinished workflow whose SDDC Manager is not
// configured (removed, or its URL and identity changed).
type Orphan struct {
	File string // base name
	W    *Workflow
}

func (o Orphan) Error() string {
	return fmt.Sprintf("workflow file %s (target %q, SDDC Manager %s, domain %s, state %s) belongs to no configured SDDC Manager: it may describe a running upgrade, so no new work starts on domain %s; restore the target's configuration, or, once the domain's state is known, move the file out of the storage directory",
		o.File, o.W.Target, o.W.SddcManager, o.W.DomainName, o.W.State, o.W.DomainName)
}

// orphanOf returns the orphaned workflow of a domain still in place.
func (e *Engine) orphanOf(domainID string) *Orphan {
	for _, o := range e.orphanFiles() {
		if o.W.DomainID == domainID {
			return &o
		}
	}
	return nil
}

// orphanFiles returns the orphans still in the storage directory (moving
// one away lifts its block).
func (e *Engine) orphanFiles() []Orphan {
	e.mu.Lock()
	out := inPlace(e.store, e.orphans)
	e.mu.Unlock()
	slices.SortFunc(out, func(a, b Orphan) int { return strings.Compare(a.File, b.File) })
	return out
}

// place puts a loaded workflow with its target, among the orphans, or
// aside (a finished one of an SDDC Manager no longer configured).
func (e *Engine) place(o *owners, w *Workflow) error {
	name, ok := o.of(w)
	if ok {
		if name != w.Target {
			// The target's own file of the domain wins unless this one is newer.
			other, err := e.store.Peek(name, w.DomainID)
			if !errors.Is(err, os.ErrNotExist) && (err != nil || !other.StepStarted.Before(w.StepStarted)) {
				e.log.Warn("older upgrade workflow file of a domain under a former target name; ignored and left in place",
					"file", filepath.Base(e.store.path(w.Target, w.DomainID)), "target", name, "domain", w.DomainName)
				return nil
			}
		}
		if err := e.adopt(w, name); err != nil {
			return err
		}
		k := wfKey{w.Target, w.DomainID}
		if prev, dup := e.wfs[k]; dup && prev.StepStarted.After(w.StepStarted) {
			return nil
		}
		e.wfs[k] = w
		return nil
	}
	file := filepath.Base(e.store.path(w.Target, w.DomainID))
	if e.states.terminal(w.State) {
		e.log.Info("finished upgrade workflow of an SDDC Manager that is not configured; ignored", "file", file, "target", w.Target, "domain", w.DomainName, "state", w.State)
		return nil
	}
	orphan := Orphan{File: file, W: w}
	e.orphans[file] = orphan
	e.log.Error("orphaned upgrade workflow: new work on its domain is blocked", "dir", e.store.Dir(), "file", file, "err", orphan.Error())
	return nil
}
