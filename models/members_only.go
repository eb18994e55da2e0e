package models

import (
	"context"
	"errors"
	"fmt"
)

// notMembersOnly keeps out posts p into members-only groups, also those
// written before the group became members-only; the group's own public
// notes (its welcome) stay.
const notMembersOnly = `NOT EXISTS (SELECT 1 FROM groups mg WHERE mg.actor_id = p.group_id AND mg.visibility <> 'public'
	AND NOT (p.author_id = p.group_id AND p.visibility = 'public'))`

// notAboutMembersOnly keeps out activities about such posts.
const notAboutMembersOnly = `NOT EXISTS (SELECT 1 FROM posts p WHERE p.uri = activities.object_uri AND NOT ` + notMembersOnly + `)`

// GroupIsMembersOnly reports whether actorID is a local group whose posts
// stay with its members. Remote groups and people are not.
func GroupIsMembersOnly(ctx context.Context, db DB, actorID int64) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM groups WHERE actor_id = $1 AND visibility = 'members')`, actorID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("models: members-only group: %w", err)
	}
	return ok, nil
}

// HasMemberOn reports whether the group has an approved member (an
// accepted follower or a moderator) on the server domain: what lets that
// server fetch the group's members-only posts for them.
func HasMemberOn(ctx context.Context, db DB, groupID int64, domain string) (bool, error) {
	if domain == "" {
		return false, nil
	}
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM follows f JOIN actors a ON a.id = f.follower_id
			WHERE f.followee_id = $1 AND f.state = 'accepted' AND a.domain = $2)
		OR EXISTS (SELECT 1 FROM group_moderators m JOIN actors a ON a.id = m.actor_id
			WHERE m.group_id = $1 AND a.domain = $2)`, groupID, domain).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("models: member on %s: %w", domain, err)
	}
	return ok, nil
}

// RelayOf returns the group's followers-only copy of a member's post
// (live or tombstone); ErrNotFound when the group wrote none.
func RelayOf(ctx context.Context, db DB, postID int64) (*Post, error) {
	p, err := scanPost(db.QueryRow(ctx, `SELECT `+postColumns+` FROM posts p WHERE p.relay_of_id = $1 ORDER BY p.id LIMIT 1`, postID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: relay of post: %w", err)
	}
	return p, err
}

// MembersGroupTimeline lists what members posted into a group, whatever
// its visibility (not direct messages, not the group's relay copies),
// newest first: a members-only group's posts as its members see them.
func MembersGroupTimeline(ctx context.Context, db DB, groupID int64, p Page) ([]Entry, error) {
	return collectEntries(ctx, db, `SELECT p.id, p.id, NULL::bigint FROM posts p
		WHERE (p.group_id = $1 OR p.author_id = $1) AND p.deleted_at IS NULL AND p.relay_of_id IS NULL
		  AND p.visibility <> 'direct' AND p.id < $2
		ORDER BY p.id DESC LIMIT $3`, groupID, maxID(p), p.limit())
}
