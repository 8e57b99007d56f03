package collector

import (
	"context"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vcf-exporter/vcf_exporter/targets"
	"github.com/vcf-exporter/vcf_exporter/vcfclient"
)

func init() {
	registerCollector("task", true, newTaskCollector)
}

// taskCount is the number of tasks of one type in one status.
type taskCount struct {
	typ, status string
	n           int
}

// taskSummary is what the task metrics are made of.
type taskSummary struct {
	counts      []taskCount
	lastFailure time.Time
}

var (
	taskCountMetrics = []metricDef[taskCount]{
		{newDesc("", "tasks",
			"SDDC Manager tasks running now or completed in the last 24 hours, by type and status (statuses as in the reference, spellings unified: In Progress is IN_PROGRESS).",
			"type", "status"), func(c *taskCount) float64 { return float64(c.n) }},
	}
	taskSummaryMetrics = []metricDef[taskSummary]{
		{newDesc("task", "last_failure_timestamp_seconds",
			"Unix time the newest FAILED or TIMED_OUT SDDC Manager task completed (absent when none in the last 7 days).",
		), func(t *taskSummary) float64 { return unixSeconds(t.lastFailure) }},
	}
)

// taskCollector exposes SDDC Manager's tasks, read incrementally.
type taskCollector struct{}

func newTaskCollector(Options) (Collector, error) { return taskCollector{}, nil }

func (taskCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- healthTimestampDesc
	describeDefs(ch, taskCountMetrics)
	describeDefs(ch, taskSummaryMetrics)
}

func (taskCollector) version(ctx context.Context, s *Scrape) any {
	return healthVersion(ctx, s, targets.HealthTask)
}

func (taskCollector) Update(ctx context.Context, s *Scrape, ch chan<- prometheus.Metric) error {
	return updateHealth(ctx, s, ch, targets.HealthTask, func(h targets.HealthReading) {
		sum := summarizeTasks(h.Tasks)
		for i := range sum.counts {
			c := &sum.counts[i]
			emitDefs(s, ch, taskCountMetrics, c, c.typ, c.status)
		}
		emitDefs(s, ch, taskSummaryMetrics, &sum)
	})
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
