// Package outbox turns local actions into activities: it stores each one,
// addresses it, and queues its deliveries in the same transaction, so an
// action is either wholly done or not at all.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"

	"github.com/go-fed/activity/streams/vocab"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// Enqueuer queues deliveries of a stored activity inside the caller's
// transaction (the delivery queue's Enqueue).
type Enqueuer func(ctx context.Context, tx pgx.Tx, activityID int64, inboxes []string) error

// FanoutEnqueuer queues, inside the caller's transaction, the delivery of
// a stored activity to a family of an actor's followers as one job that
// the queue expands later (the delivery queue's EnqueueFanout).
type FanoutEnqueuer func(ctx context.Context, tx pgx.Tx, activityID int64, to models.FollowerFamily) error

// Outbox sends activities on behalf of local actors.
type Outbox struct {
	db      *pgxpool.Pool
	urls    federation.URLs
	enqueue Enqueuer
	fanout  FanoutEnqueuer // nil: followers are listed in the sender's transaction
	logger  *slog.Logger
}

// New returns an outbox.
func New(db *pgxpool.Pool, u federation.URLs, enqueue Enqueuer, logger *slog.Logger) *Outbox {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Outbox{db: db, urls: u, enqueue: enqueue, logger: logger}
}

// WithFanout makes a group's shares leave as one fan-out job each instead
// of one delivery per follower inbox, so that the transaction of a post
// into a group does not grow with the group.
func (o *Outbox) WithFanout(f FanoutEnqueuer) *Outbox {
	o.fanout = f
	return o
}

// URLs is the URL scheme the outbox mints ids with.
func (o *Outbox) URLs() federation.URLs { return o.urls }

// Message is one activity to send.
type Message struct {
	Actor    *models.Actor // local sender; signs the deliveries
	ID       string        // the activity's id
	Activity vocab.Type
	Extra    map[string]any // terms go-fed lacks
	// Document, instead of Activity, is an activity already serialized
	// (federation.Wrap), for activities that embed another document.
	Document map[string]any
	// Body, instead of either, is an activity forwarded byte for byte
	// (its author's signature inside stays valid); Type is its type.
	Body      []byte
	Type      string
	ObjectURI string
	Public    bool // listed in the actor's outbox
	Inboxes   []string
	// Followers, besides Inboxes, is a family of an actor's followers to
	// deliver to (a group's share).
	Followers *models.FollowerFamily
}

// Send stores the activity and queues one delivery per distinct inbox, in tx.
func (o *Outbox) Send(ctx context.Context, tx pgx.Tx, m Message) (*models.Activity, error) {
	var body []byte
	var typ string
	var err error
	switch {
	case m.Body != nil:
		typ, body = m.Type, m.Body
	case m.Document != nil:
		typ, _ = m.Document["type"].(string)
		body, err = json.Marshal(m.Document)
	default:
		typ = m.Activity.GetTypeName()
		body, err = federation.Marshal(m.Activity, m.Extra)
	}
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	act := &models.Activity{URI: m.ID, ActorID: m.Actor.ID, Type: typ,
		ObjectURI: m.ObjectURI, Public: m.Public, Body: body}
	if err := models.InsertActivity(ctx, tx, act); err != nil {
		return nil, err
	}
	if m.Followers != nil {
		if o.fanout != nil {
			if err := o.fanout(ctx, tx, act.ID, *m.Followers); err != nil {
				return nil, fmt.Errorf("outbox: queue fan-out: %w", err)
			}
		} else {
			all, err := models.FollowerFamilyInboxes(ctx, tx, *m.Followers, "", math.MaxInt32)
			if err != nil {
				return nil, err
			}
			m.Inboxes = append(all, m.Inboxes...)
		}
	}
	inboxes := make([]string, 0, len(m.Inboxes))
	for _, in := range m.Inboxes {
		// Local recipients were already handled in the database; only remote
		// inboxes get a delivery.
		if in != "" && !o.urls.IsLocal(in) {
			inboxes = append(inboxes, in)
		}
	}
	if inboxes, err = o.withoutSuspendedDomains(ctx, tx, inboxes); err != nil {
		return nil, err
	}
	if len(inboxes) > 0 {
		if err := o.enqueue(ctx, tx, act.ID, inboxes); err != nil {
			return nil, fmt.Errorf("outbox: queue deliveries: %w", err)
		}
	}
	return act, nil
}
