package models

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RemovedPost is a post a group's moderators removed, as it was, so that
// they can restore it.
type RemovedPost struct {
	Post        *Post // with its content as it was, and its author
	ActivityURI string
	RemovedAt   time.Time
}

// KeepRemoved saves what a post says before a moderator's removal makes
// it a tombstone.
func KeepRemoved(ctx context.Context, db DB, postID, groupID int64, activityURI string) error {
	_, err := db.Exec(ctx, `INSERT INTO removed_posts (post_id, group_id, content, summary, name, attachments, tags, activity_uri)
		SELECT id, $2, content, summary, name, attachments, tags, $3 FROM posts WHERE id = $1 AND deleted_at IS NULL
		ON CONFLICT (post_id) DO NOTHING`, postID, groupID, activityURI)
	if err != nil {
		return fmt.Errorf("models: keep removed post: %w", err)
	}
	return nil
}

// RestoreRemoved brings a removed post back as it was; it returns the
// Delete that removed it, "" when it was not removed (or was restored).
func RestoreRemoved(ctx context.Context, db DB, postID int64) (string, error) {
	var uri string
	err := db.QueryRow(ctx, `WITH r AS (DELETE FROM removed_posts WHERE post_id = $1 RETURNING *)
		UPDATE posts p SET deleted_at = NULL, content = r.content, summary = r.summary, name = r.name,
			attachments = r.attachments, tags = r.tags
		FROM r WHERE p.id = r.post_id AND p.deleted_at IS NOT NULL RETURNING r.activity_uri`, postID).Scan(&uri)
	if err = notFoundOr(err, "models: restore post"); errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return uri, err
}

// ForgetRemoved drops what was kept of a removed post: its author deleted
// it, and nobody may bring it back.
func ForgetRemoved(ctx context.Context, db DB, postID int64) error {
	if _, err := db.Exec(ctx, `DELETE FROM removed_posts WHERE post_id = $1`, postID); err != nil {
		return fmt.Errorf("models: forget removed post: %w", err)
	}
	return nil
}

// RemovedPosts lists what a group's moderators removed, newest first.
func RemovedPosts(ctx context.Context, db DB, groupID int64, limit int) ([]RemovedPost, error) {
	rows, err := db.Query(ctx, `SELECT `+postColumns+`, r.content, r.summary, r.activity_uri, r.removed_at
		FROM removed_posts r JOIN posts p ON p.id = r.post_id WHERE r.group_id = $1 ORDER BY r.removed_at DESC LIMIT $2`, groupID, limit)
	if err != nil {
		return nil, fmt.Errorf("models: removed posts: %w", err)
	}
	defer rows.Close()
	var out []RemovedPost
	var posts []*Post
	for rows.Next() {
		var r RemovedPost
		var content, summary string
		p, err := scanPost(rows, &content, &summary, &r.ActivityURI, &r.RemovedAt)
		if err != nil {
			return nil, fmt.Errorf("models: removed posts: %w", err)
		}
		p.Content, p.Summary = content, summary
		r.Post = p
		out = append(out, r)
		posts = append(posts, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: removed posts: %w", err)
	}
	return out, fillAuthors(ctx, db, posts)
}

// DropBoost removes an actor's boost of a post, whatever its id.
func DropBoost(ctx context.Context, db DB, actorID, postID int64) error {
	if _, err := db.Exec(ctx, `DELETE FROM boosts WHERE actor_id = $1 AND post_id = $2`, actorID, postID); err != nil {
		return fmt.Errorf("models: drop boost: %w", err)
	}
	return nil
}

// Revive brings back a tombstone with what its origin serves now (a remote
// group's moderators restored it).
func Revive(ctx context.Context, db DB, p *Post) (bool, error) {
	tag, err := db.Exec(ctx, `UPDATE posts SET deleted_at = NULL WHERE id = $1 AND deleted_at IS NOT NULL`, p.ID)
	if err != nil {
		return false, fmt.Errorf("models: revive post: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	return true, UpdatePost(ctx, db, p)
}
