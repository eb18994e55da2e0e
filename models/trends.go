package models

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Trends from the instance's own public groups, and nothing from outside:
// what its local communities talk about this week, their posts people
// answer most, and groups a member might join, the nearest first.

// inLocalPublicGroup keeps posts of the public groups of this instance.
const inLocalPublicGroup = `p.visibility = 'public' AND p.deleted_at IS NULL AND p.relay_of_id IS NULL
	AND EXISTS (SELECT 1 FROM groups tg JOIN actors ta ON ta.id = tg.actor_id
	            WHERE tg.actor_id = p.group_id AND tg.visibility = 'public' AND ta.domain IS NULL)
	AND ` + authorShownPublicly

// TrendingTag is a hashtag and how many posts and people used it.
type TrendingTag struct {
	Tag      string
	Uses     int
	Accounts int
}

// TrendingTags are the hashtags of the local public groups' posts since
// now-7 days, the most people first.
func TrendingTags(ctx context.Context, db DB, now time.Time, limit int) ([]TrendingTag, error) {
	rows, err := db.Query(ctx, `SELECT t, count(*), count(DISTINCT p.author_id) FROM posts p, unnest(post_hashtags(p.tags)) t
		WHERE p.published_at > $1 AND `+inLocalPublicGroup+`
		GROUP BY t ORDER BY 3 DESC, 2 DESC, t LIMIT $2`, now.Add(-7*24*time.Hour), limit)
	if err != nil {
		return nil, fmt.Errorf("models: trending tags: %w", err)
	}
	defer rows.Close()
	var out []TrendingTag
	for rows.Next() {
		var tt TrendingTag
		if err := rows.Scan(&tt.Tag, &tt.Uses, &tt.Accounts); err != nil {
			return nil, fmt.Errorf("models: trending tags: %w", err)
		}
		out = append(out, tt)
	}
	return out, rows.Err()
}

// TrendingPosts are the local public groups' posts of the last three days
// that people liked, shared and answered most (each counts once), with
// at least one of those.
func TrendingPosts(ctx context.Context, db DB, now time.Time, limit, offset int) ([]int64, error) {
	rows, err := db.Query(ctx, `SELECT id FROM (
			SELECT p.id, (SELECT count(*) FROM likes l WHERE l.post_id = p.id)
			           + (SELECT count(*) FROM boosts b WHERE b.post_id = p.id AND b.actor_id <> p.group_id)
			           + (SELECT count(*) FROM posts r WHERE r.in_reply_to_id = p.id AND r.deleted_at IS NULL) AS score
			FROM posts p WHERE p.published_at > $1 AND p.in_reply_to_uri = '' AND `+inLocalPublicGroup+`) scored
		WHERE score > 0 ORDER BY score DESC, id DESC LIMIT $2 OFFSET $3`, now.Add(-72*time.Hour), limit, max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("models: trending posts: %w", err)
	}
	ids, err := collectIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("models: trending posts: %w", err)
	}
	return ids, nil
}

// SuggestedGroups are this instance's public groups viewerID is not in
// (nor banned from), the nearest to the groups she is in first (by their
// places' coordinates), then the biggest.
func SuggestedGroups(ctx context.Context, db DB, viewerID int64, limit int) ([]*Actor, error) {
	rows, err := db.Query(ctx, `WITH mine AS (
			SELECT avg(g.latitude) AS lat, avg(g.longitude) AS lon FROM groups g
			WHERE g.latitude IS NOT NULL AND (g.actor_id IN (SELECT followee_id FROM follows WHERE follower_id = $1 AND state = 'accepted')
			      OR g.actor_id IN (SELECT group_id FROM group_moderators WHERE actor_id = $1)))
		SELECT g.actor_id FROM groups g JOIN actors a ON a.id = g.actor_id, mine
		WHERE a.domain IS NULL AND g.visibility = 'public'
		  AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = g.actor_id AND f.follower_id = $1)
		  AND NOT EXISTS (SELECT 1 FROM group_moderators m WHERE m.group_id = g.actor_id AND m.actor_id = $1)
		  AND NOT EXISTS (SELECT 1 FROM group_bans b WHERE b.group_id = g.actor_id AND b.actor_id = $1 AND `+activeBan+`)
		ORDER BY (g.latitude - mine.lat) ^ 2 + ((g.longitude - mine.lon) * cos(radians(mine.lat))) ^ 2 NULLS LAST,
		  (SELECT count(*) FROM follows f WHERE f.followee_id = g.actor_id AND f.state = 'accepted') DESC, g.actor_id
		LIMIT $2`, viewerID, limit)
	if err != nil {
		return nil, fmt.Errorf("models: suggested groups: %w", err)
	}
	return actorsOfRows(ctx, db, rows, "suggested groups")
}

// actorsOfRows loads the actors whose ids rows list, in the rows' order.
func actorsOfRows(ctx context.Context, db DB, rows pgx.Rows, what string) ([]*Actor, error) {
	ids, err := collectIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("models: %s: %w", what, err)
	}
	byID, err := ActorsByID(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*Actor, 0, len(ids))
	for _, id := range ids {
		if a := byID[id]; a != nil {
			out = append(out, a)
		}
	}
	return out, nil
}
