package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// What a notification policy does with what one of its rules catches.
const (
	PolicyAccept = "accept"
	PolicyFilter = "filter" // kept, but held back until its sender's request is accepted
	PolicyDrop   = "drop"   // never stored
)

// ErrInvalidPolicy is a policy value other than accept, filter or drop.
var ErrInvalidPolicy = errors.New("a policy is accept, filter or drop")

// NotificationPolicy is Mastodon 4.3's: what to do with notifications
// from people one does not follow, who do not follow one (or for less
// than three days), whose accounts are under 30 days old, with private
// mentions one did not start, and from servers the instance limits.
type NotificationPolicy struct {
	ForNotFollowing    string
	ForNotFollowers    string
	ForNewAccounts     string
	ForPrivateMentions string
	ForLimitedAccounts string
}

// DefaultNotificationPolicy is Mastodon's default (and the migration's).
func DefaultNotificationPolicy() NotificationPolicy {
	return NotificationPolicy{ForNotFollowing: PolicyAccept, ForNotFollowers: PolicyAccept,
		ForNewAccounts: PolicyAccept, ForPrivateMentions: PolicyFilter, ForLimitedAccounts: PolicyFilter}
}

// Validate reports a value that is not a policy.
func (p NotificationPolicy) Validate() error {
	for _, v := range []string{p.ForNotFollowing, p.ForNotFollowers, p.ForNewAccounts, p.ForPrivateMentions, p.ForLimitedAccounts} {
		if v != PolicyAccept && v != PolicyFilter && v != PolicyDrop {
			return fmt.Errorf("%q: %w", v, ErrInvalidPolicy)
		}
	}
	return nil
}

// NotificationPolicyOf is a person's policy, Mastodon's default when she
// never set one.
func NotificationPolicyOf(ctx context.Context, db DB, actorID int64) (NotificationPolicy, error) {
	p := DefaultNotificationPolicy()
	err := db.QueryRow(ctx, `SELECT for_not_following, for_not_followers, for_new_accounts, for_private_mentions,
			for_limited_accounts FROM notification_policies WHERE actor_id = $1`, actorID).
		Scan(&p.ForNotFollowing, &p.ForNotFollowers, &p.ForNewAccounts, &p.ForPrivateMentions, &p.ForLimitedAccounts)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("models: notification policy: %w", err)
	}
	return p, nil
}

// SetNotificationPolicy stores a person's policy. It changes what comes
// next only: what was filtered stays in its requests.
func SetNotificationPolicy(ctx context.Context, db DB, actorID int64, p NotificationPolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	_, err := db.Exec(ctx, `INSERT INTO notification_policies (actor_id, for_not_following, for_not_followers,
			for_new_accounts, for_private_mentions, for_limited_accounts) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (actor_id) DO UPDATE SET for_not_following = excluded.for_not_following,
			for_not_followers = excluded.for_not_followers, for_new_accounts = excluded.for_new_accounts,
			for_private_mentions = excluded.for_private_mentions, for_limited_accounts = excluded.for_limited_accounts,
			updated_at = now()`,
		actorID, p.ForNotFollowing, p.ForNotFollowers, p.ForNewAccounts, p.ForPrivateMentions, p.ForLimitedAccounts)
	if err != nil {
		return fmt.Errorf("models: set notification policy: %w", err)
	}
	return nil
}

// notifyInsert is the one statement that stores notifications: for each
// recipient the candidates query yields (a column rid; $2 type, $3
// sender, $4 post, $5 group), the policy's verdict is taken in the same
// INSERT, so that a dropped one is never stored and a filtered one is
// stored with filtered = true from the start (a trigger on notifications
// sees the final row). A filtered mention opens or refreshes the
// sender's notification request in the same statement.
func notifyInsert(candidates string) string {
	return `WITH told AS (
		INSERT INTO notifications (recipient_id, type, from_id, post_id, group_id, filtered, group_key)
		SELECT c.rid, $2, $3, $4, $5, c.verdict = 'filter',
			CASE WHEN c.verdict = 'accept' THEN notification_group_key(c.rid, $2, $4) END
		FROM (SELECT cand.rid, notification_verdict(cand.rid, $3, $2, $4) AS verdict FROM (` + candidates + `) cand) c
		WHERE c.verdict <> 'drop'
		ON CONFLICT DO NOTHING
		RETURNING recipient_id, type, from_id, post_id, filtered)
	INSERT INTO notification_requests (recipient_id, from_id, last_post_id)
	SELECT recipient_id, from_id, post_id FROM told WHERE filtered AND type = 'mention'
	ON CONFLICT (recipient_id, from_id) DO UPDATE
		SET last_post_id = coalesce(excluded.last_post_id, notification_requests.last_post_id), updated_at = now()`
}

