package models

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// PendingFor lists pending follows that actorID may decide: those of actorID
// itself and those of the groups it moderates, oldest first.
func PendingFor(ctx context.Context, db DB, actorID int64, p Page) ([]*Follow, error) {
	maxID := p.MaxID
	if maxID <= 0 {
		maxID = 1<<63 - 1
	}
	rows, err := db.Query(ctx, `SELECT `+followColumns+` FROM follows f
		WHERE f.state = 'pending' AND f.id < $2
		  AND (f.followee_id = $1 OR f.followee_id IN (SELECT group_id FROM group_moderators WHERE actor_id = $1))
		ORDER BY f.id DESC LIMIT $3`, actorID, maxID, p.limit())
	if err != nil {
		return nil, fmt.Errorf("models: pending follows: %w", err)
	}
	return collectFollows(rows)
}

// IsModerator reports whether actorID moderates the group groupID.
func IsModerator(ctx context.Context, db DB, groupID, actorID int64) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM group_moderators WHERE group_id = $1 AND actor_id = $2)`, groupID, actorID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("models: is moderator: %w", err)
	}
	return ok, nil
}

// SearchActors finds known actors whose username or display name starts
// with q (local first), for search without resolving.
func SearchActors(ctx context.Context, db DB, q string, limit int) ([]*Actor, error) {
	if limit <= 0 || limit > 40 {
		limit = 20
	}
	rows, err := db.Query(ctx, `SELECT `+actorColumns+` FROM actors a
		WHERE a.type <> 'Application' AND (a.domain IS NOT NULL OR a.type <> 'Service') AND (a.username ILIKE $1 || '%' OR a.display_name ILIKE $1 || '%')
		ORDER BY a.domain IS NOT NULL, a.username LIMIT $2`, likeEscape(q), limit)
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

func likeEscape(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// PendingFrom lists the pending follows of requesterID that actorID may
// decide (to actorID itself or to a group it moderates).
func PendingFrom(ctx context.Context, db DB, actorID, requesterID int64) ([]*Follow, error) {
	rows, err := db.Query(ctx, `SELECT `+followColumns+` FROM follows f
		WHERE f.state = 'pending' AND f.follower_id = $2
		  AND (f.followee_id = $1 OR f.followee_id IN (SELECT group_id FROM group_moderators WHERE actor_id = $1))
		ORDER BY f.id FOR UPDATE`, actorID, requesterID)
	if err != nil {
		return nil, fmt.Errorf("models: pending follows: %w", err)
	}
	return collectFollows(rows)
}

func collectFollows(rows pgx.Rows) ([]*Follow, error) {
	defer rows.Close()
	var out []*Follow
	for rows.Next() {
		f, err := scanFollow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// PendingCounts counts the pending follows actorID may decide, by
// followee: actorID itself and each group it moderates, those with any.
func PendingCounts(ctx context.Context, db DB, actorID int64) (map[int64]int, error) {
	rows, err := db.Query(ctx, `SELECT f.followee_id, count(*) FROM follows f
		WHERE f.state = 'pending'
		  AND (f.followee_id = $1 OR f.followee_id IN (SELECT group_id FROM group_moderators WHERE actor_id = $1))
		GROUP BY f.followee_id`, actorID)
	if err != nil {
		return nil, fmt.Errorf("models: pending counts: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("models: pending counts: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// CountPendingFollowers counts the follow requests waiting for a person's
// answer (Mastodon's source.follow_requests_count).
func CountPendingFollowers(ctx context.Context, db DB, actorID int64) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM follows WHERE followee_id = $1 AND state = $2`,
		actorID, FollowPending).Scan(&n); err != nil {
		return 0, fmt.Errorf("models: count follow requests: %w", err)
	}
	return n, nil
}
