package actions

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// The operations the /actions API asks of the engine. Errors are domain
// errors (errors.go).

// target resolves a target name ("" is the only one configured).
func (e *Engine) target(name string) (string, Client, error) {
	names := e.targets.Names()
	if name == "" {
		switch len(names) {
		case 0:
			return "", nil, fail(ErrNotFound, "no SDDC Manager is configured")
		case 1:
			name = names[0]
		default:
			return "", nil, fail(ErrInvalid, "several SDDC Managers are configured: choose one with ?target= (%s)", strings.Join(names, ", "))
		}
	}
	c, ok := e.targets.Client(name)
	if !ok {
		return "", nil, fail(ErrNotFound, "unknown target %q", name)
	}
	return name, c, nil
}

// resolveDomain finds a domain by id or name.
func resolveDomain(ctx context.Context, c Client, ref string) (*vcfclient.Domain, error) {
	ds, err := c.Domains(ctx)
	if err != nil {
		return nil, remoteErr("listing domains", err)
	}
	if i := slices.IndexFunc(ds, func(d vcfclient.Domain) bool { return d.ID == ref }); i >= 0 {
		return &ds[i], nil
	}
	if i := slices.IndexFunc(ds, func(d vcfclient.Domain) bool { return strings.EqualFold(d.Name, ref) }); i >= 0 {
		return &ds[i], nil
	}
	return nil, fail(ErrNotFound, "unknown domain %q", ref)
}

// known finds a stored workflow by domain id or name.
func (e *Engine) known(target, ref string) *Workflow {
	e.mu.Lock()
	defer e.mu.Unlock()
	if w, ok := e.wfs[wfKey{target, ref}]; ok {
		return w
	}
	for k, w := range e.wfs {
		if k.target == target && strings.EqualFold(w.DomainName, ref) {
			return w
		}
	}
	return nil
}

// upgradeRequest is a checked request to upgrade a domain.
type upgradeRequest struct {
	target  string
	client  Client
	domain  *vcfclient.Domain
	current string
	next    vcfclient.Release
}

