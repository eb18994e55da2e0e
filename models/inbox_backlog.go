package models

import (
	"context"
	"fmt"
)

// PendingInboxActivity is an activity accepted into the inbox's backlog
// and not applied yet.
type PendingInboxActivity struct {
	ID         int64
	URI        string
	ActorID    *int64 // nil once its actor is gone
	Body       []byte
	GroupInbox string
	Attempts   int
}

// MaxInboxAttempts is how often a backlogged activity is tried before it
// is given up (our own errors only: a refusal ends it at once).
const MaxInboxAttempts = 5

// DeferInboxActivity stores an activity for the backlog: pending, to be
// applied later. It reports false for an id recorded before, which is
// then already applied or waiting.
func DeferInboxActivity(ctx context.Context, db DB, uri, typ string, actorID int64, body []byte, groupInbox string) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO inbox_activities (activity_uri, type, actor_id, body, pending, group_inbox)
		VALUES ($1, $2, $3, $4, true, $5) ON CONFLICT (activity_uri) DO NOTHING`, uri, typ, actorID, body, groupInbox)
	if err != nil {
		return false, fmt.Errorf("models: defer inbox activity: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ClaimPendingInboxActivity locks the oldest pending activity that no
// other transaction holds, for tx to apply; ErrNotFound when none waits.
// Activities that failed before come after the others.
func ClaimPendingInboxActivity(ctx context.Context, tx DB) (*PendingInboxActivity, error) {
	var a PendingInboxActivity
	err := tx.QueryRow(ctx, `SELECT id, activity_uri, actor_id, body::text, group_inbox, attempts
		FROM inbox_activities WHERE pending AND attempts < $1
		ORDER BY attempts, id LIMIT 1 FOR UPDATE SKIP LOCKED`, MaxInboxAttempts).
		Scan(&a.ID, &a.URI, &a.ActorID, &a.Body, &a.GroupInbox, &a.Attempts)
	if err != nil {
		return nil, notFoundOr(err, "models: claim pending inbox activity")
	}
	return &a, nil
}

// FinishInboxActivity marks a backlogged activity done: applied, refused
// or given up. Its row stays, as every recorded activity's does, so that
// a replay of its id changes nothing.
func FinishInboxActivity(ctx context.Context, db DB, id int64) error {
	if _, err := db.Exec(ctx, `UPDATE inbox_activities SET pending = false WHERE id = $1`, id); err != nil {
		return fmt.Errorf("models: finish inbox activity: %w", err)
	}
	return nil
}

// FailInboxActivity counts a failed apply of a backlogged activity; at
// MaxInboxAttempts it stops being pending. It reports whether it was
// given up.
func FailInboxActivity(ctx context.Context, db DB, id int64) (bool, error) {
	var pending bool
	err := db.QueryRow(ctx, `UPDATE inbox_activities SET attempts = attempts + 1, pending = attempts + 1 < $2
		WHERE id = $1 RETURNING pending`, id, MaxInboxAttempts).Scan(&pending)
	if err != nil {
		return false, fmt.Errorf("models: fail inbox activity: %w", err)
	}
	return !pending, nil
}

// PendingInboxActivities counts the backlog.
func PendingInboxActivities(ctx context.Context, db DB) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM inbox_activities WHERE pending AND attempts < $1`,
		MaxInboxAttempts).Scan(&n); err != nil {
		return 0, fmt.Errorf("models: pending inbox activities: %w", err)
	}
	return n, nil
}
