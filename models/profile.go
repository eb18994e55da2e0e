package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"
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

// Limits of profile fields, as Mastodon's: four fields of 255 characters.
const (
	MaxProfileFields     = 4
	MaxProfileFieldRunes = 255
)

// Errors of profile fields.
var (
	ErrTooManyFields = fmt.Errorf("a profile may have at most %d fields", MaxProfileFields)
	ErrFieldTooLong  = fmt.Errorf("a profile field's name and value may have at most %d characters each", MaxProfileFieldRunes)
)

// ProfileField is one line of a profile's table ("Pronouns: she/her").
// A local person's value is plain text; a remote one's is sanitized HTML.
type ProfileField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ProfileChange is a partial edit of a local person's profile: nil fields
// stay as they are (Mastodon's update_credentials changes what it is sent).
type ProfileChange struct {
	DisplayName  *string
	Bio          *string
	Fields       *[]ProfileField
	Locked       *bool // follows wait for the person's approval
	Bot          *bool
	Discoverable *bool
	Indexable    *bool // public posts found by full-text search
	IconURL      *string
	HeaderURL    *string
}

// Normalize trims names, bio and fields as ProfileEdit does, and drops
// fields with neither name nor value.
func (p ProfileChange) Normalize() ProfileChange {
	if p.DisplayName != nil || p.Bio != nil {
		e := ProfileEdit{}
		if p.DisplayName != nil {
			e.DisplayName = *p.DisplayName
		}
		if p.Bio != nil {
			e.Bio = *p.Bio
		}
		e = e.Normalize()
		if p.DisplayName != nil {
			p.DisplayName = &e.DisplayName
		}
		if p.Bio != nil {
			p.Bio = &e.Bio
		}
	}
	if p.Fields != nil {
		var fields []ProfileField
		for _, f := range *p.Fields {
			f.Name = ProfileEdit{DisplayName: f.Name}.Normalize().DisplayName
			f.Value = ProfileEdit{DisplayName: f.Value}.Normalize().DisplayName
			if f.Name != "" || f.Value != "" {
				fields = append(fields, f)
			}
		}
		p.Fields = &fields
	}
	return p
}

// Validate checks a normalized change; errors.Join of every rule broken.
func (p ProfileChange) Validate() error {
	e := ProfileEdit{}
	if p.DisplayName != nil {
		e.DisplayName = *p.DisplayName
	}
	if p.Bio != nil {
		e.Bio = *p.Bio
	}
	errs := []error{e.Validate()}
	if p.Fields != nil {
		if len(*p.Fields) > MaxProfileFields {
			errs = append(errs, ErrTooManyFields)
		}
		for _, f := range *p.Fields {
			if len([]rune(f.Name)) > MaxProfileFieldRunes || len([]rune(f.Value)) > MaxProfileFieldRunes {
				errs = append(errs, ErrFieldTooLong)
				break
			}
		}
	}
	return errors.Join(errs...)
}

// ChangeProfile applies a change to a local person, normalized and
// checked first; an empty IconURL or HeaderURL removes the picture.
func ChangeProfile(ctx context.Context, db DB, actorID int64, p ProfileChange) error {
	p = p.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	var fields any
	if p.Fields != nil {
		fields = nonNil(*p.Fields)
	}
	tag, err := db.Exec(ctx, `UPDATE actors SET display_name = coalesce($2, display_name), summary = coalesce($3, summary),
			fields = coalesce($4::jsonb, fields), manually_approves_followers = coalesce($5, manually_approves_followers),
			bot = coalesce($6, bot), discoverable = coalesce($7, discoverable), indexable = coalesce($10, indexable),
			icon_url = CASE WHEN $8::text IS NULL THEN icon_url ELSE nullif($8, '') END,
			header_url = CASE WHEN $9::text IS NULL THEN header_url ELSE nullif($9, '') END, updated_at = now()
		WHERE id = $1 AND domain IS NULL AND type = 'Person'`,
		actorID, p.DisplayName, p.Bio, fields, p.Locked, p.Bot, p.Discoverable, p.IconURL, p.HeaderURL, p.Indexable)
	if err != nil {
		return fmt.Errorf("models: change profile: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("local person %d: %w", actorID, ErrNotFound)
	}
	return nil
}

// Preferences are what a person's new posts start with when an app does
// not say (Mastodon's source[privacy], source[sensitive], source[language]).
type Preferences struct {
	Visibility string // public, unlisted or private
	Sensitive  bool   // photos hidden until opened
	Language   string // "" for none
}

// ErrInvalidPreference refuses a default visibility or language Village
// does not know.
var ErrInvalidPreference = errors.New("invalid posting preference")

// PreferencesOf loads an account's preferences (the defaults when it never
// set any).
func PreferencesOf(ctx context.Context, db DB, accountID int64) (Preferences, error) {
	p := Preferences{Visibility: VisibilityPublicPost}
	err := db.QueryRow(ctx, `SELECT default_visibility, default_sensitive, default_language
		FROM account_preferences WHERE account_id = $1`, accountID).Scan(&p.Visibility, &p.Sensitive, &p.Language)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("models: preferences: %w", err)
	}
	return p, nil
}

// languageCode is a BCP 47 language with an optional region or script
// ("en", "pt-BR", "zh-Hant"), as Mastodon takes for a post's language.
var languageCode = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})?$`)

// ValidLanguage reports whether s is a language code a post may carry.
func ValidLanguage(s string) bool { return languageCode.MatchString(s) }

// Check refuses a default visibility or language Village does not know.
func (p Preferences) Check() error {
	switch p.Visibility {
	case VisibilityPublicPost, VisibilityUnlisted, VisibilityPrivate:
	default:
		return fmt.Errorf("visibility %q: %w", p.Visibility, ErrInvalidPreference)
	}
	if p.Language != "" && !ValidLanguage(p.Language) {
		return fmt.Errorf("language %q: %w", p.Language, ErrInvalidPreference)
	}
	return nil
}

// SetPreferences stores an account's preferences.
func SetPreferences(ctx context.Context, db DB, accountID int64, p Preferences) error {
	if err := p.Check(); err != nil {
		return err
	}
	_, err := db.Exec(ctx, `INSERT INTO account_preferences (account_id, default_visibility, default_sensitive, default_language)
		VALUES ($1, $2, $3, $4) ON CONFLICT (account_id) DO UPDATE SET default_visibility = EXCLUDED.default_visibility,
			default_sensitive = EXCLUDED.default_sensitive, default_language = EXCLUDED.default_language`,
		accountID, p.Visibility, p.Sensitive, p.Language)
	if err != nil {
		return fmt.Errorf("models: set preferences: %w", err)
	}
	return nil
}
