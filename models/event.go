package models

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Event statuses, as iCalendar (and Mobilizon's ical:status) name them.
const (
	EventConfirmed = "CONFIRMED"
	EventTentative = "TENTATIVE"
	EventCancelled = "CANCELLED"
)

// Join modes, as Mobilizon names them: free (anyone may come),
// restricted (the organizer or a group moderator approves each person),
// invite (only people invited; taken as restricted here).
const (
	JoinFree       = "free"
	JoinRestricted = "restricted"
	JoinInvite     = "invite"
)

// Bounds on a meetup, for local ones and for what other servers send.
const (
	MaxEventTitle    = 200
	MaxEventCapacity = 100_000
	MaxPlaceField    = 300
	// An event lasts at most this long: longer ones are mistakes or abuse.
	MaxEventLength = 31 * 24 * time.Hour
)

// ErrInvalidEvent wraps every reason an event cannot be stored.
var ErrInvalidEvent = errors.New("invalid event")

// Place is where a meetup happens: a name, a postal address, and
// optionally coordinates.
type Place struct {
	Name          string
	StreetAddress string
	Locality      string
	PostalCode    string
	Region        string
	Country       string
	Latitude      *float64
	Longitude     *float64
}

// Event is a meetup: the calendar side of a post of type Event, whose
// title is the post's Name and description its Content.
type Event struct {
	PostID   int64
	StartsAt time.Time
	EndsAt   *time.Time
	TimeZone string // IANA name of the place's zone
	Place    Place
	// AddressForGoing shows the street address and coordinates only to
	// people going (and the organizer and group moderators).
	AddressForGoing bool
	Capacity        *int // nil: no limit
	JoinMode        string
	Status          string
	Sequence        int // iCalendar SEQUENCE, bumped by every change
	// A remote event's counts, as its server announced them.
	RemoteParticipants *int
	RemoteRemaining    *int
	RemindedAt         *time.Time
	UpdatedAt          time.Time
	Post               *Post // filled by the listing queries
}

// Location is the event's time zone (UTC when it cannot be loaded).
func (e *Event) Location() *time.Location {
	if loc, err := time.LoadLocation(e.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// Cancelled reports whether the organizer called the meetup off.
func (e *Event) Cancelled() bool { return e.Status == EventCancelled }

// Validate checks an event against the bounds above; earliest is the
// earliest start accepted (a new local meetup may not start in the past;
// a remote one may, within reason).
func (e *Event) Validate(earliest time.Time) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidEvent, fmt.Sprintf(format, args...))
	}
	if e.StartsAt.IsZero() {
		return bad("a start time is required")
	}
	if e.StartsAt.Before(earliest) {
		return bad("it starts in the past")
	}
	if e.StartsAt.After(time.Now().AddDate(5, 0, 0)) {
		return bad("it starts more than five years from now")
	}
	if e.EndsAt != nil {
		if e.EndsAt.Before(e.StartsAt) {
			return bad("it ends before it starts")
		}
		if e.EndsAt.Sub(e.StartsAt) > MaxEventLength {
			return bad("it lasts more than %d days", int(MaxEventLength.Hours()/24))
		}
	}
	if e.TimeZone == "" {
		e.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(e.TimeZone); err != nil || len(e.TimeZone) > 64 {
		return bad("unknown time zone %q", e.TimeZone)
	}
	if e.Capacity != nil && (*e.Capacity < 1 || *e.Capacity > MaxEventCapacity) {
		return bad("capacity must be between 1 and %d", MaxEventCapacity)
	}
	switch e.JoinMode {
	case "":
		e.JoinMode = JoinFree
	case JoinFree, JoinRestricted, JoinInvite:
	default:
		return bad("unknown join mode %q", e.JoinMode)
	}
	switch e.Status {
	case "":
		e.Status = EventConfirmed
	case EventConfirmed, EventTentative, EventCancelled:
	default:
		return bad("unknown status %q", e.Status)
	}
	p := e.Place
	for _, f := range []string{p.Name, p.StreetAddress, p.Locality, p.PostalCode, p.Region, p.Country} {
		if utf8.RuneCountInString(f) > MaxPlaceField {
			return bad("a place field is longer than %d characters", MaxPlaceField)
		}
	}
	if (p.Latitude == nil) != (p.Longitude == nil) {
		return bad("coordinates need both latitude and longitude")
	}
	if p.Latitude != nil && (*p.Latitude < -90 || *p.Latitude > 90 || *p.Longitude < -180 || *p.Longitude > 180) {
		return bad("coordinates out of range")
	}
	return nil
}

const eventColumns = `e.post_id, e.starts_at, e.ends_at, e.time_zone, e.place_name, e.street_address, e.locality,
	e.postal_code, e.region, e.country, e.latitude, e.longitude, e.address_for_going, e.capacity, e.join_mode,
	e.status, e.sequence, e.remote_participants, e.remote_remaining, e.reminded_at, e.updated_at`

// dest is where a row of eventColumns is read into.
func (e *Event) dest() []any {
	p := &e.Place
	return []any{&e.PostID, &e.StartsAt, &e.EndsAt, &e.TimeZone, &p.Name, &p.StreetAddress, &p.Locality,
		&p.PostalCode, &p.Region, &p.Country, &p.Latitude, &p.Longitude, &e.AddressForGoing, &e.Capacity, &e.JoinMode,
		&e.Status, &e.Sequence, &e.RemoteParticipants, &e.RemoteRemaining, &e.RemindedAt, &e.UpdatedAt}
}

func scanEvent(row pgx.Row) (*Event, error) {
	var e Event
	if err := row.Scan(e.dest()...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &e, nil
}

// scanEventWithPost reads a row of postColumns followed by eventColumns.
func scanEventWithPost(row pgx.Row) (*Event, error) {
	var e Event
	post, err := scanPost(row, e.dest()...)
	if err != nil {
		return nil, err
	}
	e.Post = post
	return &e, nil
}

// InsertEvent stores the calendar side of an event whose post is stored
// already (in the same transaction). An event stored before is left as
// it is and reported false.
func InsertEvent(ctx context.Context, db DB, e *Event) (bool, error) {
	p := e.Place
	tag, err := db.Exec(ctx, `INSERT INTO events (post_id, starts_at, ends_at, time_zone, place_name, street_address,
			locality, postal_code, region, country, latitude, longitude, address_for_going, capacity, join_mode, status,
			remote_participants, remote_remaining)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		ON CONFLICT (post_id) DO NOTHING`,
		e.PostID, e.StartsAt, e.EndsAt, e.TimeZone, p.Name, p.StreetAddress, p.Locality, p.PostalCode, p.Region,
		p.Country, p.Latitude, p.Longitude, e.AddressForGoing, e.Capacity, e.JoinMode, e.Status,
		e.RemoteParticipants, e.RemoteRemaining)
	if err != nil {
		return false, fmt.Errorf("models: insert event: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// UpdateEvent replaces an event's calendar side and bumps its sequence,
// so that calendars take the change. A capacity that grows lets people
// off the waitlist: callers call PromoteWaitlist after it.
func UpdateEvent(ctx context.Context, db DB, e *Event) error {
	p := e.Place
	err := db.QueryRow(ctx, `UPDATE events SET starts_at = $2, ends_at = $3, time_zone = $4, place_name = $5,
			street_address = $6, locality = $7, postal_code = $8, region = $9, country = $10, latitude = $11,
			longitude = $12, address_for_going = $13, capacity = $14, join_mode = $15, status = $16,
			remote_participants = $17, remote_remaining = $18, sequence = sequence + 1, updated_at = now(),
			reminded_at = CASE WHEN starts_at = $2 THEN reminded_at END
		WHERE post_id = $1 RETURNING sequence, updated_at`,
		e.PostID, e.StartsAt, e.EndsAt, e.TimeZone, p.Name, p.StreetAddress, p.Locality, p.PostalCode, p.Region,
		p.Country, p.Latitude, p.Longitude, e.AddressForGoing, e.Capacity, e.JoinMode, e.Status,
		e.RemoteParticipants, e.RemoteRemaining).Scan(&e.Sequence, &e.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("models: update event: %w", err)
	}
	return nil
}

// CancelEvent marks a meetup called off (it stays, so that calendars show
// it cancelled) and reports whether it was not already.
func CancelEvent(ctx context.Context, db DB, postID int64) (bool, error) {
	tag, err := db.Exec(ctx, `UPDATE events SET status = 'CANCELLED', sequence = sequence + 1, updated_at = now()
		WHERE post_id = $1 AND status <> 'CANCELLED'`, postID)
	if err != nil {
		return false, fmt.Errorf("models: cancel event: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// EventByPostID loads an event by its post's row id.
func EventByPostID(ctx context.Context, db DB, postID int64) (*Event, error) {
	e, err := scanEvent(db.QueryRow(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.post_id = $1`, postID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: event: %w", err)
	}
	return e, err
}

// EventWithPost loads an event and its post.
func EventWithPost(ctx context.Context, db DB, postID int64) (*Event, error) {
	e, err := EventByPostID(ctx, db, postID)
	if err != nil {
		return nil, err
	}
	if e.Post, err = PostByID(ctx, db, postID); err != nil {
		return nil, err
	}
	return e, nil
}

// UpcomingGroupEvents are a group's meetups that have not ended, soonest
// first, cancelled ones included (people going must see that), at most limit.
func UpcomingGroupEvents(ctx context.Context, db DB, groupID int64, limit int) ([]*Event, error) {
	return queryList(ctx, db, "upcoming events", scanEventWithPost,
		`SELECT `+postColumns+`, `+eventColumns+` FROM events e JOIN posts p ON p.id = e.post_id
		WHERE p.group_id = $1 AND p.deleted_at IS NULL AND coalesce(e.ends_at, e.starts_at + interval '3 hours') > now()
		ORDER BY e.starts_at, e.post_id LIMIT $2`, groupID, limit)
}
