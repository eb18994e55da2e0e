package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Kinds of words posted on a calendar, and the notices they send.
const (
	HelpUpdateNews    = "update"  // from organizers or the recipient, to every helper
	HelpUpdateSupport = "support" // a member's short note of support
	HelpUpdateThanks  = "thanks"  // the recipient's thanks, to every helper

	NotifyHelpUpdate   = "help_update"
	NotifyHelpThanks   = "help_thanks"
	NotifyHelpReminder = "help_reminder"
)

// HelpUpdate is an update, a note of support or thanks on a calendar.
type HelpUpdate struct {
	ID        int64
	AuthorID  int64
	Kind      string
	Body      string // plain text
	CreatedAt time.Time
}

// PostHelpUpdate stores words on a calendar that is not closed, by who
// may say them: news by organizers or the recipient, thanks by the
// recipient (or an organizer, for a recipient not on Village), support
// by any member who sees the calendar. News and thanks tell every helper.
func PostHelpUpdate(ctx context.Context, db DB, c *HelpCalendar, authorID int64, kind, body string) (*HelpUpdate, error) {
	body = strings.TrimSpace(body)
	limit := HelpUpdateMax
	if kind == HelpUpdateSupport {
		limit = HelpSupportMax
	}
	switch {
	case kind != HelpUpdateNews && kind != HelpUpdateSupport && kind != HelpUpdateThanks:
		return nil, helpInput("kind", "an update, a note of support or thanks")
	case body == "":
		return nil, helpInput("text", "write a few words")
	case utf8.RuneCountInString(body) > limit:
		return nil, helpInput("text", fmt.Sprintf("at most %d characters", limit))
	case c.Status == HelpClosed:
		return nil, ErrHelpClosed
	}
	s, err := HelpStandingOf(ctx, db, c, authorID)
	if err != nil {
		return nil, err
	}
	allowed := s.SeesCalendar(c)
	switch kind {
	case HelpUpdateNews:
		allowed = allowed && (s.Organizer || s.Recipient)
	case HelpUpdateThanks:
		allowed = allowed && (s.Recipient || (s.Organizer && c.RecipientID == nil))
	}
	if !allowed {
		return nil, ErrHelpNotOrganizer
	}
	u := HelpUpdate{AuthorID: authorID, Kind: kind, Body: body}
	err = InTx(ctx, db, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO help_updates (calendar_id, author_id, kind, body) VALUES ($1, $2, $3, $4)
			RETURNING id, created_at`, c.ID, authorID, kind, body).Scan(&u.ID, &u.CreatedAt); err != nil {
			return fmt.Errorf("models: help update: %w", err)
		}
		notice := map[string]string{HelpUpdateNews: NotifyHelpUpdate, HelpUpdateThanks: NotifyHelpThanks}[kind]
		if notice == "" {
			return nil
		}
		helpers, err := helpClaimers(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		for _, id := range helpers {
			if err := notifyHelp(ctx, tx, id, notice, authorID, c.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// HelpUpdates lists a calendar's words, newest first.
func HelpUpdates(ctx context.Context, db DB, calendarID int64) ([]*HelpUpdate, error) {
	return queryList(ctx, db, "help updates", func(r pgx.Row) (*HelpUpdate, error) {
		var u HelpUpdate
		return &u, r.Scan(&u.ID, &u.AuthorID, &u.Kind, &u.Body, &u.CreatedAt)
	},
		`SELECT id, author_id, kind, body, created_at FROM help_updates WHERE calendar_id = $1
		ORDER BY id DESC LIMIT 200`, calendarID)
}
