package models

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 8

// Account is a local person who can log in; Actor is their public face.
type Account struct {
	ID      int64
	Actor   *Actor
	Email   string
	IsAdmin bool
	// IsModerator: an instance moderator (reports, suspensions, domain blocks); admins are too.
	IsModerator bool
	SuspendedAt *time.Time // a suspended account cannot log in, post or federate
	CreatedAt   time.Time
}

// ModeratesInstance reports whether the account may act on the instance's
// reports, accounts and domain blocks.
func (a *Account) ModeratesInstance() bool { return a.IsAdmin || a.IsModerator }

// NewAccount is what creating an account needs.
type NewAccount struct {
	Username    string
	Password    string
	Email       string // optional
	DisplayName string // optional; the username when empty
	Admin       bool
}

// Validate checks a new account before anything is written.
func (n NewAccount) Validate() error {
	if err := ValidateLocalName(n.Username); err != nil {
		return err
	}
	if len([]rune(n.Password)) < MinPasswordLength {
		return ErrPasswordTooShort
	}
	if len(n.Password) > 72 { // bcrypt ignores the rest
		return ErrPasswordTooLong
	}
	if n.Email != "" {
		addr, err := mail.ParseAddress(n.Email)
		if err != nil || addr.Address != n.Email || !strings.Contains(n.Email, "@") {
			return fmt.Errorf("email %q: %w", n.Email, ErrInvalidEmail)
		}
	}
	return nil
}

// CreateAccount validates and stores a local account and its Person actor
// in one transaction: on any error nothing is written.
func CreateAccount(ctx context.Context, db DB, n NewAccount) (*Account, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(n.Password), bcryptCost)
	if err != nil {
		return nil, fmt.Errorf("models: hash password: %w", err)
	}
	var id int64
	err = InTx(ctx, db, func(tx pgx.Tx) error {
		actorID, err := insertLocalActor(ctx, tx, ActorPerson, n.Username, n.DisplayName, "", false)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO accounts (actor_id, email, password_hash, is_admin)
			VALUES ($1, nullif($2, ''), $3, $4) RETURNING id`, actorID, n.Email, string(hash), n.Admin).Scan(&id)
		if c, ok := uniqueViolation(err); ok && c == "accounts_email" {
			return fmt.Errorf("email %q: %w", n.Email, ErrEmailTaken)
		}
		if err != nil {
			return fmt.Errorf("models: insert account: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return AccountByID(ctx, db, id)
}

const accountSelect = `SELECT ` + actorColumns + `, acc.id, coalesce(acc.email, ''), acc.is_admin, acc.is_moderator, acc.suspended_at, acc.created_at
	FROM accounts acc JOIN actors a ON a.id = acc.actor_id`

func scanAccount(row pgx.Row) (*Account, error) {
	var acc Account
	actor, err := scanActor(row, &acc.ID, &acc.Email, &acc.IsAdmin, &acc.IsModerator, &acc.SuspendedAt, &acc.CreatedAt)
	if err != nil {
		return nil, err
	}
	acc.Actor = actor
	return &acc, nil
}

// AccountByID loads an account.
func AccountByID(ctx context.Context, db DB, id int64) (*Account, error) {
	acc, err := scanAccount(db.QueryRow(ctx, accountSelect+` WHERE acc.id = $1`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: account by id: %w", err)
	}
	return acc, err
}

// AccountByUsername loads a local account by its username.
func AccountByUsername(ctx context.Context, db DB, username string) (*Account, error) {
	acc, err := scanAccount(db.QueryRow(ctx, accountSelect+` WHERE a.username = $1 AND a.domain IS NULL`, username))
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("user %q: %w", username, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("models: account by username: %w", err)
	}
	return acc, nil
}

// ListAccounts returns every local account, oldest first.
func ListAccounts(ctx context.Context, db DB) ([]*Account, error) {
	rows, err := db.Query(ctx, accountSelect+` ORDER BY acc.id`)
	if err != nil {
		return nil, fmt.Errorf("models: list accounts: %w", err)
	}
	defer rows.Close()
	var out []*Account
	for rows.Next() {
		acc, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("models: list accounts: %w", err)
		}
		out = append(out, acc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: list accounts: %w", err)
	}
	return out, nil
}
