package collector

import (
	"sort"
	"time"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("task", true, func(Options) (Collector, error) {
		return healthCollector[taskSummary]{kind: targets.HealthTask, families: taskFamilies, rows: taskRows}, nil
	})
}

// taskCount is the number of tasks of one type in one status.
type taskCount struct {
	typ, status string
	n           int
}

// taskSummary is what the task metrics are made of: the one row of a
// reading.
type taskSummary struct {
	counts      []taskCount
	lastFailure time.Time
}

var taskFamilies = []Family[taskSummary]{
	gauge(newDesc("", "tasks",
		"SDDC Manager tasks running now or completed in the last 24 hours, by type and status (statuses as in the reference, spellings unified: In Progress is IN_PROGRESS).",
		"type", "status"),
		func(t *taskSummary, emit Emit) {
			for _, c := range t.counts {
				emit(float64(c.n), c.typ, c.status)
			}
		}),
	number(newDesc("task", "last_failure_timestamp_seconds",
		"Unix time the newest FAILED or TIMED_OUT SDDC Manager task completed (absent when none in the last 7 days).",
	), func(*taskSummary) []string { return nil }, func(t *taskSummary) float64 { return unixSeconds(t.lastFailure) }),
}

func taskRows(_ *Scrape, h *targets.HealthReading, yield func(*taskSummary)) {
	sum := summarizeTasks(h.Tasks)
	yield(&sum)
}

// summarizeTasks counts the ledger's tasks by type and status, sorted.
func summarizeTasks(l *targets.TaskLedger) taskSummary {
	if l == nil {
		return taskSummary{}
	}
	n := map[[2]string]int{}
	add := func(r vcfclient.TaskRecord) { n[[2]string{r.Type, r.Status}]++ }
	for _, r := range l.Completed {
		add(r)
	}
	for _, r := range l.Running {
		add(r)
	}
	out := taskSummary{lastFailure: l.LastFailure}
	for k, v := range n {
		out.counts = append(out.counts, taskCount{typ: k[0], status: k[1], n: v})
	}
	sort.Slice(out.counts, func(i, j int) bool {
		a, b := out.counts[i], out.counts[j]
		return a.typ < b.typ || (a.typ == b.typ && a.status < b.status)
	})
	return out
}
