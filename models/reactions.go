package models

import (
	"context"
	"fmt"
)

// Likers lists who liked a post, latest first; each entry's FollowID is
// the like's id, the cursor of the next page.
func Likers(ctx context.Context, db DB, postID int64, p Page) ([]FollowEntry, error) {
	return listActors(ctx, db, `SELECT `+actorColumns+`, l.id FROM likes l JOIN actors a ON a.id = l.actor_id
		WHERE l.post_id = $1 AND l.id < $2 ORDER BY l.id DESC LIMIT $3`, postID, p)
}

// Boosters lists who shared a post (people, and the groups that passed it
// on), latest first; the cursor is the boost's id.
func Boosters(ctx context.Context, db DB, postID int64, p Page) ([]FollowEntry, error) {
	return listActors(ctx, db, `SELECT `+actorColumns+`, b.id FROM boosts b JOIN actors a ON a.id = b.actor_id
		WHERE b.post_id = $1 AND b.id < $2 ORDER BY b.id DESC LIMIT $3`, postID, p)
}

func listActors(ctx context.Context, db DB, sql string, id int64, p Page) ([]FollowEntry, error) {
	rows, err := db.Query(ctx, sql, id, maxID(p), p.limit())
	if err != nil {
		return nil, fmt.Errorf("models: list actors: %w", err)
	}
	defer rows.Close()
	var out []FollowEntry
	for rows.Next() {
		var e FollowEntry
		if e.Actor, err = scanActor(rows, &e.FollowID); err != nil {
			return nil, fmt.Errorf("models: list actors: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
