package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Featured tags (migration 032): hashtags a person shows on her profile,
// each with how many of her public and unlisted posts carry it and when
// the last did, as Mastodon's FeaturedTag has them.

// MaxFeaturedTags is how many hashtags one profile may show, Mastodon's
// limit too.
const MaxFeaturedTags = 10

// ErrTooManyFeaturedTags refuses an eleventh featured hashtag.
var ErrTooManyFeaturedTags = fmt.Errorf("a profile shows at most %d hashtags", MaxFeaturedTags)

// FeaturedTag is one hashtag a profile shows.
type FeaturedTag struct {
	ID            int64
	ActorID       int64
	Tag           string // normalized: lower case, no "#"
	Name          string // as she wrote it
	StatusesCount int
	LastStatusAt  *time.Time
	CreatedAt     time.Time
}

// featuredTagSelect reads featured tags with their counts among the
// owner's live public and unlisted posts.
const featuredTagSelect = `SELECT ft.id, ft.actor_id, ft.tag, ft.name, ft.created_at,
		(SELECT count(*) FROM posts p WHERE p.author_id = ft.actor_id AND p.deleted_at IS NULL AND p.relay_of_id IS NULL
		   AND p.visibility IN ('public', 'unlisted') AND post_hashtags(p.tags) @> ARRAY[ft.tag]),
		(SELECT max(p.published_at) FROM posts p WHERE p.author_id = ft.actor_id AND p.deleted_at IS NULL AND p.relay_of_id IS NULL
		   AND p.visibility IN ('public', 'unlisted') AND post_hashtags(p.tags) @> ARRAY[ft.tag])
	FROM featured_tags ft`

func scanFeaturedTag(row pgx.Row) (*FeaturedTag, error) {
	var t FeaturedTag
	if err := row.Scan(&t.ID, &t.ActorID, &t.Tag, &t.Name, &t.CreatedAt, &t.StatusesCount, &t.LastStatusAt); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &t, nil
}

// FeaturedTags lists the hashtags an actor's profile shows, oldest first.
func FeaturedTags(ctx context.Context, db DB, actorID int64) ([]*FeaturedTag, error) {
	rows, err := db.Query(ctx, featuredTagSelect+` WHERE ft.actor_id = $1 ORDER BY ft.id`, actorID)
	if err != nil {
		return nil, fmt.Errorf("models: featured tags: %w", err)
	}
	defer rows.Close()
	out := []*FeaturedTag{}
	for rows.Next() {
		t, err := scanFeaturedTag(rows)
		if err != nil {
			return nil, fmt.Errorf("models: featured tags: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// FeatureTag shows a hashtag on an actor's profile (the one shown already
// when it is); ErrBadTag for a name that is no hashtag,
// ErrTooManyFeaturedTags past MaxFeaturedTags.
func FeatureTag(ctx context.Context, db DB, actorID int64, name string) (*FeaturedTag, error) {
	tag, err := NormalizeTag(name)
	if err != nil {
		return nil, err
	}
	display := strings.TrimPrefix(strings.TrimSpace(name), "#")
	// The limit is checked in the insert's own statement: a refusal
	// writes nothing.
	var id int64
	err = db.QueryRow(ctx, `WITH existing AS (SELECT id FROM featured_tags WHERE actor_id = $1 AND tag = $2),
		ins AS (INSERT INTO featured_tags (actor_id, tag, name)
			SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM existing)
			  AND (SELECT count(*) FROM featured_tags WHERE actor_id = $1) < $4
			ON CONFLICT (actor_id, tag) DO NOTHING RETURNING id)
		SELECT id FROM existing UNION ALL SELECT id FROM ins`, actorID, tag, display, MaxFeaturedTags).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrTooManyFeaturedTags
	}
	if err != nil {
		return nil, fmt.Errorf("models: feature tag: %w", err)
	}
	return FeaturedTagByID(ctx, db, actorID, id)
}

// FeaturedTagByID loads one of an actor's featured tags.
func FeaturedTagByID(ctx context.Context, db DB, actorID, id int64) (*FeaturedTag, error) {
	t, err := scanFeaturedTag(db.QueryRow(ctx, featuredTagSelect+` WHERE ft.actor_id = $1 AND ft.id = $2`, actorID, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: featured tag: %w", err)
	}
	return t, err
}

// UnfeatureTag takes a featured tag, by its id, off an actor's profile;
// ErrNotFound when she has no such one.
func UnfeatureTag(ctx context.Context, db DB, actorID, id int64) error {
	tag, err := db.Exec(ctx, `DELETE FROM featured_tags WHERE actor_id = $1 AND id = $2`, actorID, id)
	if err != nil {
		return fmt.Errorf("models: unfeature tag: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// UnfeatureTagNamed takes a hashtag off an actor's profile; nothing
// happens when it was not on it.
func UnfeatureTagNamed(ctx context.Context, db DB, actorID int64, tag string) error {
	if _, err := db.Exec(ctx, `DELETE FROM featured_tags WHERE actor_id = $1 AND tag = $2`, actorID, tag); err != nil {
		return fmt.Errorf("models: unfeature tag: %w", err)
	}
	return nil
}

// FeaturesTag reports whether an actor's profile shows this hashtag.
func FeaturesTag(ctx context.Context, db DB, actorID int64, tag string) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM featured_tags WHERE actor_id = $1 AND tag = $2)`, actorID, tag).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("models: features tag: %w", err)
	}
	return ok, nil
}

// FeaturedTagSuggestions are the hashtags an actor used most in her
// recent posts that her profile does not show yet, at most limit.
func FeaturedTagSuggestions(ctx context.Context, db DB, actorID int64, limit int) ([]string, error) {
	rows, err := db.Query(ctx, `SELECT t FROM (
			SELECT p.tags FROM posts p WHERE p.author_id = $1 AND p.deleted_at IS NULL AND p.relay_of_id IS NULL
			ORDER BY p.id DESC LIMIT 1000) recent, unnest(post_hashtags(recent.tags)) t
		WHERE NOT EXISTS (SELECT 1 FROM featured_tags ft WHERE ft.actor_id = $1 AND ft.tag = t)
		GROUP BY t ORDER BY count(*) DESC, t LIMIT $2`, actorID, limit)
	if err != nil {
		return nil, fmt.Errorf("models: featured tag suggestions: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("models: featured tag suggestions: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
