package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// Args is one delivery job: send the stored activity ActivityID to Inbox.
type Args struct {
	ActivityID int64  `json:"activity_id"`
	Inbox      string `json:"inbox"`
}

// Kind names delivery jobs in River's table.
func (Args) Kind() string { return "deliver" }

// InsertOpts puts deliveries in their own queue, with the attempt budget of
// the retry schedule (see RetryPolicy).
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueName, MaxAttempts: MaxAttempts}
}

// Enqueue queues the delivery of activity activityID to each inbox, one job
// per distinct non-empty inbox, within tx: the caller stores the activity in
// the same transaction, so on commit the activity and its deliveries exist
// together, and on rollback neither does. A running Queue is notified at
// commit and starts at once.
//
// Jobs are inserted so that consecutive ones go to different hosts: a
// fan-out then reaches every host early instead of queueing behind one
// host's PerHost slots.
//
// Enqueue makes an insert-only client for each call; a server queues
// through one Inserter instead.
func Enqueue(ctx context.Context, tx pgx.Tx, activityID int64, inboxes []string) error {
	in, err := NewInserter()
	if err != nil {
		return err
	}
	return in.Enqueue(ctx, tx, activityID, inboxes)
}

// Inserter queues deliveries and fan-outs through one insert-only River
// client (no pool, no queues: it writes through the caller's tx and sends
// River's insert notification with it). Made once and shared: a client
// asks the database for its version before its first insert, which a
// client per call paid on every enqueue.
type Inserter struct {
	client *river.Client[pgx.Tx]
}

// NewInserter makes the insert-only client.
func NewInserter() (*Inserter, error) {
	client, err := river.NewClient(riverpgxv5.New(nil), &river.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("delivery: enqueue: %w", err)
	}
	return &Inserter{client: client}, nil
}

// Enqueue is the package's Enqueue through the shared client.
func (in *Inserter) Enqueue(ctx context.Context, tx pgx.Tx, activityID int64, inboxes []string) error {
	ordered := interleaveByHost(inboxes)
	if len(ordered) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(ordered))
	opts := insertOpts(ctx) // the request id, for the worker's logs
	for i, inbox := range ordered {
		params[i] = river.InsertManyParams{Args: Args{ActivityID: activityID, Inbox: inbox}, InsertOpts: opts}
	}
	if _, err := in.client.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("delivery: enqueue %d deliveries of activity %d: %w", len(params), activityID, err)
	}
	return nil
}

// interleaveByHost drops empty and repeated inboxes and orders the rest
// round-robin over their hosts, keeping each host's own order.
func interleaveByHost(inboxes []string) []string {
	seen := make(map[string]bool, len(inboxes))
	var hosts []string
	byHost := make(map[string][]string)
	for _, inbox := range inboxes {
		if inbox == "" || seen[inbox] {
			continue
		}
		seen[inbox] = true
		host := inbox // an unparsable inbox is its own group; the worker gives it up
		if u, err := url.Parse(inbox); err == nil {
			if k, ok := hostKey(u); ok {
				host = k
			}
		}
		if _, ok := byHost[host]; !ok {
			hosts = append(hosts, host)
		}
		byHost[host] = append(byHost[host], inbox)
	}
	out := make([]string, 0, len(seen))
	for len(hosts) > 0 {
		next := hosts[:0] // hosts with inboxes left, filtered in place
		for _, h := range hosts {
			rest := byHost[h]
			out = append(out, rest[0])
			if len(rest) > 1 {
				byHost[h] = rest[1:]
				next = append(next, h)
			}
		}
		hosts = next
	}
	return out
}
