package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// A member's calendar feed lives at a secret URL: the token is the whole
// permission, so it is long (256 random bits) and can be replaced.

const calendarTokenBytes = 32

func newCalendarToken() (string, error) {
	raw := make([]byte, calendarTokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("models: calendar token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// CalendarToken is the token of actorID's calendar feed, made on first use.
func CalendarToken(ctx context.Context, db DB, actorID int64) (string, error) {
	fresh, err := newCalendarToken()
	if err != nil {
		return "", err
	}
	var token string
	// The no-op update makes RETURNING give the row that was there already.
	err = db.QueryRow(ctx, `INSERT INTO calendar_tokens (actor_id, token) VALUES ($1, $2)
		ON CONFLICT (actor_id) DO UPDATE SET token = calendar_tokens.token RETURNING token`, actorID, fresh).Scan(&token)
	if err != nil {
		return "", fmt.Errorf("models: calendar token: %w", err)
	}
	return token, nil
}

// ResetCalendarToken replaces actorID's token: the old URL stops working.
func ResetCalendarToken(ctx context.Context, db DB, actorID int64) (string, error) {
	fresh, err := newCalendarToken()
	if err != nil {
		return "", err
	}
	_, err = db.Exec(ctx, `INSERT INTO calendar_tokens (actor_id, token) VALUES ($1, $2)
		ON CONFLICT (actor_id) DO UPDATE SET token = $2, created_at = now()`, actorID, fresh)
	if err != nil {
		return "", fmt.Errorf("models: reset calendar token: %w", err)
	}
	return fresh, nil
}

// ActorByCalendarToken is the local person whose calendar token this is;
// ErrNotFound for an unknown (or replaced) token, and for a suspended
// account, whose feed stops with the rest of it.
func ActorByCalendarToken(ctx context.Context, db DB, token string) (*Actor, error) {
	var a Actor
	err := db.QueryRow(ctx, `SELECT `+actorColumns+` FROM calendar_tokens t JOIN actors a ON a.id = t.actor_id
			JOIN accounts ac ON ac.actor_id = a.id
		WHERE t.token = $1 AND ac.suspended_at IS NULL`, token).Scan(a.dest()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: calendar token owner: %w", err)
	}
	return &a, nil
}

// What a calendar lists: a meetup, its post, and the post's author (the
// organizer).
const (
	calendarColumns = postColumns + `, ` + eventColumns + `, ` + actorColumns
	calendarTables  = `events e JOIN posts p ON p.id = e.post_id JOIN actors a ON a.id = p.author_id`
)

func scanCalendarEvent(row pgx.Row, extra ...any) (*Event, error) {
	var e Event
	var author Actor
	post, err := scanPost(row, append(append(e.dest(), author.dest()...), extra...)...)
	if err != nil {
		return nil, err
	}
	post.Author = &author
	e.Post = post
	return &e, nil
}

// GroupCalendarEvents are the meetups of a group that anyone who may see
// the group may see (public and unlisted ones), ending after since,
// soonest first, cancelled ones included so that calendars show them
// called off. Deleted meetups are left out.
func GroupCalendarEvents(ctx context.Context, db DB, groupID int64, since time.Time, limit int) ([]*Event, error) {
	return queryList(ctx, db, "group calendar", func(r pgx.Row) (*Event, error) { return scanCalendarEvent(r) },
		`SELECT `+calendarColumns+` FROM `+calendarTables+`
		WHERE p.group_id = $1 AND p.deleted_at IS NULL AND p.relay_of_id IS NULL AND p.visibility IN ('public', 'unlisted')
		  AND coalesce(e.ends_at, e.starts_at) >= $2
		ORDER BY e.starts_at, e.post_id LIMIT $3`, groupID, since, limit)
}

// CalendarEventWithOrganizer loads one meetup with its post and organizer,
// deleted ones too (the caller decides).
func CalendarEventWithOrganizer(ctx context.Context, db DB, postID int64) (*Event, error) {
	e, err := scanCalendarEvent(db.QueryRow(ctx, `SELECT `+calendarColumns+` FROM `+calendarTables+` WHERE e.post_id = $1`, postID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: calendar event: %w", err)
	}
	return e, err
}

// CalendarEntry is a meetup of a member's calendar and her answer to it.
type CalendarEntry struct {
	Event  *Event
	Answer string // going, maybe, waitlist or pending
}

// MemberCalendarEvents are the meetups actorID answered going or maybe to
// (or waits for: waitlist, pending), ending after since, soonest first,
// cancelled ones included. A meetup in a members-only group is listed only
// while she is a member of it (or wrote it); deleted ones never.
func MemberCalendarEvents(ctx context.Context, db DB, actorID int64, since time.Time, limit int) ([]CalendarEntry, error) {
	rows, err := db.Query(ctx, `SELECT `+calendarColumns+`, r.status FROM `+calendarTables+`
			JOIN event_rsvps r ON r.event_id = e.post_id AND r.actor_id = $1
		WHERE r.status IN ('going', 'maybe', 'waitlist', 'pending') AND p.deleted_at IS NULL
		  AND coalesce(e.ends_at, e.starts_at) >= $2
		  AND (p.author_id = $1 OR NOT EXISTS (SELECT 1 FROM groups g WHERE g.actor_id = p.group_id AND g.visibility = 'members')
		       OR EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = p.group_id AND f.follower_id = $1 AND f.state = 'accepted')
		       OR EXISTS (SELECT 1 FROM group_moderators m WHERE m.group_id = p.group_id AND m.actor_id = $1))
		ORDER BY e.starts_at, e.post_id LIMIT $3`, actorID, since, limit)
	if err != nil {
		return nil, fmt.Errorf("models: member calendar: %w", err)
	}
	defer rows.Close()
	var out []CalendarEntry
	for rows.Next() {
		var answer string
		e, err := scanCalendarEvent(rows, &answer)
		if err != nil {
			return nil, fmt.Errorf("models: member calendar: %w", err)
		}
		out = append(out, CalendarEntry{Event: e, Answer: answer})
	}
	return out, rows.Err()
}
