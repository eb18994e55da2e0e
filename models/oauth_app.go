package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// OAuthApp is an application registered through POST /api/v1/apps, as
// Mastodon keeps them: its client_id is public, its secret known only to
// the app (we keep a SHA-256 of it).
type OAuthApp struct {
	ID           int64
	Name         string
	Website      string
	RedirectURIs []string
	Scopes       []string
	ClientID     string
	CreatedAt    time.Time
}

// NewOAuthApp is what registering an app needs; the caller has checked it.
type NewOAuthApp struct {
	Name         string
	Website      string
	RedirectURIs []string
	Scopes       []string
}

// randomSecret is 32 random bytes, URL-safe: the shape of Mastodon's
// client ids, secrets, codes and tokens (43 characters).
func randomSecret() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("models: random secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// digest is what we store of a secret.
func digest(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// CreateOAuthApp registers an app and returns it with its client secret,
// which is shown this once.
func CreateOAuthApp(ctx context.Context, db DB, n NewOAuthApp) (*OAuthApp, string, error) {
	clientID, err := randomSecret()
	if err != nil {
		return nil, "", err
	}
	secret, err := randomSecret()
	if err != nil {
		return nil, "", err
	}
	app := &OAuthApp{Name: n.Name, Website: n.Website, RedirectURIs: n.RedirectURIs, Scopes: n.Scopes, ClientID: clientID}
	err = db.QueryRow(ctx, `INSERT INTO oauth_apps (name, website, redirect_uris, scopes, client_id, client_secret_sha256)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, created_at`,
		n.Name, n.Website, n.RedirectURIs, strings.Join(n.Scopes, " "), clientID, digest(secret)).Scan(&app.ID, &app.CreatedAt)
	if err != nil {
		return nil, "", fmt.Errorf("models: register app: %w", err)
	}
	return app, secret, nil
}

const oauthAppColumns = `a.id, a.name, a.website, a.redirect_uris, a.scopes, a.client_id, a.created_at`

func scanOAuthApp(row pgx.Row, extra ...any) (*OAuthApp, error) {
	var a OAuthApp
	var scopes string
	if err := row.Scan(append([]any{&a.ID, &a.Name, &a.Website, &a.RedirectURIs, &scopes, &a.ClientID, &a.CreatedAt}, extra...)...); err != nil {
		return nil, err
	}
	a.Scopes = strings.Fields(scopes)
	return &a, nil
}

// OAuthAppByClientID finds an app by its public client_id.
func OAuthAppByClientID(ctx context.Context, db DB, clientID string) (*OAuthApp, error) {
	a, err := scanOAuthApp(db.QueryRow(ctx, `SELECT `+oauthAppColumns+` FROM oauth_apps a WHERE a.client_id = $1`, clientID))
	return a, notFoundOr(err, "models: app by client id")
}

// OAuthAppByID finds an app by its id.
func OAuthAppByID(ctx context.Context, db DB, id int64) (*OAuthApp, error) {
	a, err := scanOAuthApp(db.QueryRow(ctx, `SELECT `+oauthAppColumns+` FROM oauth_apps a WHERE a.id = $1`, id))
	return a, notFoundOr(err, "models: app by id")
}

// ErrBadClient is an unknown client_id or a wrong client secret: the two
// are one error, so that nobody learns which client ids exist.
var ErrBadClient = errors.New("unknown client or wrong client secret")

// AuthenticateOAuthApp checks an app's credentials, comparing the secret's
// digest in constant time.
func AuthenticateOAuthApp(ctx context.Context, db DB, clientID, secret string) (*OAuthApp, error) {
	var stored []byte
	a, err := scanOAuthApp(db.QueryRow(ctx, `SELECT `+oauthAppColumns+`, a.client_secret_sha256 FROM oauth_apps a
		WHERE a.client_id = $1`, clientID), &stored)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrBadClient
	}
	if err != nil {
		return nil, fmt.Errorf("models: authenticate app: %w", err)
	}
	if subtle.ConstantTimeCompare(stored, digest(secret)) != 1 {
		return nil, ErrBadClient
	}
	return a, nil
}

// AuthorizedApp is an app a member gave access to: its live tokens'
// scopes together, and when one was last used.
type AuthorizedApp struct {
	App      *OAuthApp
	Scopes   []string
	LastUsed *time.Time
}

// AuthorizedApps lists the apps holding live tokens of an account, most
// recently authorized first.
func AuthorizedApps(ctx context.Context, db DB, accountID int64) ([]AuthorizedApp, error) {
	rows, err := db.Query(ctx, `SELECT `+oauthAppColumns+`, string_agg(DISTINCT t.scopes, ' '), max(t.last_used_at)
		FROM access_tokens t JOIN oauth_apps a ON a.id = t.app_id
		WHERE t.account_id = $1 AND t.revoked_at IS NULL
		GROUP BY a.id ORDER BY max(t.created_at) DESC`, accountID)
	if err != nil {
		return nil, fmt.Errorf("models: authorized apps: %w", err)
	}
	defer rows.Close()
	var out []AuthorizedApp
	for rows.Next() {
		var scopes string
		var used *time.Time
		a, err := scanOAuthApp(rows, &scopes, &used)
		if err != nil {
			return nil, fmt.Errorf("models: authorized apps: %w", err)
		}
		out = append(out, AuthorizedApp{App: a, Scopes: uniqueFields(scopes), LastUsed: used})
	}
	return out, rows.Err()
}

// uniqueFields splits on spaces, each word once, in first-seen order.
func uniqueFields(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Fields(s) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// RevokeAppAccess revokes every live token an app holds for an account,
// and its unused codes; it reports whether there was anything to revoke.
func RevokeAppAccess(ctx context.Context, db DB, accountID, appID int64, now time.Time) (bool, error) {
	var revoked int64
	err := InTx(ctx, db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE access_tokens SET revoked_at = $3
			WHERE account_id = $1 AND app_id = $2 AND revoked_at IS NULL`, accountID, appID, now)
		if err != nil {
			return err
		}
		revoked = tag.RowsAffected()
		_, err = tx.Exec(ctx, `UPDATE oauth_codes SET used_at = $3
			WHERE account_id = $1 AND app_id = $2 AND used_at IS NULL`, accountID, appID, now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("models: revoke app access: %w", err)
	}
	return revoked > 0, nil
}
