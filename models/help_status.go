package models

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SetHelpStatus pauses, reopens or closes a calendar. Its organizers may
// do all three; a moderator of the group may close it. Closing is final:
// it frees the places taken from today on and keeps the earlier ones as
// the organizers' history.
func SetHelpStatus(ctx context.Context, db DB, calendarID, actorID int64, status string) error {
	if status != HelpOpen && status != HelpPaused && status != HelpClosed {
		return helpInput("status", "a calendar is open, paused or closed")
	}
	return InTx(ctx, db, func(tx pgx.Tx) error {
		var groupID int64
		var now string
		err := tx.QueryRow(ctx, `SELECT group_id, status FROM help_calendars WHERE id = $1 FOR UPDATE`, calendarID).Scan(&groupID, &now)
		if err != nil {
			return notFoundOr(err, "models: help status")
		}
		organizer, err := IsHelpOrganizer(ctx, tx, calendarID, actorID)
		if err != nil {
			return err
		}
		if !organizer {
			role, err := ModeratorRole(ctx, tx, groupID, actorID)
			if err != nil {
				return err
			}
			if role == "" || status != HelpClosed {
				return ErrHelpNotOrganizer
			}
		}
		if now == HelpClosed {
			return ErrHelpClosed
		}
		if _, err := tx.Exec(ctx, `UPDATE help_calendars SET status = $2, updated_at = now() WHERE id = $1`, calendarID, status); err != nil {
			return fmt.Errorf("models: help status: %w", err)
		}
		if status == HelpClosed {
			_, err = releaseFromToday(ctx, tx, `c.id = $1`, calendarID)
		}
		return err
	})
}

// HelpStanding is who a person is to a calendar, which decides what she
// sees of it and may do with it.
type HelpStanding struct {
	Member    bool // of the group, not banned
	Organizer bool
	Recipient bool
	Claimer   bool // took a place in one of its slots (a copy's: the group accepted it)
	Moderator bool // of the group
}

// SeesCalendar: a calendar is for the group's members; a closed one
// only for its organizers, its recipient and the group's moderators.
func (s HelpStanding) SeesCalendar(c *HelpCalendar) bool {
	if !s.Member {
		return false
	}
	return c.Status != HelpClosed || s.Organizer || s.Recipient || s.Moderator
}

// SeesPrivate: the address and the practical notes are for the people
// who organize, receive or bring the help.
func (s HelpStanding) SeesPrivate(c *HelpCalendar) bool {
	return s.SeesCalendar(c) && (s.Organizer || s.Recipient || s.Claimer)
}

// HelpStandingOf reads who actorID (0: a visitor) is to the calendar.
func HelpStandingOf(ctx context.Context, db DB, c *HelpCalendar, actorID int64) (HelpStanding, error) {
	var s HelpStanding
	if actorID == 0 {
		return s, nil
	}
	var err error
	if s.Member, err = HelpMember(ctx, db, c.GroupID, actorID); err != nil || !s.Member {
		return s, err
	}
	err = db.QueryRow(ctx, `SELECT
			EXISTS (SELECT 1 FROM help_organizers WHERE calendar_id = $1 AND actor_id = $2),
			EXISTS (SELECT 1 FROM help_claims k JOIN help_slots s ON s.id = k.slot_id WHERE s.calendar_id = $1 AND k.actor_id = $2
				AND NOT k.pending),
			EXISTS (SELECT 1 FROM group_moderators WHERE group_id = $3 AND actor_id = $2)`,
		c.ID, actorID, c.GroupID).Scan(&s.Organizer, &s.Claimer, &s.Moderator)
	if err != nil {
		return s, fmt.Errorf("models: help standing: %w", err)
	}
	s.Recipient = c.RecipientID != nil && *c.RecipientID == actorID
	return s, nil
}

// helpClaimers are the local members who took a place in a calendar.
func helpClaimers(ctx context.Context, db DB, calendarID int64) ([]int64, error) {
	rows, err := db.Query(ctx, `SELECT DISTINCT k.actor_id FROM help_claims k JOIN help_slots s ON s.id = k.slot_id
		JOIN actors a ON a.id = k.actor_id WHERE s.calendar_id = $1 AND a.domain IS NULL`, calendarID)
	if err != nil {
		return nil, fmt.Errorf("models: help claimers: %w", err)
	}
	ids, err := collectIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("models: help claimers: %w", err)
	}
	return ids, nil
}

// notifyHelp tells a local person something about a calendar; the notice
// of the same kind about it before gives way (each update is news). It
// names the calendar only: never its address.
func notifyHelp(ctx context.Context, tx pgx.Tx, recipientID int64, typ string, fromID, calendarID int64) error {
	if recipientID == fromID {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM notifications WHERE recipient_id = $1 AND type = $2 AND help_calendar_id = $3`,
		recipientID, typ, calendarID); err != nil {
		return fmt.Errorf("models: help notice: %w", err)
	}
	_, err := tx.Exec(ctx, `INSERT INTO notifications (recipient_id, type, from_id, help_calendar_id)
		SELECT $1, $2, $3, $4 FROM actors WHERE id = $1 AND domain IS NULL AND type = 'Person'
		  AND `+notHiddenFrom("$3", "$1")+`
		ON CONFLICT DO NOTHING`, recipientID, typ, fromID, calendarID)
	if err != nil {
		return fmt.Errorf("models: help notice: %w", err)
	}
	return nil
}
