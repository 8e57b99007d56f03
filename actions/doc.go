// Package actions is the resumable VCF domain upgrade workflow behind the
// exporter's /actions API (package httpapi) and its MQTT commands.
//
// The workflow's state is kept in files under --storage.path and written
// atomically before and after every remote call that changes something, so a
// restarted exporter resumes where it stopped and never sends the same
// upgrade request twice.
//
// Where things are:
//   - state.go: the workflow's states, one table row each (step function,
//     timeout key under actions.timeouts and its default, expected
//     restarts); component.go: the upgradable components, one row each
//     (state, name, timeout, request spec).
//   - run.go: the run loop and its plumbing (save, log, call, poll, sleep,
//     error classification). Every SDDC Manager call of a workflow goes
//     through call/poll there.
//   - step_*.go: the steps, one file per phase (step_verify.go: success
//     is what SDDC Manager shows); spec.go builds the upgrade requests.
//   - engine.go: lifecycle; identity.go: which configured SDDC Manager a
//     stored workflow belongs to (renames, orphans); guards.go: what a
//     start must pass (the stored record, other drivers); operations.go:
//     what the API can ask (start, status, acknowledge, cancel, ...);
//     plan.go: the dry run; errors.go: the domain errors; status.go: the
//     status view (with the Home Assistant markdown log).
//   - metrics.go: where every metric is born; store.go: the workflow
//     files; client.go: what the engine needs of SDDC Manager;
//     registry.go: the exporter's targets as the engine's.
package actions
