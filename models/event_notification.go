package models

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notification types of meetups: a change (edit, cancellation, deletion,
// a place off the waitlist) and the day-before reminder.
const (
	NotifyEventUpdate   = "event_update"
	NotifyEventReminder = "event_reminder"
)

// NotifyEventAnswerers tells every local person whose answer to a meetup is
// in statuses (going and maybe, usually) of something from fromID.
func NotifyEventAnswerers(ctx context.Context, db DB, eventID int64, typ string, fromID int64, statuses ...string) error {
	rows, err := db.Query(ctx, `SELECT r.actor_id FROM event_rsvps r JOIN actors a ON a.id = r.actor_id
		WHERE r.event_id = $1 AND r.status = ANY($2) AND a.domain IS NULL`, eventID, statuses)
	if err != nil {
		return fmt.Errorf("models: event answerers: %w", err)
	}
	ids, err := collectIDs(rows)
	if err != nil {
		return fmt.Errorf("models: event answerers: %w", err)
	}
	for _, id := range ids {
		// Each change is news: the notice of an earlier one gives way to it.
		if _, err := db.Exec(ctx, `DELETE FROM notifications WHERE recipient_id = $1 AND type = $2 AND post_id = $3`,
			id, typ, eventID); err != nil {
			return fmt.Errorf("models: event answerers: %w", err)
		}
		if err := Notify(ctx, db, id, typ, fromID, &eventID, nil); err != nil {
			return err
		}
	}
	return nil
}

// DueReminder is a meetup whose day-before reminder is due.
type DueReminder struct {
	EventID int64
	// FromID is who the reminder is from: the meetup's group (so that
	// the organizer, going too, is reminded), or its organizer.
	FromID int64
}

// ClaimDueReminders marks reminded, and returns, the meetups that start
// between now and now+ahead, are not cancelled or deleted, and were not
// reminded of since their start last changed; each is claimed once, so
// two workers never remind twice.
func ClaimDueReminders(ctx context.Context, db DB, now time.Time, ahead time.Duration) ([]DueReminder, error) {
	return queryList(ctx, db, "due reminders", func(r pgx.Row) (DueReminder, error) {
		var d DueReminder
		return d, r.Scan(&d.EventID, &d.FromID)
	},
		`UPDATE events e SET reminded_at = $1 FROM posts p
		WHERE p.id = e.post_id AND p.deleted_at IS NULL AND e.reminded_at IS NULL AND e.status <> 'CANCELLED'
		  AND e.starts_at > $1 AND e.starts_at <= $2
		RETURNING e.post_id, coalesce(p.group_id, p.author_id)`, now, now.Add(ahead))
}

// ReminderAhead is how long before a meetup people going are reminded.
const ReminderAhead = 24 * time.Hour

// RemindEvents reminds every local person going to a meetup that starts
// within ReminderAhead of now, once per meetup (until its start moves),
// in one transaction; it reports how many meetups it reminded of. now is
// passed in so that tests need not wait for a day.
func RemindEvents(ctx context.Context, db DB, now time.Time) (int, error) {
	n := 0
	err := InTx(ctx, db, func(tx pgx.Tx) error {
		due, err := ClaimDueReminders(ctx, tx, now, ReminderAhead)
		if err != nil {
			return err
		}
		for _, d := range due {
			if err := NotifyEventAnswerers(ctx, tx, d.EventID, NotifyEventReminder, d.FromID, RSVPGoing); err != nil {
				return err
			}
		}
		n = len(due)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("models: remind events: %w", err)
	}
	return n, nil
}
