package models

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// HelpReminder is a place due its day-before reminder.
type HelpReminder struct {
	ActorID, SlotID, CalendarID, GroupID int64
}

// RemindHelpers reminds each member who took a place of a slot on the
// day before it (in the calendar's zone), once per place, from the
// group; a closed calendar reminds nobody. It reports how many places it
// reminded of. now is passed in so that tests need not wait for a day;
// claims are marked in the same transaction, so two workers never
// remind twice.
func RemindHelpers(ctx context.Context, db DB, now time.Time) (int, error) {
	return RemindHelpersThen(ctx, db, now, nil)
}

// RemindHelpersThen is RemindHelpers, marking the places of helpers on
// other servers reminded too; remote, when set, is given those in the
// same transaction, to send their reminders (a notice reaches local
// members only).
func RemindHelpersThen(ctx context.Context, db DB, now time.Time, remote func(tx pgx.Tx, due []HelpReminder) error) (int, error) {
	n := 0
	err := InTx(ctx, db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE help_claims k SET reminded_at = $1 FROM help_slots s, help_calendars c, actors a
			WHERE s.id = k.slot_id AND c.id = s.calendar_id AND a.id = k.actor_id AND k.reminded_at IS NULL
			  AND c.status <> 'closed' AND s.day - 1 = ($1::timestamptz AT TIME ZONE c.time_zone)::date
			RETURNING k.actor_id, k.slot_id, c.id, c.group_id, a.domain IS NOT NULL`, now)
		if err != nil {
			return fmt.Errorf("models: remind helpers: %w", err)
		}
		var local, far []HelpReminder
		for rows.Next() {
			var d HelpReminder
			var isRemote bool
			if err := rows.Scan(&d.ActorID, &d.SlotID, &d.CalendarID, &d.GroupID, &isRemote); err != nil {
				rows.Close()
				return fmt.Errorf("models: remind helpers: %w", err)
			}
			if isRemote {
				far = append(far, d)
			} else {
				local = append(local, d)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("models: remind helpers: %w", err)
		}
		for _, d := range local {
			if err := notifyHelp(ctx, tx, d.ActorID, NotifyHelpReminder, d.GroupID, d.CalendarID); err != nil {
				return err
			}
		}
		if remote != nil && len(far) > 0 {
			if err := remote(tx, far); err != nil {
				return err
			}
		}
		n = len(local) + len(far)
		return nil
	})
	return n, err
}

// HelpFeedSlot is a place a member took, for her own calendar feed: the
// only feed where its address appears, since the feed is hers (a copy's
// once the group accepted her place).
type HelpFeedSlot struct {
	CalendarID int64
	SlotID     int64
	ClaimID    int64
	Title      string
	Label      string
	Day        time.Time
	At         string // "15:00" or ""
	TimeZone   string
	Address    string
	Bringing   string
	Updated    time.Time
}

// MemberHelpSlots lists the places actorID took in calendars that are not
// closed, of groups she is still a member of, from 30 days ago on.
func MemberHelpSlots(ctx context.Context, db DB, actorID int64) ([]HelpFeedSlot, error) {
	rows, err := db.Query(ctx, `SELECT c.id, s.id, k.id, c.title, s.label, s.day, coalesce(to_char(s.at_time, 'HH24:MI'), ''),
			c.time_zone, CASE WHEN k.pending THEN '' ELSE c.address END, k.bringing, greatest(k.updated_at, c.updated_at)
		FROM help_claims k JOIN help_slots s ON s.id = k.slot_id JOIN help_calendars c ON c.id = s.calendar_id
		WHERE k.actor_id = $1 AND c.status <> 'closed' AND s.day >= current_date - 30
		  AND (EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = c.group_id AND f.follower_id = $1 AND f.state = 'accepted')
		       OR EXISTS (SELECT 1 FROM group_moderators m WHERE m.group_id = c.group_id AND m.actor_id = $1))
		ORDER BY s.day, s.at_time NULLS FIRST, s.id LIMIT 500`, actorID)
	if err != nil {
		return nil, fmt.Errorf("models: member help slots: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (HelpFeedSlot, error) {
		var h HelpFeedSlot
		err := row.Scan(&h.CalendarID, &h.SlotID, &h.ClaimID, &h.Title, &h.Label, &h.Day, &h.At, &h.TimeZone, &h.Address,
			&h.Bringing, &h.Updated)
		return h, err
	})
}
