package models

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"
)

// Errors of logging in and changing a password.
var (
	// ErrBadCredentials never says whether the name or the password was wrong.
	ErrBadCredentials = errors.New("that name or email and password do not match")
	// ErrAccountPending is returned, for the right password only, while an
	// admin has not yet approved the account.
	ErrAccountPending = errors.New("this account is waiting for an admin's approval")
	// ErrAccountSuspended is returned, for the right password only, while
	// the instance's moderators have suspended the account.
	ErrAccountSuspended = errors.New("this account is suspended")
	// ErrWrongPassword is a wrong current password when changing it.
	ErrWrongPassword = errors.New("the current password is not right")
)

// Credentials are what a log-in is checked against. Found for a name or
// email that matches no account too, so that callers treat both alike.
type Credentials struct {
	AccountID int64 // 0 when nothing matched
	hash      string
	approved  bool
	suspended bool
}

// FindCredentials looks up the account a log-in names: a local username
// (case does not matter, a leading @ neither) or an email address.
func FindCredentials(ctx context.Context, db DB, login string) (*Credentials, error) {
	login = strings.TrimPrefix(strings.TrimSpace(login), "@")
	c := Credentials{hash: missingAccountHash}
	if login == "" {
		return &c, nil
	}
	var query string
	if strings.Contains(login, "@") {
		query = `SELECT acc.id, acc.password_hash, acc.approved_at IS NOT NULL, acc.suspended_at IS NOT NULL FROM accounts acc
			WHERE lower(acc.email) = lower($1)`
	} else {
		query = `SELECT acc.id, acc.password_hash, acc.approved_at IS NOT NULL, acc.suspended_at IS NOT NULL FROM accounts acc
			JOIN actors a ON a.id = acc.actor_id WHERE a.domain IS NULL AND a.username = lower($1)`
	}
	err := db.QueryRow(ctx, query, login).Scan(&c.AccountID, &c.hash, &c.approved, &c.suspended)
	if errors.Is(err, pgx.ErrNoRows) {
		return &Credentials{hash: missingAccountHash}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: credentials: %w", err)
	}
	return &c, nil
}

// Check compares a password: nil when it is right and the account may log
// in, ErrAccountPending when it is right but the account waits for
// approval, and ErrBadCredentials otherwise (an unknown name included).
func (c *Credentials) Check(password string) error {
	err := bcrypt.CompareHashAndPassword([]byte(c.hash), []byte(password))
	if err != nil || c.AccountID == 0 {
		return ErrBadCredentials
	}
	if !c.approved {
		return ErrAccountPending
	}
	if c.suspended {
		return ErrAccountSuspended
	}
	return nil
}

// ValidatePassword applies the rules NewAccount.Validate applies to a
// password, for a password changed later.
func ValidatePassword(password string) error {
	if len([]rune(password)) < MinPasswordLength {
		return ErrPasswordTooShort
	}
	if len(password) > 72 { // bcrypt ignores the rest
		return ErrPasswordTooLong
	}
	return nil
}

// ChangePassword replaces an account's password once the current one is
// given: ErrWrongPassword otherwise, or the new password's rule it breaks.
func ChangePassword(ctx context.Context, db DB, accountID int64, current, next string) error {
	var hash string
	err := db.QueryRow(ctx, `SELECT password_hash FROM accounts WHERE id = $1`, accountID).Scan(&hash)
	if err != nil {
		return notFoundOr(err, "models: change password")
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(current)) != nil {
		return ErrWrongPassword
	}
	if err := ValidatePassword(next); err != nil {
		return err
	}
	newHash, err := bcrypt.GenerateFromPassword([]byte(next), bcryptCost)
	if err != nil {
		return fmt.Errorf("models: hash password: %w", err)
	}
	if _, err := db.Exec(ctx, `UPDATE accounts SET password_hash = $2 WHERE id = $1`, accountID, string(newHash)); err != nil {
		return fmt.Errorf("models: change password: %w", err)
	}
	return nil
}
