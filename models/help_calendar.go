package models

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Kinds of help a calendar asks for.
var helpKinds = []string{"meals", "rides", "childcare", "errands", "visits", "card", "fund", "other"}

// HelpKinds lists the kinds of help a calendar may ask for, in the order
// a form offers them. A function, so that no caller can change the list.
func HelpKinds() []string { return append([]string(nil), helpKinds...) }

// Statuses of a help calendar: an open one takes claims, a paused one
// shows its slots but takes none, a closed one keeps its history for
// its organizers.
const (
	HelpOpen   = "open"
	HelpPaused = "paused"
	HelpClosed = "closed"
)

// Limits of a help calendar's fields, in characters, and of its range.
const (
	HelpTitleMax     = 200
	HelpStoryMax     = 5000 // of the text as typed
	HelpNotesMax     = 2000
	HelpDropOffMax   = 200
	HelpAddressMax   = 500
	HelpFundURLMax   = 500
	HelpFundNoteMax  = 1000
	HelpNameMax      = 100
	HelpMaxDays      = 92  // a calendar spans at most about three months
	HelpMaxSlots     = 400 // slots a calendar may hold
	HelpMaxPlaces    = 20  // people one slot may need
	HelpLabelMax     = 100
	HelpBringingMax  = 300
	HelpUpdateMax    = 2000
	HelpSupportMax   = 500 // a helper's note of support is short
	HelpOrganizerMax = 5   // co-organizers besides the one who opened it
)

// HelpInputError says which field of a help calendar, slot or claim is
// wrong and why, in words a person can act on.
type HelpInputError struct {
	Field  string
	Reason string
}

func (e *HelpInputError) Error() string { return e.Field + ": " + e.Reason }

func helpInput(field, reason string) error { return &HelpInputError{Field: field, Reason: reason} }

