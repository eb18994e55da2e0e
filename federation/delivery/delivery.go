// Package delivery sends outgoing activities to remote inboxes: a durable
// queue on River (riverqueue/river, in the same PostgreSQL) and a pool of
// workers that sign each POST and retry what fails.
//
// The flow: the outbox stores an activity and, in the same transaction,
// calls Enqueue with the activity's row id and its distinct inboxes; that
// inserts one River job per (activity, inbox), so either both are written or
// neither is. A Queue, started by `village serve`, works the jobs: it loads
// the activity (the exact JSON to send) and its actor, signs a POST with the
// actor's key and sends it through the same address guard as every other
// outgoing request. A job that is running when the process is killed is
// found by River's rescuer after Options.RescueAfter and tried again.
//
// What a peer's answer does:
//
//	2xx                  delivered; the host's failure count is reset
//	410 Gone             given up (the inbox is gone), no retry
//	other 4xx but 408    given up: the peer refuses this activity, and
//	                     sending it again will not change its mind
//	429                  snoozed for its Retry-After (bounded), else for the
//	                     backoff; a snooze is not a failed attempt
//	408, 3xx, 5xx,       failed: retried with exponential backoff (see
//	timeout, refused     RetryPolicy); counts as a failure of the host
//
// Host health lives in the delivery_hosts table: every failure counts
// against the inbox's host (host:port), a success clears the count, and
// after Options.PauseAfter failures in a row the host is paused, for longer
// with each further failure (at most 12 hours). A job for a paused host
// does not POST: it snoozes until the pause ends, and when it ends one job
// probes the host while the others keep waiting.
//
// Slow or dead hosts never hold up healthy ones: across every worker
// process on the database at most Options.PerHost POSTs go to one host at a
// time (up to Options.MaxPerHost to a host that answers slowly but well:
// see hostPace; the slots are rows of delivery_slots), and a job that
// cannot get one of its host's slots quickly snoozes briefly instead of
// holding a worker; a POST left unanswered for a second gives its worker
// back while it waits out its Timeout (see Options.Workers).
package delivery

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/models"
)

// Defaults used when an Options field is zero.
const (
	DefaultWorkers     = 50
	DefaultPerHost     = 4
	DefaultMaxPerHost  = 16
	DefaultTimeout     = 15 * time.Second
	DefaultRetryBase   = 30 * time.Second
	DefaultPauseAfter  = 10
	DefaultRescueAfter = 2 * time.Minute
	DefaultUserAgent   = "Village"
)

// River settings of the delivery queue.
const (
	// queueName keeps deliveries apart from any other River job, so that
	// Options.Workers counts deliveries only.
	queueName = "delivery"
	// fetchCooldown is the least time between two fetches of due jobs; each
	// fetch takes as many jobs as River has free worker slots. River's
	// default (100 ms) would hold a fan-out's pace to its fetches; 10 ms
	// lets it start as fast as jobs finish.
	fetchCooldown = 10 * time.Millisecond
	// fetchPollInterval is how often River looks for jobs that became due
	// without a notification: retries and snoozes shorter than River's
	// scheduler interval (5 s) wait for this poll, among them the brief
	// snooze of a job that found its host's slots taken.
	fetchPollInterval = 200 * time.Millisecond
	// sideQueuePollInterval is the poll of the queues beside deliveries
	// (maintenance, Web Push): a second late is nothing to them, and each
	// poll is a query, five a second per queue per process at the
	// deliveries' interval, most of an idle instance's CPU.
	sideQueuePollInterval = time.Second
)

// Per-host limits.
const (
	// slotWait is how long a job waits for one of its host's PerHost slots
	// before it snoozes; a POST to a healthy host takes far less.
	slotWait = 250 * time.Millisecond
	// slotSnooze is the base of that snooze (jittered up to twice as long).
	slotSnooze = 500 * time.Millisecond
	// slotLeaseMargin is added to a job's time limit for the lease of its
	// host slot: a POST never outlives its job, so only a killed process
	// leaves a slot to run out.
	slotLeaseMargin = 10 * time.Second
)

