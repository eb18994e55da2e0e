package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// A copy is a help calendar another Village sent the group's members
// here: help_calendars.uri is its id at home, its group a remote actor,
// its slots carry their ids there (uri) and the places home counts as
// taken (remote_taken). Local members claim its slots by Join: a claim
// is pending until the group accepts it. Home decides: every Update of
// the calendar is the truth its copy is brought to.

// NotifyHelpReleased tells a member that her place in a copy's slot is
// gone: home no longer lists her, refused her Join, or dropped the slot.
const NotifyHelpReleased = "help_released"

// helpJoinGrace is how long a pending claim survives Updates that do not
// list her yet: the Join may still be on its way, or home's Update may
// have left before it arrived.
const helpJoinGrace = time.Minute

// HelpCopy is what makes a calendar a copy: its id at home and its group.
type HelpCopy struct {
	CalendarID int64
	URI        string
	GroupID    int64
}

// ErrHelpCopy refuses what only the calendar's home server does (an
// organizer's action): the copy is changed by its group's Updates only.
var ErrHelpCopy = errors.New("the calendar is organized on another server")

// HelpCopyOf reads the copy a calendar is; ErrNotFound for a calendar
// opened here.
func HelpCopyOf(ctx context.Context, db DB, calendarID int64) (*HelpCopy, error) {
	var c HelpCopy
	err := db.QueryRow(ctx, `SELECT id, uri, group_id FROM help_calendars WHERE id = $1 AND uri IS NOT NULL`, calendarID).
		Scan(&c.CalendarID, &c.URI, &c.GroupID)
	if err != nil {
		return nil, notFoundOr(err, "models: help copy")
	}
	return &c, nil
}

// HelpCopyByURI reads the copy of the calendar whose id at home is uri.
func HelpCopyByURI(ctx context.Context, db DB, uri string) (*HelpCopy, error) {
	var c HelpCopy
	err := db.QueryRow(ctx, `SELECT id, uri, group_id FROM help_calendars WHERE uri = $1`, uri).Scan(&c.CalendarID, &c.URI, &c.GroupID)
	if err != nil {
		return nil, notFoundOr(err, "models: help copy")
	}
	return &c, nil
}

// HelpCopyInput is a calendar as its home sent it, read and cleaned by
// the caller: the story sanitized, the helpers resolved to the local
// members among them.
type HelpCopyInput struct {
	URI           string
	GroupID       int64
	Title         string
	Story         string
	Kind          string
	Status        string
	StartsOn      time.Time
	EndsOn        time.Time
	TimeZone      string
	RecipientName string
	FundURL       string
	FundNote      string
	Slots         []HelpCopySlot
}

// HelpCopySlot is a slot as home counts it.
type HelpCopySlot struct {
	URI     string
	Label   string
	Day     time.Time
	At      string // "" or "HH:MM"
	Places  int
	Taken   int
	Helpers []int64 // the local members home lists in the slot
}

// HelpCopyKept is what keeping a copy did.
type HelpCopyKept struct {
	CalendarID int64
	Released   []int64 // local members whose places went
}

