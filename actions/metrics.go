package actions

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics exposes the workflows' state. The series carry a "target" label
// (the SDDC Manager's name from the config file) besides "domain" (the
// domain's name), because the engine serves every configured SDDC Manager
// from the exporter's own /metrics, not through /probe.
type Metrics struct {
	e *Engine

	state      *prometheus.Desc
	stepStart  *prometheus.Desc
	unreadable *prometheus.Desc
	runs       *prometheus.CounterVec
	saveErrors prometheus.Counter
}

func newMetrics(e *Engine) *Metrics {
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
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vcf_upgrade_workflow_runs_total",
			Help: "Upgrade workflows that ended, by result (success, failed, cancelled), since the exporter started.",
		}, []string{"target", "domain", "result"}),
		saveErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vcf_upgrade_workflow_save_errors_total",
			Help: "Failed writes of a workflow's state to the storage directory; each fails its workflow at once.",
		}),
	}
}

func (m *Metrics) run(target, domain, result string) {
	m.runs.WithLabelValues(target, domain, result).Inc()
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.state
	ch <- m.stepStart
	ch <- m.unreadable
	m.runs.Describe(ch)
	m.saveErrors.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	wfs := m.e.snapshots()
	seen := map[[2]string]bool{}
	for _, w := range wfs {
		seen[[2]string{w.Target, w.DomainName}] = true
	}
	bad := m.e.unreadableFiles()
	ch <- prometheus.MustNewConstMetric(m.unreadable, prometheus.GaugeValue, float64(len(bad)))
	for _, u := range bad {
		if k := [2]string{u.Target, u.DomainName}; u.DomainName != "" && !seen[k] {
			seen[k] = true
			wfs = append(wfs, &Workflow{Target: u.Target, DomainName: u.DomainName, State: StateFileUnreadable})
		}
	}
	if dl, ok := m.e.targets.(DomainLister); ok {
		for _, t := range m.e.targets.Names() {
			for _, d := range dl.KnownDomains(t) {
				if !seen[[2]string{t, d}] {
					seen[[2]string{t, d}] = true
					wfs = append(wfs, &Workflow{Target: t, DomainName: d, State: StateWaitingForInitiation})
				}
			}
		}
	}
	for _, w := range wfs {
		for _, s := range States {
			v := 0.0
			if s == w.State {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(m.state, prometheus.GaugeValue, v, w.Target, w.DomainName, s)
		}
		if !w.StepStarted.IsZero() {
			ch <- prometheus.MustNewConstMetric(m.stepStart, prometheus.GaugeValue,
				float64(w.StepStarted.UnixNano())/1e9, w.Target, w.DomainName)
		}
	}
	m.runs.Collect(ch)
	m.saveErrors.Collect(ch)
}
