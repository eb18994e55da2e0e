package models

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SignupMode says who may create an account on this instance from the web.
type SignupMode string

// The sign-up modes an admin chooses from.
const (
	// SignupOpen lets anyone sign up and log in at once.
	SignupOpen SignupMode = "open"
	// SignupApproval creates the account but lets it log in only once an
	// admin approves it; a valid invite link skips the wait.
	SignupApproval SignupMode = "approval"
	// SignupInvite is closed to everyone without a valid invite link.
	SignupInvite SignupMode = "invite"
)

// DefaultSignupMode is the mode of a fresh instance. Approval, as Mastodon
// defaults to: a town's parent groups should not open to strangers and
// spammers before their volunteer admin has chosen to.
const DefaultSignupMode = SignupApproval

// settingSignupMode is the instance_settings key of the sign-up mode.
const settingSignupMode = "signup_mode"

// ErrInvalidSignupMode is returned for a mode that is not one of the three.
var ErrInvalidSignupMode = errors.New(`a sign-up mode is "open", "approval" or "invite"`)

// ParseSignupMode checks a mode typed by an admin.
func ParseSignupMode(s string) (SignupMode, error) {
	switch m := SignupMode(s); m {
	case SignupOpen, SignupApproval, SignupInvite:
		return m, nil
	}
	return "", fmt.Errorf("sign-up mode %q: %w", s, ErrInvalidSignupMode)
}

// Setting returns an instance setting, and whether it was ever set.
func Setting(ctx context.Context, db DB, key string) (value string, ok bool, err error) {
	err = db.QueryRow(ctx, `SELECT value FROM instance_settings WHERE key = $1`, key).Scan(&value)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("models: setting %s: %w", key, err)
	}
	return value, true, nil
}

// SetSetting stores an instance setting, replacing its value.
func SetSetting(ctx context.Context, db DB, key, value string) error {
	_, err := db.Exec(ctx, `INSERT INTO instance_settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`, key, value)
	if err != nil {
		return fmt.Errorf("models: set setting %s: %w", key, err)
	}
	return nil
}

// InstanceSignupMode is the instance's sign-up mode (DefaultSignupMode until
// an admin sets one).
func InstanceSignupMode(ctx context.Context, db DB) (SignupMode, error) {
	v, ok, err := Setting(ctx, db, settingSignupMode)
	if err != nil || !ok {
		return DefaultSignupMode, err
	}
	m, err := ParseSignupMode(v)
	if err != nil {
		// Only SetSignupMode writes it; a bad value is a bug, and the safe
		// reading of a bug is the default.
		return DefaultSignupMode, nil
	}
	return m, nil
}

// SetSignupMode changes the instance's sign-up mode.
func SetSignupMode(ctx context.Context, db DB, m SignupMode) error {
	if _, err := ParseSignupMode(string(m)); err != nil {
		return err
	}
	return SetSetting(ctx, db, settingSignupMode, string(m))
}

// instanceKeyBytes is the size of each server secret.
const instanceKeyBytes = 32

// InstanceKey returns the server secret called name, making it on first use.
// Every process of the instance gets the same one, so tokens signed by one
// are good at another and survive restarts.
func InstanceKey(ctx context.Context, db DB, name string) ([]byte, error) {
	fresh := make([]byte, instanceKeyBytes)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("models: instance key: %w", err)
	}
	// Two processes may race to make it; the first insert wins for both.
	var key []byte
	err := db.QueryRow(ctx, `WITH made AS (
			INSERT INTO instance_keys (name, secret) VALUES ($1, $2)
			ON CONFLICT (name) DO NOTHING RETURNING secret)
		SELECT secret FROM made UNION ALL SELECT secret FROM instance_keys WHERE name = $1 LIMIT 1`,
		name, fresh).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		// The other process committed after this statement's snapshot.
		err = db.QueryRow(ctx, `SELECT secret FROM instance_keys WHERE name = $1`, name).Scan(&key)
	}
	if err != nil {
		return nil, fmt.Errorf("models: instance key %s: %w", name, err)
	}
	return key, nil
}

// settingServedURL is the instance_settings key of the public root URL
// (scheme and domain) that `village serve` last served with.
const settingServedURL = "served_url"

// RecordServedURL stores the public root URL the server runs with, such as
// https://village.example, so that commands run without VILLAGE_DOMAIN name
// this instance's actors as the server does. It returns the URL recorded
// before ("" the first time).
func RecordServedURL(ctx context.Context, db DB, url string) (previous string, err error) {
	previous, err = ServedURL(ctx, db)
	if err != nil || previous == url {
		return previous, err
	}
	return previous, SetSetting(ctx, db, settingServedURL, url)
}

// ServedURL is the public root URL recorded by RecordServedURL, "" until a
// server has run on this database.
func ServedURL(ctx context.Context, db DB) (string, error) {
	url, _, err := Setting(ctx, db, settingServedURL)
	return url, err
}
