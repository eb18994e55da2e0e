package models

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// UnsentActivity is actorID's newest activity of type typ about
// objectURI none of whose deliveries has been tried yet (ErrNotFound when
// there is none): rewriting its body changes what every recipient will
// get, so a burst of changes (new counts of a poll) goes out as one.
func UnsentActivity(ctx context.Context, db DB, actorID int64, typ, objectURI string) (*Activity, error) {
	a, err := scanActivity(db.QueryRow(ctx, activitySelect+` a0 WHERE actor_id = $1 AND type = $2 AND object_uri = $3
			AND EXISTS (SELECT 1 FROM river_job j WHERE j.kind = 'deliver' AND j.args @> jsonb_build_object('activity_id', a0.id))
			AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.kind = 'deliver'
				AND j.args @> jsonb_build_object('activity_id', a0.id)
				AND (j.attempt > 0 OR j.state NOT IN ('available', 'scheduled')))
		ORDER BY id DESC LIMIT 1`, actorID, typ, objectURI))
	if err != nil {
		return nil, notFoundOr(err, "models: unsent activity")
	}
	return a, nil
}

// ReplaceActivityBody rewrites what an activity not yet delivered says.
func ReplaceActivityBody(ctx context.Context, db DB, id int64, body []byte) error {
	if _, err := db.Exec(ctx, `UPDATE activities SET body = $2 WHERE id = $1`, id, body); err != nil {
		return fmt.Errorf("models: replace activity body: %w", err)
	}
	return nil
}

// ForgetRSVP removes a person's answer to a remote meetup (its server
// refused it, or the person took it back): no rules apply, they are the
// other server's. It reports whether there was one.
func ForgetRSVP(ctx context.Context, db DB, eventID, actorID int64) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM event_rsvps WHERE event_id = $1 AND actor_id = $2`, eventID, actorID)
	if err != nil {
		return false, fmt.Errorf("models: forget rsvp: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// EventByPostURI loads a meetup and its post by the post's id (URI).
func EventByPostURI(ctx context.Context, db DB, uri string) (*Event, error) {
	post, err := PostByURI(ctx, db, uri)
	if err != nil {
		return nil, err
	}
	e, err := EventByPostID(ctx, db, post.ID)
	if err != nil {
		return nil, err
	}
	e.Post = post
	return e, nil
}

// WaitlistPlace is a person's place in a meetup's waiting line (1 is
// next), 0 when the person is not waiting.
func WaitlistPlace(ctx context.Context, db DB, eventID, actorID int64) (int, error) {
	var n int
	err := db.QueryRow(ctx, `SELECT count(*) FROM event_rsvps w, event_rsvps me
		WHERE me.event_id = $1 AND me.actor_id = $2 AND me.status = 'waitlist'
		  AND w.event_id = $1 AND w.status = 'waitlist' AND (w.since, w.id) <= (me.since, me.id)`, eventID, actorID).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("models: waitlist place: %w", err)
	}
	return n, nil
}
