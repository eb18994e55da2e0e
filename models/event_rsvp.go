package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// RSVP statuses. People ask for going, maybe or not going; waitlist (the
// meetup is full) and pending (the organizer decides) are what going can
// come to.
const (
	RSVPGoing    = "going"
	RSVPMaybe    = "maybe"
	RSVPNotGoing = "not_going"
	RSVPWaitlist = "waitlist"
	RSVPPending  = "pending"
)

// How an answer came, which decides how its sender is answered.
const (
	RSVPViaLocal  = "local"  // the web app or the API here
	RSVPViaJoin   = "join"   // Mobilizon's Join{Event}: Accept or Reject{Join}
	RSVPViaAccept = "accept" // Friendica's and Gathio's Accept/TentativeAccept/Reject{Event}
	RSVPViaPoll   = "poll"   // a vote in the group's RSVP poll: a direct note
)

// Why an answer is refused.
var (
	ErrEventCancelled = errors.New("the meetup is cancelled")
	ErrEventOver      = errors.New("the meetup is over")
	ErrBadRSVP        = errors.New("an answer is going, maybe or not going")
)

// RSVP is one person's answer to a meetup.
type RSVP struct {
	EventID     int64
	ActorID     int64
	Status      string
	Via         string
	ActivityURI string
	Message     string
	Since       time.Time // when it took this status: the waitlist's order
	Actor       *Actor    // filled by EventAttendees
}

// Answer is an answer to record, and how it came.
type Answer struct {
	EventID int64
	ActorID int64
	Want    string // going, maybe or not_going
	Via     string
	// ActivityURI is the activity that carried it (a Join, an Accept, a
	// vote), kept to answer it and to find it when it is undone.
	ActivityURI string
	Message     string
}

// Outcome is what an answer, a withdrawal or a decision came to: the
// status now ("" when the person no longer answers), the status before
// ("" when there was none), and who moved off the waitlist because of it.
type Outcome struct {
	Status   string
	Previous string
	Promoted []RSVP
}

// Changed reports whether the person's status changed.
func (o Outcome) Changed() bool { return o.Status != o.Previous }

const rsvpColumns = `r.event_id, r.actor_id, r.status, r.via, coalesce(r.activity_uri, ''), r.message, r.since`

func scanRSVP(row pgx.Row, extra ...any) (*RSVP, error) {
	var r RSVP
	dest := []any{&r.EventID, &r.ActorID, &r.Status, &r.Via, &r.ActivityURI, &r.Message, &r.Since}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &r, nil
}

// ledger is a local meetup's rules, read with its row locked so that
// answers to it take turns: two people cannot take its last place.
type ledger struct {
	capacity *int
	joinMode string
	status   string
	over     bool
}

func lockEvent(ctx context.Context, db DB, eventID int64) (*ledger, error) {
	var l ledger
	err := db.QueryRow(ctx, `SELECT capacity, join_mode, status,
			coalesce(ends_at, starts_at + interval '3 hours') < now()
		FROM events WHERE post_id = $1 FOR UPDATE`, eventID).Scan(&l.capacity, &l.joinMode, &l.status, &l.over)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: lock event: %w", err)
	}
	return &l, nil
}

func goingCount(ctx context.Context, db DB, eventID int64) (int, error) {
	var n int
	err := db.QueryRow(ctx, `SELECT count(*) FROM event_rsvps WHERE event_id = $1 AND status = 'going'`, eventID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("models: count going: %w", err)
	}
	return n, nil
}

// AnswerEvent records an answer to a local meetup under its rules, in
// db (a transaction, which holds the meetup's row until it ends): going
// becomes pending when the organizer decides who comes, waitlist when
// the meetup is full; someone who was going and now is not frees a
// place for the first on the waitlist. Asking again for what one has
// (going while waiting or pending) keeps one's place in line.
func AnswerEvent(ctx context.Context, db DB, a Answer) (Outcome, error) {
	if a.Want != RSVPGoing && a.Want != RSVPMaybe && a.Want != RSVPNotGoing {
		return Outcome{}, ErrBadRSVP
	}
	l, err := lockEvent(ctx, db, a.EventID)
	if err != nil {
		return Outcome{}, err
	}
	switch {
	case l.status == EventCancelled:
		return Outcome{}, ErrEventCancelled
	case l.over:
		return Outcome{}, ErrEventOver
	}
	prev, err := RSVPOf(ctx, db, a.EventID, a.ActorID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Outcome{}, err
	}
	out := Outcome{}
	if prev != nil {
		out.Previous = prev.Status
	}
	out.Status = a.Want
	if a.Want == RSVPGoing {
		switch {
		case out.Previous == RSVPGoing, out.Previous == RSVPWaitlist, out.Previous == RSVPPending:
			out.Status = out.Previous // already in, or already in line
		case l.joinMode != JoinFree:
			out.Status = RSVPPending
		default:
			full, err := isFull(ctx, db, a.EventID, l)
			if err != nil {
				return Outcome{}, err
			}
			if full {
				out.Status = RSVPWaitlist
			}
		}
	}
	if err := putRSVP(ctx, db, a, out.Status); err != nil {
		return Outcome{}, err
	}
	if out.Previous == RSVPGoing && out.Status != RSVPGoing {
		if out.Promoted, err = promote(ctx, db, a.EventID, l); err != nil {
			return Outcome{}, err
		}
	}
	return out, nil
}

