package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// CreateToken issues a bearer token for the client API. Only its SHA-256 is
// stored, so a leaked database does not leak usable tokens; the plain token
// is returned once.
func CreateToken(ctx context.Context, db DB, accountID int64) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("models: token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	if _, err := db.Exec(ctx, `INSERT INTO access_tokens (account_id, token_sha256) VALUES ($1, $2)`, accountID, sum[:]); err != nil {
		return "", fmt.Errorf("models: store token: %w", err)
	}
	return token, nil
}

// AccountByToken finds the account a live token belongs to and notes its use.
func AccountByToken(ctx context.Context, db DB, token string) (*Account, error) {
	sum := sha256.Sum256([]byte(token))
	var id int64
	// An account still waiting for approval, or suspended, cannot use the API either.
	err := db.QueryRow(ctx, `UPDATE access_tokens t SET last_used_at = now()
		FROM accounts a WHERE a.id = t.account_id AND a.approved_at IS NOT NULL AND a.suspended_at IS NULL
		  AND t.token_sha256 = $1 AND t.revoked_at IS NULL RETURNING t.account_id`, sum[:]).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: token lookup: %w", err)
	}
	return AccountByID(ctx, db, id)
}
