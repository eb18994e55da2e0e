package models

import (
	"context"
	"errors"
	"fmt"
)

// Entry is one line of a timeline: a post, or a boost of one.
type Entry struct {
	ID        int64 // the cursor: a post's or a boost's id (one sequence)
	PostID    int64
	BoosterID int64 // 0 unless a boost
}

func collectEntries(ctx context.Context, db DB, sql string, args ...any) ([]Entry, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("models: timeline: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var booster *int64
		if err := rows.Scan(&e.ID, &e.PostID, &booster); err != nil {
			return nil, fmt.Errorf("models: timeline: %w", err)
		}
		if booster != nil {
			e.BoosterID = *booster
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func maxID(p Page) int64 {
	if p.MaxID <= 0 {
		return 1<<63 - 1
	}
	return p.MaxID
}

// HomeTimeline is what viewerID follows: their posts, and what they boosted
// (a group's share of a member's post shows as the group's boost), with the
// viewer's own posts, and the public posts of the hashtags she follows,
// newest first.
func HomeTimeline(ctx context.Context, db DB, viewerID int64, p Page) ([]Entry, error) {
	return collectEntries(ctx, db, `WITH followed AS (
			SELECT followee_id AS id FROM follows WHERE follower_id = $1 AND state = 'accepted'
			  AND followee_id NOT IN (`+exclusivelyListed+`)
			UNION SELECT $1),
		tags AS (SELECT coalesce(array_agg(tag), '{}') AS list FROM followed_tags WHERE actor_id = $1)
		SELECT * FROM (
			SELECT p.id, p.id, NULL::bigint FROM posts p
			WHERE p.author_id IN (SELECT id FROM followed) AND p.deleted_at IS NULL
			  AND p.visibility <> 'direct' AND p.relay_of_id IS NULL AND p.id < $2 AND p.id > $4 AND `+notHiddenFrom("p.author_id", "$1")+`
			UNION ALL
			SELECT p.id, p.id, NULL::bigint FROM posts p
			WHERE post_hashtags(p.tags) && (SELECT list FROM tags) AND p.deleted_at IS NULL
			  AND p.author_id NOT IN (SELECT id FROM followed) AND p.author_id NOT IN (`+exclusivelyListed+`)
			  AND p.visibility = 'public' AND p.relay_of_id IS NULL
			  AND p.id < $2 AND p.id > $4 AND `+notMembersOnly+` AND `+authorShownPublicly+` AND `+notHiddenFrom("p.author_id", "$1")+`
			UNION ALL
			SELECT b.id, b.post_id, b.actor_id FROM boosts b JOIN posts p ON p.id = b.post_id
			WHERE b.actor_id IN (SELECT id FROM followed) AND p.deleted_at IS NULL AND b.id < $2 AND b.id > $4
			  AND `+notHiddenFrom("p.author_id", "$1")+` AND `+notHiddenFrom("b.actor_id", "$1")+`
		) e ORDER BY 1 DESC LIMIT $3`, viewerID, maxID(p), p.limit(), p.SinceID)
}

// exclusivelyListed are the accounts on the viewer's ($1) exclusive
// lists: read there, not at home.
const exclusivelyListed = `SELECT m.actor_id FROM list_members m JOIN lists l ON l.id = m.list_id WHERE l.owner_id = $1 AND l.exclusive`

// PublicTimeline lists public posts, only local ones when localOnly; none
// from a silenced or suspended domain, or a suspended account.
func PublicTimeline(ctx context.Context, db DB, localOnly bool, p Page) ([]Entry, error) {
	return collectEntries(ctx, db, `SELECT p.id, p.id, NULL::bigint FROM posts p
		WHERE p.deleted_at IS NULL AND p.visibility = 'public' AND (p.local OR NOT $1) AND p.id < $2 AND p.id > $4
		  AND `+notMembersOnly+` AND `+authorShownPublicly+`
		ORDER BY p.id DESC LIMIT $3`, localOnly, maxID(p), p.limit(), p.SinceID)
}

// ActorTimeline lists what an actor shows: a person's own public and
// unlisted posts and boosts; a group's posts (what members posted into it).
func ActorTimeline(ctx context.Context, db DB, actorID int64, p Page) ([]Entry, error) {
	return collectEntries(ctx, db, `SELECT * FROM (
			SELECT p.id, p.id, NULL::bigint FROM posts p
			WHERE (p.author_id = $1 OR p.group_id = $1) AND p.deleted_at IS NULL
			  AND p.visibility IN ('public', 'unlisted') AND p.id < $2 AND `+notMembersOnly+`
			UNION ALL
			SELECT b.id, b.post_id, b.actor_id FROM boosts b JOIN posts p ON p.id = b.post_id
			WHERE b.actor_id = $1 AND p.group_id IS DISTINCT FROM $1 AND p.deleted_at IS NULL AND b.id < $2
			  AND `+notMembersOnly+`
		) e ORDER BY 1 DESC LIMIT $3`, actorID, maxID(p), p.limit())
}

// Thread returns the ids of a post's ancestors (oldest first) and
// descendants (in thread order), bounded in depth and count.
func Thread(ctx context.Context, db DB, postID int64) (ancestors, descendants []int64, err error) {
	rows, err := db.Query(ctx, `WITH RECURSIVE up(id, parent, depth) AS (
			SELECT id, in_reply_to_id, 0 FROM posts WHERE id = $1
			UNION ALL
			SELECT p.id, p.in_reply_to_id, up.depth + 1 FROM posts p JOIN up ON p.id = up.parent WHERE up.depth < 40)
		SELECT id FROM up WHERE id <> $1 ORDER BY depth DESC`, postID)
	if err != nil {
		return nil, nil, fmt.Errorf("models: thread: %w", err)
	}
	if ancestors, err = collectIDs(rows); err != nil {
		return nil, nil, err
	}
	rows, err = db.Query(ctx, `WITH RECURSIVE down(id, path, depth) AS (
			SELECT id, ARRAY[id], 1 FROM posts WHERE in_reply_to_id = $1 AND deleted_at IS NULL AND relay_of_id IS NULL
			UNION ALL
			SELECT p.id, down.path || p.id, down.depth + 1 FROM posts p JOIN down ON p.in_reply_to_id = down.id
			WHERE p.deleted_at IS NULL AND down.depth < 40)
		SELECT id FROM down ORDER BY path LIMIT 500`, postID)
	if err != nil {
		return nil, nil, fmt.Errorf("models: thread: %w", err)
	}
	descendants, err = collectIDs(rows)
	return ancestors, descendants, err
}

func collectIDs(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close()
}) ([]int64, error) {
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("models: thread: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ViewerMarks are what one viewer did with a post: bookmarked it, pinned
// it to her profile, muted its thread.
type ViewerMarks struct {
	Bookmarked, Pinned, Muted bool
}

// Posts loads posts by id with their authors, counts, and whether viewerID
// liked, shared, bookmarked or pinned them or muted their thread; missing
// ids are skipped.
func Posts(ctx context.Context, db DB, ids []int64, viewerID int64) (map[int64]*Post, error) {
	out := make(map[int64]*Post, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.Query(ctx, `SELECT `+postColumns+`,
			(SELECT count(*) FROM posts r WHERE r.in_reply_to_id = p.id AND r.deleted_at IS NULL AND r.relay_of_id IS NULL),
			(SELECT count(*) FROM likes l WHERE l.post_id = p.id),
			(SELECT count(*) FROM boosts b WHERE b.post_id = p.id),
			EXISTS (SELECT 1 FROM likes l WHERE l.post_id = p.id AND l.actor_id = $2),
			EXISTS (SELECT 1 FROM boosts b WHERE b.post_id = p.id AND b.actor_id = $2),
			EXISTS (SELECT 1 FROM bookmarks bm WHERE bm.post_id = p.id AND bm.actor_id = $2),
			EXISTS (SELECT 1 FROM pins pn WHERE pn.post_id = p.id AND pn.actor_id = $2),
			EXISTS (SELECT 1 FROM conversation_mutes cm WHERE cm.actor_id = $2 AND cm.root_id = thread_root(p.id))
		FROM posts p WHERE p.id = ANY($1)`, ids, viewerID)
	if err != nil {
		return nil, fmt.Errorf("models: posts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var replies, likes, boosts int
		var liked, boosted bool
		var marks ViewerMarks
		p, err := scanPost(rows, &replies, &likes, &boosts, &liked, &boosted, &marks.Bookmarked, &marks.Pinned, &marks.Muted)
		if err != nil {
			return nil, fmt.Errorf("models: posts: %w", err)
		}
		p.RepliesCount, p.LikesCount, p.BoostsCount = replies, likes, boosts
		p.LikedByViewer, p.BoostedByViewer, p.Viewer = liked, boosted, marks
		out[p.ID] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: posts: %w", err)
	}
	for _, p := range out {
		if p.Author, err = ActorByID(ctx, db, p.AuthorID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PutLike records a like; false if it was there already.
func PutLike(ctx context.Context, db DB, actorID, postID int64, uri string) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO likes (uri, actor_id, post_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, uri, actorID, postID)
	if err != nil {
		return false, fmt.Errorf("models: like: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// LikeBetween returns the like of actorID on postID.
func LikeBetween(ctx context.Context, db DB, actorID, postID int64) (uri string, err error) {
	err = db.QueryRow(ctx, `SELECT uri FROM likes WHERE actor_id = $1 AND post_id = $2`, actorID, postID).Scan(&uri)
	if err != nil {
		return "", notFoundOr(err, "models: like")
	}
	return uri, nil
}

// DeleteLike removes a like by its activity id, or by actor and post when uri is empty.
func DeleteLike(ctx context.Context, db DB, uri string, actorID, postID int64) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM likes WHERE actor_id = $2 AND ((uri = $1 AND $1 <> '') OR ($1 = '' AND post_id = $3))`, uri, actorID, postID)
	if err != nil {
		return false, fmt.Errorf("models: unlike: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// PutBoost records a boost (a group's share, or a person's reblog).
func PutBoost(ctx context.Context, db DB, actorID, postID int64, uri string) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO boosts (uri, actor_id, post_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, uri, actorID, postID)
	if err != nil {
		return false, fmt.Errorf("models: boost: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DeleteBoost removes a boost by its activity id.
func DeleteBoost(ctx context.Context, db DB, uri string, actorID int64) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM boosts WHERE uri = $1 AND actor_id = $2`, uri, actorID)
	if err != nil {
		return false, fmt.Errorf("models: unboost: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// InstanceSoftware returns the NodeInfo software name stored for a host.
func InstanceSoftware(ctx context.Context, db DB, host string) (string, bool, error) {
	var s string
	err := notFoundOr(db.QueryRow(ctx, `SELECT software FROM instances WHERE host = $1`, host).Scan(&s), "models: instance")
	if errors.Is(err, ErrNotFound) {
		return "", false, nil
	}
	return s, err == nil, err
}

// PutInstance stores what a host runs.
func PutInstance(ctx context.Context, db DB, host, software, version string) error {
	_, err := db.Exec(ctx, `INSERT INTO instances (host, software, version) VALUES ($1, $2, $3)
		ON CONFLICT (host) DO UPDATE SET software = EXCLUDED.software, version = EXCLUDED.version, fetched_at = now()`,
		host, software, version)
	if err != nil {
		return fmt.Errorf("models: instance: %w", err)
	}
	return nil
}

// BoostURI returns the id of actorID's boost of postID, "" if none.
func BoostURI(ctx context.Context, db DB, actorID, postID int64) (string, error) {
	var uri string
	err := notFoundOr(db.QueryRow(ctx, `SELECT uri FROM boosts WHERE actor_id = $1 AND post_id = $2`, actorID, postID).Scan(&uri), "models: boost")
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return uri, err
}

// PutLocalBoost records a boost of a stored live post by its URI, returning
// the post when the boost is new (nil when known already or the post is gone).
func PutLocalBoost(ctx context.Context, db DB, actorID int64, postURI, boostURI string) (*Post, error) {
	post, err := PostByURI(ctx, db, postURI)
	if err != nil || post.DeletedAt != nil {
		return nil, err
	}
	fresh, err := PutBoost(ctx, db, actorID, post.ID, boostURI)
	if err != nil || !fresh {
		return nil, err
	}
	return post, nil
}
