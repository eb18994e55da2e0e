package models

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Announcement is a note the admins show every member (Mastodon's
// announcements): plain text, optionally between two times, shown once
// published.
type Announcement struct {
	ID          int64
	Text        string
	StartsAt    *time.Time
	EndsAt      *time.Time
	PublishedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Dismissed   bool // by the member it was loaded for
}

// MaxAnnouncementLength bounds an announcement's text.
const MaxAnnouncementLength = 2000

// Why an announcement is refused.
var (
	ErrAnnouncementEmpty   = errors.New("an announcement needs a text")
	ErrAnnouncementTooLong = fmt.Errorf("an announcement may have at most %d characters", MaxAnnouncementLength)
	ErrAnnouncementEnds    = errors.New("an announcement must end after it starts")
)

// NewAnnouncement is what an admin writes.
type NewAnnouncement struct {
	Text     string
	StartsAt *time.Time
	EndsAt   *time.Time
	Publish  bool
}

// CreateAnnouncement checks and stores an announcement.
func CreateAnnouncement(ctx context.Context, db DB, n NewAnnouncement, now time.Time) (*Announcement, error) {
	n.Text = cleanText(n.Text, true)
	var errs []error
	switch {
	case n.Text == "":
		errs = append(errs, ErrAnnouncementEmpty)
	case utf8.RuneCountInString(n.Text) > MaxAnnouncementLength:
		errs = append(errs, ErrAnnouncementTooLong)
	}
	if n.StartsAt != nil && n.EndsAt != nil && !n.EndsAt.After(*n.StartsAt) {
		errs = append(errs, ErrAnnouncementEnds)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var published *time.Time
	if n.Publish {
		published = &now
	}
	a, err := scanAnnouncement(db.QueryRow(ctx, `INSERT INTO announcements (text, starts_at, ends_at, published_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING `+announcementColumns+`, false`, n.Text, n.StartsAt, n.EndsAt, published, now))
	if err != nil {
		return nil, fmt.Errorf("models: create announcement: %w", err)
	}
	return a, nil
}

const announcementColumns = `id, text, starts_at, ends_at, published_at, created_at, updated_at`

func scanAnnouncement(row pgx.Row) (*Announcement, error) {
	var a Announcement
	err := row.Scan(&a.ID, &a.Text, &a.StartsAt, &a.EndsAt, &a.PublishedAt, &a.CreatedAt, &a.UpdatedAt, &a.Dismissed)
	return &a, err
}

func collectAnnouncements(rows pgx.Rows, err error) ([]*Announcement, error) {
	if err != nil {
		return nil, fmt.Errorf("models: announcements: %w", err)
	}
	defer rows.Close()
	var out []*Announcement
	for rows.Next() {
		a, err := scanAnnouncement(rows)
		if err != nil {
			return nil, fmt.Errorf("models: announcements: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AllAnnouncements lists every announcement for the admins, newest first.
func AllAnnouncements(ctx context.Context, db DB) ([]*Announcement, error) {
	return collectAnnouncements(db.Query(ctx, `SELECT `+announcementColumns+`, false FROM announcements ORDER BY id DESC LIMIT 100`))
}

// ActiveAnnouncements lists what a member is shown now: published, begun,
// not ended; each marked when the member dismissed it.
func ActiveAnnouncements(ctx context.Context, db DB, accountID int64, now time.Time) ([]*Announcement, error) {
	return collectAnnouncements(db.Query(ctx, `SELECT `+announcementColumns+`,
			EXISTS (SELECT 1 FROM announcement_dismissals d WHERE d.announcement_id = announcements.id AND d.account_id = $1)
		FROM announcements WHERE published_at IS NOT NULL
		  AND (starts_at IS NULL OR starts_at <= $2) AND (ends_at IS NULL OR ends_at > $2)
		ORDER BY coalesce(starts_at, published_at) DESC`, accountID, now))
}

// SetAnnouncementPublished publishes or withdraws an announcement.
func SetAnnouncementPublished(ctx context.Context, db DB, id int64, publish bool, now time.Time) error {
	var published *time.Time
	if publish {
		published = &now
	}
	tag, err := db.Exec(ctx, `UPDATE announcements SET published_at = $2, updated_at = $3 WHERE id = $1`, id, published, now)
	if err != nil {
		return fmt.Errorf("models: publish announcement: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteAnnouncement removes an announcement.
func DeleteAnnouncement(ctx context.Context, db DB, id int64) error {
	tag, err := db.Exec(ctx, `DELETE FROM announcements WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("models: delete announcement: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// DismissAnnouncement marks a published announcement read by a member.
func DismissAnnouncement(ctx context.Context, db DB, id, accountID int64) error {
	tag, err := db.Exec(ctx, `INSERT INTO announcement_dismissals (announcement_id, account_id)
		SELECT id, $2 FROM announcements WHERE id = $1 AND published_at IS NOT NULL ON CONFLICT DO NOTHING`, id, accountID)
	if err != nil {
		return fmt.Errorf("models: dismiss announcement: %w", err)
	}
	if tag.RowsAffected() == 0 {
		var exists bool
		if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM announcements WHERE id = $1 AND published_at IS NOT NULL)`, id).Scan(&exists); err != nil {
			return fmt.Errorf("models: dismiss announcement: %w", err)
		}
		if !exists {
			return ErrNotFound
		}
	}
	return nil
}
