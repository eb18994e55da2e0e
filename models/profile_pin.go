package models

import (
	"context"
	"errors"
	"fmt"
)

// MaxProfilePins caps the posts a person pins to her profile, as Mastodon does.
const MaxProfilePins = 5

// Refusals of a profile pin, each a reason Mastodon apps show.
var (
	ErrPinNotOwn     = errors.New("you can only pin your own posts")
	ErrPinNotPublic  = errors.New("only public and unlisted posts can be pinned")
	ErrTooManyOwnPin = fmt.Errorf("you have already pinned the maximum number of posts (%d)", MaxProfilePins)
)

// PinToProfile pins a person's own public or unlisted post to her profile
// (her featured collection), at most MaxProfilePins; it reports false when
// it was pinned already. Pins are counted under a lock of the person's
// row, so that two requests at once cannot make a sixth.
func PinToProfile(ctx context.Context, db DB, actorID int64, p *Post) (bool, error) {
	switch {
	case p.AuthorID != actorID || p.RealAuthorID != nil || p.DeletedAt != nil:
		return false, ErrPinNotOwn
	case p.Visibility != VisibilityPublicPost && p.Visibility != VisibilityUnlisted:
		return false, ErrPinNotPublic
	}
	var pinned int
	var already bool
	err := db.QueryRow(ctx, `WITH me AS (SELECT id FROM actors WHERE id = $1 FOR UPDATE)
		SELECT count(*), coalesce(bool_or(post_id = $2), false) FROM pins
		WHERE actor_id = (SELECT id FROM me) AND post_id IN (SELECT id FROM posts WHERE deleted_at IS NULL)`,
		actorID, p.ID).Scan(&pinned, &already)
	if err != nil {
		return false, fmt.Errorf("models: pin to profile: %w", err)
	}
	if already {
		return false, nil
	}
	if pinned >= MaxProfilePins {
		return false, ErrTooManyOwnPin
	}
	return true, Pin(ctx, db, actorID, p.ID)
}

// SetPins makes a remote person's pins those her featured collection
// lists now (the posts known here), in its order.
func SetPins(ctx context.Context, db DB, actorID int64, postIDs []int64) error {
	if _, err := db.Exec(ctx, `DELETE FROM pins WHERE actor_id = $1 AND NOT post_id = ANY($2)`, actorID, postIDs); err != nil {
		return fmt.Errorf("models: set pins: %w", err)
	}
	// The first item is the newest pin: pinned_at counts down the list.
	_, err := db.Exec(ctx, `INSERT INTO pins (actor_id, post_id, created_at)
		SELECT $1, id, now() - (n * interval '1 second') FROM unnest($2::bigint[]) WITH ORDINALITY AS t(id, n)
		ON CONFLICT DO NOTHING`, actorID, postIDs)
	if err != nil {
		return fmt.Errorf("models: set pins: %w", err)
	}
	if _, err := db.Exec(ctx, `UPDATE actors SET featured_synced_at = now() WHERE id = $1`, actorID); err != nil {
		return fmt.Errorf("models: set pins: %w", err)
	}
	return nil
}

// FeaturedStale reports whether a remote actor's featured collection has
// not been read in the last day (or ever).
func FeaturedStale(ctx context.Context, db DB, actorID int64) (bool, error) {
	var stale bool
	err := db.QueryRow(ctx, `SELECT featured_synced_at IS NULL OR featured_synced_at < now() - interval '1 day'
		FROM actors WHERE id = $1`, actorID).Scan(&stale)
	if err != nil {
		return false, notFoundOr(err, "models: featured stale")
	}
	return stale, nil
}
