package models

import (
	"context"
	"fmt"
)

// What anyone may read on public pages and feeds: live posts, not posted
// into a members-only group (whatever their own visibility says), not from
// a silenced domain or a suspended account.
const publiclyShown = `p.deleted_at IS NULL
	AND NOT EXISTS (SELECT 1 FROM groups pg WHERE pg.actor_id = p.group_id AND pg.visibility <> 'public')
	AND ` + authorShownPublicly

// visibleReplies counts the replies to p that a public page shows.
const visibleReplies = `(SELECT count(*) FROM posts r WHERE r.in_reply_to_id = p.id AND r.deleted_at IS NULL
	AND r.visibility IN ('public', 'unlisted')
	AND NOT EXISTS (SELECT 1 FROM groups rg WHERE rg.actor_id = r.group_id AND rg.visibility <> 'public'))`

// PublicFilter chooses the posts of a public page or feed.
type PublicFilter struct {
	AuthorID int64  // posts by this actor; 0 for any author
	GroupID  int64  // posts into this group or by it; 0 for any
	TopLevel bool   // leave replies out
	MaxID    int64  // only posts older than this id; 0 for the newest
	Limit    int    // 1–100, default 20
	Tag      string // with this hashtag (NormalizeTag); "" for any
}

// PublicPosts lists public posts for pages and feeds, newest first, with
// their authors and reply counts. Unlisted, followers-only and direct
// posts never show, nor any post into a members-only group.
func PublicPosts(ctx context.Context, db DB, f PublicFilter) ([]*Post, error) {
	limit := f.Limit
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	rows, err := db.Query(ctx, `SELECT `+postColumns+`, `+visibleReplies+` FROM posts p
		WHERE `+publiclyShown+` AND p.visibility = 'public'
		  AND ($1 = 0 OR p.author_id = $1)
		  AND ($2 = 0 OR p.group_id = $2 OR p.author_id = $2)
		  AND (NOT $3 OR p.in_reply_to_uri = '')
		  AND p.id < $4 AND ($6 = '' OR post_hashtags(p.tags) @> ARRAY[$6::text])
		ORDER BY p.id DESC LIMIT $5`, f.AuthorID, f.GroupID, f.TopLevel, maxID(Page{MaxID: f.MaxID}), limit, f.Tag)
	if err != nil {
		return nil, fmt.Errorf("models: public posts: %w", err)
	}
	defer rows.Close()
	var out []*Post
	for rows.Next() {
		var replies int
		p, err := scanPost(rows, &replies)
		if err != nil {
			return nil, fmt.Errorf("models: public posts: %w", err)
		}
		p.RepliesCount = replies
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: public posts: %w", err)
	}
	return out, fillAuthors(ctx, db, out)
}

// VisiblePosts loads, of the posts with these ids, those a public page may
// show (public or unlisted, live, not in a members-only group), with their
// authors and reply counts; the others are left out of the map.
func VisiblePosts(ctx context.Context, db DB, ids []int64) (map[int64]*Post, error) {
	out := make(map[int64]*Post, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.Query(ctx, `SELECT `+postColumns+`, `+visibleReplies+` FROM posts p
		WHERE p.id = ANY($1) AND `+publiclyShown+` AND p.visibility IN ('public', 'unlisted')`, ids)
	if err != nil {
		return nil, fmt.Errorf("models: visible posts: %w", err)
	}
	defer rows.Close()
	var list []*Post
	for rows.Next() {
		var replies int
		p, err := scanPost(rows, &replies)
		if err != nil {
			return nil, fmt.Errorf("models: visible posts: %w", err)
		}
		p.RepliesCount = replies
		out[p.ID] = p
		list = append(list, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: visible posts: %w", err)
	}
	return out, fillAuthors(ctx, db, list)
}

// fillAuthors sets Author on each post, in one query.
func fillAuthors(ctx context.Context, db DB, posts []*Post) error {
	ids := make([]int64, 0, len(posts))
	for _, p := range posts {
		ids = append(ids, p.AuthorID)
	}
	actors, err := ActorsByID(ctx, db, ids)
	if err != nil {
		return err
	}
	for _, p := range posts {
		if p.Author = actors[p.AuthorID]; p.Author == nil {
			return fmt.Errorf("models: post %d: author %d: %w", p.ID, p.AuthorID, ErrNotFound)
		}
	}
	return nil
}

// ActorsByID loads actors by id; missing ids are left out of the map.
func ActorsByID(ctx context.Context, db DB, ids []int64) (map[int64]*Actor, error) {
	out := make(map[int64]*Actor, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.Query(ctx, `SELECT `+actorColumns+` FROM actors a WHERE a.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("models: actors by id: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanActor(rows)
		if err != nil {
			return nil, fmt.Errorf("models: actors by id: %w", err)
		}
		out[a.ID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: actors by id: %w", err)
	}
	return out, nil
}
