package actions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jpillora/backoff"

	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

// errCancelled ends a workflow at a safe point after a cancel request.
var errCancelled = errors.New("cancelled on request")

// stopError ends a workflow in a state of the table other than failed,
// one that names what a person must look at.
type stopError struct {
	state State
	msg   string
}

func (e *stopError) Error() string { return e.msg }

func stop(s State, format string, args ...any) error {
	return &stopError{state: s, msg: fmt.Sprintf(format, args...)}
}

// run drives one domain's workflow. Its goroutine is the only writer of w.
type run struct {
	e      *Engine
	w      *Workflow
	client Client

	ackReq    atomic.Bool
	cancelReq atomic.Bool
	wake      chan struct{}
	done      chan struct{}
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

// Log levels of the workflow's log.
const (
	levelInfo    = "info"
	levelWarning = "warning"
	levelError   = "error"
)

const maxLogEntries = 200

// logf appends to the workflow's log (persisted with the next save).
func (r *run) logf(level, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.w.Log = append(r.w.Log, LogEntry{Time: r.now().UTC(), Level: level, Message: msg})
	if n := len(r.w.Log); n > maxLogEntries {
		r.w.Log = append([]LogEntry(nil), r.w.Log[n-maxLogEntries:]...)
	}
	lvl := slog.LevelInfo
	switch level {
	case levelWarning:
		lvl = slog.LevelWarn
	case levelError:
		lvl = slog.LevelError
	}
	r.e.log.Log(context.Background(), lvl, "upgrade workflow: "+msg, "target", r.w.Target, "domain", r.w.DomainName, "state", r.w.State)
}

// save persists the workflow and publishes a snapshot.
func (r *run) save() error {
	if r.e.dead.Load() {
		return errors.New("engine is dead")
	}
	if err := r.e.store.Save(r.w); err != nil {
		r.e.metrics.saveErrors.Inc()
		r.e.log.Error("cannot persist upgrade workflow", "target", r.w.Target, "domain", r.w.DomainName, "err", err)
		// Never transient: a workflow that cannot record what it sent
		// could send it twice.
		return fmt.Errorf("cannot save the workflow state: %w", err)
	}
	r.e.publish(r.w.clone())
	return nil
}

func (r *run) setState(s State, format string, args ...any) error {
	r.w.State = s
	r.w.StepStarted = r.now().UTC()
	if format != "" {
		r.logf(levelInfo, format, args...)
	}
	return r.save()
}

// loop runs the workflow until it ends or ctx (the engine) stops: each
// state's step does its work and names the next state ("" for the state
// table's next row).
func (r *run) loop(ctx context.Context) {
	defer close(r.done)
	for !r.e.states.terminal(r.w.State) {
		err := r.absorbRequests()
		if err == nil {
			err = r.advance(ctx)
		}
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			// The exporter stops: leave the state as stored, resume on start.
			return
		}
		r.w.Finished = r.now().UTC()
		r.w.StepStarted = r.w.Finished
		var se *stopError
		switch {
		case errors.Is(err, errCancelled):
			r.w.State = StateCancelled
			r.logf(levelWarning, "Workflow cancelled on request.")
			r.e.metrics.ended(r.w.Target, r.w.DomainName, StateCancelled)
		case errors.As(err, &se):
			r.w.LastError = se.msg
			r.w.State = se.state
			r.logf(levelError, "Stopped (%s): %s", se.state, se.msg)
			r.e.metrics.ended(r.w.Target, r.w.DomainName, se.state)
		default:
			r.w.LastError = err.Error()
			r.w.State = StateFailed
			r.logf(levelError, "Failed: %v", err)
			r.e.metrics.ended(r.w.Target, r.w.DomainName, StateFailed)
		}
		if err := r.save(); err != nil {
			r.end(err)
		}
	}
}

// advance runs the current state's step and enters the next state.
func (r *run) advance(ctx context.Context) error {
	row, ok := r.e.states.row(r.w.State)
	if !ok || row.step == nil {
		return fmt.Errorf("unknown state %q", r.w.State)
	}
	next, err := row.step(r, ctx)
	if err != nil {
		return err
	}
	if next == "" {
		next = r.e.states.next(r.w.State, r.w)
	}
	if next == StateSucceeded {
		return r.succeed(ctx)
	}
	return r.setState(next, "")
}

// succeed refreshes the exporter's version metrics, then ends the workflow
// successfully: whoever sees the success also sees the new versions.
func (r *run) succeed(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, r.e.opts.RequestTimeout)
	defer cancel()
	if err := r.e.targets.CheckUpdates(cctx, r.w.Target); err != nil {
		r.e.log.Warn("refreshing the upgrade check after the upgrade", "target", r.w.Target, "err", err)
	}
	r.w.Finished = r.now().UTC()
	if err := r.setState(StateSucceeded, ""); err != nil {
		return err
	}
	r.e.metrics.ended(r.w.Target, r.w.DomainName, StateSucceeded)
	return nil
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
		r.e.metrics.ended(r.w.Target, r.w.DomainName, StateFailed)
	}
	if r.w.LastError == "" {
		r.w.LastError = saveErr.Error()
	}
	r.logf(levelError, "The end of the workflow could not be saved (%v); the stored state resumes at the next start once the storage is writable.", saveErr)
	r.e.publish(r.w.clone())
}