func isFull(ctx context.Context, db DB, eventID int64, l *ledger) (bool, error) {
	if l.capacity == nil {
		return false, nil
	}
	going, err := goingCount(ctx, db, eventID)
	return going >= *l.capacity, err
}

// putRSVP writes a person's status; since moves only when it changes.
func putRSVP(ctx context.Context, db DB, a Answer, status string) error {
	via := a.Via
	if via == "" {
		via = RSVPViaLocal
	}
	_, err := db.Exec(ctx, `INSERT INTO event_rsvps (event_id, actor_id, status, via, activity_uri, message)
		VALUES ($1, $2, $3, $4, nullif($5, ''), $6)
		ON CONFLICT (event_id, actor_id) DO UPDATE SET status = $3, via = $4,
			activity_uri = coalesce(nullif($5, ''), event_rsvps.activity_uri),
			message = CASE WHEN $6 = '' THEN event_rsvps.message ELSE $6 END,
			since = CASE WHEN event_rsvps.status = $3 THEN event_rsvps.since ELSE now() END`,
		a.EventID, a.ActorID, status, via, a.ActivityURI, a.Message)
	if err != nil {
		return fmt.Errorf("models: rsvp: %w", err)
	}
	return nil
}

// promote moves people off the waitlist, first come first, while there
// is room.
func promote(ctx context.Context, db DB, eventID int64, l *ledger) ([]RSVP, error) {
	if l.status == EventCancelled {
		return nil, nil
	}
	limit := 1 << 30
	if l.capacity != nil {
		going, err := goingCount(ctx, db, eventID)
		if err != nil {
			return nil, err
		}
		limit = *l.capacity - going
	}
	if limit <= 0 {
		return nil, nil
	}
	return queryList(ctx, db, "promote", func(r pgx.Row) (RSVP, error) {
		rsvp, err := scanRSVP(r)
		if err != nil {
			return RSVP{}, err
		}
		return *rsvp, nil
	},
		`UPDATE event_rsvps r SET status = 'going', since = now()
		WHERE r.id IN (SELECT id FROM event_rsvps WHERE event_id = $1 AND status = 'waitlist'
			ORDER BY since, id LIMIT $2)
		RETURNING `+rsvpColumns, eventID, limit)
}

// PromoteWaitlist lets people off a meetup's waitlist while there is room
// (after its capacity grew), and returns them.
func PromoteWaitlist(ctx context.Context, db DB, eventID int64) ([]RSVP, error) {
	l, err := lockEvent(ctx, db, eventID)
	if err != nil {
		return nil, err
	}
	return promote(ctx, db, eventID, l)
}

// WithdrawRSVP forgets a person's answer (Mobilizon's Leave, an Undo of an
// Accept, a member taking hers back) and lets the first on the waitlist
// in when it freed a place. Outcome.Previous is "" when there was none.
func WithdrawRSVP(ctx context.Context, db DB, eventID, actorID int64) (Outcome, error) {
	l, err := lockEvent(ctx, db, eventID)
	if err != nil {
		return Outcome{}, err
	}
	var prev string
	err = db.QueryRow(ctx, `DELETE FROM event_rsvps WHERE event_id = $1 AND actor_id = $2 RETURNING status`,
		eventID, actorID).Scan(&prev)
	if errors.Is(err, pgx.ErrNoRows) {
		return Outcome{}, nil
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("models: withdraw rsvp: %w", err)
	}
	out := Outcome{Previous: prev}
	if prev == RSVPGoing {
		if out.Promoted, err = promote(ctx, db, eventID, l); err != nil {
			return Outcome{}, err
		}
	}
	return out, nil
}

