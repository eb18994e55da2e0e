package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Hashtags: a post's are read from its tags by post_hashtags() in SQL
// (migration 024), lower-cased, without the "#", as Mastodon matches
// them; members follow tags to see their public posts at home.

// ErrBadTag refuses a hashtag name with characters a hashtag cannot hold.
var ErrBadTag = errors.New("a hashtag is letters, digits and underscores, at most 100")

// NormalizeTag is a hashtag as it is matched: without "#", lower-cased;
// ErrBadTag when it is not one.
func NormalizeTag(name string) (string, error) {
	tag := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(name), "#"))
	if tag == "" || utf8.RuneCountInString(tag) > 100 {
		return "", ErrBadTag
	}
	for _, r := range tag {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && !unicode.Is(unicode.Mn, r) {
			return "", ErrBadTag
		}
	}
	return tag, nil
}

// TagQuery is a hashtag timeline: posts with Tag, or any of Any, having
// all of All and none of None (each normalized already).
type TagQuery struct {
	Tag            string
	Any, All, None []string
	LocalOnly      bool
	ViewerID       int64 // 0 for a visitor; else her blocks and mutes apply
}

// TagTimeline lists public posts with the query's hashtags, newest first:
// none of members-only groups, none from silenced or suspended servers or
// accounts, none the viewer hides.
func TagTimeline(ctx context.Context, db DB, q TagQuery, p Page) ([]Entry, error) {
	anyOf := append([]string{q.Tag}, q.Any...)
	all, none := nonNil(q.All), nonNil(q.None)
	return collectEntries(ctx, db, `SELECT p.id, p.id, NULL::bigint FROM posts p
		WHERE post_hashtags(p.tags) && $1::text[] AND post_hashtags(p.tags) @> $2::text[] AND NOT post_hashtags(p.tags) && $3::text[]
		  AND p.deleted_at IS NULL AND p.visibility = 'public' AND (p.local OR NOT $4) AND p.id < $5 AND p.id > $8
		  AND `+notMembersOnly+` AND `+authorShownPublicly+` AND ($7 = 0 OR `+notHiddenFrom("p.author_id", "$7")+`)
		ORDER BY p.id DESC LIMIT $6`, anyOf, all, none, q.LocalOnly, maxID(p), p.limit(), q.ViewerID, p.SinceID)
}

// TagUse is a hashtag's use on one day: posts, and distinct authors.
type TagUse struct {
	Day      time.Time
	Uses     int
	Accounts int
}

// TagHistory is a hashtag's public use on each of the last seven days,
// today first, as Mastodon's Tag entity shows it.
func TagHistory(ctx context.Context, db DB, tag string, now time.Time) ([]TagUse, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	counts := map[time.Time]TagUse{}
	rows, err := db.Query(ctx, `SELECT date_trunc('day', p.published_at AT TIME ZONE 'UTC'), count(*), count(DISTINCT p.author_id)
		FROM posts p WHERE post_hashtags(p.tags) @> ARRAY[$1] AND p.deleted_at IS NULL AND p.visibility = 'public'
		  AND p.published_at >= $2 AND `+notMembersOnly+` GROUP BY 1`, tag, today.AddDate(0, 0, -6))
	if err != nil {
		return nil, fmt.Errorf("models: tag history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u TagUse
		if err := rows.Scan(&u.Day, &u.Uses, &u.Accounts); err != nil {
			return nil, fmt.Errorf("models: tag history: %w", err)
		}
		counts[u.Day.UTC()] = u
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: tag history: %w", err)
	}
	out := make([]TagUse, 7)
	for i := range out {
		day := today.AddDate(0, 0, -i)
		out[i] = TagUse{Day: day, Uses: counts[day].Uses, Accounts: counts[day].Accounts}
	}
	return out, nil
}

// FollowTag has actorID follow a hashtag; following it again changes nothing.
func FollowTag(ctx context.Context, db DB, actorID int64, tag string) error {
	if _, err := db.Exec(ctx, `INSERT INTO followed_tags (actor_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING`, actorID, tag); err != nil {
		return fmt.Errorf("models: follow tag: %w", err)
	}
	return nil
}

// UnfollowTag ends actorID's following of a hashtag, if she followed it.
func UnfollowTag(ctx context.Context, db DB, actorID int64, tag string) error {
	if _, err := db.Exec(ctx, `DELETE FROM followed_tags WHERE actor_id = $1 AND tag = $2`, actorID, tag); err != nil {
		return fmt.Errorf("models: unfollow tag: %w", err)
	}
	return nil
}

// FollowsTag reports whether actorID follows a hashtag.
func FollowsTag(ctx context.Context, db DB, actorID int64, tag string) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM followed_tags WHERE actor_id = $1 AND tag = $2)`, actorID, tag).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("models: follows tag: %w", err)
	}
	return ok, nil
}

// FollowedTag is a hashtag a member follows; ID is the page cursor.
type FollowedTag struct {
	ID  int64
	Tag string
}

// FollowedTags lists the hashtags actorID follows, the latest first.
func FollowedTags(ctx context.Context, db DB, actorID int64, p Page) ([]FollowedTag, error) {
	return queryList(ctx, db, "followed tags", func(row pgx.Row) (FollowedTag, error) {
		var t FollowedTag
		err := row.Scan(&t.ID, &t.Tag)
		return t, err
	}, `SELECT id, tag FROM followed_tags WHERE actor_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, actorID, maxID(p), p.limit())
}
