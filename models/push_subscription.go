package models

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Push policies: whose notifications are pushed (Mastodon's data[policy]).
const (
	PushPolicyAll      = "all"
	PushPolicyFollowed = "followed" // from accounts she follows
	PushPolicyFollower = "follower" // from her followers
	PushPolicyNone     = "none"
)

// PushSubscription is where and how a device is sent Web Push messages: a
// Mastodon app's (TokenID) or a browser's that opted in on the web app
// (SessionID).
type PushSubscription struct {
	ID        int64
	ActorID   int64
	TokenID   *int64
	SessionID *int64
	// AccessToken is the plain token of a token's subscription, which
	// Mastodon's payload carries; empty for a browser's.
	AccessToken string
	Endpoint    string
	P256dh      string // the device's public key, base64url
	Auth        string // the device's auth secret, base64url
	Alerts      []string
	Policy      string
	CreatedAt   time.Time
}

const pushColumns = `id, actor_id, token_id, session_id, access_token, endpoint, key_p256dh, key_auth, alerts, policy, created_at`

func scanPushSubscription(row pgx.Row) (*PushSubscription, error) {
	var s PushSubscription
	err := row.Scan(&s.ID, &s.ActorID, &s.TokenID, &s.SessionID, &s.AccessToken, &s.Endpoint, &s.P256dh, &s.Auth,
		&s.Alerts, &s.Policy, &s.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: push subscription: %w", err)
	}
	return &s, nil
}

// SavePushSubscription stores s as the only subscription of its token or
// session (exactly one of TokenID and SessionID is set), replacing the one
// it had, as Mastodon does; s gets its new ID.
func SavePushSubscription(ctx context.Context, db DB, s *PushSubscription) error {
	if (s.TokenID == nil) == (s.SessionID == nil) {
		return errors.New("models: save push subscription: a token or a session, not both")
	}
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM push_subscriptions WHERE token_id = $1 OR session_id = $2`,
			s.TokenID, s.SessionID); err != nil {
			return fmt.Errorf("models: replace push subscription: %w", err)
		}
		err := tx.QueryRow(ctx, `INSERT INTO push_subscriptions
			(actor_id, token_id, session_id, access_token, endpoint, key_p256dh, key_auth, alerts, policy)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, created_at`,
			s.ActorID, s.TokenID, s.SessionID, s.AccessToken, s.Endpoint, s.P256dh, s.Auth, nonNil(s.Alerts), s.Policy).
			Scan(&s.ID, &s.CreatedAt)
		if err != nil {
			return fmt.Errorf("models: save push subscription: %w", err)
		}
		return nil
	})
}

// PushSubscriptionOfToken is the subscription of an access token.
func PushSubscriptionOfToken(ctx context.Context, db DB, tokenID int64) (*PushSubscription, error) {
	return scanPushSubscription(db.QueryRow(ctx, `SELECT `+pushColumns+` FROM push_subscriptions WHERE token_id = $1`, tokenID))
}

// PushSubscriptionOfSession is the subscription of a web app session.
func PushSubscriptionOfSession(ctx context.Context, db DB, sessionID int64) (*PushSubscription, error) {
	return scanPushSubscription(db.QueryRow(ctx, `SELECT `+pushColumns+` FROM push_subscriptions WHERE session_id = $1`, sessionID))
}

// UpdatePushAlerts changes what a token's subscription pushes; ErrNotFound
// when the token has none.
func UpdatePushAlerts(ctx context.Context, db DB, tokenID int64, alerts []string, policy string) (*PushSubscription, error) {
	return scanPushSubscription(db.QueryRow(ctx, `UPDATE push_subscriptions SET alerts = $2, policy = $3, updated_at = now()
		WHERE token_id = $1 RETURNING `+pushColumns, tokenID, nonNil(alerts), policy))
}

// DeletePushSubscriptionOfToken removes a token's subscription, if any.
func DeletePushSubscriptionOfToken(ctx context.Context, db DB, tokenID int64) error {
	if _, err := db.Exec(ctx, `DELETE FROM push_subscriptions WHERE token_id = $1`, tokenID); err != nil {
		return fmt.Errorf("models: delete push subscription: %w", err)
	}
	return nil
}

// DeletePushSubscriptionOfSession removes a session's subscription, if any.
func DeletePushSubscriptionOfSession(ctx context.Context, db DB, sessionID int64) error {
	if _, err := db.Exec(ctx, `DELETE FROM push_subscriptions WHERE session_id = $1`, sessionID); err != nil {
		return fmt.Errorf("models: delete push subscription: %w", err)
	}
	return nil
}

// DeletePushSubscription removes a subscription the push service said is
// gone (404, 410).
func DeletePushSubscription(ctx context.Context, db DB, id int64) error {
	if _, err := db.Exec(ctx, `DELETE FROM push_subscriptions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("models: delete push subscription: %w", err)
	}
	return nil
}

