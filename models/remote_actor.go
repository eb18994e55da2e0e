package models

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ActorByID loads any actor.
func ActorByID(ctx context.Context, db DB, id int64) (*Actor, error) {
	a, err := scanActor(db.QueryRow(ctx, `SELECT `+actorColumns+` FROM actors a WHERE a.id = $1`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: actor by id: %w", err)
	}
	return a, err
}

// RemoteActorByURI finds a cached remote actor by its id.
func RemoteActorByURI(ctx context.Context, db DB, uri string) (*Actor, error) {
	a, err := scanActor(db.QueryRow(ctx, `SELECT `+actorColumns+` FROM actors a WHERE a.uri = $1`, uri))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: actor by uri: %w", err)
	}
	return a, err
}

// RemoteActorByKeyID finds a cached remote actor by the id of its key.
func RemoteActorByKeyID(ctx context.Context, db DB, keyID string) (*Actor, error) {
	a, err := scanActor(db.QueryRow(ctx, `SELECT `+actorColumns+` FROM actors a WHERE a.public_key_id = $1`, keyID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: actor by key id: %w", err)
	}
	return a, err
}

// RemoteActorByHandle finds a cached remote actor by username and domain.
func RemoteActorByHandle(ctx context.Context, db DB, username, domain string) (*Actor, error) {
	a, err := scanActor(db.QueryRow(ctx, `SELECT `+actorColumns+` FROM actors a
		WHERE a.domain IS NOT NULL AND lower(a.username) = lower($1) AND lower(a.domain) = lower($2)`, username, domain))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: actor by handle: %w", err)
	}
	return a, err
}

// UpsertRemoteActor stores a remote actor fetched from its origin, by URI,
// and returns it with its id. fetched_at is set to now.
func UpsertRemoteActor(ctx context.Context, db DB, a *Actor) (*Actor, error) {
	if a.URI == "" || a.Domain == "" || a.Username == "" || a.PublicKeyPEM == "" {
		return nil, fmt.Errorf("models: remote actor needs uri, domain, username and key")
	}
	for attempt := 1; ; attempt++ {
		var out *Actor
		err := InTx(ctx, db, func(tx pgx.Tx) error {
			var err error
			out, err = upsertRemoteActor(ctx, tx, a)
			return err
		})
		// Two requests storing an actor first seen by both: the second
		// insert can hit the handle's or the key id's index before ON
		// CONFLICT (uri) sees the first row. Once that row is committed,
		// the upsert updates it.
		if c, ok := uniqueViolation(err); ok && (c == "actors_remote_username" || c == "actors_public_key_id") && attempt < 3 {
			continue
		}
		return out, err
	}
}

// upsertRemoteActor is UpsertRemoteActor's two statements, which its
// caller runs in one transaction.
func upsertRemoteActor(ctx context.Context, db DB, a *Actor) (*Actor, error) {
	// Another actor may have held this handle before (an account deleted and
	// re-created on the remote server): the newest document wins the name.
	if _, err := db.Exec(ctx, `DELETE FROM actors WHERE domain IS NOT NULL AND lower(username) = lower($1)
		AND lower(domain) = lower($2) AND uri <> $3`, a.Username, a.Domain, a.URI); err != nil {
		return nil, fmt.Errorf("models: upsert actor: %w", err)
	}
	row := db.QueryRow(ctx, `INSERT INTO actors AS a (type, username, domain, uri, url, display_name, summary,
			inbox_url, shared_inbox_url, outbox_url, followers_url, following_url, featured_url, icon_url,
			public_key_pem, manually_approves_followers, discoverable, public_key_id, fetched_at, header_url, fields, bot, indexable)
		VALUES ($1, $2, $3, $4, nullif($5, ''), $6, $7, nullif($8, ''), nullif($9, ''), nullif($10, ''), nullif($11, ''),
			nullif($12, ''), nullif($13, ''), nullif($14, ''), $15, $16, $17, nullif($18, ''), now(), nullif($19, ''), $20, $21, $22)
		ON CONFLICT (uri) DO UPDATE SET type = EXCLUDED.type, username = EXCLUDED.username, domain = EXCLUDED.domain,
			url = EXCLUDED.url, display_name = EXCLUDED.display_name, summary = EXCLUDED.summary,
			inbox_url = EXCLUDED.inbox_url, shared_inbox_url = EXCLUDED.shared_inbox_url, outbox_url = EXCLUDED.outbox_url,
			followers_url = EXCLUDED.followers_url, following_url = EXCLUDED.following_url,
			featured_url = EXCLUDED.featured_url, icon_url = EXCLUDED.icon_url, public_key_pem = EXCLUDED.public_key_pem,
			manually_approves_followers = EXCLUDED.manually_approves_followers, discoverable = EXCLUDED.discoverable,
			public_key_id = EXCLUDED.public_key_id, fetched_at = now(), updated_at = now(),
			header_url = EXCLUDED.header_url, fields = EXCLUDED.fields, bot = EXCLUDED.bot, indexable = EXCLUDED.indexable
		RETURNING `+actorColumns,
		a.Type, a.Username, strings.ToLower(a.Domain), a.URI, a.URL, a.DisplayName, a.Summary,
		a.InboxURL, a.SharedInboxURL, a.OutboxURL, a.FollowersURL, a.FollowingURL, a.FeaturedURL, a.IconURL,
		a.PublicKeyPEM, a.ManuallyApprovesFollowers, a.Discoverable, a.PublicKeyID, a.HeaderURL, nonNil(a.Fields), a.Bot, a.Indexable)
	out, err := scanActor(row)
	if err != nil {
		return nil, fmt.Errorf("models: upsert actor: %w", err)
	}
	return out, nil
}

// DeleteRemoteActor removes a remote actor and, by cascade, its follows.
func DeleteRemoteActor(ctx context.Context, db DB, uri string) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM actors WHERE uri = $1 AND domain IS NOT NULL`, uri)
	if err != nil {
		return false, fmt.Errorf("models: delete actor: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// InstanceActorName is the stored username of the instance actor (an
// Application that signs fetches); documents show the host as its name.
const InstanceActorName = "instance"

// InstanceActor returns the instance actor, creating it with a key pair on first use.
func InstanceActor(ctx context.Context, db DB) (*Actor, error) {
	a, err := LocalActorByName(ctx, db, InstanceActorName)
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if _, err := insertLocalActor(ctx, db, ActorApplication, InstanceActorName, "", "", true); err != nil && !errors.Is(err, ErrNameTaken) {
		return nil, err
	}
	return LocalActorByName(ctx, db, InstanceActorName)
}

// ReportsActorName is the stored username of the reports actor (the
// Service that files our reports on Lemmy servers). The hyphen keeps it out
// of the names people and groups may take; documents show "reports",
// which ValidateLocalName reserves.
const ReportsActorName = "reports-service"

// ReportsActor returns the reports actor, creating it with a key pair on
// first use.
func ReportsActor(ctx context.Context, db DB) (*Actor, error) {
	a, err := LocalActorByName(ctx, db, ReportsActorName)
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	// Locked: nobody is to follow it.
	if _, err := insertLocalActor(ctx, db, ActorService, ReportsActorName, "", "", true); err != nil && !errors.Is(err, ErrNameTaken) {
		return nil, err
	}
	return LocalActorByName(ctx, db, ReportsActorName)
}
