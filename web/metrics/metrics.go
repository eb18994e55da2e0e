// Package metrics is Village's Prometheus metrics: one registry per
// process (never the library's global one), the series every part reports
// to, and the handler that serves them on the private listener
// (VILLAGE_METRICS_LISTEN).
//
// The rest of the program does not import Prometheus: the HTTP layer uses
// Middleware, the delivery queue tells its outcomes through a plain func
// (OnDelivery), and what is read when scraped (the database pool, the
// queue, open streams) is registered here as collectors.
package metrics

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/village-social/village/federation/delivery"
)

// namespace prefixes every series of ours.
const namespace = "village"

// Metrics holds the registry and the series updated as things happen.
type Metrics struct {
	reg          *prometheus.Registry
	logger       *slog.Logger
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	inboxOK      prometheus.Counter
	inboxRefused *prometheus.CounterVec
	deliveries   *prometheus.CounterVec
}

// New makes a registry with the Go runtime's and the process's series and
// ours. Errors of collectors at scrape time go to logger.
func New(logger *slog.Logger) *Metrics {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		reg:    prometheus.NewRegistry(),
		logger: logger,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by method, route pattern and status code.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method and route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"method", "route"}),
		inboxOK: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "inbox", Name: "accepted_total",
			Help: "Activities accepted at an inbox (answered 2xx).",
		}),
		inboxRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "inbox", Name: "refused_total",
			Help: "Activities refused at an inbox, by reason.",
		}, []string{"reason"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "delivery", Name: "jobs_total",
			Help: "Runs of delivery jobs, by outcome.",
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency, m.inboxOK, m.inboxRefused, m.deliveries,
	)
	return m
}

// Handler serves the registry in Prometheus' text format. A collector
// that fails (the database is slow) is logged and left out; the others
// are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(m.logger.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.reg, // promhttp's own series of scrapes
	})
}

// Registry is the registry itself, for a test or a collector of another
// part.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// InboxReasons shows each refusal reason at zero before any happens, so
// that dashboards and alerts see the series from the start.
func (m *Metrics) InboxReasons(reasons []string) {
	for _, r := range reasons {
		m.inboxRefused.WithLabelValues(r)
	}
}

// InboxAccepted counts an activity accepted at an inbox.
func (m *Metrics) InboxAccepted() { m.inboxOK.Inc() }

// InboxRefused counts an activity refused at an inbox; reason is one of a
// small fixed set (web/activitypub's InboxRefusalReasons).
func (m *Metrics) InboxRefused(reason string) { m.inboxRefused.WithLabelValues(reason).Inc() }

// OnDelivery returns the func the delivery queue tells each job run's
// outcome to (delivery.Options.OnOutcome), with every outcome shown at
// zero first; nil when m is nil, which turns it off.
func (m *Metrics) OnDelivery() func(delivery.Outcome) {
	if m == nil {
		return nil
	}
	for _, o := range delivery.Outcomes() {
		m.deliveries.WithLabelValues(string(o))
	}
	return func(o delivery.Outcome) { m.deliveries.WithLabelValues(string(o)).Inc() }
}

// observeRequest counts one answered request.
func (m *Metrics) observeRequest(method, route string, status int, seconds float64) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(seconds)
}
