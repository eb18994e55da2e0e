package models

import (
	"context"
	"fmt"
)

// Bookmark keeps a post for a person to find again; nobody else knows.
// Bookmarking twice changes nothing.
func Bookmark(ctx context.Context, db DB, actorID, postID int64) error {
	if _, err := db.Exec(ctx, `INSERT INTO bookmarks (actor_id, post_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, actorID, postID); err != nil {
		return fmt.Errorf("models: bookmark: %w", err)
	}
	return nil
}

// Unbookmark forgets a bookmark, if there was one.
func Unbookmark(ctx context.Context, db DB, actorID, postID int64) error {
	if _, err := db.Exec(ctx, `DELETE FROM bookmarks WHERE actor_id = $1 AND post_id = $2`, actorID, postID); err != nil {
		return fmt.Errorf("models: unbookmark: %w", err)
	}
	return nil
}

// Bookmarks lists a person's bookmarked live posts, latest bookmark first;
// each entry's ID is the bookmark's, the cursor of the next page.
func Bookmarks(ctx context.Context, db DB, actorID int64, p Page) ([]Entry, error) {
	return collectEntries(ctx, db, `SELECT b.id, b.post_id, NULL::bigint FROM bookmarks b JOIN posts p ON p.id = b.post_id
		WHERE b.actor_id = $1 AND p.deleted_at IS NULL AND b.id < $2
		ORDER BY b.id DESC LIMIT $3`, actorID, maxID(p), p.limit())
}
