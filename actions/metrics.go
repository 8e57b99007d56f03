package actions

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics exposes the workflows' state. The series carry a "target" label
// (the SDDC Manager's name from the config file) besides "domain" (the
// domain's name), because the engine serves every configured SDDC Manager
// from the exporter's own /metrics, not through /probe.
//
// Ended runs are counted as the Prometheus naming guide advises for
// outcomes: a total and one counter per non-success outcome (successes are
// runs_total - failures - cancellations), not one counter with a result
// label. Every counter of a known domain exists from the start, at 0.
type Metrics struct {
	e *Engine

	state      *prometheus.Desc
	stepStart  *prometheus.Desc
	unreadable *prometheus.Desc
	orphaned   *prometheus.Desc
	// runs counts ended workflows; failures and cancellations the ones
	// that did not succeed.
	runs          *prometheus.CounterVec
	failures      *prometheus.CounterVec
	cancellations *prometheus.CounterVec
	saveErrors    prometheus.Counter
}

func newMetrics(e *Engine) *Metrics {
	domainCounter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"target", "domain"})
	}
	return &Metrics{
		e: e,
		state: prometheus.NewDesc("vcf_upgrade_workflow_state",
			"State of the domain's upgrade workflow: 1 for the current state, 0 for every other.",
			[]string{"target", "domain", "state"}, nil),
		stepStart: prometheus.NewDesc("vcf_upgrade_workflow_step_start_timestamp_seconds",
			"Unix time the upgrade workflow's current step started.",
			[]string{"target", "domain"}, nil),
		unreadable: prometheus.NewDesc("vcf_upgrade_workflow_unreadable_files",
			"Workflow files in the storage directory that cannot be read (corrupt, truncated, empty or from a newer exporter); each blocks new work on its domain until moved away.",
			nil, nil),
		orphaned: prometheus.NewDesc("vcf_upgrade_workflow_orphaned_files",
			"Unfinished workflow files in the storage directory that belong to no configured SDDC Manager; each blocks new work on its domain until moved away.",
			nil, nil),
		runs: domainCounter("vcf_upgrade_workflow_runs_total",
			"Upgrade workflows of the domain that ended (succeeded, failed or cancelled) since the exporter started."),
		failures: domainCounter("vcf_upgrade_workflow_failures_total",
			"Upgrade workflows of the domain that ended failed, or stopped for a person to look, since the exporter started."),
		cancellations: domainCounter("vcf_upgrade_workflow_cancellations_total",
			"Upgrade workflows of the domain that ended cancelled on request since the exporter started."),
		saveErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vcf_upgrade_workflow_save_errors_total",
			Help: "Failed writes of a workflow's state to the storage directory; each fails its workflow at once.",
		}),
	}
}

// ended counts a workflow that ended in state s.
func (m *Metrics) ended(target, domain string, s State) {
	m.runs.WithLabelValues(target, domain).Inc()
	switch s {
	case StateSucceeded:
	case StateCancelled:
		m.cancellations.WithLabelValues(target, domain).Inc()
	default: // failed, or stopped for a person to look
		m.failures.WithLabelValues(target, domain).Inc()
	}
}

func (m *Metrics) counters() []*prometheus.CounterVec {
	return []*prometheus.CounterVec{m.runs, m.failures, m.cancellations}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.state
	ch <- m.stepStart
	ch <- m.unreadable
	ch <- m.orphaned
	for _, c := range m.counters() {
		c.Describe(ch)
	}
	m.saveErrors.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	wfs := m.e.snapshots()
	seen := map[[2]string]bool{}
	for _, w := range wfs {
		seen[[2]string{w.Target, w.DomainName}] = true
	}
	// The state of a domain whose workflow file is unreadable, when its
	// name survives in the file.
	bad := m.e.unreadableFiles()
	ch <- prometheus.MustNewConstMetric(m.unreadable, prometheus.GaugeValue, float64(len(bad)))
	ch <- prometheus.MustNewConstMetric(m.orphaned, prometheus.GaugeValue, float64(len(m.e.orphanFiles())))
	for _, u := range bad {
		if k := [2]string{u.Target, u.DomainName}; u.DomainName != "" && !seen[k] {
			seen[k] = true
			wfs = append(wfs, &Workflow{Target: u.Target, DomainName: u.DomainName, State: StateFileUnreadable})
		}
	}
	// Domains that never had a workflow wait for one.
	if dl, ok := m.e.targets.(DomainLister); ok {
		for _, t := range m.e.targets.Names() {
			for _, d := range dl.KnownDomains(t) {
				if k := [2]string{t, d}; !seen[k] {
					seen[k] = true
					wfs = append(wfs, &Workflow{Target: t, DomainName: d, State: StateWaitingForInitiation})
				}
			}
		}
	}
	states := m.e.states.states()
	for _, w := range wfs {
		for _, s := range states {
			v := 0.0
			if s == w.State {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(m.state, prometheus.GaugeValue, v, w.Target, w.DomainName, string(s))
		}
		if !w.StepStarted.IsZero() {
			ch <- prometheus.MustNewConstMetric(m.stepStart, prometheus.GaugeValue,
				float64(w.StepStarted.UnixNano())/1e9, w.Target, w.DomainName)
		}
		for _, c := range m.counters() {
			c.WithLabelValues(w.Target, w.DomainName) // 0 until the first run ends
		}
	}
	for _, c := range m.counters() {
		c.Collect(ch)
	}
	m.saveErrors.Collect(ch)
}
