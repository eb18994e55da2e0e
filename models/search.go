package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Full-text search of posts (migration 025). What a member finds follows
// Mastodon 4.2's rule, as far as Village keeps the same relations: posts
// she wrote, was mentioned in, liked, boosted or bookmarked; public posts
// of people who opted in (indexable, migration 032); and, Village's own,
// the posts of the groups she belongs to (here or elsewhere). Posts of a
// members-only group are found by its members only.

// PostSearch is a search of posts by viewer.
type PostSearch struct {
	ViewerID  int64
	Text      string
	AccountID int64 // only posts by this author; 0 for any
	Following bool  // only posts by people she follows
	Limit     int   // 1–40, default 20
	Offset    int
	MinID     int64 // only posts newer than this id; 0 for no bound
	MaxID     int64 // only posts older than this id; 0 for no bound
}

// searchTerms makes typed words a prefix query: every word must match
// the start of a word of the post. Only letters, digits and underscores
// count; "" when nothing is left.
func searchTerms(text string) string {
	var terms []string
	for _, word := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	}) {
		if len(terms) == 8 {
			break
		}
		terms = append(terms, word+":*")
	}
	return strings.Join(terms, " & ")
}

// SearchPosts lists the ids of the posts matching s that its viewer may
// find, newest first.
func SearchPosts(ctx context.Context, db DB, s PostSearch) ([]int64, error) {
	query := searchTerms(s.Text)
	if query == "" || s.ViewerID == 0 {
		return nil, nil
	}
	limit := s.Limit
	if limit <= 0 || limit > 40 {
		limit = 20
	}
	rows, err := db.Query(ctx, `WITH groups_in AS (
			SELECT followee_id AS id FROM follows WHERE follower_id = $2 AND state = 'accepted'
			UNION SELECT group_id FROM group_moderators WHERE actor_id = $2)
		SELECT p.id FROM posts p
		WHERE post_search_vector(p.name, p.summary, p.content) @@ to_tsquery('simple', $1) AND p.deleted_at IS NULL
		  AND p.relay_of_id IS NULL AND ($3 = 0 OR p.author_id = $3)
		  AND (NOT $4 OR p.author_id IN (SELECT followee_id FROM follows WHERE follower_id = $2 AND state = 'accepted'))
		  AND (p.author_id = $2 OR p.real_author_id = $2
		       OR (p.group_id IN (SELECT id FROM groups_in) AND p.visibility <> 'direct'
		           AND NOT EXISTS (SELECT 1 FROM group_bans b WHERE b.group_id = p.group_id AND b.actor_id = $2 AND `+activeBan+`))
		       OR (p.visibility IN ('public', 'unlisted') AND `+notMembersOnly+` AND (
		           EXISTS (SELECT 1 FROM likes l WHERE l.post_id = p.id AND l.actor_id = $2)
		           OR EXISTS (SELECT 1 FROM boosts b WHERE b.post_id = p.id AND b.actor_id = $2)
		           OR EXISTS (SELECT 1 FROM bookmarks bm WHERE bm.post_id = p.id AND bm.actor_id = $2)))
		       OR (`+notMembersOnly+` AND EXISTS (SELECT 1 FROM notifications n
		           WHERE n.post_id = p.id AND n.recipient_id = $2 AND n.type = 'mention'))
		       OR (p.visibility = 'public' AND `+notMembersOnly+` AND `+authorShownPublicly+`
		           AND EXISTS (SELECT 1 FROM actors ia WHERE ia.id = p.author_id AND ia.indexable)))
		  AND ($7 = 0 OR p.id > $7) AND ($8 = 0 OR p.id < $8)
		  AND `+notHiddenFrom("p.author_id", "$2")+`
		ORDER BY p.id DESC LIMIT $5 OFFSET $6`, query, s.ViewerID, s.AccountID, s.Following, limit, max(s.Offset, 0),
		max(s.MinID, 0), max(s.MaxID, 0))
	if err != nil {
		return nil, fmt.Errorf("models: search posts: %w", err)
	}
	ids, err := collectIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("models: search posts: %w", err)
	}
	return ids, nil
}

// SearchTags lists hashtags of public posts starting with prefix, the
// most used first, at most limit.
func SearchTags(ctx context.Context, db DB, prefix string, limit int) ([]string, error) {
	return SearchTagsFrom(ctx, db, prefix, limit, 0)
}

// SearchTagsFrom is SearchTags past the first offset tags.
func SearchTagsFrom(ctx context.Context, db DB, prefix string, limit, offset int) ([]string, error) {
	tag, err := NormalizeTag(prefix)
	if err != nil {
		return nil, nil
	}
	rows, err := db.Query(ctx, `SELECT t FROM (
			SELECT p.tags FROM posts p WHERE p.deleted_at IS NULL AND p.visibility = 'public' AND `+notMembersOnly+`
			ORDER BY p.id DESC LIMIT 20000) recent, unnest(post_hashtags(recent.tags)) t
		WHERE starts_with(t, $1) GROUP BY t ORDER BY count(*) DESC, t LIMIT $2 OFFSET $3`, tag, limit, max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("models: search tags: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("models: search tags: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// PostByURL loads a post by its page's address (a link pasted in), the
// first stored when servers reuse one.
func PostByURL(ctx context.Context, db DB, url string) (*Post, error) {
	p, err := scanPost(db.QueryRow(ctx, `SELECT `+postColumns+` FROM posts p WHERE p.url = $1 AND p.url <> '' ORDER BY p.id LIMIT 1`, url))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: post by url: %w", err)
	}
	return p, err
}
