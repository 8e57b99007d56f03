package actions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// errCancelled ends a workflow at a safe point after a cancel request.
var errCancelled = errors.New("cancelled on request")

// run drives one domain's workflow. Its goroutine is the only writer of w.
type run struct {
	e      *Engine
	w      *Workflow
	client Client

	ackReq    atomic.Bool
	cancelReq atomic.Bool
	wake      chan struct{}
	done      chan struct{}
	stop      context.CancelFunc

	// lastOutageLog avoids logging the same outage on every retry.
	lastOutageLog time.Time
}

func (r *run) now() time.Time { return r.e.now() }

// api returns the target's current client (a configuration reload may
// replace it), or the one the workflow started with.
func (r *run) api() Client {
	if c, ok := r.e.targets.Client(r.w.Target); ok && c != nil {
		return c
	}
	return r.client
}

// poke wakes the goroutine from a sleep (acknowledge, cancel).
func (r *run) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// logf appends to the workflow's log (persisted with the next save).
func (r *run) logf(level, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.w.Log = append(r.w.Log, LogEntry{Time: r.now().UTC(), Level: level, Message: msg})
	if n := len(r.w.Log); n > maxLogEntries {
		r.w.Log = append([]LogEntry(nil), r.w.Log[n-maxLogEntries:]...)
	}
	lvl := slog.LevelInfo
	switch level {
	case "warning":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	}
	r.e.log.Log(context.Background(), lvl, "upgrade workflow: "+msg, "target", r.w.Target, "domain", r.w.DomainName, "state", r.w.State)
}

const maxLogEntries = 200

// errSave marks a failure to persist the workflow: it is never retried (a
// workflow that cannot record what it sent could send it twice).
var errSave = errors.New("cannot save the workflow state")

// save persists the workflow and publishes a snapshot.
func (r *run) save() error {
	if r.e.dead.Load() {
		return errors.New("engine is dead")
	}
	if err := r.e.store.Save(r.w); err != nil {
		r.e.metrics.saveErrors.Inc()
		r.e.log.Error("cannot persist upgrade workflow", "target", r.w.Target, "domain", r.w.DomainName, "err", err)
		return fmt.Errorf("%w: %w", errSave, err)
	}
	r.e.publish(r.w.clone())
	return nil
}

func (r *run) setState(s string, format string, args ...any) error {
	r.w.State = s
	r.w.StepStarted = r.now().UTC()
	if format != "" {
		r.logf("info", format, args...)
	}
	return r.save()
}

// loop runs the workflow until it ends or ctx (the engine) stops.
func (r *run) loop(ctx context.Context) {
	defer close(r.done)
	for !Terminal(r.w.State) {
		err := r.absorbRequests()
		if err == nil {
			err = r.step(ctx)
		}
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			// The exporter stops: leave the state as stored, resume on start.
			return
		}
		r.w.Finished = r.now().UTC()
		if errors.Is(err, errCancelled) {
			r.w.State = StateCancelled
			r.w.StepStarted = r.w.Finished
			r.logf("warning", "Workflow cancelled on request.")
			r.e.metrics.run(r.w.Target, r.w.DomainName, "cancelled")
		} else {
			r.w.LastError = err.Error()
			r.w.State = StateFailed
			r.w.StepStarted = r.w.Finished
			r.logf("error", "Failed: %v", err)
			r.e.metrics.run(r.w.Target, r.w.DomainName, "failed")
		}
		if err := r.save(); err != nil {
			r.end(err)
		}
	}
}

// end shows a workflow that ended without being able to save its end: the
// status and the metrics must not keep showing the last saved step. The
// stored file still holds that step; the workflow resumes from it at the
// next start, once the storage is writable.
func (r *run) end(saveErr error) {
	if r.e.dead.Load() {
		return
	}
	if r.w.State != StateFailed {
		r.w.State, r.w.StepStarted = StateFailed, r.now().UTC()
		r.e.metrics.run(r.w.Target, r.w.DomainName, "failed")
	}
	if r.w.LastError == "" {
		r.w.LastError = saveErr.Error()
	}
	r.logf("error", "The end of the workflow could not be saved (%v); the stored state resumes at the next start once the storage is writable.", saveErr)
	r.e.publish(r.w.clone())
}

// absorbRequests moves acknowledge/cancel requests into the stored state.
func (r *run) absorbRequests() error {
	changed := false
	if r.cancelReq.Load() && !r.w.CancelRequested {
		r.w.CancelRequested = true
		r.logf("warning", "Cancel requested: stopping at the next safe point (a running VCF task is never aborted).")
		changed = true
	}
	if r.ackReq.Load() && !r.w.Acknowledged {
		r.w.Acknowledged = true
		r.logf("info", "Pre-check findings acknowledged.")
		changed = true
	}
	if changed {
		return r.save()
	}
	return nil
}

// safePoint returns errCancelled when a cancel was requested.
func (r *run) safePoint() error {
	if err := r.absorbRequests(); err != nil {
		return err
	}
	if r.w.CancelRequested {
		return errCancelled
	}
	return nil
}