// HelpCalendar is a calendar of help opened in a group for someone.
type HelpCalendar struct {
	ID            int64
	GroupID       int64
	OpenedBy      int64
	RecipientID   *int64 // a member it is for
	RecipientName string // or a person named in words
	Title         string
	Story         string // sanitized HTML
	Kind          string
	StartsOn      time.Time // a date (midnight UTC)
	EndsOn        time.Time
	TimeZone      string
	Private       HelpPrivate // only for organizers, the recipient and claimers
	FundURL       string
	FundNote      string
	Status        string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// HelpPrivate is what a calendar tells only the people who bring help or
// organize it: where to go and what to mind.
type HelpPrivate struct {
	Notes    string // dietary needs, allergies, ...
	DropOff  string // a drop-off window
	NoVisits bool   // "please don't stay"
	Address  string
}

// NewHelpCalendar is a calendar to open, with its first slots.
type NewHelpCalendar struct {
	GroupID       int64
	OpenedBy      int64
	RecipientID   *int64
	RecipientName string
	Title         string
	Story         string // sanitized HTML
	StoryText     string // as typed, to measure
	Kind          string
	StartsOn      time.Time
	EndsOn        time.Time
	TimeZone      string
	Private       HelpPrivate
	FundURL       string
	FundNote      string
	Organizers    []int64 // co-organizers besides OpenedBy
	Slots         []NewHelpSlot
}

// Validate checks a calendar to open, field by field.
func (n *NewHelpCalendar) Validate() error {
	n.Title = strings.TrimSpace(n.Title)
	n.RecipientName = strings.TrimSpace(n.RecipientName)
	checks := []struct {
		field string
		text  string
		max   int
	}{
		{"title", n.Title, HelpTitleMax}, {"story", n.StoryText, HelpStoryMax}, {"notes", n.Private.Notes, HelpNotesMax},
		{"drop_off", n.Private.DropOff, HelpDropOffMax}, {"address", n.Private.Address, HelpAddressMax},
		{"fund_url", n.FundURL, HelpFundURLMax}, {"fund_note", n.FundNote, HelpFundNoteMax},
		{"recipient_name", n.RecipientName, HelpNameMax},
	}
	for _, c := range checks {
		if utf8.RuneCountInString(c.text) > c.max {
			return helpInput(c.field, fmt.Sprintf("at most %d characters", c.max))
		}
	}
	if n.Title == "" {
		return helpInput("title", "a calendar needs a title")
	}
	if !slices.Contains(helpKinds, n.Kind) {
		return helpInput("kind", "the kind is one of "+strings.Join(helpKinds, ", "))
	}
	if n.RecipientID == nil && n.RecipientName == "" {
		return helpInput("recipient_name", "say who the help is for")
	}
	if n.FundURL != "" {
		u, err := url.Parse(n.FundURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return helpInput("fund_url", "the fundraiser's link is an http or https address")
		}
	}
	if n.TimeZone == "" {
		n.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(n.TimeZone); err != nil {
		return helpInput("time_zone", "not a known time zone")
	}
	if err := checkHelpRange(n.StartsOn, n.EndsOn); err != nil {
		return err
	}
	if len(n.Organizers) > HelpOrganizerMax {
		return helpInput("organizers", fmt.Sprintf("at most %d co-organizers", HelpOrganizerMax))
	}
	if len(n.Slots) > HelpMaxSlots {
		return helpInput("slots", fmt.Sprintf("at most %d slots", HelpMaxSlots))
	}
	for _, s := range n.Slots {
		if err := s.validate(n.StartsOn, n.EndsOn); err != nil {
			return err
		}
	}
	return nil
}

func checkHelpRange(start, end time.Time) error {
	switch {
	case start.IsZero() || end.IsZero():
		return helpInput("starts_on", "give the first and the last day")
	case end.Before(start):
		return helpInput("ends_on", "the last day comes after the first")
	case end.Sub(start) > HelpMaxDays*24*time.Hour:
		return helpInput("ends_on", fmt.Sprintf("a calendar spans at most %d days", HelpMaxDays))
	}
	return nil
}

// ErrHelpNotMember refuses what only the group's members may do.
var ErrHelpNotMember = errors.New("only the group's members may do that")

// CreateHelpCalendar opens a calendar with its organizers and first
// slots, in one transaction. The opener must be a member of the group;
// co-organizers and a recipient on Village must be members too.
func CreateHelpCalendar(ctx context.Context, db DB, n NewHelpCalendar) (*HelpCalendar, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var id int64
	err := InTx(ctx, db, func(tx pgx.Tx) error {
		people := append([]int64{n.OpenedBy}, n.Organizers...)
		if n.RecipientID != nil {
			people = append(people, *n.RecipientID)
		}
		for _, p := range people {
			ok, err := HelpMember(ctx, tx, n.GroupID, p)
			if err != nil {
				return err
			}
			if !ok {
				return ErrHelpNotMember
			}
		}
		err := tx.QueryRow(ctx, `INSERT INTO help_calendars (group_id, opened_by, recipient_id, recipient_name, title, story,
				kind, starts_on, ends_on, time_zone, notes, drop_off, no_visits, address, fund_url, fund_note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
			n.GroupID, n.OpenedBy, n.RecipientID, n.RecipientName, n.Title, n.Story, n.Kind, n.StartsOn, n.EndsOn,
			n.TimeZone, n.Private.Notes, n.Private.DropOff, n.Private.NoVisits, n.Private.Address, n.FundURL,
			n.FundNote).Scan(&id)
		if err != nil {
			return fmt.Errorf("models: open help calendar: %w", err)
		}
		for _, p := range append([]int64{n.OpenedBy}, n.Organizers...) {
			if _, err := tx.Exec(ctx, `INSERT INTO help_organizers (calendar_id, actor_id) VALUES ($1, $2)
				ON CONFLICT DO NOTHING`, id, p); err != nil {
				return fmt.Errorf("models: help organizer: %w", err)
			}
		}
		return insertSlots(ctx, tx, id, n.Slots)
	})
	if err != nil {
		return nil, err
	}
	return HelpCalendarByID(ctx, db, id)
}

// HelpMember reports whether actorID is a member of the group (an
// accepted follower or a moderator) and not banned from it: who may see
// and claim the group's help calendars.
func HelpMember(ctx context.Context, db DB, groupID, actorID int64) (bool, error) {
	ok, err := IsMember(ctx, db, groupID, actorID)
	if err != nil || !ok {
		return false, err
	}
	banned, err := IsBanned(ctx, db, groupID, actorID)
	return !banned, err
}

const helpCalendarColumns = `c.id, c.group_id, c.opened_by, c.recipient_id, c.recipient_name, c.title, c.story, c.kind,
	c.starts_on, c.ends_on, c.time_zone, c.notes, c.drop_off, c.no_visits, c.address, c.fund_url, c.fund_note, c.status,
	c.created_at, c.updated_at`

func scanHelpCalendar(row pgx.Row) (*HelpCalendar, error) {
	var c HelpCalendar
	err := row.Scan(&c.ID, &c.GroupID, &c.OpenedBy, &c.RecipientID, &c.RecipientName, &c.Title, &c.Story, &c.Kind,
		&c.StartsOn, &c.EndsOn, &c.TimeZone, &c.Private.Notes, &c.Private.DropOff, &c.Private.NoVisits, &c.Private.Address,
		&c.FundURL, &c.FundNote, &c.Status, &c.CreatedAt, &c.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &c, err
}

// HelpCalendarByID loads a calendar, private fields and all: callers
// decide who sees them (HelpStanding.SeesPrivate).
func HelpCalendarByID(ctx context.Context, db DB, id int64) (*HelpCalendar, error) {
	c, err := scanHelpCalendar(db.QueryRow(ctx, `SELECT `+helpCalendarColumns+` FROM help_calendars c WHERE c.id = $1`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: help calendar: %w", err)
	}
	return c, err
}

// GroupHelpCalendars lists a group's calendars that are not closed,
// soonest first, and the closed ones viewerID organizes.
func GroupHelpCalendars(ctx context.Context, db DB, groupID, viewerID int64) ([]*HelpCalendar, error) {
	return queryList(ctx, db, "help calendars", scanHelpCalendar,
		`SELECT `+helpCalendarColumns+` FROM help_calendars c WHERE c.group_id = $1
		AND (c.status <> 'closed' OR EXISTS (SELECT 1 FROM help_organizers o WHERE o.calendar_id = c.id AND o.actor_id = $2))
		ORDER BY c.status = 'closed', c.starts_on, c.id LIMIT 100`, groupID, viewerID)
}

// HelpOrganizers lists a calendar's organizers' actor ids, the opener first.
func HelpOrganizers(ctx context.Context, db DB, calendarID int64) ([]int64, error) {
	rows, err := db.Query(ctx, `SELECT o.actor_id FROM help_organizers o JOIN help_calendars c ON c.id = o.calendar_id
		WHERE o.calendar_id = $1 ORDER BY o.actor_id <> c.opened_by, o.actor_id`, calendarID)
	if err != nil {
		return nil, fmt.Errorf("models: help organizers: %w", err)
	}
	ids, err := collectIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("models: help organizers: %w", err)
	}
	return ids, nil
}

// MemberHelpCalendars lists the calendars of every group actorID belongs
// to, here or on another server (kept copies), soonest first: the open
// and paused ones, and the closed ones she organizes. Callers still ask
// HelpStandingOf, which also weighs bans.
func MemberHelpCalendars(ctx context.Context, db DB, actorID int64) ([]*HelpCalendar, error) {
	return queryList(ctx, db, "member help calendars", scanHelpCalendar,
		`SELECT `+helpCalendarColumns+` FROM help_calendars c
		WHERE (EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = c.group_id AND f.follower_id = $1 AND f.state = 'accepted')
		       OR EXISTS (SELECT 1 FROM group_moderators m WHERE m.group_id = c.group_id AND m.actor_id = $1))
		AND (c.status <> 'closed' OR EXISTS (SELECT 1 FROM help_organizers o WHERE o.calendar_id = c.id AND o.actor_id = $1))
		ORDER BY c.status = 'closed', c.ends_on < current_date, c.starts_on, c.id LIMIT 100`, actorID)
}
