package models

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Actor types Village stores.
const (
	ActorPerson      = "Person"
	ActorGroup       = "Group"
	ActorApplication = "Application"
	ActorService     = "Service"
)

// Actor is a local or remote ActivityPub actor. Local actors have an empty
// Domain and URI, and a private key.
type Actor struct {
	ID                        int64
	Type                      string
	Username                  string
	Domain                    string
	URI                       string
	URL                       string
	DisplayName               string
	Summary                   string
	InboxURL                  string
	SharedInboxURL            string
	OutboxURL                 string
	FollowersURL              string
	FollowingURL              string
	FeaturedURL               string
	IconURL                   string
	HeaderURL                 string         // the profile's banner (ActivityPub image)
	Fields                    []ProfileField // at most MaxProfileFields
	Bot                       bool           // an automated account (sent as a Service)
	PublicKeyID               string         // remote actors: the keyId they sign with
	PublicKeyPEM              string
	PrivateKeyPEM             string
	ManuallyApprovesFollowers bool
	Discoverable              bool
	Indexable                 bool // public posts may be found by full-text search (Mastodon's opt-in)
	CreatedAt                 time.Time
	UpdatedAt                 time.Time
	FetchedAt                 *time.Time
}

// IsLocal reports whether the actor lives on this instance.
func (a *Actor) IsLocal() bool { return a.Domain == "" }

// ShownName is what the actor is called: its display name, or its username
// when it has none.
func (a *Actor) ShownName() string {
	if strings.TrimSpace(a.DisplayName) == "" {
		return a.Username
	}
	return a.DisplayName
}

// IsSystemActor reports whether the actor speaks for a server rather than
// for a person or a group: any server's instance actor (an Application),
// and our own reports actor (the one local Service). It is nobody to
// follow, mention, look up or report.
func (a *Actor) IsSystemActor() bool {
	return a.Type == ActorApplication || (a.IsLocal() && a.Type == ActorService)
}

// keyBits is the RSA size every fediverse server accepts.
const keyBits = 2048

// NewKeyPair makes an RSA-2048 key pair as PEM: public in PKIX ("PUBLIC KEY",
// what Mastodon publishes), private in PKCS#8.
func NewKeyPair() (publicPEM, privatePEM string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return "", "", fmt.Errorf("models: generate key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", fmt.Errorf("models: encode public key: %w", err)
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("models: encode private key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})), nil
}

const actorColumns = `a.id, a.type, a.username, coalesce(a.domain, ''), coalesce(a.uri, ''), coalesce(a.url, ''),
	a.display_name, a.summary, coalesce(a.inbox_url, ''), coalesce(a.shared_inbox_url, ''),
	coalesce(a.outbox_url, ''), coalesce(a.followers_url, ''), coalesce(a.following_url, ''),
	coalesce(a.featured_url, ''), coalesce(a.icon_url, ''), coalesce(a.public_key_id, ''), a.public_key_pem, coalesce(a.private_key_pem, ''),
	a.manually_approves_followers, a.discoverable, a.created_at, a.updated_at, a.fetched_at,
	coalesce(a.header_url, ''), a.fields, a.bot, a.indexable`

// dest is where a row of actorColumns is read into.
func (a *Actor) dest() []any {
	return []any{&a.ID, &a.Type, &a.Username, &a.Domain, &a.URI, &a.URL,
		&a.DisplayName, &a.Summary, &a.InboxURL, &a.SharedInboxURL,
		&a.OutboxURL, &a.FollowersURL, &a.FollowingURL,
		&a.FeaturedURL, &a.IconURL, &a.PublicKeyID, &a.PublicKeyPEM, &a.PrivateKeyPEM,
		&a.ManuallyApprovesFollowers, &a.Discoverable, &a.CreatedAt, &a.UpdatedAt, &a.FetchedAt,
		&a.HeaderURL, &a.Fields, &a.Bot, &a.Indexable}
}

func scanActor(row pgx.Row, extra ...any) (*Actor, error) {
	var a Actor
	if err := row.Scan(append(a.dest(), extra...)...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &a, nil
}

// insertLocalActor creates a local actor with a fresh key pair.
func insertLocalActor(ctx context.Context, db DB, typ, username, displayName, summary string, locked bool) (int64, error) {
	pub, priv, err := NewKeyPair()
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.QueryRow(ctx, `INSERT INTO actors (type, username, display_name, summary, public_key_pem, private_key_pem, manually_approves_followers)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		typ, username, displayName, summary, pub, priv, locked).Scan(&id)
	if c, ok := uniqueViolation(err); ok && c == "actors_local_username" {
		return 0, fmt.Errorf("name %q: %w", username, ErrNameTaken)
	}
	if err != nil {
		return 0, fmt.Errorf("models: insert actor: %w", err)
	}
	return id, nil
}

// LocalActorByName finds a local person or group by username.
func LocalActorByName(ctx context.Context, db DB, username string) (*Actor, error) {
	a, err := scanActor(db.QueryRow(ctx, `SELECT `+actorColumns+` FROM actors a WHERE a.domain IS NULL AND a.username = $1`, username))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: actor by name: %w", err)
	}
	return a, err
}