func (r *run) step(ctx context.Context) error {
	switch r.w.State {
	case StateTargeting:
		return r.doTarget(ctx)
	case StateDownloading:
		return r.doDownload(ctx)
	case StatePrechecks:
		return r.doPrechecks(ctx)
	case StateWaitingAck:
		return r.doWaitAck(ctx)
	case StateStartingUpgrades:
		return r.doNextComponent(ctx)
	case StateUpgradingSDDCManager, StateUpgradingNSX, StateUpgradingVCenter, StateUpgradingESX:
		return r.doUpgrade(ctx)
	case StateValidating:
		return r.doValidate(ctx)
	}
	return fmt.Errorf("unknown state %q", r.w.State)
}

// ---- waiting helpers ----

func (r *run) stepTimeout() time.Duration {
	t := r.e.config().Timeouts
	switch r.w.State {
	case StateTargeting:
		return time.Duration(t.Targeting)
	case StateDownloading:
		return time.Duration(t.Download)
	case StatePrechecks:
		return time.Duration(t.Prechecks)
	case StateWaitingAck:
		return time.Duration(t.Acknowledgement)
	case StateStartingUpgrades:
		return time.Duration(t.StartingUpgrade)
	case StateUpgradingSDDCManager:
		return time.Duration(t.SDDCManager)
	case StateUpgradingNSX:
		return time.Duration(t.NSX)
	case StateUpgradingVCenter:
		return time.Duration(t.VCenter)
	case StateUpgradingESX:
		return time.Duration(t.ESXCluster)
	case StateValidating:
		return time.Duration(t.Validation)
	}
	return time.Hour
}

// overdue returns a timeout error when the step ran longer than its limit.
func (r *run) overdue(what string) error {
	lim := r.stepTimeout()
	if r.now().Sub(r.w.StepStarted) > lim {
		return fmt.Errorf("timed out in %s after %s while %s (limit %s, see actions.timeouts in the config file)",
			r.w.State, r.now().Sub(r.w.StepStarted).Round(time.Second), what, lim)
	}
	return nil
}

// sleep waits d, or until woken, or until ctx ends.
func (r *run) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	case <-r.wake:
	}
	return nil
}

