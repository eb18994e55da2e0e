package models

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrInvalidInvite is returned for an invite code that is unknown, revoked,
// expired or used up; the person holding it needs a new one.
var ErrInvalidInvite = errors.New("that invite link is not valid any more")

// ErrInviteRequired is returned for a sign-up without an invite while the
// instance takes sign-ups only by invite.
var ErrInviteRequired = errors.New("sign-ups here need an invite link")

// Invite lets people sign up with /signup?invite=CODE: once, a few times
// or without limit, until it expires or is revoked.
type Invite struct {
	ID        int64
	Code      string
	CreatedBy int64      // the admin's account; 0 when made from the command line
	MaxUses   int        // 0: unlimited
	Uses      int        // sign-ups made with it
	ExpiresAt *time.Time // nil: never
	RevokedAt *time.Time
	CreatedAt time.Time
}

// Usable reports whether the invite still lets someone sign up at now.
func (i *Invite) Usable(now time.Time) bool {
	return i.RevokedAt == nil && (i.MaxUses == 0 || i.Uses < i.MaxUses) &&
		(i.ExpiresAt == nil || now.Before(*i.ExpiresAt))
}

// NewInvite is what making an invite needs.
type NewInvite struct {
	CreatedBy int64      // 0 when made from the command line
	MaxUses   int        // 0: unlimited
	ExpiresAt *time.Time // nil: never
}

// inviteCodeBytes makes codes of 16 characters: unguessable, and short
// enough to read out or type from a flyer.
const inviteCodeBytes = 10

// CreateInvite makes an invite with a fresh random code.
func CreateInvite(ctx context.Context, db DB, n NewInvite) (*Invite, error) {
	if n.MaxUses < 0 {
		return nil, fmt.Errorf("models: invite: max uses %d is negative", n.MaxUses)
	}
	raw := make([]byte, inviteCodeBytes)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("models: invite code: %w", err)
	}
	code := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	row := db.QueryRow(ctx, `INSERT INTO invites (code, created_by, max_uses, expires_at)
		VALUES ($1, nullif($2, 0::bigint), nullif($3, 0), $4) RETURNING `+inviteColumns,
		code, n.CreatedBy, n.MaxUses, n.ExpiresAt)
	inv, err := scanInvite(row)
	if err != nil {
		return nil, fmt.Errorf("models: create invite: %w", err)
	}
	return inv, nil
}

const inviteColumns = `id, code, coalesce(created_by, 0), coalesce(max_uses, 0), uses, expires_at, revoked_at, created_at`

func scanInvite(row pgx.Row) (*Invite, error) {
	var i Invite
	if err := row.Scan(&i.ID, &i.Code, &i.CreatedBy, &i.MaxUses, &i.Uses, &i.ExpiresAt, &i.RevokedAt, &i.CreatedAt); err != nil {
		return nil, err
	}
	return &i, nil
}

// UsableInvite finds the invite with code if it still lets someone sign up
// at now; otherwise ErrInvalidInvite.
func UsableInvite(ctx context.Context, db DB, code string, now time.Time) (*Invite, error) {
	inv, err := scanInvite(db.QueryRow(ctx, `SELECT `+inviteColumns+` FROM invites WHERE code = $1`, strings.ToLower(code)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrInvalidInvite
	}
	if err != nil {
		return nil, fmt.Errorf("models: invite: %w", err)
	}
	if !inv.Usable(now) {
		return nil, ErrInvalidInvite
	}
	return inv, nil
}

// useInvite counts one sign-up against the invite with code, in the
// sign-up's transaction, so that an invite is used up only by an account
// that was made, and two people cannot both take its last use.
func useInvite(ctx context.Context, tx pgx.Tx, code string, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `UPDATE invites SET uses = uses + 1
		WHERE code = $1 AND revoked_at IS NULL AND (max_uses IS NULL OR uses < max_uses)
		AND (expires_at IS NULL OR expires_at > $2) RETURNING id`, strings.ToLower(code), now).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrInvalidInvite
	}
	if err != nil {
		return 0, fmt.Errorf("models: use invite: %w", err)
	}
	return id, nil
}

// ListInvites returns every invite, newest first.
func ListInvites(ctx context.Context, db DB) ([]*Invite, error) {
	rows, err := db.Query(ctx, `SELECT `+inviteColumns+` FROM invites ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("models: list invites: %w", err)
	}
	defer rows.Close()
	var out []*Invite
	for rows.Next() {
		inv, err := scanInvite(rows)
		if err != nil {
			return nil, fmt.Errorf("models: list invites: %w", err)
		}
		out = append(out, inv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: list invites: %w", err)
	}
	return out, nil
}

// RevokeInvite stops an invite from letting anyone else sign up.
func RevokeInvite(ctx context.Context, db DB, code string) error {
	tag, err := db.Exec(ctx, `UPDATE invites SET revoked_at = coalesce(revoked_at, now()) WHERE code = $1`, strings.ToLower(code))
	if err != nil {
		return fmt.Errorf("models: revoke invite: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("invite %q: %w", code, ErrNotFound)
	}
	return nil
}