// Options configure a Queue. Zero values take the defaults.
type Options struct {
	// URLs is this instance's URL scheme; keyIds are made from it.
	URLs federation.URLs
	// AllowPrivate lists address prefixes that deliveries may reach even
	// though they are not public (the operator's VILLAGE_ALLOW_PRIVATE;
	// tests pass 127.0.0.0/8). Empty: public addresses only.
	AllowPrivate []netip.Prefix
	// Workers is how many deliveries are worked at once in this process:
	// loaded, signed, sent and answered. A POST still unanswered after a
	// second (a quarter of Timeout if shorter) gives its place back while it
	// waits, so hosts that never answer cannot occupy every worker; River
	// runs up to 8·Workers jobs to leave room for such waits. Default 50.
	Workers int
	// PerHost is how many POSTs may go to one host (host:port) at once,
	// counted across every process on the database. Default 4.
	PerHost int
	// MaxPerHost is how many POSTs may go at once to a host whose recent
	// answers are slow but successful (see hostPace); never fewer than
	// PerHost. Default 16.
	MaxPerHost int
	// Timeout bounds one POST: connecting, sending and the response.
	// Default 15s.
	Timeout time.Duration
	// UserAgent is sent with every POST. Default "Village".
	UserAgent string
	// RetryBase is the first retry's delay; each further retry doubles it
	// (see RetryPolicy). Default 30s.
	RetryBase time.Duration
	// PauseAfter is how many failures in a row pause a host. Default 10.
	PauseAfter int
	// RescueAfter is how long a job may stay running before River takes it
	// for abandoned (its process was killed) and runs it again. It must be
	// longer than a job's own time limit, Timeout plus a few seconds.
	// Default 2 minutes.
	RescueAfter time.Duration
	// Logger receives the queue's logs. Default slog.Default().
	Logger *slog.Logger
	// Periodic is upkeep to run every so often besides deliveries (see
	// PeriodicTask).
	Periodic []PeriodicTask
	// FanoutBatch is how many deliveries one step of a fan-out job queues
	// (see FanoutArgs). Default DefaultFanoutBatch.
	FanoutBatch int
	// Extra are other kinds of jobs this queue's River client works, each
	// in its own River queue (Web Push). One client per process keeps one
	// leader for the periodic tasks.
	Extra []ExtraJobs
	// OnOutcome, when set, is told what became of each run of a delivery
	// job (metrics); it must return quickly.
	OnOutcome func(Outcome)
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.PerHost <= 0 {
		o.PerHost = DefaultPerHost
	}
	if o.MaxPerHost <= 0 {
		o.MaxPerHost = DefaultMaxPerHost
	}
	o.MaxPerHost = max(o.MaxPerHost, o.PerHost)
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.RetryBase <= 0 {
		o.RetryBase = DefaultRetryBase
	}
	if o.PauseAfter <= 0 {
		o.PauseAfter = DefaultPauseAfter
	}
	if o.RescueAfter <= 0 {
		o.RescueAfter = DefaultRescueAfter
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.FanoutBatch <= 0 {
		o.FanoutBatch = DefaultFanoutBatch
	}
	return o
}

// jobTimeout is River's limit for one job: the POST's Timeout, the wait for
// a host slot, and a margin for the database queries and the signing.
func (o Options) jobTimeout() time.Duration {
	return o.Timeout + slotWait + max(2*time.Second, o.Timeout/4)
}

// Queue works delivery jobs. Make one with New, then Start it; Stop it
// before closing the database pool.
type Queue struct {
	pool      *pgxpool.Pool
	client    *river.Client[pgx.Tx]
	opts      Options
	log       *slog.Logger
	guard     *fetch.Guard
	http      *http.Client
	transport *http.Transport
	hosts     *hostSlots
	pace      *hostPace
	active    activeSlots
	keys      *keyCache
	schemes   *schemeMemo
	retry     *RetryPolicy
	pause     models.PauseRule
}

// New builds a Queue on pool. It does not start working; see Start.
func New(pool *pgxpool.Pool, opts Options) (*Queue, error) {
	if pool == nil {
		return nil, errors.New("delivery: no database pool")
	}
	if opts.URLs.Base == "" {
		return nil, errors.New("delivery: Options.URLs has no base URL, so no keyId can be made")
	}
	opts = opts.withDefaults()
	if opts.RescueAfter <= opts.jobTimeout() {
		return nil, fmt.Errorf("delivery: RescueAfter %s must be longer than a job's time limit %s (Timeout %s plus margin)",
			opts.RescueAfter, opts.jobTimeout(), opts.Timeout)
	}
	q := &Queue{
		pool:    pool,
		opts:    opts,
		log:     opts.Logger,
		guard:   fetch.NewGuard(opts.AllowPrivate),
		pace:    newHostPace(opts.PerHost, opts.MaxPerHost),
		active:  make(activeSlots, opts.Workers),
		keys:    newKeyCache(keyCacheSize),
		schemes: newSchemeMemo(schemeMemoSize, SchemeMemoTTL),
		retry:   &RetryPolicy{Base: opts.RetryBase},
		pause:   newPauseRule(opts),
	}
	q.hosts = newHostSlots(pool, q.pace, opts.jobTimeout()+slotLeaseMargin, q.log)
	q.transport = newTransport(q.guard, opts)
	q.http = &http.Client{
		Transport: q.transport,
		// An inbox that redirects is misconfigured or hostile; a POST is not
		// re-sent elsewhere, and the 3xx counts as a failure.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &worker{q: q}); err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &fanoutWorker{q: q}); err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	periodic, err := periodicJobs(workers, opts.Periodic)
	if err != nil {
		return nil, err
	}
	queues := map[string]river.QueueConfig{queueName: {MaxWorkers: opts.riverWorkers()}}
	if err := addExtraJobs(workers, queues, opts.Extra); err != nil {
		return nil, err
	}
	if len(periodic) > 0 {
		queues[maintenanceQueue] = river.QueueConfig{MaxWorkers: 1, FetchPollInterval: sideQueuePollInterval}
	}
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues:               queues,
		Workers:              workers,
		PeriodicJobs:         periodic,
		FetchCooldown:        fetchCooldown,
		FetchPollInterval:    fetchPollInterval,
		JobTimeout:           opts.jobTimeout(),
		RescueStuckJobsAfter: opts.RescueAfter,
		SoftStopTimeout:      opts.jobTimeout(),
		RetryPolicy:          q.retry,
		Logger:               opts.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	q.client = client
	return q, nil
}

// newTransport builds the HTTP transport of deliveries: every connection
// passes the address guard at dial time, no proxy, and at most MaxPerHost
// connections to one host.
func newTransport(guard *fetch.Guard, opts Options) *http.Transport {
	dialer := &net.Dialer{
		Timeout:   min(opts.Timeout, 10*time.Second),
		KeepAlive: 30 * time.Second,
		Control:   guard.Control,
	}
	return &http.Transport{
		// No proxy, not even from the environment: the guard would then
		// check the proxy's address instead of the inbox's.
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    min(opts.Timeout, 10*time.Second),
		ResponseHeaderTimeout:  opts.Timeout,
		IdleConnTimeout:        90 * time.Second,
		MaxIdleConns:           1000,
		MaxIdleConnsPerHost:    opts.MaxPerHost,
		MaxConnsPerHost:        opts.MaxPerHost,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// Start starts working jobs and returns at once. Cancelling ctx stops the
// queue as Stop does, but without waiting; prefer Stop for an orderly end.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("delivery: start: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for the running ones: each POST ends
// within Timeout. If ctx ends first, the running POSTs are cancelled and
// their jobs put back as they were, to run again on the next start. Jobs
// not yet run stay in the database either way; nothing is lost.
func (q *Queue) Stop(ctx context.Context) error {
	defer q.transport.CloseIdleConnections()
	err := q.client.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		if err != nil {
			return fmt.Errorf("delivery: stop: %w", err)
		}
		return nil
	}
	// The caller cannot wait longer: cancel the POSTs. River records a job
	// cancelled by shutdown as interrupted (available again, no attempt
	// spent); waiting for that takes a moment, not a POST's Timeout.
	q.log.Warn("delivery: stop deadline reached, cancelling running deliveries")
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := q.client.StopAndCancel(hard); err != nil {
		return fmt.Errorf("delivery: stop: %w", err)
	}
	return nil
}