// prepare checks that domain ref of target may be upgraded to version
// ("" for the next applicable one).
func (e *Engine) prepare(ctx context.Context, targetName, ref, version string) (*upgradeRequest, error) {
	target, c, err := e.target(targetName)
	if err != nil {
		return nil, err
	}
	d, err := resolveDomain(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	key := wfKey{target, d.ID}
	if u := e.blocked(key); u != nil {
		return nil, fail(ErrConflict, "%v", u)
	}
	if o := e.orphanOf(d.ID); o != nil {
		return nil, fail(ErrConflict, "%v", o)
	}
	if e.running(key) {
		return nil, fail(ErrConflict, "an upgrade workflow already runs for domain %s", d.Name)
	}
	if err := e.storedUnfinished(key, d.Name); err != nil {
		return nil, err
	}
	if d.Status != "ACTIVE" {
		return nil, fail(ErrConflict, "domain %s is %s, not ACTIVE", d.Name, d.Status)
	}
	if err := otherDriver(ctx, c, d); err != nil {
		return nil, err
	}
	rels, err := c.Releases(ctx, d.ID)
	if err != nil {
		return nil, remoteErr("reading the domain's release", err)
	}
	if len(rels) == 0 {
		return nil, remoteErr("reading the domain's release", errors.New("SDDC Manager reports no current release for domain "+d.Name))
	}
	current := lowestRelease(rels)
	future, err := c.FutureReleases(ctx, d.ID)
	if err != nil {
		return nil, remoteErr("reading the future releases", err)
	}
	paths := vcfclient.UpgradePaths(current, future)
	if len(paths) == 0 {
		return nil, fail(ErrNothingToUpgrade, "nothing to upgrade: domain %s (VCF %s) has no applicable update", d.Name, current)
	}
	req := &upgradeRequest{target: target, client: c, domain: d, current: current, next: paths[0]}
	if version == "" {
		return req, nil
	}
	i := slices.IndexFunc(paths, func(r vcfclient.Release) bool {
		n, err := vcfclient.CompareVersions(r.Version, version)
		return err == nil && n == 0
	})
	if i < 0 {
		var vs []string
		for _, p := range paths {
			vs = append(vs, p.Version)
		}
		return nil, fail(ErrNothingToUpgrade, "version %q is not an applicable upgrade of domain %s (VCF %s); applicable: %s",
			version, d.Name, current, strings.Join(vs, ", "))
	}
	req.next = paths[i]
	return req, nil
}

// StartUpgrade validates and starts a domain's upgrade to version ("" for
// the next applicable one).
func (e *Engine) StartUpgrade(ctx context.Context, targetName, ref, version string) (*Status, error) {
	p, err := e.prepare(ctx, targetName, ref, version)
	if err != nil {
		return nil, err
	}
	d, next := p.domain, p.next
	who, err := identify(ctx, p.client, e.targetURL(p.target))
	if err != nil {
		return nil, remoteErr("asking SDDC Manager who it is", err)
	}
	w := &Workflow{
		Target: p.target, DomainID: d.ID, DomainName: d.Name, SddcManager: who,
		Started: e.now().UTC(), FromVersion: p.current, TargetVersion: next.Version,
	}
	w.Bom = bomOf(next)
	for _, pb := range next.PatchBundles {
		w.Bundles = append(w.Bundles, BundleState{ID: pb.BundleID, Type: pb.BundleType})
	}
	key := wfKey{p.target, d.ID}
	e.mu.Lock()
	if r, ok := e.runs[key]; ok && r != nil {
		e.mu.Unlock()
		return nil, fail(ErrConflict, "an upgrade workflow already runs for domain %s", d.Name)
	}
	if e.ctx == nil {
		e.mu.Unlock()
		return nil, fail(ErrNotStarted, "the actions engine is not started")
	}
	r := e.newRun(w, p.client)
	e.runs[key] = r
	e.mu.Unlock()
	if err := r.setState(StateTargeting, "Upgrade of domain %s from VCF %s to %s requested.", d.Name, p.current, next.Version); err != nil {
		e.mu.Lock()
		delete(e.runs, key)
		e.mu.Unlock()
		return nil, err
	}
	snap := w.clone()
	e.launch(r)
	return e.statusOf(snap), nil
}

// UpgradeStatus returns a domain's workflow status ("waiting_for_initiation"
// when none ever ran).
func (e *Engine) UpgradeStatus(ctx context.Context, targetName, ref string) (*Status, error) {
	target, c, err := e.target(targetName)
	if err != nil {
		return nil, err
	}
	if w := e.known(target, ref); w != nil {
		return e.statusOf(w), nil
	}
	d, err := resolveDomain(ctx, c, ref)
	if err != nil {
		return nil, err
	}
	if w := e.known(target, d.ID); w != nil {
		return e.statusOf(w), nil
	}
	s := &Status{Target: target, DomainID: d.ID, DomainName: d.Name, State: StateWaitingForInitiation, LogMarkdown: logMarkdown(nil)}
	if u := e.blocked(wfKey{target, d.ID}); u != nil {
		s.State, s.LastError = StateFileUnreadable, u.Error()
	} else if o := e.orphanOf(d.ID); o != nil {
		s.State, s.LastError = StateOrphaned, o.Error()
	}
	return s, nil
}

// runOf returns the running workflow of a domain.
func (e *Engine) runOf(ctx context.Context, targetName, ref string) (*run, *Workflow, error) {
	target, c, err := e.target(targetName)
	if err != nil {
		return nil, nil, err
	}
	w := e.known(target, ref)
	if w == nil {
		d, err := resolveDomain(ctx, c, ref)
		if err != nil {
			return nil, nil, err
		}
		if w = e.known(target, d.ID); w == nil {
			return nil, nil, fail(ErrConflict, "no upgrade workflow runs for domain %s", d.Name)
		}
	}
	e.mu.Lock()
	r := e.runs[wfKey{target, w.DomainID}]
	e.mu.Unlock()
	if r == nil {
		return nil, w, fail(ErrConflict, "no upgrade workflow runs for domain %s (state %s)", w.DomainName, w.State)
	}
	return r, w, nil
}

// Acknowledge continues a workflow waiting after pre-check findings.
func (e *Engine) Acknowledge(ctx context.Context, targetName, ref string) (*Status, error) {
	r, w, err := e.runOf(ctx, targetName, ref)
	if err != nil {
		return nil, err
	}
	if w.State != StateWaitingAck {
		return nil, fail(ErrConflict, "domain %s is not waiting for an acknowledgement (state %s)", w.DomainName, w.State)
	}
	r.ackReq.Store(true)
	r.poke()
	s := e.statusOf(w)
	s.Message = "acknowledged: the upgrade continues"
	return s, nil
}

// Cancel asks a workflow to stop at its next safe point.
func (e *Engine) Cancel(ctx context.Context, targetName, ref string) (*Status, error) {
	r, w, err := e.runOf(ctx, targetName, ref)
	if err != nil {
		return nil, err
	}
	r.cancelReq.Store(true)
	r.poke()
	s := e.statusOf(w)
	s.CancelRequested = true
	s.Message = "cancel requested: the workflow stops at the next safe point; running VCF tasks are never aborted"
	if _, ok := e.components.byState(w.State); ok {
		s.Message += " (the running upgrade is not aborted: the workflow stops after it ends)"
	}
	return s, nil
}

// DownloadBundle starts a bundle download.
func (e *Engine) DownloadBundle(ctx context.Context, targetName, bundleID string) (*vcfclient.Task, error) {
	_, c, err := e.target(targetName)
	if err != nil {
		return nil, err
	}
	t, err := c.DownloadBundle(ctx, bundleID)
	if err != nil {
		switch {
		case vcfclient.IsNotFound(err):
			return nil, fail(ErrNotFound, "%v", err)
		case vcfclient.IsConflict(err):
			return nil, fail(ErrConflict, "%v", err)
		case vcfclient.IsBadRequest(err):
			return nil, fail(ErrInvalid, "%v", err)
		}
		return nil, remoteErr("starting the download", err)
	}
	return t, nil
}

// CheckUpdates refreshes the exporter's cached upgrade check.
func (e *Engine) CheckUpdates(ctx context.Context, targetName string) (string, error) {
	target, _, err := e.target(targetName)
	if err != nil {
		return "", err
	}
	if err := e.targets.CheckUpdates(ctx, target); err != nil {
		return "", remoteErr("upgrade check", err)
	}
	return target, nil
}

// RefreshToken refreshes the SDDC Manager access token.
func (e *Engine) RefreshToken(ctx context.Context, targetName string) (string, error) {
	target, c, err := e.target(targetName)
	if err != nil {
		return "", err
	}
	if err := c.RefreshToken(ctx); err != nil {
		return "", remoteErr("token refresh", err)
	}
	return target, nil
}

// bomOf is a release's bill of materials as the workflow keeps it.
func bomOf(rel vcfclient.Release) []BomEntry {
	var out []BomEntry
	for _, b := range rel.Bom {
		out = append(out, BomEntry{Name: b.Name, Version: b.Version, ManagedBy: b.LifecycleManagedBy})
	}
	return out
}
