package inbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models"
)

// DefaultSyncApplies is how many activities one process applies while
// their senders wait. More arriving at once are stored in the backlog,
// answered 202 and applied a moment later (Receive): a burst is accepted
// at the rate of one insert each instead of a whole apply each, and the
// sender's connection is not held while PostgreSQL catches up.
const DefaultSyncApplies = 4

// backlogPoll is how often a runner looks for activities that another
// process stored or a crash left behind (it looks once as it starts); its
// own arrive with a wake-up.
const backlogPoll = 5 * time.Second

// burstGrace is how long the runner gives way to a burst: while more
// activities are being received at once than burstAbove, and the backlog
// is younger than this, it waits, so that the burst is taken at the rate
// of storing it, not of applying it. An older backlog is applied
// alongside what arrives (the load shared, not starved); a few at a time
// never hold it up.
const burstGrace = 10 * time.Second

// burstQuiet is how long after the last moment that made a burst the
// burst is taken to be over: the count of requests in flight dips and
// rises while one lasts.
const burstQuiet = 200 * time.Millisecond

// burstAbove is how many activities received at once make a burst, for a
// processor applying syncApplies at once while their senders wait.
func burstAbove(syncApplies int) int64 { return int64(max(syncApplies, 4)) }

// yieldPause is how long the runner waits before it looks again whether
// the inbox is still receiving.
const yieldPause = 5 * time.Millisecond

// backlog is the state Receive and RunBacklog share.
type backlog struct {
	slots     chan struct{}  // one per synchronous apply in progress
	running   atomic.Bool    // a runner applies the backlog: Receive may defer
	since     atomic.Int64   // when activities began to wait, new ones queuing behind them (Unix nanoseconds; 0: none wait)
	receiving atomic.Int64   // Receive calls in progress
	lastBurst atomic.Int64   // when more than burstAbove were last received at once (Unix nanoseconds)
	wake      chan struct{}  // an activity was deferred
	inserts   chan *deferral // to the runner's inserter, which stores them in batches
	stopped   chan struct{}  // closed when the inserter has stopped
}

// maxDeferBatch bounds the activities one insert stores.
const maxDeferBatch = 64

// deferral is an activity Receive defers, with where to say how its
// insert went.
type deferral struct {
	row  models.DeferredInboxActivity
	done chan deferred // buffered: the inserter never waits for the reader
}

type deferred struct {
	fresh bool
	err   error
}

func newBacklog(syncApplies int) *backlog {
	return &backlog{slots: make(chan struct{}, syncApplies), wake: make(chan struct{}, backlogWorkers),
		inserts: make(chan *deferral), stopped: make(chan struct{})}
}

// WithSyncApplies sets how many activities are applied while their
// senders wait (DefaultSyncApplies); 0 defers every one that changes
// something, while a runner runs. Set it before serving.
func (p *Processor) WithSyncApplies(n int) *Processor {
	p.backlog = newBacklog(n)
	return p
}

// Receive takes one activity signed by signer, as Process does, with one
// difference under load: when every synchronous apply is busy, or others
// wait already, it is checked and stored durably, pending, and applied by
// RunBacklog in arrival order. Either way a nil error means it is stored:
// the sender gets its 202, and a crash loses nothing. What it is refused
// for after that (a post into a group its author was banned from) is
// logged, not answered; what can be refused before is, as by Process.
// Without a runner, it is Process.
func (p *Processor) Receive(ctx context.Context, signer *models.Actor, body []byte) error {
	b := p.backlog
	if b.receiving.Add(1) > burstAbove(cap(b.slots)) {
		b.lastBurst.Store(time.Now().UnixNano())
	}
	defer b.receiving.Add(-1)
	a, err := parseActivity(signer, body)
	if err != nil {
		return err
	}
	if !changesState(a.Type()) || !b.running.Load() {
		return p.processParsed(ctx, a)
	}
	if b.since.Load() == 0 {
		select {
		case b.slots <- struct{}{}:
			defer func() { <-b.slots }()
			return p.processParsed(ctx, a)
		default: // every slot busy
		}
	}
	fresh, err := p.store(ctx, models.DeferredInboxActivity{URI: a.ID(), Type: a.Type(), ActorID: signer.ID,
		Body: body, GroupInbox: arrivedAtGroup(ctx)})
	if err != nil {
		return fmt.Errorf("inbox: %s %s: %w", a.Type(), a.ID(), err)
	}
	if fresh { // a replay is already applied or waiting
		b.since.CompareAndSwap(0, time.Now().UnixNano())
		select {
		case b.wake <- struct{}{}:
		default: // the runner is woken already
		}
	}
	return nil
}

