package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// MaxSignupReasonLength caps what a person writes to the admin when asking
// to join an instance that approves sign-ups.
const MaxSignupReasonLength = 1000

// ErrSignupReasonTooLong is a reason over MaxSignupReasonLength characters.
var ErrSignupReasonTooLong = fmt.Errorf("a reason may have at most %d characters", MaxSignupReasonLength)

// SignUp is a sign-up from the web app.
type SignUp struct {
	Account    NewAccount // never an admin: Admin is ignored
	Mode       SignupMode // the instance's mode, read by the caller
	InviteCode string     // from /signup?invite=CODE; may be empty
	Reason     string     // why they want to join, for the admin (approval mode)
	Now        time.Time
}

// Register makes the account of a sign-up, following the instance's mode:
// open makes it ready to log in; approval makes it wait for an admin unless
// a valid invite came with it; invite refuses it without a valid invite
// (ErrInviteRequired, ErrInvalidInvite). An invite given is used up by the
// same transaction that makes the account. pending reports whether the
// account waits for approval.
func Register(ctx context.Context, db DB, s SignUp) (acc *Account, pending bool, err error) {
	s.Account.Admin = false
	s.Reason = strings.TrimSpace(s.Reason)
	if len([]rune(s.Reason)) > MaxSignupReasonLength {
		return nil, false, ErrSignupReasonTooLong
	}
	s.Account.DisplayName = ProfileEdit{DisplayName: s.Account.DisplayName}.Normalize().DisplayName
	if len([]rune(s.Account.DisplayName)) > MaxDisplayNameLength {
		return nil, false, ErrDisplayNameTooLong
	}
	if s.Mode == SignupInvite && s.InviteCode == "" {
		return nil, false, ErrInviteRequired
	}
	if err := s.Account.Validate(); err != nil {
		return nil, false, err
	}
	err = InTx(ctx, db, func(tx pgx.Tx) error {
		var inviteID int64
		if s.InviteCode != "" {
			id, err := useInvite(ctx, tx, s.InviteCode, s.Now)
			// Where sign-ups are open anyway, a stale invite does not stop one.
			if err != nil && !(errors.Is(err, ErrInvalidInvite) && s.Mode == SignupOpen) {
				return err
			}
			inviteID = id
		}
		pending = s.Mode == SignupApproval && inviteID == 0
		created, err := CreateAccount(ctx, tx, s.Account)
		if err != nil {
			return err
		}
		if err := NotifyStaffOfSignUp(ctx, tx, created.Actor.ID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE accounts SET approved_at = CASE WHEN $2 THEN NULL ELSE approved_at END,
			invite_id = nullif($3, 0::bigint), signup_reason = $4 WHERE id = $1`,
			created.ID, pending, inviteID, s.Reason)
		if err != nil {
			return fmt.Errorf("models: sign up: %w", err)
		}
		acc = created
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return acc, pending, nil
}

// ApproveAccount lets a waiting account log in; approving an approved
// account changes nothing.
func ApproveAccount(ctx context.Context, db DB, username string) (*Account, error) {
	tag, err := db.Exec(ctx, `UPDATE accounts acc SET approved_at = coalesce(acc.approved_at, now())
		FROM actors a WHERE a.id = acc.actor_id AND a.domain IS NULL AND a.username = $1`, username)
	if err != nil {
		return nil, fmt.Errorf("models: approve account: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return nil, fmt.Errorf("user %q: %w", username, ErrNotFound)
	}
	return AccountByUsername(ctx, db, username)
}

// PendingSignup is an account waiting for an admin's approval.
type PendingSignup struct {
	Account *Account
	Reason  string
}

// PendingSignups lists the accounts waiting for approval, oldest first.
func PendingSignups(ctx context.Context, db DB) ([]PendingSignup, error) {
	rows, err := db.Query(ctx, `SELECT `+actorColumns+`, acc.id, coalesce(acc.email, ''), acc.is_admin, acc.created_at,
			acc.signup_reason
		FROM accounts acc JOIN actors a ON a.id = acc.actor_id
		WHERE acc.approved_at IS NULL ORDER BY acc.created_at, acc.id`)
	if err != nil {
		return nil, fmt.Errorf("models: pending sign-ups: %w", err)
	}
	defer rows.Close()
	var out []PendingSignup
	for rows.Next() {
		var p PendingSignup
		var acc Account
		actor, err := scanActor(rows, &acc.ID, &acc.Email, &acc.IsAdmin, &acc.CreatedAt, &p.Reason)
		if err != nil {
			return nil, fmt.Errorf("models: pending sign-ups: %w", err)
		}
		acc.Actor = actor
		p.Account = &acc
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: pending sign-ups: %w", err)
	}
	return out, nil
}