// KeepHelpCopy stores or brings up to date the copy of a calendar, in one
// transaction: its fields (the private details it got from Accepts
// stay), its slots (a slot home dropped goes, with the places taken in
// it), and its local members' claims, which follow home's helpers. A
// member whose place went is told.
func KeepHelpCopy(ctx context.Context, db DB, in HelpCopyInput) (*HelpCopyKept, error) {
	kept := &HelpCopyKept{}
	err := InTx(ctx, db, func(tx pgx.Tx) error {
		var group int64
		err := tx.QueryRow(ctx, `INSERT INTO help_calendars (uri, group_id, opened_by, recipient_name, title, story, kind,
				starts_on, ends_on, time_zone, fund_url, fund_note, status)
			VALUES ($1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (uri) DO UPDATE SET recipient_name = EXCLUDED.recipient_name, title = EXCLUDED.title,
				story = EXCLUDED.story, kind = EXCLUDED.kind, starts_on = EXCLUDED.starts_on, ends_on = EXCLUDED.ends_on,
				time_zone = EXCLUDED.time_zone, fund_url = EXCLUDED.fund_url, fund_note = EXCLUDED.fund_note,
				status = EXCLUDED.status, updated_at = now()
			RETURNING id, group_id`,
			in.URI, in.GroupID, in.RecipientName, in.Title, in.Story, in.Kind, in.StartsOn, in.EndsOn, in.TimeZone,
			in.FundURL, in.FundNote, in.Status).Scan(&kept.CalendarID, &group)
		if err != nil {
			return fmt.Errorf("models: keep help copy: %w", err)
		}
		if group != in.GroupID {
			return fmt.Errorf("models: keep help copy %s: it belongs to another group", in.URI)
		}
		uris := make([]string, 0, len(in.Slots))
		for _, s := range in.Slots {
			uris = append(uris, s.URI)
		}
		// Places in slots home dropped go first, so that their people are told.
		gone, err := tx.Query(ctx, `DELETE FROM help_claims k USING help_slots s
			WHERE s.id = k.slot_id AND s.calendar_id = $1 AND s.uri <> ALL($2) AND k.actor_id IS NOT NULL
			RETURNING k.actor_id`, kept.CalendarID, uris)
		if err != nil {
			return fmt.Errorf("models: keep help copy: %w", err)
		}
		released, err := collectIDs(gone)
		if err != nil {
			return fmt.Errorf("models: keep help copy: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM help_slots WHERE calendar_id = $1 AND uri <> ALL($2)`, kept.CalendarID, uris); err != nil {
			return fmt.Errorf("models: keep help copy: %w", err)
		}
		for _, s := range in.Slots {
			ids, err := keepCopySlot(ctx, tx, kept.CalendarID, s)
			if err != nil {
				return err
			}
			released = append(released, ids...)
		}
		slices.Sort(released)
		kept.Released = slices.Compact(released)
		for _, id := range kept.Released {
			if err := notifyHelp(ctx, tx, id, NotifyHelpReleased, in.GroupID, kept.CalendarID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return kept, nil
}

// keepCopySlot stores one slot of a copy and brings its local claims to
// home's list: a member home lists is confirmed, one it does not list
// loses her place unless her Join left within helpJoinGrace. It returns
// the members who lost theirs.
func keepCopySlot(ctx context.Context, tx pgx.Tx, calendarID int64, s HelpCopySlot) ([]int64, error) {
	var at *string
	if s.At != "" {
		at = &s.At
	}
	var slotID int64
	err := tx.QueryRow(ctx, `INSERT INTO help_slots (calendar_id, uri, day, label, at_time, places, remote_taken)
		VALUES ($1, $2, $3, $4, $5::time, $6, $7)
		ON CONFLICT (calendar_id, uri) WHERE uri IS NOT NULL DO UPDATE SET day = EXCLUDED.day, label = EXCLUDED.label,
			at_time = EXCLUDED.at_time, places = EXCLUDED.places, remote_taken = EXCLUDED.remote_taken
		RETURNING id`, calendarID, s.URI, s.Day, s.Label, at, s.Places, s.Taken).Scan(&slotID)
	if err != nil {
		return nil, fmt.Errorf("models: keep help copy slot: %w", err)
	}
	helpers := s.Helpers
	if helpers == nil {
		helpers = []int64{}
	}
	// A pending claim home lists stays pending: only the Accept, which
	// carries the address, confirms it (the Update may arrive first).
	rows, err := tx.Query(ctx, `DELETE FROM help_claims WHERE slot_id = $1 AND actor_id IS NOT NULL AND actor_id <> ALL($2)
		AND NOT (pending AND updated_at > now() - $3::interval) RETURNING actor_id`,
		slotID, helpers, fmt.Sprintf("%d seconds", int(helpJoinGrace.Seconds())))
	if err != nil {
		return nil, fmt.Errorf("models: keep help copy slot: %w", err)
	}
	ids, err := collectIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("models: keep help copy slot: %w", err)
	}
	return ids, nil
}

// DeleteHelpCopy removes a copy, its slots and its local claims; its
// group must be the one deleting it.
func DeleteHelpCopy(ctx context.Context, db DB, uri string, groupID int64) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM help_calendars WHERE uri = $1 AND group_id = $2`, uri, groupID)
	if err != nil {
		return false, fmt.Errorf("models: delete help copy: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// HelpCopySlotTaken is how many places of each slot of a copy are taken
// as the viewer should see it: what home counts, and the local claims
// home does not count yet (pending ones).
func HelpCopySlotTaken(ctx context.Context, db DB, calendarID int64) (map[int64]int, error) {
	rows, err := db.Query(ctx, `SELECT s.id, least(s.places, coalesce(s.remote_taken, 0)
			+ (SELECT count(*) FROM help_claims k WHERE k.slot_id = s.id AND k.pending))
		FROM help_slots s WHERE s.calendar_id = $1`, calendarID)
	if err != nil {
		return nil, fmt.Errorf("models: help copy taken: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("models: help copy taken: %w", err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: help copy taken: %w", err)
	}
	return out, nil
}

// HelpCopyPendingClaims are the claims of a copy whose Join the group has
// not answered yet.
func HelpCopyPendingClaims(ctx context.Context, db DB, calendarID int64) (map[int64]bool, error) {
	rows, err := db.Query(ctx, `SELECT k.id FROM help_claims k JOIN help_slots s ON s.id = k.slot_id
		WHERE s.calendar_id = $1 AND k.pending`, calendarID)
	if err != nil {
		return nil, fmt.Errorf("models: pending help copy claims: %w", err)
	}
	ids, err := collectIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("models: pending help copy claims: %w", err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