// absorbRequests moves acknowledge/cancel requests into the stored state.
func (r *run) absorbRequests() error {
	changed := false
	if r.cancelReq.Load() && !r.w.CancelRequested {
		r.w.CancelRequested = true
		r.logf(levelWarning, "Cancel requested: stopping at the next safe point (a running VCF task is never aborted).")
		changed = true
	}
	if r.ackReq.Load() && !r.w.Acknowledged {
		r.w.Acknowledged = true
		r.logf(levelInfo, "Pre-check findings acknowledged.")
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

// overdue returns a timeout error when the step ran longer than its limit.
func (r *run) overdue(what string) error {
	lim := r.e.states.timeout(r.w.State, r.e.config().Timeouts)
	if took := r.now().Sub(r.w.StepStarted); took > lim {
		return fmt.Errorf("timed out in %s after %s while %s (limit %s, see actions.timeouts in the config file)",
			r.w.State, took.Round(time.Second), what, lim)
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

// retryable reports whether call rides err out: a transient error
// (vcfclient.Transient), or an authorization error while the current state
// restarts SDDC Manager or vCenter, which answer 401/403 until they are up.
// Every other error fails the workflow at once rather than being retried
// for hours.
func (r *run) retryable(err error) bool {
	if vcfclient.Transient(err) {
		return true
	}
	if row, _ := r.e.states.row(r.w.State); !row.restarts || errors.Is(err, context.Canceled) {
		return false
	}
	return vcfclient.IsDenied(err)
}

// backoff doubles the wait from PollInterval up to MaxBackoff: between
// retries while the API is gone and between readings that wait for
// SDDC Manager to catch up.
func (e *Engine) backoff() backoff.Backoff {
	return backoff.Backoff{Min: e.opts.PollInterval, Max: e.opts.MaxBackoff, Factor: 2}
}

// call makes one SDDC Manager call of the workflow: it retries transient
// failures with backoff until the API answers, the step's timeout or the
// API outage limit is reached, and records outages in the workflow.
func call[T any](ctx context.Context, r *run, what string, fn func(ctx context.Context, c Client) (T, error)) (T, error) {
	wait := r.e.backoff()
	for {
		cctx, cancel := context.WithTimeout(ctx, r.e.opts.RequestTimeout)
		v, err := fn(cctx, r.api())
		cancel()
		if err == nil {
			return v, r.outageOver()
		}
		var zero T
		if ctx.Err() != nil {
			return zero, ctx.Err()
		}
		if !r.retryable(err) {
			return zero, fmt.Errorf("%s: %w", what, err)
		}
		if err := r.outage(what, err); err != nil {
			return zero, err
		}
		if err := r.sleep(ctx, wait.Duration()); err != nil {
			return zero, err
		}
	}
}

// outage records a transient failure and fails when it lasts too long.
func (r *run) outage(what string, err error) error {
	now := r.now()
	if r.w.OutageSince.IsZero() {
		r.w.OutageSince = now.UTC()
		r.logf(levelWarning, "SDDC Manager API not available while %s (%v); retrying with backoff.", what, shortErr(err))
		if err := r.save(); err != nil {
			return err
		}
	}
	if lim := apiOutageTimeout.in(r.e.config().Timeouts); now.Sub(r.w.OutageSince) > lim {
		return fmt.Errorf("SDDC Manager API unavailable for %s while %s (limit %s): %v",
			now.Sub(r.w.OutageSince).Round(time.Second), what, lim, shortErr(err))
	}
	if oerr := r.overdue(what); oerr != nil {
		return fmt.Errorf("%w; last error: %v", oerr, shortErr(err))
	}
	return nil
}

// outageOver records that the API answers again.
func (r *run) outageOver() error {
	if r.w.OutageSince.IsZero() {
		return nil
	}
	r.logf(levelInfo, "SDDC Manager API answers again (after %s).", r.now().Sub(r.w.OutageSince).Round(time.Second))
	r.w.OutageSince = time.Time{}
	return r.save()
}

// poll calls check every poll interval until it reports done, a
// non-transient error occurs or the step times out.
func (r *run) poll(ctx context.Context, what string, cancellable bool, check func(ctx context.Context, c Client) (bool, error)) error {
	for {
		done, err := call(ctx, r, what, check)
		if err != nil || done {
			return err
		}
		if err := r.absorbRequests(); err != nil {
			return err
		}
		if cancellable && r.w.CancelRequested {
			r.logf(levelWarning, "Stopped waiting while %s; what SDDC Manager already runs goes on.", what)
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
