package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Activity is one activity a local actor sent, as delivered.
type Activity struct {
	ID        int64
	URI       string
	ActorID   int64
	Type      string
	ObjectURI string
	Public    bool
	Body      []byte // the JSON delivered
	CreatedAt time.Time
}

// InsertActivity stores an outgoing activity.
func InsertActivity(ctx context.Context, db DB, a *Activity) error {
	err := db.QueryRow(ctx, `INSERT INTO activities (uri, actor_id, type, object_uri, public, body)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, created_at`,
		a.URI, a.ActorID, a.Type, a.ObjectURI, a.Public, a.Body).Scan(&a.ID, &a.CreatedAt)
	if err != nil {
		return fmt.Errorf("models: insert activity: %w", err)
	}
	return nil
}

const activitySelect = `SELECT id, uri, actor_id, type, object_uri, public, body, created_at FROM activities`

func scanActivity(row pgx.Row) (*Activity, error) {
	var a Activity
	err := row.Scan(&a.ID, &a.URI, &a.ActorID, &a.Type, &a.ObjectURI, &a.Public, &a.Body, &a.CreatedAt)
	return &a, err
}

// ActivityByURI loads an outgoing activity by its id.
func ActivityByURI(ctx context.Context, db DB, uri string) (*Activity, error) {
	a, err := scanActivity(db.QueryRow(ctx, activitySelect+` WHERE uri = $1`, uri))
	if err != nil {
		return nil, notFoundOr(err, "models: activity by uri")
	}
	return a, nil
}

// ActivityByID loads an outgoing activity by its row id (what a delivery job names).
func ActivityByID(ctx context.Context, db DB, id int64) (*Activity, error) {
	a, err := scanActivity(db.QueryRow(ctx, activitySelect+` WHERE id = $1`, id))
	if err != nil {
		return nil, notFoundOr(err, "models: activity by id")
	}
	return a, nil
}

// PublicActivities lists an actor's public activities, newest first (its outbox).
func PublicActivities(ctx context.Context, db DB, actorID int64, p Page) ([]*Activity, error) {
	maxID := p.MaxID
	if maxID <= 0 {
		maxID = 1<<63 - 1
	}
	rows, err := db.Query(ctx, activitySelect+` WHERE actor_id = $1 AND public AND id < $2 AND `+notAboutMembersOnly+` ORDER BY id DESC LIMIT $3`,
		actorID, maxID, p.limit())
	if err != nil {
		return nil, fmt.Errorf("models: list activities: %w", err)
	}
	defer rows.Close()
	var out []*Activity
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, fmt.Errorf("models: list activities: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CountPublicActivities counts an actor's outbox.
func CountPublicActivities(ctx context.Context, db DB, actorID int64) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM activities WHERE actor_id = $1 AND public AND `+notAboutMembersOnly, actorID).Scan(&n); err != nil {
		return 0, fmt.Errorf("models: count activities: %w", err)
	}
	return n, nil
}

// RecordInboxActivity stores an incoming activity once by its id. It reports
// false, and stores nothing, when that id was recorded before (a replay).
func RecordInboxActivity(ctx context.Context, db DB, uri, typ string, actorID int64, body []byte) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO inbox_activities (activity_uri, type, actor_id, body)
		VALUES ($1, $2, $3, $4) ON CONFLICT (activity_uri) DO NOTHING`, uri, typ, actorID, body)
	if err != nil {
		return false, fmt.Errorf("models: record inbox activity: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// LatestObject returns the object of the newest Create or Update a local
// actor sent about objectURI: a local post's document as last published.
func LatestObject(ctx context.Context, db DB, objectURI string) ([]byte, error) {
	var obj []byte
	err := db.QueryRow(ctx, `SELECT (body::jsonb -> 'object')::text FROM activities
		WHERE object_uri = $1 AND type IN ('Create', 'Update') ORDER BY id DESC LIMIT 1`, objectURI).Scan(&obj)
	if err != nil {
		return nil, notFoundOr(err, "models: latest object")
	}
	return obj, nil
}

// ActivityForDelivery loads an outgoing activity with the actor who signs
// it, in one query: every delivery job needs both.
func ActivityForDelivery(ctx context.Context, db DB, id int64) (*Activity, *Actor, error) {
	var act Activity
	actor, err := scanActor(db.QueryRow(ctx, `SELECT `+actorColumns+`, x.id, x.uri, x.actor_id, x.type, x.object_uri, x.public, x.body, x.created_at
		FROM activities x JOIN actors a ON a.id = x.actor_id WHERE x.id = $1`, id),
		&act.ID, &act.URI, &act.ActorID, &act.Type, &act.ObjectURI, &act.Public, &act.Body, &act.CreatedAt)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, nil, ErrNotFound
		}
		return nil, nil, fmt.Errorf("models: activity for delivery: %w", err)
	}
	return &act, actor, nil
}

// InboxActivitySeen reports whether an incoming activity id was recorded.
func InboxActivitySeen(ctx context.Context, db DB, uri string) (bool, error) {
	var seen bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM inbox_activities WHERE activity_uri = $1)`, uri).Scan(&seen); err != nil {
		return false, fmt.Errorf("models: inbox activity seen: %w", err)
	}
	return seen, nil
}