// PushDue is one notification to push to one subscription, as the sender
// needs it.
type PushDue struct {
	Subscription *PushSubscription
	Notification Notification
	RecipientID  int64
}

// PushDueFor loads a push job's subscription and notification, and
// whether it is still to be pushed: ErrNotFound when either is gone, the
// subscription's alerts or policy no longer want it, its session expired,
// or the notification is now hidden (its sender was blocked or muted).
func PushDueFor(ctx context.Context, db DB, subscriptionID, notificationID int64, now time.Time) (*PushDue, error) {
	var d PushDue
	s, err := scanPushSubscription(db.QueryRow(ctx, `SELECT `+pushColumns+` FROM push_subscriptions s
		WHERE id = $1 AND (session_id IS NULL OR EXISTS (SELECT 1 FROM sessions x WHERE x.id = s.session_id AND x.expires_at > $2))`,
		subscriptionID, now))
	if err != nil {
		return nil, err
	}
	d.Subscription = s
	n := &d.Notification
	err = db.QueryRow(ctx, `SELECT id, type, from_id, post_id, group_id, help_calendar_id, created_at, recipient_id
		FROM notifications WHERE id = $1 AND recipient_id = $2
		  AND web_push_wanted($3, $4, recipient_id, from_id, type) AND `+notHiddenFrom("from_id", "recipient_id"),
		notificationID, s.ActorID, s.Alerts, s.Policy).
		Scan(&n.ID, &n.Type, &n.FromID, &n.PostID, &n.GroupID, &n.HelpCalendarID, &n.CreatedAt, &d.RecipientID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: push due: %w", err)
	}
	return &d, nil
}

// vapidKeyName names the instance's VAPID private key in instance_keys.
const vapidKeyName = "vapid_p256"

// VAPIDKeys are the instance's Web Push application server keys (RFC
// 8292), base64url without padding as push libraries and browsers take
// them: Public is the uncompressed P-256 point, Private its scalar.
type VAPIDKeys struct {
	Public, Private string
}

// InstanceVAPIDKeys returns the instance's VAPID key pair, made once on
// first use and kept in the database: apps and browsers subscribed with
// the public key, and a new one would silently end every subscription.
func InstanceVAPIDKeys(ctx context.Context, db DB) (VAPIDKeys, error) {
	secret, err := vapidSecret(ctx, db)
	if errors.Is(err, pgx.ErrNoRows) {
		// The first writer wins; everyone reads what it wrote.
		key, genErr := ecdh.P256().GenerateKey(rand.Reader)
		if genErr != nil {
			return VAPIDKeys{}, fmt.Errorf("models: vapid key: %w", genErr)
		}
		if _, err := db.Exec(ctx, `INSERT INTO instance_keys (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
			vapidKeyName, key.Bytes()); err != nil {
			return VAPIDKeys{}, fmt.Errorf("models: vapid key: %w", err)
		}
		secret, err = vapidSecret(ctx, db)
	}
	if err != nil {
		return VAPIDKeys{}, fmt.Errorf("models: vapid key: %w", err)
	}
	kept, err := ecdh.P256().NewPrivateKey(secret)
	if err != nil {
		return VAPIDKeys{}, fmt.Errorf("models: vapid key kept is not a P-256 key: %w", err)
	}
	enc := base64.RawURLEncoding
	return VAPIDKeys{Public: enc.EncodeToString(kept.PublicKey().Bytes()), Private: enc.EncodeToString(kept.Bytes())}, nil
}

func vapidSecret(ctx context.Context, db DB) ([]byte, error) {
	var secret []byte
	err := db.QueryRow(ctx, `SELECT secret FROM instance_keys WHERE name = $1`, vapidKeyName).Scan(&secret)
	return secret, err
}
