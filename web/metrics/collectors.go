package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/models"
)

// scrapeTimeout bounds the queries one scrape makes: a slow database
// must not hold the scraper (Prometheus' own timeout is 10 s by default).
const scrapeTimeout = 2 * time.Second

// WatchPool reports the database pool's use when scraped (pgxpool's Stat).
func (m *Metrics) WatchPool(pool *pgxpool.Pool) error {
	return m.register(&poolCollector{pool: pool})
}

// WatchQueue reports the delivery queue's depth and the age of its oldest
// due job, and the paused hosts, from the database when scraped. They are
// the same in every process on one database.
func (m *Metrics) WatchQueue(db models.DB) error {
	return m.register(&queueCollector{db: db, metrics: m})
}

// WatchStreams reports how many streaming connections open reports are
// open in this process.
func (m *Metrics) WatchStreams(open func() int) error {
	return m.register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: namespace, Subsystem: "streaming", Name: "connections",
		Help: "Streaming API connections open in this process.",
	}, func() float64 { return float64(open()) }))
}

func (m *Metrics) register(c prometheus.Collector) error {
	if err := m.reg.Register(c); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

func desc(subsystem, name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, subsystem, name), help, labels, nil)
}

// poolCollector reads pgxpool's counters; nothing is queried.
type poolCollector struct {
	pool *pgxpool.Pool
}

var _ prometheus.Collector = (*poolCollector)(nil)

func (p *poolCollector) descs() (acquired, idle, total, maxConns, acquires, empty, wait *prometheus.Desc) {
	return desc("db_pool", "acquired_conns", "Connections of the database pool in use now."),
		desc("db_pool", "idle_conns", "Connections of the database pool idle now."),
		desc("db_pool", "total_conns", "Connections of the database pool open now."),
		desc("db_pool", "max_conns", "Most connections the database pool may open."),
		desc("db_pool", "acquires_total", "Connections taken from the pool."),
		desc("db_pool", "empty_acquires_total", "Connections taken from the pool that had to wait for one."),
		desc("db_pool", "acquire_wait_seconds_total", "Time spent waiting for a pool connection.")
}

func (p *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	a, b, c, d, e, f, g := p.descs()
	for _, x := range []*prometheus.Desc{a, b, c, d, e, f, g} {
		ch <- x
	}
}

func (p *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := p.pool.Stat()
	acquired, idle, total, maxConns, acquires, empty, wait := p.descs()
	ch <- prometheus.MustNewConstMetric(acquired, prometheus.GaugeValue, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(idle, prometheus.GaugeValue, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(total, prometheus.GaugeValue, float64(s.TotalConns()))
	ch <- prometheus.MustNewConstMetric(maxConns, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(acquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(empty, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(wait, prometheus.CounterValue, s.AcquireDuration().Seconds())
}

// queueCollector queries River's table and delivery_hosts at each scrape.
type queueCollector struct {
	db      models.DB
	metrics *Metrics
}

var _ prometheus.Collector = (*queueCollector)(nil)

func (q *queueCollector) descs() (jobs, oldest, paused *prometheus.Desc) {
	return desc("delivery", "queue_jobs", "Delivery and fan-out jobs not yet done, by River state (all processes).", "state"),
		desc("delivery", "queue_oldest_available_seconds", "How long the oldest due delivery job has waited (0: none waits)."),
		desc("delivery", "paused_hosts", "Hosts whose deliveries are paused after failures in a row.")
}

func (q *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	a, b, c := q.descs()
	ch <- a
	ch <- b
	ch <- c
}

func (q *queueCollector) Collect(ch chan<- prometheus.Metric) {
	jobs, oldest, paused := q.descs()
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	st, err := delivery.ReadQueueStats(ctx, q.db)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(jobs, err)
	} else {
		for state, n := range st.Jobs {
			ch <- prometheus.MustNewConstMetric(jobs, prometheus.GaugeValue, float64(n), state)
		}
		ch <- prometheus.MustNewConstMetric(oldest, prometheus.GaugeValue, st.OldestAvailable.Seconds())
	}
	n, err := models.CountPausedDeliveryHosts(ctx, q.db, time.Now())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(paused, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(paused, prometheus.GaugeValue, float64(n))
}
