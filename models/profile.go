package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Limits of a local person's profile, as Mastodon's (display name 30, bio
// 500), with room for longer names.
const (
	MaxDisplayNameLength = 60
	MaxBioLength         = 500
)

// Errors of a profile edit.
var (
	ErrDisplayNameTooLong = fmt.Errorf("a display name may have at most %d characters", MaxDisplayNameLength)
	ErrBioTooLong         = fmt.Errorf("a bio may have at most %d characters", MaxBioLength)
)

// ProfileEdit is what a person may change about their public face. The bio
// is plain text; it becomes HTML only when shown or sent.
type ProfileEdit struct {
	DisplayName string
	Bio         string
}

// Normalize trims the edit and drops control characters (a bio keeps its
// line breaks).
func (p ProfileEdit) Normalize() ProfileEdit {
	clean := func(s string, keepNewlines bool) string {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		return strings.TrimSpace(strings.Map(func(r rune) rune {
			if r == '\n' && keepNewlines {
				return r
			}
			if unicode.IsControl(r) {
				return -1
			}
			return r
		}, s))
	}
	return ProfileEdit{DisplayName: clean(p.DisplayName, false), Bio: clean(p.Bio, true)}
}

// Validate checks a normalized edit; errors.Join of every rule broken.
func (p ProfileEdit) Validate() error {
	var errs []error
	if len([]rune(p.DisplayName)) > MaxDisplayNameLength {
		errs = append(errs, ErrDisplayNameTooLong)
	}
	if len([]rune(p.Bio)) > MaxBioLength {
		errs = append(errs, ErrBioTooLong)
	}
	return errors.Join(errs...)
}

// UpdateProfile stores a local person's display name and bio.
func UpdateProfile(ctx context.Context, db DB, actorID int64, p ProfileEdit) error {
	p = p.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	tag, err := db.Exec(ctx, `UPDATE actors SET display_name = $2, summary = $3, updated_at = now()
		WHERE id = $1 AND domain IS NULL AND type = 'Person'`, actorID, p.DisplayName, p.Bio)
	if err != nil {
		return fmt.Errorf("models: update profile: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("local person %d: %w", actorID, ErrNotFound)
	}
	return nil
}

// SetLocalActorIcon sets a local actor's avatar URL.
func SetLocalActorIcon(ctx context.Context, db DB, actorID int64, iconURL string) error {
	if _, err := db.Exec(ctx, `UPDATE actors SET icon_url = $2, updated_at = now()
		WHERE id = $1 AND domain IS NULL`, actorID, iconURL); err != nil {
		return fmt.Errorf("models: set icon: %w", err)
	}
	return nil
}