// DecideRSVP is the organizer's (or a moderator's) decision on a pending
// answer: approved, the person is going (or waits for a place when the
// meetup is full); refused, the answer is removed. ErrNotFound when the
// person is not pending.
func DecideRSVP(ctx context.Context, db DB, eventID, actorID int64, approve bool) (Outcome, error) {
	l, err := lockEvent(ctx, db, eventID)
	if err != nil {
		return Outcome{}, err
	}
	prev, err := RSVPOf(ctx, db, eventID, actorID)
	if err != nil {
		return Outcome{}, err
	}
	if prev.Status != RSVPPending {
		return Outcome{}, ErrNotFound
	}
	if !approve {
		_, err := db.Exec(ctx, `DELETE FROM event_rsvps WHERE event_id = $1 AND actor_id = $2`, eventID, actorID)
		if err != nil {
			return Outcome{}, fmt.Errorf("models: refuse rsvp: %w", err)
		}
		return Outcome{Previous: RSVPPending}, nil
	}
	status := RSVPGoing
	if full, err := isFull(ctx, db, eventID, l); err != nil {
		return Outcome{}, err
	} else if full {
		status = RSVPWaitlist
	}
	_, err = db.Exec(ctx, `UPDATE event_rsvps SET status = $3, since = now() WHERE event_id = $1 AND actor_id = $2`,
		eventID, actorID, status)
	if err != nil {
		return Outcome{}, fmt.Errorf("models: approve rsvp: %w", err)
	}
	return Outcome{Status: status, Previous: RSVPPending}, nil
}

// RecordRemoteRSVP keeps a local person's answer to a remote meetup as
// its server last confirmed it (or as sent, until it answers); the
// remote server applies its own rules, so none are applied here.
func RecordRemoteRSVP(ctx context.Context, db DB, a Answer, status string) error {
	return putRSVP(ctx, db, a, status)
}

// RSVPOf is a person's answer to a meetup, ErrNotFound when none.
func RSVPOf(ctx context.Context, db DB, eventID, actorID int64) (*RSVP, error) {
	r, err := scanRSVP(db.QueryRow(ctx, `SELECT `+rsvpColumns+` FROM event_rsvps r
		WHERE r.event_id = $1 AND r.actor_id = $2`, eventID, actorID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: rsvp of: %w", err)
	}
	return r, err
}

// RSVPByActivity finds the answer an activity made (a Join being undone
// or accepted), ErrNotFound when none.
func RSVPByActivity(ctx context.Context, db DB, activityURI string) (*RSVP, error) {
	r, err := scanRSVP(db.QueryRow(ctx, `SELECT `+rsvpColumns+` FROM event_rsvps r WHERE r.activity_uri = $1`, activityURI))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: rsvp by activity: %w", err)
	}
	return r, err
}

// RSVPCounts are how many people are in each status of a meetup.
type RSVPCounts struct {
	Going, Maybe, NotGoing, Waitlist, Pending int
}

// CountRSVPs counts a meetup's answers by status.
func CountRSVPs(ctx context.Context, db DB, eventID int64) (RSVPCounts, error) {
	var c RSVPCounts
	err := db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'going'), count(*) FILTER (WHERE status = 'maybe'),
			count(*) FILTER (WHERE status = 'not_going'), count(*) FILTER (WHERE status = 'waitlist'),
			count(*) FILTER (WHERE status = 'pending')
		FROM event_rsvps WHERE event_id = $1`, eventID).Scan(&c.Going, &c.Maybe, &c.NotGoing, &c.Waitlist, &c.Pending)
	if err != nil {
		return c, fmt.Errorf("models: count rsvps: %w", err)
	}
	return c, nil
}

// EventAttendees are a meetup's answers in the given statuses (all when
// none are given), with each person, in the order they took their status.
func EventAttendees(ctx context.Context, db DB, eventID int64, statuses ...string) ([]RSVP, error) {
	return rsvpsWithActors(ctx, db, "attendees", `SELECT `+rsvpColumns+`, `+actorColumns+` FROM event_rsvps r JOIN actors a ON a.id = r.actor_id
		WHERE r.event_id = $1 AND (coalesce(cardinality($2::text[]), 0) = 0 OR r.status = ANY($2))
		ORDER BY r.since, r.id`, eventID, statuses)
}

// rsvpsWithActors runs query, which selects rsvpColumns then actorColumns,
// into answers each with its person; what names it in errors.
func rsvpsWithActors(ctx context.Context, db DB, what, query string, args ...any) ([]RSVP, error) {
	return queryList(ctx, db, what, func(r pgx.Row) (RSVP, error) {
		var a Actor
		rsvp, err := scanRSVP(r, a.dest()...)
		if err != nil {
			return RSVP{}, err
		}
		rsvp.Actor = &a
		return *rsvp, nil
	}, query, args...)
}
