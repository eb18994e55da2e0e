package models

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Errors a caller can act on; each message says what to fix.
var (
	ErrNotFound         = errors.New("not found")
	ErrNameTaken        = errors.New("that name is already taken")
	ErrEmailTaken       = errors.New("that email address is already in use")
	ErrInvalidName      = errors.New("a name is 1 to 30 characters: lowercase letters a-z, digits 0-9 and _")
	ErrReservedName     = errors.New("that name is reserved for the server")
	ErrPasswordTooShort = errors.New("a password needs at least 8 characters")
	ErrPasswordTooLong  = errors.New("a password may have at most 72 bytes")
	ErrInvalidEmail     = errors.New("that is not a valid email address")
	ErrInvalidGroup     = errors.New("invalid group")
	ErrAlreadyModerator = errors.New("already a moderator of that group")
)

// notFoundOr maps "no rows" to ErrNotFound and wraps anything else.
func notFoundOr(err error, prefix string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return fmt.Errorf("%s: %w", prefix, err)
}
