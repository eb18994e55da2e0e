package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Instance roles, as the admin CLI and page name them.
const (
	RoleAdmin     = "admin"     // everything, the instance's settings included
	RoleModerator = "moderator" // reports, suspensions, domain blocks
	RoleUser      = "user"
)

// ErrInvalidRole names the roles there are.
var ErrInvalidRole = errors.New("a role is admin, moderator or user")

// Role is the account's instance role.
func (a *Account) Role() string {
	switch {
	case a.IsAdmin:
		return RoleAdmin
	case a.IsModerator:
		return RoleModerator
	}
	return RoleUser
}

// SetAccountRole gives a local account an instance role.
func SetAccountRole(ctx context.Context, db DB, accountID int64, role string) error {
	var admin, moderator bool
	switch role {
	case RoleAdmin:
		admin = true
	case RoleModerator:
		moderator = true
	case RoleUser:
	default:
		return fmt.Errorf("%q: %w", role, ErrInvalidRole)
	}
	tag, err := db.Exec(ctx, `UPDATE accounts SET is_admin = $2, is_moderator = $3 WHERE id = $1`, accountID, admin, moderator)
	if err != nil {
		return fmt.Errorf("models: set role: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("account %d: %w", accountID, ErrNotFound)
	}
	return nil
}

// SuspendAccount suspends a local account at now, in tx, with the audit
// log's row; it reports false when the account was suspended already.
// Its sessions and tokens stop working at once (their lookups skip
// suspended accounts) and come back if the suspension is lifted.
func SuspendAccount(ctx context.Context, tx pgx.Tx, acc *Account, moderatorID *int64, reason string, now time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE accounts SET suspended_at = $2 WHERE id = $1 AND suspended_at IS NULL`, acc.ID, now)
	if err != nil {
		return false, fmt.Errorf("models: suspend: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	err = LogModeration(ctx, tx, ModerationAction{ModeratorID: moderatorID, Action: ModSuspendUser,
		TargetActorID: &acc.Actor.ID, TargetText: acc.Actor.Username, Reason: reason})
	return err == nil, err
}

// UnsuspendAccount lifts a suspension, in tx, with the audit log's row; it
// reports false when the account was not suspended.
func UnsuspendAccount(ctx context.Context, tx pgx.Tx, acc *Account, moderatorID *int64, reason string) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE accounts SET suspended_at = NULL WHERE id = $1 AND suspended_at IS NOT NULL`, acc.ID)
	if err != nil {
		return false, fmt.Errorf("models: unsuspend: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	err = LogModeration(ctx, tx, ModerationAction{ModeratorID: moderatorID, Action: ModUnsuspendUser,
		TargetActorID: &acc.Actor.ID, TargetText: acc.Actor.Username, Reason: reason})
	return err == nil, err
}

// LocalActorSuspended reports whether a local person's account is suspended.
func LocalActorSuspended(ctx context.Context, db DB, actorID int64) (bool, error) {
	var suspended bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE actor_id = $1 AND suspended_at IS NOT NULL)`,
		actorID).Scan(&suspended)
	if err != nil {
		return false, fmt.Errorf("models: suspended: %w", err)
	}
	return suspended, nil
}

// LocalPersonByName loads a local person and whether their account is
// suspended, in one query, for the documents that answer 410 once it is.
func LocalPersonByName(ctx context.Context, db DB, username string) (*Actor, bool, error) {
	var suspended bool
	a, err := scanActor(db.QueryRow(ctx, `SELECT `+actorColumns+`,
			EXISTS (SELECT 1 FROM accounts acc WHERE acc.actor_id = a.id AND acc.suspended_at IS NOT NULL)
		FROM actors a WHERE a.domain IS NULL AND a.username = $1 AND a.type = 'Person'`, username), &suspended)
	if errors.Is(err, ErrNotFound) {
		return nil, false, fmt.Errorf("person %q: %w", username, ErrNotFound)
	}
	if err != nil {
		return nil, false, fmt.Errorf("models: local person: %w", err)
	}
	return a, suspended, nil
}
