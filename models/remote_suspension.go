package models

import (
	"context"
	"fmt"
	"time"
)

// Moderation log actions of an instance's suspension of a remote account.
const (
	ModSuspendRemote   = "suspend_remote"
	ModUnsuspendRemote = "unsuspend_remote"
)

// RemoteSuspension is an account of another server suspended here.
type RemoteSuspension struct {
	Actor     *Actor
	Reason    string
	CreatedAt time.Time
}

// SuspendRemote records the suspension of a remote actor; it reports false
// when it was suspended already (nothing changes then).
func SuspendRemote(ctx context.Context, db DB, actorID int64, moderatorID *int64, reason string) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO remote_suspensions (actor_id, reason, moderator_id)
		SELECT id, $2, $3 FROM actors WHERE id = $1 AND domain IS NOT NULL
		ON CONFLICT (actor_id) DO NOTHING`, actorID, reason, moderatorID)
	if err != nil {
		return false, fmt.Errorf("models: suspend remote account: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// UnsuspendRemote lifts a remote actor's suspension; false when there was none.
func UnsuspendRemote(ctx context.Context, db DB, actorID int64) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM remote_suspensions WHERE actor_id = $1`, actorID)
	if err != nil {
		return false, fmt.Errorf("models: lift remote suspension: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// IsRemoteSuspended reports whether an actor is a suspended remote account.
func IsRemoteSuspended(ctx context.Context, db DB, actorID int64) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM remote_suspensions WHERE actor_id = $1)`, actorID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("models: is remote suspended: %w", err)
	}
	return ok, nil
}

// RemoteSuspensions lists the suspended remote accounts, newest first.
func RemoteSuspensions(ctx context.Context, db DB) ([]RemoteSuspension, error) {
	rows, err := db.Query(ctx, `SELECT `+actorColumns+`, s.reason, s.created_at
		FROM remote_suspensions s JOIN actors a ON a.id = s.actor_id ORDER BY s.created_at DESC, s.actor_id DESC`)
	if err != nil {
		return nil, fmt.Errorf("models: remote suspensions: %w", err)
	}
	defer rows.Close()
	var out []RemoteSuspension
	for rows.Next() {
		var s RemoteSuspension
		if s.Actor, err = scanActor(rows, &s.Reason, &s.CreatedAt); err != nil {
			return nil, fmt.Errorf("models: remote suspensions: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: remote suspensions: %w", err)
	}
	return out, nil
}

// SuspendedRemoteURIs is the set of suspended remote accounts' ids, for
// the inbox to refuse them before anything else.
func SuspendedRemoteURIs(ctx context.Context, db DB) (map[string]bool, error) {
	rows, err := db.Query(ctx, `SELECT a.uri FROM remote_suspensions s JOIN actors a ON a.id = s.actor_id`)
	if err != nil {
		return nil, fmt.Errorf("models: suspended remote uris: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var uri string
		if err := rows.Scan(&uri); err != nil {
			return nil, fmt.Errorf("models: suspended remote uris: %w", err)
		}
		out[uri] = true
	}
	return out, rows.Err()
}

// FollowsInvolving lists every follow (or request) an actor is on either
// side of, locked for update.
func FollowsInvolving(ctx context.Context, db DB, actorID int64) ([]*Follow, error) {
	rows, err := db.Query(ctx, `SELECT `+followColumns+` FROM follows f
		WHERE f.follower_id = $1 OR f.followee_id = $1 ORDER BY f.id FOR UPDATE`, actorID)
	if err != nil {
		return nil, fmt.Errorf("models: follows involving: %w", err)
	}
	defer rows.Close()
	var out []*Follow
	for rows.Next() {
		f, err := scanFollow(rows)
		if err != nil {
			return nil, fmt.Errorf("models: follows involving: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// PostsBy lists an actor's live posts, those shared into groups included.
func PostsBy(ctx context.Context, db DB, actorID int64) ([]*Post, error) {
	return queryPosts(ctx, db, "posts by", `SELECT `+postColumns+` FROM posts p
		WHERE p.author_id = $1 AND p.deleted_at IS NULL ORDER BY p.id`, actorID)
}
