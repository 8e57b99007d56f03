package vcfclient

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the client's self-metrics. They carry no target label: the
// exporter registers each Client through a registerer wrapped with one.
type metrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	refreshes *prometheus.CounterVec
	expiry    prometheus.Gauge
	dropped   *prometheus.CounterVec
	// Lists that do not add up (see paging.go).
	listMismatches *prometheus.CounterVec
	listDuplicates *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vcf_api_requests_total",
			Help: "SDDC Manager API requests by endpoint (path template), method and HTTP status code (\"error\" when no response was received).",
		}, []string{"endpoint", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vcf_api_request_duration_seconds",
			Help: "Duration of SDDC Manager API requests, response body included, by endpoint (path template).",
			// SDDC Manager answers in tens of milliseconds to tens of
			// seconds (big host lists); default buckets stop at 10s.
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"endpoint"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vcf_api_token_refreshes_total",
			Help: "Access token acquisitions by kind (refresh = refresh token, login = username/password) and result.",
		}, []string{"kind", "result"}),
		expiry: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vcf_token_expiry_timestamp_seconds",
			Help: "Expiry of the current access token (exp claim), as a Unix timestamp; absent until the first token is obtained.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vcf_api_values_dropped_total",
			Help: "Values from SDDC Manager dropped instead of exported, by endpoint (path template), API field and reason (non_finite, negative, unparseable_timestamp).",
		}, []string{"endpoint", "field", "reason"}),
		listMismatches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vcf_api_list_mismatches_total",
			Help: "List reads that failed because the distinct elements read did not match the totalElements SDDC Manager announced, even when read a second time, by endpoint (path template).",
		}, []string{"endpoint"}),
		listDuplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vcf_api_list_duplicates_total",
			Help: "List elements dropped because their id had already been read in the same list walk, by endpoint (path template).",
		}, []string{"endpoint"}),
	}
	// The inventory lists exist from the start, so a first mismatch shows
	// as an increase.
	for _, e := range []string{endpointDomains, endpointClusters, endpointHosts, endpointSddcManagers} {
		m.listMismatches.WithLabelValues(e)
		m.listDuplicates.WithLabelValues(e)
	}
	// Pre-create the refresh series so a failure shows as an increase from
	// 0 rather than as a new series.
	for _, k := range []string{"refresh", "login"} {
		for _, r := range []string{"success", "failure"} {
			m.refreshes.WithLabelValues(k, r)
		}
	}
	return m
}

func (m *metrics) observe(method, endpoint, code string, d time.Duration) {
	m.requests.WithLabelValues(endpoint, method, code).Inc()
	m.duration.WithLabelValues(endpoint).Observe(d.Seconds())
}

func (m *metrics) tokenRefresh(kind string, ok bool) {
	r := "success"
	if !ok {
		r = "failure"
	}
	m.refreshes.WithLabelValues(kind, r).Inc()
}

// Describe implements prometheus.Collector.
func (c *Client) Describe(ch chan<- *prometheus.Desc) {
	c.metrics.requests.Describe(ch)
	c.metrics.duration.Describe(ch)
	c.metrics.refreshes.Describe(ch)
	c.metrics.expiry.Describe(ch)
	c.metrics.dropped.Describe(ch)
	c.metrics.listMismatches.Describe(ch)
	c.metrics.listDuplicates.Describe(ch)
}

// Collect implements prometheus.Collector.
func (c *Client) Collect(ch chan<- prometheus.Metric) {
	c.metrics.requests.Collect(ch)
	c.metrics.duration.Collect(ch)
	c.metrics.refreshes.Collect(ch)
	// Absent until known: a 0 would fire every "token expires soon" alert.
	if !c.TokenExpiry().IsZero() {
		c.metrics.expiry.Collect(ch)
	}
	c.metrics.dropped.Collect(ch)
	c.metrics.listMismatches.Collect(ch)
	c.metrics.listDuplicates.Collect(ch)
}

// warnOnce logs msg at warning level the first time key is seen: a
// condition every scrape would otherwise repeat.
func (c *Client) warnOnce(key, msg string, args ...any) {
	if _, logged := c.warned.LoadOrStore(key, true); !logged {
		c.log.Warn(msg, args...)
	}
}

// noteDropped counts the values of w that were dropped and logs the first
// occurrence of each endpoint, field and reason (every scrape would
// otherwise repeat it).
func (c *Client) noteDropped(endpoint string, w any) {
	d, ok := w.(interface{ droppedValues() []droppedValue })
	if !ok {
		return
	}
	for _, v := range d.droppedValues() {
		c.metrics.dropped.WithLabelValues(endpoint, v.field, v.reason).Inc()
		c.warnOnce(endpoint+" "+v.field+" "+v.reason, "dropped an unusable number from SDDC Manager (further ones are only counted in vcf_api_values_dropped_total)",
			"endpoint", endpoint, "field", v.field, "reason", v.reason)
	}
}
