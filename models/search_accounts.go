package models

import (
	"context"
	"fmt"
)

// ActorSearch is a search of accounts by name, as /api/v2/search does it.
type ActorSearch struct {
	Text      string // the start of a username or display name
	ViewerID  int64  // with Following, whose follows count
	Following bool   // only actors the viewer follows
	Limit     int    // 1–40, default 20
	Offset    int
}

// SearchActorsBy lists the actors whose username or display name starts
// as s.Text does, local first, past s.Offset; never a server's own actor.
func SearchActorsBy(ctx context.Context, db DB, s ActorSearch) ([]*Actor, error) {
	limit := s.Limit
	if limit <= 0 || limit > 40 {
		limit = 20
	}
	rows, err := db.Query(ctx, `SELECT `+actorColumns+` FROM actors a
		WHERE a.type <> 'Application' AND (a.domain IS NOT NULL OR a.type <> 'Service')
		  AND (a.username ILIKE $1 || '%' OR a.display_name ILIKE $1 || '%')
		  AND (NOT $4 OR EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $5 AND f.followee_id = a.id AND f.state = 'accepted'))
		ORDER BY a.domain IS NOT NULL, a.username LIMIT $2 OFFSET $3`,
		likeEscape(s.Text), limit, max(s.Offset, 0), s.Following, s.ViewerID)
	if err != nil {
		return nil, fmt.Errorf("models: search actors: %w", err)
	}
	defer rows.Close()
	var out []*Actor
	for rows.Next() {
		a, err := scanActor(rows)
		if err != nil {
			return nil, fmt.Errorf("models: search actors: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// FollowedAmong tells which of these actors followerID follows (accepted).
func FollowedAmong(ctx context.Context, db DB, followerID int64, ids []int64) (map[int64]bool, error) {
	rows, err := db.Query(ctx, `SELECT followee_id FROM follows WHERE follower_id = $1 AND followee_id = ANY($2) AND state = 'accepted'`,
		followerID, ids)
	if err != nil {
		return nil, fmt.Errorf("models: followed among: %w", err)
	}
	got, err := collectIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("models: followed among: %w", err)
	}
	out := make(map[int64]bool, len(got))
	for _, id := range got {
		out[id] = true
	}
	return out, nil
}
