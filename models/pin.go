package models

import (
	"context"
	"fmt"
)

// Pin adds a post to an actor's featured collection.
func Pin(ctx context.Context, db DB, actorID, postID int64) error {
	if _, err := db.Exec(ctx, `INSERT INTO pins (actor_id, post_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, actorID, postID); err != nil {
		return fmt.Errorf("models: pin: %w", err)
	}
	return nil
}

// PinnedPosts lists an actor's live pinned posts, newest pin first.
func PinnedPosts(ctx context.Context, db DB, actorID int64) ([]*Post, error) {
	return queryPosts(ctx, db, "pinned", `SELECT `+postColumns+` FROM pins JOIN posts p ON p.id = pins.post_id
		WHERE pins.actor_id = $1 AND p.deleted_at IS NULL ORDER BY pins.created_at DESC LIMIT 20`, actorID)
}

// LockWelcome locks a local group's row and returns its welcome post id (0 if none yet).
func LockWelcome(ctx context.Context, db DB, groupID int64) (int64, error) {
	var id *int64
	if err := db.QueryRow(ctx, `SELECT welcome_post_id FROM groups WHERE actor_id = $1 FOR UPDATE`, groupID).Scan(&id); err != nil {
		return 0, notFoundOr(err, "models: welcome")
	}
	if id == nil {
		return 0, nil
	}
	return *id, nil
}

// SetWelcome records a group's welcome post.
func SetWelcome(ctx context.Context, db DB, groupID, postID int64) error {
	if _, err := db.Exec(ctx, `UPDATE groups SET welcome_post_id = $2 WHERE actor_id = $1`, groupID, postID); err != nil {
		return fmt.Errorf("models: welcome: %w", err)
	}
	return nil
}
