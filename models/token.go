package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
	t, err := insertToken(ctx, db, tokenOwner{accountID: &accountID}, scopes, time.Now())
	if err != nil {
		return "", err
	}
	return t.Token, nil
}

// IssuedToken is a token just made: the plain value, shown once.
type IssuedToken struct {
	Token     string
	Scopes    []string
	CreatedAt time.Time
}

// tokenOwner is whom a token acts for: an account (through an app or the
// command line), or an app alone (the client-credentials grant).
type tokenOwner struct {
	accountID, appID, codeID *int64
}

func insertToken(ctx context.Context, db DB, owner tokenOwner, scopes []string, now time.Time) (*IssuedToken, error) {
	token, err := randomSecret()
	if err != nil {
		return nil, err
	}
	t := &IssuedToken{Token: token, Scopes: scopes}
	err = db.QueryRow(ctx, `INSERT INTO access_tokens (account_id, app_id, code_id, token_sha256, scopes, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING created_at`,
		owner.accountID, owner.appID, owner.codeID, digest(token), strings.Join(scopes, " "), now).Scan(&t.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("models: store token: %w", err)
	}
	return t, nil
}

// IssueAppToken issues a token of the client-credentials grant: it acts
// for the app alone, with no account.
func IssueAppToken(ctx context.Context, db DB, appID int64, scopes []string, now time.Time) (*IssuedToken, error) {
	return insertToken(ctx, db, tokenOwner{appID: &appID}, scopes, now)
}

// Token is a live bearer token: whose it is and what it may do.
type Token struct {
	ID int64
	// Account is nil for an app's own token (client credentials).
	Account *Account
	// App is the app the token was issued to; nil for the command line's.
	App *OAuthApp
	// Scopes are Mastodon's OAuth scopes the token was granted ("read",
	// "write:statuses", ...); the command line's tokens have every broad one.
	Scopes []string
}

// TokenByValue finds a live token, its account and its app, and notes its use.
func TokenByValue(ctx context.Context, db DB, token string) (*Token, error) {
	var t Token
	var accountID, appID *int64
	var scopes string
	// An account still waiting for approval, or suspended, cannot use the API either.
	err := db.QueryRow(ctx, `UPDATE access_tokens t SET last_used_at = now()
		WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL
		  AND (t.account_id IS NULL OR EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.account_id
		       AND a.approved_at IS NOT NULL AND a.suspended_at IS NULL))
		RETURNING t.id, t.account_id, t.app_id, t.scopes`, digest(token)).
		Scan(&t.ID, &accountID, &appID, &scopes)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: token lookup: %w", err)
	}
	t.Scopes = strings.Fields(scopes)
	if accountID != nil {
		if t.Account, err = AccountByID(ctx, db, *accountID); err != nil {
			return nil, err
		}
	}
	if appID != nil {
		if t.App, err = OAuthAppByID(ctx, db, *appID); err != nil {
			return nil, err
		}
	}
	return &t, nil
}

// AccountByToken finds the account a live token belongs to and notes its use.
func AccountByToken(ctx context.Context, db DB, token string) (*Account, error) {
	t, err := TokenByValue(ctx, db, token)
	if err != nil {
		return nil, err
	}
	if t.Account == nil {
		return nil, ErrNotFound
	}
	return t.Account, nil
}

// ErrNotTokensApp: an app asked to revoke a token issued to another app.
var ErrNotTokensApp = errors.New("the token was issued to another client")

// RevokeAppToken revokes a token at its app's request (RFC 7009). An
// unknown or already revoked token is no error, as the RFC says; one of
// another app is.
func RevokeAppToken(ctx context.Context, db DB, appID int64, token string, now time.Time) error {
	var owner *int64
	err := db.QueryRow(ctx, `SELECT app_id FROM access_tokens WHERE token_sha256 = $1`, digest(token)).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("models: revoke token: %w", err)
	}
	if owner == nil || *owner != appID {
		return ErrNotTokensApp
	}
	if _, err := db.Exec(ctx, `UPDATE access_tokens SET revoked_at = $2 WHERE token_sha256 = $1 AND revoked_at IS NULL`,
		digest(token), now); err != nil {
		return fmt.Errorf("models: revoke token: %w", err)
	}
	return nil
}
