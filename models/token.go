package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// FullScopes are the broad scopes of a token made on the command line:
// everything a member may do.
const FullScopes = "read write follow push"

// CreateToken issues a bearer token for the client API with every broad
// scope. Only its SHA-256 is stored, so a leaked database does not leak
// usable tokens; the plain token is returned once.
func CreateToken(ctx context.Context, db DB, accountID int64) (string, error) {
	return CreateScopedToken(ctx, db, accountID, strings.Fields(FullScopes))
}

// CreateScopedToken issues a bearer token that may do only what scopes say.
func CreateScopedToken(ctx context.Context, db DB, accountID int64, scopes []string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("models: token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	if _, err := db.Exec(ctx, `INSERT INTO access_tokens (account_id, token_sha256, scopes) VALUES ($1, $2, $3)`,
		accountID, sum[:], strings.Join(scopes, " ")); err != nil {
		return "", fmt.Errorf("models: store token: %w", err)
	}
	return token, nil
}

// Token is a live bearer token: whose it is and what it may do.
type Token struct {
	ID      int64
	Account *Account
	// Scopes are Mastodon's OAuth scopes the token was granted ("read",
	// "write:statuses", ...); the command line's tokens have every broad one.
	Scopes []string
}

// TokenByValue finds a live token and its account, and notes its use.
func TokenByValue(ctx context.Context, db DB, token string) (*Token, error) {
	sum := sha256.Sum256([]byte(token))
	var t Token
	var accountID int64
	var scopes string
	// An account still waiting for approval, or suspended, cannot use the API either.
	err := db.QueryRow(ctx, `UPDATE access_tokens t SET last_used_at = now()
		FROM accounts a WHERE a.id = t.account_id AND a.approved_at IS NOT NULL AND a.suspended_at IS NULL
		  AND t.token_sha256 = $1 AND t.revoked_at IS NULL RETURNING t.id, t.account_id, t.scopes`, sum[:]).
		Scan(&t.ID, &accountID, &scopes)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: token lookup: %w", err)
	}
	t.Scopes = strings.Fields(scopes)
	if t.Account, err = AccountByID(ctx, db, accountID); err != nil {
		return nil, err
	}
	return &t, nil
}

// AccountByToken finds the account a live token belongs to and notes its use.
func AccountByToken(ctx context.Context, db DB, token string) (*Account, error) {
	t, err := TokenByValue(ctx, db, token)
	if err != nil {
		return nil, err
	}
	return t.Account, nil
}
