package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/village-social/village/federation/requestid"
	"github.com/village-social/village/models"
)

// A group's share to all its followers is queued as one fan-out job rather
// than one delivery per inbox: the transaction of the member's post then
// writes one row whatever the group's size, and the worker expands it into
// deliveries, DefaultFanoutBatch inboxes per transaction. Each transaction
// queues its batch and moves the fan-out's cursor (models.LockFanout), so a
// process killed mid-expansion resumes where the last commit left off.

// DefaultFanoutBatch is how many deliveries one expansion step queues.
const DefaultFanoutBatch = 500

// fanoutSlice bounds one run of a fan-out job: a run that has queued for
// this long snoozes and goes on from its cursor, so that the job keeps
// within the queue's job timeout, and River's rescuer, which waits that
// timeout, picks up a killed expansion as soon as a killed delivery.
const fanoutSlice = 5 * time.Second

// FanoutArgs is a fan-out job: deliver the stored activity ActivityID to
// every inbox of a family of an actor's followers.
type FanoutArgs struct {
	ActivityID int64                 `json:"activity_id"`
	To         models.FollowerFamily `json:"to"`
}

// Kind names fan-out jobs in River's table.
func (FanoutArgs) Kind() string { return "deliver_fanout" }

// InsertOpts puts fan-outs in the delivery queue. A run that fails (the
// database) is retried on the deliveries' schedule.
func (FanoutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName, MaxAttempts: MaxAttempts}
}

// EnqueueFanout queues the delivery of activity activityID to the family
// of followers to, within tx (see Enqueue): one job row, however many
// followers there are.
func EnqueueFanout(ctx context.Context, tx pgx.Tx, activityID int64, to models.FollowerFamily) error {
	in, err := NewInserter()
	if err != nil {
		return err
	}
	return in.EnqueueFanout(ctx, tx, activityID, to)
}

// EnqueueFanout is the package's EnqueueFanout through the shared client.
func (in *Inserter) EnqueueFanout(ctx context.Context, tx pgx.Tx, activityID int64, to models.FollowerFamily) error {
	if _, err := in.client.InsertTx(ctx, tx, FanoutArgs{ActivityID: activityID, To: to}, insertOpts(ctx)); err != nil {
		return fmt.Errorf("delivery: enqueue fan-out of activity %d: %w", activityID, err)
	}
	return nil
}

// fanoutWorker expands fan-out jobs.
type fanoutWorker struct {
	river.WorkerDefaults[FanoutArgs]
	q *Queue
}

// Work queues the deliveries of the fan-out, batch by batch, until every
// inbox has one.
func (w *fanoutWorker) Work(ctx context.Context, job *river.Job[FanoutArgs]) error {
	// The deliveries it queues carry the request id on.
	ctx = requestid.With(ctx, jobRequestID(job.Metadata))
	queued, start := 0, time.Now()
	for {
		n, done, err := w.q.expandBatch(ctx, job.Args)
		if err != nil {
			return err
		}
		queued += n
		if done {
			w.q.log.Debug("delivery: fan-out expanded", slog.Int64("activity_id", job.Args.ActivityID),
				slog.Int("queued", queued))
			return nil
		}
		if time.Since(start) > fanoutSlice {
			return river.JobSnooze(time.Millisecond)
		}
	}
}

// expandBatch queues the next batch of the fan-out's deliveries in one
// transaction with the cursor's move; done when none are left.
func (q *Queue) expandBatch(ctx context.Context, a FanoutArgs) (n int, done bool, err error) {
	err = pgx.BeginFunc(ctx, q.pool, func(tx pgx.Tx) error {
		cur, err := models.LockFanout(ctx, tx, a.ActivityID)
		if err != nil || cur.Done {
			done = cur.Done
			return err
		}
		inboxes, err := models.FollowerFamilyInboxes(ctx, tx, a.To, cur.AfterInbox, q.opts.FanoutBatch)
		if err != nil {
			return err
		}
		if len(inboxes) < q.opts.FanoutBatch {
			cur.Done, done = true, true
		}
		if len(inboxes) > 0 {
			cur.AfterInbox = inboxes[len(inboxes)-1]
			if err := Enqueue(ctx, tx, a.ActivityID, inboxes); err != nil {
				return err
			}
		}
		n = len(inboxes)
		return models.MoveFanout(ctx, tx, a.ActivityID, cur)
	})
	if err != nil {
		return 0, false, fmt.Errorf("delivery: fan-out of activity %d: %w", a.ActivityID, err)
	}
	return n, done, nil
}
