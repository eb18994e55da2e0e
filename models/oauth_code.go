package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// CodeLifetime is how long an authorization code may be exchanged, as
// Doorkeeper's (Mastodon's) default.
const CodeLifetime = 10 * time.Minute

// NewCode is a member's consent, to be exchanged once for a token.
type NewCode struct {
	AppID         int64
	AccountID     int64
	RedirectURI   string
	Scopes        []string
	CodeChallenge string // PKCE S256 challenge, or ""
}

// IssueCode stores a consent and returns its code (only a digest is kept).
// Codes that expired a day ago go at the same time.
func IssueCode(ctx context.Context, db DB, n NewCode, now time.Time) (string, error) {
	code, err := randomSecret()
	if err != nil {
		return "", err
	}
	err = InTx(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM oauth_codes WHERE expires_at < $1`, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO oauth_codes (app_id, account_id, code_sha256, redirect_uri, scopes, code_challenge, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, n.AppID, n.AccountID, digest(code), n.RedirectURI,
			strings.Join(n.Scopes, " "), n.CodeChallenge, now.Add(CodeLifetime))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("models: issue code: %w", err)
	}
	return code, nil
}

// Why a code cannot be exchanged. Every one is OAuth's invalid_grant to the
// app; they differ only in what they leave behind.
var (
	// ErrCodeInvalid: unknown, expired, another app's, another redirect
	// URI, or a PKCE verifier that does not match. Nothing changes.
	ErrCodeInvalid = errors.New("the authorization code is invalid, expired, or was issued to another client or redirect URI")
	// ErrCodeReused: the code was exchanged before. The tokens it gave are
	// revoked, since whoever holds the code now may have stolen it.
	ErrCodeReused = errors.New("the authorization code was used already; the tokens it gave are revoked")
)

// CodeExchange is an app's request to turn a code into a token.
type CodeExchange struct {
	Code        string
	AppID       int64 // the app that authenticated
	RedirectURI string
	// PKCE checks the verifier the app sent against the code's challenge
	// ("" when the app sent none at authorization).
	PKCE func(challenge string) bool
	Now  time.Time
}

// ExchangeCode spends a code once and issues its token.
func ExchangeCode(ctx context.Context, db DB, x CodeExchange) (*IssuedToken, error) {
	var issued *IssuedToken
	var reused bool
	err := InTx(ctx, db, func(tx pgx.Tx) error {
		var id, appID, accountID int64
		var redirect, scopes, challenge string
		var expires time.Time
		var used *time.Time
		err := tx.QueryRow(ctx, `SELECT id, app_id, account_id, redirect_uri, scopes, code_challenge, expires_at, used_at
			FROM oauth_codes WHERE code_sha256 = $1 FOR UPDATE`, digest(x.Code)).
			Scan(&id, &appID, &accountID, &redirect, &scopes, &challenge, &expires, &used)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && appID != x.AppID) {
			return ErrCodeInvalid
		}
		if err != nil {
			return err
		}
		if used != nil {
			reused = true
			_, err := tx.Exec(ctx, `UPDATE access_tokens SET revoked_at = $2 WHERE code_id = $1 AND revoked_at IS NULL`, id, x.Now)
			return err
		}
		if !x.Now.Before(expires) || redirect != x.RedirectURI || !x.PKCE(challenge) {
			return ErrCodeInvalid
		}
		if _, err := tx.Exec(ctx, `UPDATE oauth_codes SET used_at = $2 WHERE id = $1`, id, x.Now); err != nil {
			return err
		}
		issued, err = insertToken(ctx, tx, tokenOwner{accountID: &accountID, appID: &appID, codeID: &id}, strings.Fields(scopes), x.Now)
		return err
	})
	if reused && err == nil {
		return nil, ErrCodeReused // the revocation is committed; the app is refused
	}
	if errors.Is(err, ErrCodeInvalid) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("models: exchange code: %w", err)
	}
	return issued, nil
}
