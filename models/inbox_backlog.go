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

// DeferredInboxActivity is one activity for DeferInboxActivities.
type DeferredInboxActivity struct {
	URI, Type  string
	ActorID    int64
	Body       []byte
	GroupInbox string
}

// DeferInboxActivities stores several activities for the backlog in one
// statement and one transaction, as DeferInboxActivity stores one: the
// inbox's requests that arrive while one such insert runs share the next,
// instead of a round trip and a commit each. It reports, for each, whether
// it was new. A failure stores none of them.
func DeferInboxActivities(ctx context.Context, db DB, as []DeferredInboxActivity) ([]bool, error) {
	uris, types, actors, bodies, groups := make([]string, len(as)), make([]string, len(as)), make([]int64, len(as)),
		make([]string, len(as)), make([]string, len(as))
	for i, a := range as {
		uris[i], types[i], actors[i], bodies[i], groups[i] = a.URI, a.Type, a.ActorID, string(a.Body), a.GroupInbox
	}
	rows, err := db.Query(ctx, `INSERT INTO inbox_activities (activity_uri, type, actor_id, body, pending, group_inbox)
		SELECT u, t, a, b::json, true, g FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[]) AS x(u, t, a, b, g)
		ON CONFLICT (activity_uri) DO NOTHING RETURNING activity_uri`, uris, types, actors, bodies, groups)
	if err != nil {
		return nil, fmt.Errorf("models: defer inbox activities: %w", err)
	}
	stored := map[string]bool{}
	for rows.Next() {
		var uri string
		if err := rows.Scan(&uri); err != nil {
			rows.Close()
			return nil, fmt.Errorf("models: defer inbox activities: %w", err)
		}
		stored[uri] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: defer inbox activities: %w", err)
	}
	fresh := make([]bool, len(as))
	for i, a := range as {
		fresh[i] = stored[a.URI]
		delete(stored, a.URI) // the same id twice in one batch: the first is the new one
	}
	return fresh, nil
}

// DeferInboxActivity stores one activity for the backlog: pending, to be
// applied later. It reports false for an id recorded before, which is
// then already applied or waiting.
func DeferInboxActivity(ctx context.Context, db DB, uri, typ string, actorID int64, body []byte, groupInbox string) (bool, error) {
	fresh, err := DeferInboxActivities(ctx, db, []DeferredInboxActivity{{URI: uri, Type: typ, ActorID: actorID, Body: body, GroupInbox: groupInbox}})
	if err != nil {
		return false, err
	}
	return fresh[0], nil
}

// ClaimPendingInboxActivity locks the oldest pending activity that no
// other transaction holds and whose actor has no older one pending, for
// tx to apply; ErrNotFound when none may be taken. So each actor's
// activities are applied in the order they arrived, however many take
// them at once; an activity that failed (and stays pending, to be tried
// again) holds its actor's later ones back until it is given up.
func ClaimPendingInboxActivity(ctx context.Context, tx DB) (*PendingInboxActivity, error) {
	var a PendingInboxActivity
	err := tx.QueryRow(ctx, `SELECT id, activity_uri, actor_id, body::text, group_inbox, attempts
		FROM inbox_activities i WHERE pending
		AND NOT EXISTS (SELECT 1 FROM inbox_activities e WHERE e.pending AND e.actor_id = i.actor_id AND e.id < i.id)
		ORDER BY attempts, id LIMIT 1 FOR UPDATE SKIP LOCKED`).
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
	if err := db.QueryRow(ctx, `SELECT count(*) FROM inbox_activities WHERE pending`).Scan(&n); err != nil {
		return 0, fmt.Errorf("models: pending inbox activities: %w", err)
	}
	return n, nil
}
