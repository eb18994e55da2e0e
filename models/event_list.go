package models

import (
	"context"
	"errors"
	"fmt"
)

// AddressShownTo reports whether a viewer (0: a visitor) may see a
// meetup's street address and coordinates: always, unless the organizer
// keeps them for people going; then the organizer, the group's moderators
// and people going.
func AddressShownTo(ctx context.Context, db DB, e *Event, post *Post, viewerID int64) (bool, error) {
	if !e.AddressForGoing {
		return true, nil
	}
	if viewerID == 0 {
		return false, nil
	}
	if post.AuthorID == viewerID {
		return true, nil
	}
	if post.GroupID != nil {
		role, err := ModeratorRole(ctx, db, *post.GroupID, viewerID)
		if err != nil || role != "" {
			return role != "", err
		}
	}
	r, err := RSVPOf(ctx, db, e.PostID, viewerID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("models: address shown: %w", err)
	}
	return r.Status == RSVPGoing, nil
}

// HideAddress blanks what only people going may see of a meetup's place.
func (e *Event) HideAddress() {
	e.Place.StreetAddress, e.Place.PostalCode = "", ""
	e.Place.Latitude, e.Place.Longitude = nil, nil
}

// PublicUpcomingEvents are the upcoming meetups of local public groups
// (never a members-only group's), nearest first to lat, lon when given
// (by the meetup's coordinates, else its group's), then soonest.
func PublicUpcomingEvents(ctx context.Context, db DB, lat, lon *float64, limit int) ([]*Event, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return queryList(ctx, db, "public upcoming events", scanEventWithPost,
		`SELECT `+postColumns+`, `+eventColumns+` FROM events e
		JOIN posts p ON p.id = e.post_id JOIN groups g ON g.actor_id = p.group_id
		CROSS JOIN LATERAL (SELECT coalesce(e.latitude, g.latitude) AS lat, coalesce(e.longitude, g.longitude) AS lon) c
		WHERE g.visibility = 'public' AND p.deleted_at IS NULL AND p.visibility = 'public'
		  AND coalesce(e.ends_at, e.starts_at + interval '3 hours') > now()
		ORDER BY CASE WHEN $1::float8 IS NOT NULL AND $2::float8 IS NOT NULL AND c.lat IS NOT NULL THEN
			2 * 6371.0088 * asin(least(1, sqrt(power(sin(radians(c.lat - $1::float8) / 2), 2)
			+ cos(radians($1::float8)) * cos(radians(c.lat)) * power(sin(radians(c.lon - $2::float8) / 2), 2)))) END NULLS LAST,
			e.starts_at, e.post_id
		LIMIT $3`, lat, lon, limit)
}

// MayChangeEvent reports whether an actor may edit, cancel or delete a meetup:
// its organizer, or a moderator of its group.
func MayChangeEvent(ctx context.Context, db DB, post *Post, actorID int64) (bool, error) {
	if post.AuthorID == actorID {
		return true, nil
	}
	if post.GroupID == nil {
		return false, nil
	}
	role, err := ModeratorRole(ctx, db, *post.GroupID, actorID)
	return role != "", err
}