// store has the runner's inserter store row with the others that arrive
// meanwhile (one statement and one commit for them all), or stores it
// alone once the runner has stopped. It returns when row is committed.
func (p *Processor) store(ctx context.Context, row models.DeferredInboxActivity) (bool, error) {
	d := &deferral{row: row, done: make(chan deferred, 1)}
	select {
	case p.backlog.inserts <- d:
	case <-p.backlog.stopped:
		return models.DeferInboxActivity(ctx, p.db, row.URI, row.Type, row.ActorID, row.Body, row.GroupInbox)
	case <-ctx.Done():
		return false, ctx.Err()
	}
	select {
	case r := <-d.done:
		return r.fresh, r.err
	case <-ctx.Done():
		return false, ctx.Err() // it may be stored: a retry is a replay
	}
}

// insertDeferrals stores what Receive defers, each batch what arrived
// while the previous insert ran, until ctx ends.
func (p *Processor) insertDeferrals(ctx context.Context) {
	for {
		var batch []*deferral
		select {
		case <-ctx.Done():
			return
		case d := <-p.backlog.inserts:
			batch = append(batch, d)
		}
	more:
		for len(batch) < maxDeferBatch {
			select {
			case d := <-p.backlog.inserts:
				batch = append(batch, d)
			default:
				break more
			}
		}
		// Its senders wait for it: it is finished even when the runner stops.
		p.storeBatch(context.WithoutCancel(ctx), batch)
	}
}

// storeBatch stores a batch in one statement; should that fail (an actor
// deleted meanwhile), each one alone, so that one bad row fails only its
// own request.
func (p *Processor) storeBatch(ctx context.Context, batch []*deferral) {
	rows := make([]models.DeferredInboxActivity, len(batch))
	for i, d := range batch {
		rows[i] = d.row
	}
	fresh, err := models.DeferInboxActivities(ctx, p.db, rows)
	if err == nil {
		for i, d := range batch {
			d.done <- deferred{fresh: fresh[i]}
		}
		return
	}
	for _, d := range batch {
		f, err := models.DeferInboxActivity(ctx, p.db, d.row.URI, d.row.Type, d.row.ActorID, d.row.Body, d.row.GroupInbox)
		d.done <- deferred{fresh: f, err: err}
	}
}

// BacklogRunning reports whether RunBacklog runs, so that Receive may defer.
func (p *Processor) BacklogRunning() bool { return p.backlog.running.Load() }

// backlogWorkers is how many activities a runner applies at most at once.
// Each actor's are applied one after another, oldest first, whichever
// worker or process takes them (models.ClaimPendingInboxActivity): an
// Update or Delete is never applied before the Create it follows.
const backlogWorkers = 4

// workersFor is how many workers a pool of maxConns connections affords:
// each holds one for its transaction and borrows another while it
// prepares (fetches, lookups), so an operator's small pool
// (pool_max_conns) must not be taken whole by them.
func workersFor(maxConns int32) int {
	return int(min(max(maxConns/8, 1), backlogWorkers))
}

// RunBacklog applies what Receive deferred, until ctx ends; it also
// applies what other processes on the database deferred and what a crash
// left pending. Only while it runs does Receive defer; one runs per
// process that serves the inbox.
func (p *Processor) RunBacklog(ctx context.Context) {
	b := p.backlog
	if !b.running.CompareAndSwap(false, true) {
		panic("inbox: RunBacklog runs twice on one Processor")
	}
	defer b.running.Store(false)
	inserterDone := make(chan struct{})
	go func() {
		defer close(inserterDone)
		defer close(b.stopped)
		p.insertDeferrals(ctx)
	}()
	defer func() { <-inserterDone }()
	var workers sync.WaitGroup
	for i := range workersFor(p.db.Config().MaxConns) {
		workers.Go(func() { p.applyBacklog(ctx, i == 0) })
	}
	workers.Wait()
}

