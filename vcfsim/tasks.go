package vcfsim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// task is an asynchronous operation; its status follows from the clock.
type task struct {
	id, name, typ string
	created, end  time.Time // simulated
	failErr       *apiError // the error it ends with, nil on success
	resources     []resourceJSON
	// 9.1: queuedUntil is the start of a scheduled upgrade (QUEUED
	// before); failStatus replaces FAILED (TIMED_OUT).
	queuedUntil time.Time
	failStatus  string
}

// newTask records a task running for dur simulated time. Callers hold s.mu.
func (s *Simulator) newTask(name, typ string, now time.Time, dur time.Duration, res ...resourceJSON) *task {
	t := &task{id: uuidFrom(s.idRand), name: name, typ: typ, created: now, end: now.Add(dur), resources: res}
	s.tasks = append(s.tasks, t)
	s.taskByID[t.id] = t
	return t
}

func (t *task) status(now time.Time) string {
	switch {
	case now.Before(t.queuedUntil):
		return "QUEUED"
	case now.Before(t.end):
		return "IN_PROGRESS"
	case t.failErr != nil && t.failStatus != "":
		return t.failStatus
	case t.failErr != nil:
		return "FAILED"
	default:
		return "SUCCESSFUL"
	}
}

func (s *Simulator) taskJSON(t *task, now time.Time) taskJSON {
	st := t.status(now)
	ended := !now.Before(t.end)
	failed := ended && t.failErr != nil
	j := taskJSON{
		ID: t.id, Name: t.name, Type: t.typ, Status: st,
		CreationTimestamp: stamp(t.created), Resources: t.resources,
		IsCancellable: false, IsRetryable: failed,
	}
	if j.Resources == nil {
		j.Resources = []resourceJSON{}
	}
	if ended {
		j.CompletionTimestamp = stamp(t.end)
	}
	if failed {
		j.Errors = []apiError{*t.failErr}
	}
	for _, r := range t.resources {
		sub := subTaskJSON{
			Name: t.name + ": " + r.Name, Type: t.typ, Description: t.name + " on " + r.Type + " " + r.Name,
			Status: st, CreationTimestamp: stamp(t.created), Resources: []resourceJSON{r},
		}
		if ended {
			sub.CompletionTimestamp = stamp(t.end)
		}
		if failed {
			sub.Errors = j.Errors
		}
		j.SubTasks = append(j.SubTasks, sub)
	}
	return j
}

func (s *Simulator) getTasks(r *http.Request, _ vars) (int, any) {
	q := r.URL.Query()
	p, err := s.pageRequest(r, pathTasks)
	if err != nil {
		return badPage(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.sim()
	out := []taskJSON{}
	// Newest first, as SDDC Manager lists them.
	for i := len(s.tasks) - 1; i >= 0; i-- {
		j := s.taskJSON(s.tasks[i], now)
		if v := q.Get("taskStatus"); v != "" && v != j.Status {
			continue
		}
		if v := q.Get("taskType"); v != "" && v != j.Type {
			continue
		}
		if v := q.Get("resourceId"); v != "" && !hasResource(j.Resources, v) {
			continue
		}
		if v := q.Get("resourceType"); v != "" && !hasResourceType(j.Resources, v) {
			continue
		}
		if v := q.Get("taskName"); v != "" && !strings.Contains(strings.ToLower(j.Name), strings.ToLower(v)) {
			continue
		}
		// "A task is completed if its status is 'Successful' or 'Failed'.
		// Time is in milliseconds."
		if v := q.Get("completedAfter"); v != "" && !s.health.ignoreCompletedAfter {
			ms, err := strconv.ParseInt(v, 10, 64)
			if err == nil && ((j.Status != "SUCCESSFUL" && j.Status != "FAILED") || !s.tasks[i].end.After(time.UnixMilli(ms))) {
				continue
			}
		}
		out = append(out, j)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			// The spec lists no 400 here; an unusable limit is ignored.
			n = len(out)
		}
		out = out[:min(n, len(out))]
	}
	return http.StatusOK, pageOf(s, p, out)
}

func hasResourceType(rs []resourceJSON, typ string) bool {
	for _, r := range rs {
		if r.Type == typ {
			return true
		}
	}
	return false
}

func hasResource(rs []resourceJSON, id string) bool {
	for _, r := range rs {
		if r.ResourceID == id {
			return true
		}
	}
	return false
}

func (s *Simulator) getTask(_ *http.Request, v vars) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.taskByID[v["id"]]
	if t == nil {
		return errorf(http.StatusNotFound, "TASK_NOT_FOUND", "Task %s not found", v["id"])
	}
	return http.StatusOK, s.taskJSON(t, s.clk.sim())
}
