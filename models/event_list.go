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