// transient reports whether err is worth retrying: the API is unreachable
// or overloaded, or (while SDDC Manager or vCenter restart) refuses tokens.
func (r *run) transient(err error) bool {
	var se *stepError
	if errors.As(err, &se) || errors.Is(err, errSave) {
		return false
	}
	var ae *vcfclient.APIError
	if errors.As(err, &ae) {
		switch {
		case ae.StatusCode >= 500 || ae.StatusCode == 429 || ae.StatusCode == 408:
			return true
		case ae.StatusCode == 401 || ae.StatusCode == 403:
			return r.upgradingRestarts()
		}
		return false
	}
	if errors.Is(err, vcfclient.ErrUnauthorized) {
		return r.upgradingRestarts()
	}
	var de *vcfclient.DecodeError
	if errors.As(err, &de) {
		// A truncated or garbled body: the appliance is restarting.
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	// Connection refused/reset and other transport errors.
	return !errors.Is(err, context.Canceled)
}

// upgradingRestarts: the current step restarts SDDC Manager or vCenter,
// whose authorization errors are expected and ridden out.
func (r *run) upgradingRestarts() bool {
	return r.w.State == StateUpgradingSDDCManager || r.w.State == StateUpgradingVCenter || r.w.State == StateUpgradingNSX || r.w.State == StateUpgradingESX || r.w.State == StateValidating || r.w.State == StateStartingUpgrades
}

// call runs fn, retrying transient failures with backoff until the API
// answers, the step's timeout or the API outage limit is reached. It
// records outages in the workflow.
func (r *run) call(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	backoff := r.e.opts.PollInterval
	for {
		cctx, cancel := context.WithTimeout(ctx, r.e.opts.RequestTimeout)
		err := fn(cctx)
		cancel()
		if err == nil {
			if !r.w.OutageSince.IsZero() {
				r.logf("info", "SDDC Manager API answers again (after %s).", r.now().Sub(r.w.OutageSince).Round(time.Second))
				r.w.OutageSince = time.Time{}
				if err := r.save(); err != nil {
					return err
				}
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !r.transient(err) {
			return fmt.Errorf("%s: %w", what, err)
		}
		now := r.now()
		if r.w.OutageSince.IsZero() {
			r.w.OutageSince = now.UTC()
			r.logf("warning", "SDDC Manager API not available while %s (%v); retrying with backoff.", what, shortErr(err))
			r.lastOutageLog = now
			if err := r.save(); err != nil {
				return err
			}
		}
		if lim := time.Duration(r.e.config().Timeouts.APIOutage); now.Sub(r.w.OutageSince) > lim {
			return fmt.Errorf("SDDC Manager API unavailable for %s while %s (limit %s): %v",
				now.Sub(r.w.OutageSince).Round(time.Second), what, lim, shortErr(err))
		}
		if oerr := r.overdue(what); oerr != nil {
			return fmt.Errorf("%w; last error: %v", oerr, shortErr(err))
		}
		if err := r.sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(backoff*2, r.e.opts.MaxBackoff)
	}
}

// poll calls check every poll interval until it reports done, a
// non-transient error occurs or the step times out.
func (r *run) poll(ctx context.Context, what string, cancellable bool, check func(ctx context.Context) (bool, error)) error {
	for {
		var done bool
		err := r.call(ctx, what, func(ctx context.Context) error {
			var err error
			done, err = check(ctx)
			return err
		})
		if err != nil || done {
			return err
		}
		if err := r.absorbRequests(); err != nil {
			return err
		}
		if cancellable && r.w.CancelRequested {
			r.logf("warning", "Stopped waiting while %s; what SDDC Manager already runs goes on.", what)
			return errCancelled
		}
		if err := r.overdue(what); err != nil {
			return err
		}
		if err := r.sleep(ctx, r.e.opts.PollInterval); err != nil {
			return err
		}
	}
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// ---- steps ----

func (r *run) doTarget(ctx context.Context) error {
	if err := r.safePoint(); err != nil {
		return err
	}
	if !r.w.TargetSet {
		err := r.call(ctx, "setting the target version", func(ctx context.Context) error {
			return r.api().SetTargetRelease(ctx, r.w.DomainID, vcfclient.DomainRelease{TargetVersion: r.w.TargetVersion})
		})
		if err != nil {
			return err
		}
		r.w.TargetSet = true
		r.logf("info", "Target version set to %s.", r.w.TargetVersion)
	}
	return r.setState(StateDownloading, "Downloading %d bundle(s).", len(r.w.Bundles))
}

func (r *run) doDownload(ctx context.Context) error {
	for i := range r.w.Bundles {
		b := &r.w.Bundles[i]
		if b.Downloaded {
			continue
		}
		var bundle *vcfclient.Bundle
		if err := r.call(ctx, "reading bundle "+b.ID, func(ctx context.Context) error {
			var err error
			bundle, err = r.api().Bundle(ctx, b.ID)
			return err
		}); err != nil {
			return err
		}
		b.Type, b.SizeBytes = bundle.Type, bundle.SizeBytes
		if len(bundle.Components) > 0 {
			b.Kind = bundle.Components[0].Type
		}
		switch bundle.DownloadStatus {
		case "SUCCESSFUL":
			b.Downloaded = true
			r.logf("info", "Bundle %s already downloaded.", b.ID)
			if err := r.save(); err != nil {
				return err
			}
			continue
		case "IN_PROGRESS", "SCHEDULED":
			// Someone (maybe we, before a restart) started it: wait for it.
		default:
			if bundle.DownloadStatus == "FAILED" && b.Requested {
				return fmt.Errorf("download of bundle %s failed", b.ID)
			}
			if err := r.safePoint(); err != nil {
				return err
			}
			b.Requested = true
			if err := r.save(); err != nil {
				return err
			}
			var task *vcfclient.Task
			err := r.call(ctx, "requesting the download of bundle "+b.ID, func(ctx context.Context) error {
				var err error
				task, err = r.api().DownloadBundle(ctx, b.ID)
				var ae *vcfclient.APIError
				if errors.As(err, &ae) && ae.StatusCode == 409 {
					return nil // already downloading
				}
				return err
			})
			if err != nil {
				return err
			}
			if task != nil {
				b.DownloadTaskID = task.ID
			}
			r.logf("info", "Downloading bundle %s (%s, %s).", b.ID, b.Kind, humanBytes(b.SizeBytes))
			if err := r.save(); err != nil {
				return err
			}
		}
		err := r.poll(ctx, "downloading bundle "+b.ID, true, func(ctx context.Context) (bool, error) {
			bd, err := r.api().Bundle(ctx, b.ID)
			if err != nil {
				return false, err
			}
			switch bd.DownloadStatus {
			case "SUCCESSFUL":
				return true, nil
			case "FAILED", "RECALLED":
				return false, &stepError{fmt.Sprintf("download of bundle %s ended %s", b.ID, bd.DownloadStatus)}
			}
			return false, nil
		})
		if err != nil {
			return err
		}
		b.Downloaded = true
		r.logf("info", "Bundle %s downloaded.", b.ID)
		if err := r.save(); err != nil {
			return err
		}
	}
	return r.setState(StatePrechecks, "All bundles downloaded; running pre-checks.")
}

// stepError is a definitive failure reported from inside a poll.
type stepError struct{ msg string }

func (e *stepError) Error() string { return e.msg }

func (r *run) bomVersion(resourceType string) string {
	for _, b := range r.w.Bom {
		if strings.EqualFold(b.Name, resourceType) {
			return b.Version
		}
	}
	for _, b := range r.w.Bom {
		n, t := strings.ToUpper(b.Name), strings.ToUpper(resourceType)
		if strings.HasPrefix(n, t) || strings.HasPrefix(t, n) {
			return b.Version
		}
	}
	return ""
}

func (r *run) doPrechecks(ctx context.Context) error {
	p := &r.w.Precheck
	if p.RunID == "" {
		// A run whose id was not recorded is simply started again: pre-checks
		// change nothing.
		if err := r.safePoint(); err != nil {
			return err
		}
		var q1, q2 *vcfclient.CheckSetQueryResult
		err := r.call(ctx, "querying pre-check sets", func(ctx context.Context) error {
			var err error
			q1, err = r.api().QueryCheckSets(ctx, vcfclient.CheckSetQueryInput{
				CheckSetType: "UPGRADE",
				Domains:      []vcfclient.CheckSetQueryDomainResources{{DomainID: r.w.DomainID}},
			})
			return err
		})
		if err != nil {
			return err
		}
		var res []vcfclient.CheckSetQueryResource
		for _, x := range q1.Resources {
			res = append(res, vcfclient.CheckSetQueryResource{ResourceType: x.ResourceType, ResourceTargetVersion: r.bomVersion(x.ResourceType)})
		}
		err = r.call(ctx, "querying pre-check sets for the target versions", func(ctx context.Context) error {
			var err error
			q2, err = r.api().QueryCheckSets(ctx, vcfclient.CheckSetQueryInput{
				CheckSetType: "UPGRADE",
				Domains:      []vcfclient.CheckSetQueryDomainResources{{DomainID: r.w.DomainID, Resources: res}},
			})
			return err
		})
		if err != nil {
			return err
		}
		in := vcfclient.CheckSetRunInput{QueryID: q2.QueryID, Metadata: &vcfclient.CheckSetRunMetadata{TargetVersion: r.w.TargetVersion}}
		p.ResourceIDs = map[string]string{}
		for _, x := range q2.Resources {
			sel := vcfclient.CheckSetResourceSelection{ResourceName: x.ResourceName, ResourceID: x.ResourceID, ResourceType: x.ResourceType, Domain: x.Domain}
			for _, cs := range x.CheckSets {
				sel.CheckSets = append(sel.CheckSets, vcfclient.SelectedCheckSetCandidate{CheckSetID: cs.CheckSetID})
			}
			in.Resources = append(in.Resources, sel)
			if _, ok := p.ResourceIDs[x.ResourceType]; !ok {
				p.ResourceIDs[x.ResourceType] = x.ResourceID
			}
		}
		p.QueryID = q2.QueryID
		p.Requested = true
		if err := r.save(); err != nil {
			return err
		}
		var task *vcfclient.Task
		err = r.call(ctx, "starting the pre-checks", func(ctx context.Context) error {
			var err error
			task, err = r.api().RunCheckSets(ctx, in)
			return err
		})
		if err != nil {
			return err
		}
		p.RunID = task.ID
		r.logf("info", "Pre-check run %s started (%d resources).", p.RunID, len(in.Resources))
		if err := r.save(); err != nil {
			return err
		}
	}
	var out *vcfclient.AssessmentOutput
	err := r.poll(ctx, "waiting for the pre-checks", true, func(ctx context.Context) (bool, error) {
		var err error
		out, err = r.api().CheckSetRun(ctx, p.RunID)
		if err != nil {
			return false, err
		}
		switch out.Status {
		case "COMPLETED_WITH_SUCCESS":
			return true, nil
		case "COMPLETED_WITH_FAILURE":
			msg := "pre-check run " + p.RunID + " ended COMPLETED_WITH_FAILURE"
			if out.ValidationResult != nil && out.ValidationResult.Message != "" {
				msg += ": " + out.ValidationResult.Message
			}
			return false, &stepError{msg}
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	errs, warns, err := out.DomainSummary()
	if err != nil {
		return fmt.Errorf("reading the pre-check summary: %w", err)
	}
	p.Errors, p.Warnings, p.Done = errs, warns, true
	if errs+warns > 0 && !r.w.Acknowledged {
		link := ""
		if u, ok := r.e.targets.(URLer); ok {
			if base := strings.TrimRight(u.URL(r.w.Target), "/"); base != "" {
				link = fmt.Sprintf(" Review them in the [SDDC Manager UI](%s/) (Lifecycle Management, the domain's pre-check results),", base)
			}
		}
		return r.setState(StateWaitingAck, "Pre-checks found %d error(s) and %d warning(s).%s then acknowledge to continue.", errs, warns, link)
	}
	return r.setState(StateStartingUpgrades, "Pre-checks passed (%d errors, %d warnings).", errs, warns)
}

func (r *run) doWaitAck(ctx context.Context) error {
	for {
		if err := r.safePoint(); err != nil {
			return err
		}
		if r.w.Acknowledged {
			return r.setState(StateStartingUpgrades, "Continuing after acknowledgement.")
		}
		if err := r.overdue("waiting for the acknowledgement of the pre-check findings"); err != nil {
			return err
		}
		if err := r.sleep(ctx, r.e.opts.PollInterval); err != nil {
			return err
		}
	}
}

var kindState = map[string]string{
	KindSDDCManager: StateUpgradingSDDCManager,
	KindNSX:         StateUpgradingNSX,
	KindVCenter:     StateUpgradingVCenter,
	KindESX:         StateUpgradingESX,
}

// kindOf maps components[0].type to a component kind.
func kindOf(t string) string {
	t = strings.ToUpper(t)
	for _, k := range []string{KindSDDCManager, KindNSX, KindVCenter, KindESX} {
		if strings.Contains(t, k) {
			return k
		}
	}
	return ""
}

func (r *run) bundleKind(ctx context.Context, id string) (string, error) {
	for _, b := range r.w.Bundles {
		if b.ID == id && b.Kind != "" {
			return kindOf(b.Kind), nil
		}
	}
	var bundle *vcfclient.Bundle
	if err := r.call(ctx, "reading bundle "+id, func(ctx context.Context) error {
		var err error
		bundle, err = r.api().Bundle(ctx, id)
		return err
	}); err != nil {
		return "", err
	}
	if len(bundle.Components) == 0 {
		return "", fmt.Errorf("bundle %s lists no components", id)
	}
	return kindOf(bundle.Components[0].Type), nil
}

func (r *run) doNextComponent(ctx context.Context) error {
	if err := r.safePoint(); err != nil {
		return err
	}
	for {
		var ups []vcfclient.Upgradable
		err := r.call(ctx, "listing upgradable components", func(ctx context.Context) error {
			var err error
			ups, err = r.api().Upgradables(ctx, r.w.DomainID, r.w.TargetVersion)
			return err
		})
		if err != nil {
			return err
		}
		var avail []vcfclient.Upgradable
		busy, pending := false, ""
		for _, u := range ups {
			switch u.Status {
			case "AVAILABLE":
				avail = append(avail, u)
			case "IN_PROGRESS", "SCHEDULED":
				busy = true
			case "PENDING":
				if pending == "" {
					pending = u.Resource.Type + " " + u.Resource.Name
					for _, e := range u.Errors {
						pending += ": " + e.Message
					}
				}
			}
		}
		if len(avail) == 0 && !busy && pending == "" {
			return r.setState(StateValidating, "No component left to upgrade; validating the domain.")
		}
		if len(avail) == 0 && !busy && pending != "" {
			if err := r.overdue("waiting for a PENDING component to become available (" + pending + ")"); err != nil {
				return err
			}
		}
		if len(avail) > 0 {
			bundleID := avail[0].BundleID
			var ids []string
			for _, u := range avail {
				if u.BundleID == bundleID {
					ids = append(ids, u.Resource.ResourceID)
				}
			}
			if !r.alreadyUpgraded(bundleID, ids) {
				kind, err := r.bundleKind(ctx, bundleID)
				if err != nil {
					return err
				}
				st, ok := kindState[kind]
				if !ok {
					return fmt.Errorf("bundle %s upgrades an unsupported component %q", bundleID, kind)
				}
				cr := ComponentRun{BundleID: bundleID, Kind: kind, ResourceType: "DOMAIN", ResourceIDs: []string{r.w.DomainID}, Phase: "planned"}
				if kind == KindESX {
					cr.ResourceType, cr.ResourceIDs = "CLUSTER", ids
				}
				r.w.Components = append(r.w.Components, cr)
				return r.setState(st, "Upgrading %s with bundle %s.", componentName(kind, len(cr.ResourceIDs)), bundleID)
			}
			// SDDC Manager may list a component as AVAILABLE for a moment
			// after its upgrade: never send the same upgrade again, wait.
		}
		if err := r.overdue("waiting for the next upgradable component"); err != nil {
			return err
		}
		if err := r.sleep(ctx, r.e.opts.PollInterval); err != nil {
			return err
		}
	}
}

func (r *run) alreadyUpgraded(bundleID string, ids []string) bool {
	for _, c := range r.w.Components {
		if c.BundleID == bundleID && overlaps(c.ResourceIDs, ids) {
			return true
		}
	}
	return false
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func componentName(kind string, n int) string {
	switch kind {
	case KindSDDCManager:
		return "SDDC Manager"
	case KindNSX:
		return "NSX"
	case KindVCenter:
		return "vCenter"
	case KindESX:
		return fmt.Sprintf("ESXi (%d cluster(s))", n)
	}
	return kind
}

// spec builds the POST /v1/upgrades body from the config's options.
func (r *run) spec(ctx context.Context, c *ComponentRun) (vcfclient.UpgradeSpec, error) {
	s := vcfclient.UpgradeSpec{BundleID: c.BundleID, ResourceType: c.ResourceType}
	opts := r.e.config().Config
	for _, id := range c.ResourceIDs {
		rs := vcfclient.ResourceUpgradeSpec{ResourceID: id, UpgradeNow: true}
		if c.Kind == KindESX {
			rs.EnableQuickboot = opts.ESX.EnableQuickboot
			rs.EvacuateOfflineVms = opts.ESX.EvacuateOfflineVMs
			rs.EsxUpgradeOptionsSpec = &vcfclient.EsxUpgradeOptionsSpec{
				EnableQuickboot:      opts.ESX.EnableQuickboot,
				EvacuateOfflineVms:   opts.ESX.EvacuateOfflineVMs,
				EnforceHclValidation: opts.ESX.EnforceHCLValidation,
				DisableHac:           opts.ESX.DisableHAC,
				DisableDpm:           opts.ESX.DisableDPM,
			}
		}
		s.ResourceUpgradeSpecs = append(s.ResourceUpgradeSpecs, rs)
	}
	switch c.Kind {
	case KindESX:
		s.ParallelUpgrade = opts.ESX.ParallelClusterUpgrade
		if len(opts.ESX.Personalities) > 0 {
			var cls []vcfclient.Cluster
			if err := r.call(ctx, "listing clusters", func(ctx context.Context) error {
				var err error
				cls, err = r.api().Clusters(ctx)
				return err
			}); err != nil {
				return s, err
			}
			for i := range s.ResourceUpgradeSpecs {
				rs := &s.ResourceUpgradeSpecs[i]
				id := opts.ESX.Personalities[rs.ResourceID]
				for _, cl := range cls {
					if id == "" && cl.ID == rs.ResourceID {
						id = opts.ESX.Personalities[cl.Name]
					}
				}
				if id != "" {
					rs.PersonalitySpec = &vcfclient.PersonalitySpec{PersonalityID: id}
				}
			}
		}
	case KindNSX:
		var nsx *vcfclient.NsxtResources
		if err := r.call(ctx, "reading the NSX upgrade resources", func(ctx context.Context) error {
			var err error
			nsx, err = r.api().UpgradableNSXT(ctx, r.w.DomainID, c.BundleID)
			return err
		}); err != nil {
			return s, err
		}
		in := vcfclient.NsxtUpgradeUserInputSpec{
			NsxtUpgradeOptions: &vcfclient.NsxtUpgradeOptions{
				IsEdgeOnlyUpgrade:             opts.NSX.EdgeOnly,
				IsHostClustersUpgradeParallel: opts.NSX.HostClustersParallel,
				IsEdgeClustersUpgradeParallel: opts.NSX.EdgeClustersParallelOrDefault(),
			},
		}
		if nsx.NsxtManagerCluster != nil {
			in.NsxtID = nsx.NsxtManagerCluster.ID
		}
		for _, hc := range nsx.NsxtHostClusters {
			in.NsxtHostClusterUpgradeSpecs = append(in.NsxtHostClusterUpgradeSpecs, vcfclient.NsxtHostClusterUpgradeSpec{
				HostClusterID: hc.ID, HostParallelUpgrade: opts.NSX.HostParallelUpgrade, LiveUpgrade: opts.NSX.LiveUpgrade,
			})
		}
		for _, ec := range nsx.NsxtEdgeClusters {
			in.NsxtEdgeClusterUpgradeSpecs = append(in.NsxtEdgeClusterUpgradeSpecs, vcfclient.NsxtEdgeClusterUpgradeSpec{
				EdgeClusterID: ec.ID, EdgeParallelUpgrade: opts.NSX.EdgeParallelUpgradeOrDefault(),
			})
		}
		s.NsxtUpgradeUserInputSpecs = []vcfclient.NsxtUpgradeUserInputSpec{in}
	case KindVCenter:
		vcID := r.w.Precheck.ResourceIDs["VCENTER"]
		if vcID == "" {
			for t, id := range r.w.Precheck.ResourceIDs {
				if strings.Contains(strings.ToUpper(t), "VCENTER") {
					vcID = id
				}
			}
		}
		if vcID == "" {
			return s, errors.New("no vCenter resource id known from the pre-checks")
		}
		s.VcenterUpgradeUserInputSpecs = []vcfclient.VcenterUpgradeUserInputSpec{{
			ResourceID: vcID, UpgradeMechanism: opts.VCenter.UpgradeMechanismOrDefault(),
		}}
	}
	return s, nil
}

func upgradeFailed(status string) bool {
	switch status {
	case "COMPLETED_WITH_FAILURE", "FAILED", "CANCELLED", "CANCELED", "ABORTED":
		return true
	}
	return false
}

// findUpgrade looks on SDDC Manager for an upgrade of c's bundle and
// resources, so that an upgrade whose POST result was not recorded is adopted
// instead of sent again.
func (r *run) findUpgrade(ctx context.Context, c *ComponentRun) (*vcfclient.Upgrade, error) {
	var ups []vcfclient.Upgrade
	if err := r.call(ctx, "looking up upgrades already started", func(ctx context.Context) error {
		var err error
		ups, err = r.api().Upgrades(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	var found *vcfclient.Upgrade
	for i := range ups {
		u := &ups[i]
		if u.BundleID != c.BundleID || slices.Contains(c.PreexistingUpgradeIDs, u.ID) {
			continue
		}
		var ids []string
		for _, rs := range u.ResourceUpgradeSpecs {
			ids = append(ids, rs.ResourceID)
		}
		if len(ids) > 0 && !overlaps(ids, c.ResourceIDs) {
			continue
		}
		// Prefer one that is running or succeeded, then the latest.
		if found == nil || upgradeFailed(found.Status) || !upgradeFailed(u.Status) {
			found = u
		}
	}
	return found, nil
}

// resolveUpgradeID finds the upgrade started by task c.TaskID: SDDC Manager
// answers POST /v1/upgrades with a Task whose id may be the upgrade's id or
// the id of the upgrade's task.
func (r *run) resolveUpgradeID(ctx context.Context, c *ComponentRun) error {
	return r.poll(ctx, "finding the upgrade of task "+c.TaskID, false, func(ctx context.Context) (bool, error) {
		ups, err := r.api().Upgrades(ctx)
		if err != nil {
			return false, err
		}
		for _, u := range ups {
			if u.ID == c.TaskID || u.TaskID == c.TaskID {
				c.UpgradeID, c.Status = u.ID, u.Status
				return true, r.save()
			}
		}
		return false, nil
	})
}

func (r *run) doUpgrade(ctx context.Context) error {
	if len(r.w.Components) == 0 {
		return r.setState(StateStartingUpgrades, "")
	}
	c := &r.w.Components[len(r.w.Components)-1]
	name := componentName(c.Kind, len(c.ResourceIDs))
	for c.Phase == "planned" || c.Phase == PhasePosting {
		if c.Phase == PhasePosting {
			// The POST may or may not have reached SDDC Manager.
			u, err := r.findUpgrade(ctx, c)
			if err != nil {
				return err
			}
			if u != nil {
				c.UpgradeID, c.TaskID, c.Status, c.Phase = u.ID, u.TaskID, u.Status, PhaseRunning
				r.logf("info", "Found the %s upgrade %s already started (status %s); following it.", name, u.ID, u.Status)
				if err := r.save(); err != nil {
					return err
				}
				break
			}
			r.logf("info", "No %s upgrade found on SDDC Manager; starting it.", name)
		} else {
			if err := r.safePoint(); err != nil {
				return err
			}
			// Remember the upgrades of this bundle that exist before our
			// POST: after a crash, only a new one can be ours.
			var before []vcfclient.Upgrade
			if err := r.call(ctx, "listing existing upgrades", func(ctx context.Context) error {
				var err error
				before, err = r.api().Upgrades(ctx)
				return err
			}); err != nil {
				return err
			}
			c.PreexistingUpgradeIDs = nil
			for _, u := range before {
				if u.BundleID == c.BundleID {
					c.PreexistingUpgradeIDs = append(c.PreexistingUpgradeIDs, u.ID)
				}
			}
		}
		spec, err := r.spec(ctx, c)
		if err != nil {
			return err
		}
		c.Phase = PhasePosting
		c.Posted = r.now().UTC()
		if err := r.save(); err != nil {
			return err
		}
		task, err := r.postUpgrade(ctx, spec)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !r.transient(err) {
				c.Phase = PhaseFailed
				return fmt.Errorf("SDDC Manager refused the %s upgrade: %w", name, err)
			}
			// Unknown outcome: look it up (after a pause) before any new POST.
			r.logf("warning", "Starting the %s upgrade: %v; checking whether it started.", name, shortErr(err))
			if err := r.save(); err != nil {
				return err
			}
			if err := r.overdue("starting the " + name + " upgrade"); err != nil {
				return err
			}
			if err := r.sleep(ctx, r.e.opts.PollInterval); err != nil {
				return err
			}
			continue
		}
		// The API returns a Task; record its id at once, then find the
		// upgrade it belongs to.
		c.TaskID, c.Phase = task.ID, PhaseRunning
		r.logf("info", "%s upgrade started (task %s).", name, task.ID)
		if err := r.save(); err != nil {
			return err
		}
	}
	if c.Phase == PhaseRunning && c.UpgradeID == "" {
		if err := r.resolveUpgradeID(ctx, c); err != nil {
			return err
		}
	}
	if c.Phase == PhaseRunning {
		cancelNoted := false
		var last *vcfclient.Upgrade
		err := r.poll(ctx, "waiting for the "+name+" upgrade", false, func(ctx context.Context) (bool, error) {
			if r.w.CancelRequested && !cancelNoted {
				cancelNoted = true
				r.logf("warning", "The running %s upgrade is not aborted; the workflow stops after it ends.", name)
				if err := r.save(); err != nil {
					return false, err
				}
			}
			u, err := r.api().Upgrade(ctx, c.UpgradeID)
			if err != nil {
				return false, err
			}
			last = u
			if u.TaskID != "" {
				c.TaskID = u.TaskID
			}
			if u.Status != c.Status {
				c.Status = u.Status
				if err := r.save(); err != nil {
					return false, err
				}
			}
			return u.Status == "COMPLETED_WITH_SUCCESS" || upgradeFailed(u.Status), nil
		})
		if err != nil {
			return err
		}
		c.Ended = r.now().UTC()
		if upgradeFailed(last.Status) {
			c.Phase = PhaseFailed
			return fmt.Errorf("the %s upgrade %s ended %s%s", name, c.UpgradeID, last.Status, r.taskErrors(ctx, c.TaskID))
		}
		c.Phase = PhaseDone
		r.logf("info", "%s upgrade completed.", name)
		if c.Kind == KindSDDCManager && r.e.opts.SettleTime > 0 {
			r.w.SettleUntil = r.now().Add(r.e.opts.SettleTime).UTC()
			r.logf("info", "Letting SDDC Manager settle for %s.", r.e.opts.SettleTime)
		}
		if err := r.save(); err != nil {
			return err
		}
	}
	if c.Phase == PhaseFailed {
		return fmt.Errorf("the %s upgrade %s failed", name, c.UpgradeID)
	}
	if !r.w.SettleUntil.IsZero() {
		if d := r.w.SettleUntil.Sub(r.now()); d > 0 {
			if err := r.sleepFull(ctx, d); err != nil {
				return err
			}
		}
		r.w.SettleUntil = time.Time{}
	}
	return r.setState(StateStartingUpgrades, "")
}

// sleepFull sleeps d even when poked.
func (r *run) sleepFull(ctx context.Context, d time.Duration) error {
	end := time.Now().Add(d)
	for {
		left := time.Until(end)
		if left <= 0 {
			return nil
		}
		if err := r.sleep(ctx, left); err != nil {
			return err
		}
	}
}

func (r *run) postUpgrade(ctx context.Context, spec vcfclient.UpgradeSpec) (*vcfclient.Task, error) {
	cctx, cancel := context.WithTimeout(ctx, r.e.opts.RequestTimeout)
	defer cancel()
	r.e.testHook("before-post-upgrade")
	return r.api().StartUpgrade(cctx, spec)
}

// taskErrors returns the VCF errors of a task, for the log.
func (r *run) taskErrors(ctx context.Context, taskID string) string {
	if taskID == "" {
		return ""
	}
	cctx, cancel := context.WithTimeout(ctx, r.e.opts.RequestTimeout)
	defer cancel()
	t, err := r.api().Task(cctx, taskID)
	if err != nil || t == nil {
		return ""
	}
	var msgs []string
	var walk func(es []vcfclient.ErrorDetail)
	walk = func(es []vcfclient.ErrorDetail) {
		for _, e := range es {
			m := e.Message
			if e.ErrorCode != "" {
				m = e.ErrorCode + ": " + m
			}
			if e.RemediationMessage != "" {
				m += " (remediation: " + e.RemediationMessage + ")"
			}
			msgs = append(msgs, m)
			walk(e.NestedErrors)
		}
	}
	walk(t.Errors)
	var sub func(ss []vcfclient.SubTask)
	sub = func(ss []vcfclient.SubTask) {
		for _, s := range ss {
			walk(s.Errors)
			for _, st := range s.Stages {
				walk(st.Errors)
			}
			sub(s.SubTasks)
		}
	}
	sub(t.SubTasks)
	if len(msgs) == 0 {
		return ""
	}
	msgs = slices.Compact(msgs)
	return ": " + strings.Join(msgs, "; ")
}

func (r *run) doValidate(ctx context.Context) error {
	if err := r.safePoint(); err != nil {
		return err
	}
	v := &r.w.Validation
	if v.ID == "" {
		v.Requested = true
		if err := r.save(); err != nil {
			return err
		}
		var val *vcfclient.Validation
		err := r.call(ctx, "starting the validation", func(ctx context.Context) error {
			var err error
			val, err = r.api().ValidateRelease(ctx, r.w.DomainID, vcfclient.DomainRelease{TargetVersion: r.w.TargetVersion})
			return err
		})
		if err != nil {
			return err
		}
		v.ID = val.ID
		if err := r.save(); err != nil {
			return err
		}
	}
	var last *vcfclient.Validation
	err := r.poll(ctx, "waiting for the validation", true, func(ctx context.Context) (bool, error) {
		val, err := r.api().Validation(ctx, v.ID)
		if err != nil {
			return false, err
		}
		last = val
		return val.ExecutionStatus != "IN_PROGRESS" && val.ExecutionStatus != "", nil
	})
	if err != nil {
		return err
	}
	if last.ExecutionStatus != "COMPLETED" || last.ResultStatus == "FAILED" {
		var msgs []string
		for _, c := range last.ValidationChecks {
			if c.ResultStatus != "SUCCEEDED" && c.ErrorResponse != nil {
				msgs = append(msgs, c.ErrorResponse.Message)
			}
		}
		return fmt.Errorf("validation %s ended %s/%s %s", v.ID, last.ExecutionStatus, last.ResultStatus, strings.Join(msgs, "; "))
	}
	r.w.Finished = r.now().UTC()
	if err := r.setState(StateSucceeded, "Domain upgraded to VCF %s (validation %s).", r.w.TargetVersion, last.ResultStatus); err != nil {
		return err
	}
	r.e.metrics.run(r.w.Target, r.w.DomainName, "success")
	// Refresh the exporter's version metrics now.
	cctx, cancel := context.WithTimeout(ctx, r.e.opts.RequestTimeout)
	defer cancel()
	if err := r.e.targets.CheckUpdates(cctx, r.w.Target); err != nil {
		r.e.log.Warn("refreshing the upgrade check after the upgrade", "target", r.w.Target, "err", err)
	}
	return nil
}

func humanBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", b, units[i])
}