// NotificationRequest is the filtered mentions of one sender, waiting for
// the recipient to accept or dismiss them.
type NotificationRequest struct {
	ID         int64
	FromID     int64
	LastPostID *int64
	Count      int // filtered mentions, up to 100 as Mastodon counts
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

const requestColumns = `r.id, r.from_id, r.last_post_id, r.created_at, r.updated_at,
	(SELECT count(*) FROM (SELECT 1 FROM notifications n WHERE n.recipient_id = r.recipient_id AND n.from_id = r.from_id
		AND n.filtered AND n.type = 'mention' LIMIT 100) held)`

func scanRequests(rows pgx.Rows) ([]*NotificationRequest, error) {
	defer rows.Close()
	var out []*NotificationRequest
	for rows.Next() {
		var r NotificationRequest
		if err := rows.Scan(&r.ID, &r.FromID, &r.LastPostID, &r.CreatedAt, &r.UpdatedAt, &r.Count); err != nil {
			return nil, fmt.Errorf("models: notification requests: %w", err)
		}
		out = append(out, &r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: notification requests: %w", err)
	}
	return out, nil
}

// NotificationRequests lists a person's pending requests, newest first,
// below p.MaxID; none from someone she blocks or mutes.
func NotificationRequests(ctx context.Context, db DB, recipientID int64, p Page) ([]*NotificationRequest, error) {
	rows, err := db.Query(ctx, `SELECT `+requestColumns+` FROM notification_requests r
		WHERE r.recipient_id = $1 AND r.id < $2 AND `+notHiddenFrom("r.from_id", "$1")+`
		ORDER BY r.id DESC LIMIT $3`, recipientID, maxID(p), p.limit())
	if err != nil {
		return nil, fmt.Errorf("models: notification requests: %w", err)
	}
	return scanRequests(rows)
}

// NotificationRequestByID is one of the person's requests (ErrNotFound for
// anyone else's).
func NotificationRequestByID(ctx context.Context, db DB, recipientID, id int64) (*NotificationRequest, error) {
	rows, err := db.Query(ctx, `SELECT `+requestColumns+` FROM notification_requests r
		WHERE r.recipient_id = $1 AND r.id = $2`, recipientID, id)
	if err != nil {
		return nil, fmt.Errorf("models: notification request: %w", err)
	}
	list, err := scanRequests(rows)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("notification request %d: %w", id, ErrNotFound)
	}
	return list[0], nil
}

// AcceptNotificationRequests lets the senders of the person's requests
// through from now on and brings in what they sent so far (filtered
// notifications become ordinary ones, in their place by id); the
// requests go. Ids not hers are passed over.
func AcceptNotificationRequests(ctx context.Context, db DB, recipientID int64, ids []int64) error {
	return InTx(ctx, db, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `WITH gone AS (DELETE FROM notification_requests WHERE recipient_id = $1 AND id = ANY($2)
				RETURNING from_id),
			allowed AS (INSERT INTO notification_permissions (recipient_id, from_id) SELECT $1, from_id FROM gone
				ON CONFLICT DO NOTHING)
			UPDATE notifications SET filtered = false
			WHERE recipient_id = $1 AND filtered AND from_id IN (SELECT from_id FROM gone)`, recipientID, ids)
		if err != nil {
			return fmt.Errorf("models: accept notification requests: %w", err)
		}
		return nil
	})
}

// DismissNotificationRequests removes the person's requests and the
// filtered notifications behind them; their senders stay filtered.
func DismissNotificationRequests(ctx context.Context, db DB, recipientID int64, ids []int64) error {
	_, err := db.Exec(ctx, `WITH gone AS (DELETE FROM notification_requests WHERE recipient_id = $1 AND id = ANY($2)
			RETURNING from_id)
		DELETE FROM notifications WHERE recipient_id = $1 AND filtered AND from_id IN (SELECT from_id FROM gone)`,
		recipientID, ids)
	if err != nil {
		return fmt.Errorf("models: dismiss notification requests: %w", err)
	}
	return nil
}

// NotificationPolicySummary counts what waits: requests, and the filtered
// notifications behind them.
func NotificationPolicySummary(ctx context.Context, db DB, recipientID int64) (requests, notifications int, err error) {
	err = db.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM notification_requests r WHERE r.recipient_id = $1 AND `+notHiddenFrom("r.from_id", "$1")+`),
			(SELECT count(*) FROM notifications n JOIN notification_requests r ON r.recipient_id = n.recipient_id AND r.from_id = n.from_id
				WHERE n.recipient_id = $1 AND n.filtered AND n.type = 'mention' AND `+notHiddenFrom("r.from_id", "$1")+`)`,
		recipientID).Scan(&requests, &notifications)
	if err != nil {
		return 0, 0, fmt.Errorf("models: notification policy summary: %w", err)
	}
	return requests, notifications, nil
}