// applyBacklog is one of the runner's workers: it applies pending
// activities until none is left that it may take, then waits for a
// deferral, or the next poll when it is the worker that polls. Only one
// polls (and looks as the runner starts): each look holds a database
// connection, and four at once made every process open three more at
// its start. A worker that found work wakes another, so what a poll
// finds is shared out.
func (p *Processor) applyBacklog(ctx context.Context, polls bool) {
	b := p.backlog
	var tick <-chan time.Time
	if polls {
		poll := time.NewTicker(backlogPoll)
		defer poll.Stop()
		tick = poll.C
	}
	for look := polls; ; look = true {
		for look && ctx.Err() == nil {
			if b.yield() {
				select {
				case <-ctx.Done():
				case <-time.After(yieldPause):
				}
				continue
			}
			claimed, err := p.applyPending(ctx)
			if err != nil {
				if ctx.Err() == nil {
					p.logger.WarnContext(ctx, "inbox backlog: waiting before the next try", "error", err)
				}
				break // wait for the next poll rather than spin on a database that is down
			}
			if !claimed {
				// Nothing this worker may take; new arrivals queue behind
				// the others' only while some are pending.
				if n, err := models.PendingInboxActivities(ctx, p.db); err == nil && n == 0 {
					b.since.Store(0)
				}
				break
			}
			select {
			case b.wake <- struct{}{}:
			default: // the others are awake already
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		case <-tick:
		}
	}
}

// yield reports whether the runner should wait: a burst is arriving (or
// was, burstQuiet ago) and the backlog is younger than burstGrace.
func (b *backlog) yield() bool {
	if time.Since(time.Unix(0, b.lastBurst.Load())) > burstQuiet {
		return false
	}
	since := b.since.Load()
	return since != 0 && time.Since(time.Unix(0, since)) < burstGrace
}

// applyPending applies the oldest pending activity, if any: claimed,
// prepared and applied in one transaction that also marks it done, so that
// it is applied once even with several processes, and stays pending if
// this one dies. It reports whether it found one; an error is ours (the
// database), counted against the activity.
func (p *Processor) applyPending(ctx context.Context) (claimed bool, err error) {
	var row *models.PendingInboxActivity
	var a *activity
	err = models.InTx(ctx, p.db, func(tx pgx.Tx) error {
		var err error
		if row, err = models.ClaimPendingInboxActivity(ctx, tx); err != nil {
			return err
		}
		if a, err = p.pendingActivity(ctx, tx, row); err != nil {
			return err
		}
		actx := ctx
		if row.GroupInbox != "" {
			actx = AtGroupInbox(ctx, row.GroupInbox)
		}
		pre, err := p.prepare(actx, a)
		if err != nil {
			return err
		}
		if err := p.apply(actx, tx, a, pre); err != nil {
			return err
		}
		return models.FinishInboxActivity(ctx, tx, row.ID)
	})
	if row == nil { // nothing claimed
		if errors.Is(err, models.ErrNotFound) {
			return false, nil // nothing waits
		}
		return false, err // the database: nothing to count against
	}
	if err == nil {
		p.applied(ctx, a)
		return true, nil
	}
	var refusal *Error
	if errors.As(err, &refusal) || errors.Is(err, errSignerGone) {
		// Accepted, then refused: the sender has its 202, so the reason
		// is only logged; the activity stays recorded and is done.
		p.logger.InfoContext(ctx, "inbox backlog: refused after it was accepted", "id", row.URI, "reason", err.Error())
		return true, models.FinishInboxActivity(ctx, p.db, row.ID)
	}
	if ctx.Err() != nil {
		return true, ctx.Err() // stopped: it stays pending for the next run
	}
	gaveUp, ferr := models.FailInboxActivity(context.WithoutCancel(ctx), p.db, row.ID)
	if ferr != nil {
		return true, errors.Join(err, ferr)
	}
	if gaveUp {
		p.logger.ErrorContext(ctx, "inbox backlog: given up", "id", row.URI, "attempts", models.MaxInboxAttempts, "error", err)
		return true, nil
	}
	return true, err
}

// errSignerGone: the actor who sent a pending activity was deleted since.
var errSignerGone = errors.New("its sender is gone")

// pendingActivity rebuilds a stored activity with its signer, checked
// again as when it arrived.
func (p *Processor) pendingActivity(ctx context.Context, tx models.DB, row *models.PendingInboxActivity) (*activity, error) {
	if row.ActorID == nil {
		return nil, errSignerGone
	}
	signer, err := models.ActorByID(ctx, tx, *row.ActorID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, errSignerGone
	}
	if err != nil {
		return nil, err
	}
	return parseActivity(signer, row.Body)
}
