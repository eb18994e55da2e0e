package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SessionLifetime is how long a web session lasts without being used; each
// use pushes its end this far again (at most once per SessionRefreshEvery).
const SessionLifetime = 30 * 24 * time.Hour

// SessionRefreshEvery spaces the writes that slide a session's expiry, so
// that an ordinary page view costs one read.
const SessionRefreshEvery = time.Hour

// Session is a signed-in browser: the cookie holds the token, the database
// only its SHA-256.
type Session struct {
	ID         int64
	Account    *Account
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// NeedsRefresh reports whether the session's expiry should slide at now.
func (s *Session) NeedsRefresh(now time.Time) bool {
	return now.Sub(s.LastSeenAt) >= SessionRefreshEvery
}

func sessionHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// CreateSession starts a session for an account at now and returns the
// token for the cookie, which is not stored and cannot be had again.
// Sessions of the account that have expired are swept on the way.
func CreateSession(ctx context.Context, db DB, accountID int64, now time.Time) (string, *Session, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, fmt.Errorf("models: session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	s := &Session{CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionLifetime)}
	err := InTx(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1 AND expires_at <= $2`, accountID, now); err != nil {
			return fmt.Errorf("models: sweep sessions: %w", err)
		}
		err := tx.QueryRow(ctx, `INSERT INTO sessions (account_id, token_sha256, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $3, $4) RETURNING id`, accountID, sessionHash(token), now, s.ExpiresAt).Scan(&s.ID)
		if err != nil {
			return fmt.Errorf("models: create session: %w", err)
		}
		acc, err := AccountByID(ctx, tx, accountID)
		if err != nil {
			return err
		}
		s.Account = acc
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	return token, s, nil
}

// SessionByToken finds the live session a cookie's token names, with its
// account, in one indexed query. An unknown or expired token, or one whose
// account waits for approval or is suspended, is ErrNotFound.
func SessionByToken(ctx context.Context, db DB, token string, now time.Time) (*Session, error) {
	var s Session
	var acc Account
	actor, err := scanActor(db.QueryRow(ctx, `SELECT `+actorColumns+`,
			acc.id, coalesce(acc.email, ''), acc.is_admin, acc.is_moderator, acc.suspended_at, acc.created_at,
			s.id, s.created_at, s.last_seen_at, s.expires_at
		FROM sessions s
		JOIN accounts acc ON acc.id = s.account_id
		JOIN actors a ON a.id = acc.actor_id
		WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND acc.approved_at IS NOT NULL AND acc.suspended_at IS NULL`, sessionHash(token), now),
		&acc.ID, &acc.Email, &acc.IsAdmin, &acc.IsModerator, &acc.SuspendedAt, &acc.CreatedAt,
		&s.ID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: session: %w", err)
	}
	acc.Actor = actor
	s.Account = &acc
	return &s, nil
}

// RefreshSession slides a session's expiry to SessionLifetime after now.
func RefreshSession(ctx context.Context, db DB, s *Session, now time.Time) error {
	expires := now.Add(SessionLifetime)
	if _, err := db.Exec(ctx, `UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE id = $1`,
		s.ID, now, expires); err != nil {
		return fmt.Errorf("models: refresh session: %w", err)
	}
	s.LastSeenAt, s.ExpiresAt = now, expires
	return nil
}

// DeleteSession ends the session a token names (logging out); an unknown
// token is not an error.
func DeleteSession(ctx context.Context, db DB, token string) error {
	if _, err := db.Exec(ctx, `DELETE FROM sessions WHERE token_sha256 = $1`, sessionHash(token)); err != nil {
		return fmt.Errorf("models: delete session: %w", err)
	}
	return nil
}

// DeleteOtherSessions ends every session of an account but keepID (0 ends
// them all), as a password change should.
func DeleteOtherSessions(ctx context.Context, db DB, accountID, keepID int64) (int64, error) {
	tag, err := db.Exec(ctx, `DELETE FROM sessions WHERE account_id = $1 AND id <> $2`, accountID, keepID)
	if err != nil {
		return 0, fmt.Errorf("models: delete sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
