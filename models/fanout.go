package models

import (
	"context"
	"fmt"
)

// FollowerFamily selects an actor's remote followers by the software of
// their servers (NodeInfo software.name, lower case): those running one of
// Software, or with Except those running none of them (unknown included).
type FollowerFamily struct {
	ActorID  int64    `json:"actor_id"`
	Software []string `json:"software"`
	Except   bool     `json:"except,omitempty"`
}

// followerFamilyInboxes is the distinct inboxes (shared preferred) of a
// family's accepted remote followers, as FollowerInboxesWithSoftware finds
// them; $1 the actor, $2 the software names, $3 Except.
const followerFamilyInboxes = `SELECT DISTINCT coalesce(nullif(a.shared_inbox_url, ''), a.inbox_url) AS inbox
	FROM follows f JOIN actors a ON a.id = f.follower_id LEFT JOIN instances i ON i.host = a.domain
	WHERE f.followee_id = $1 AND f.state = 'accepted' AND a.domain IS NOT NULL
	  AND coalesce(nullif(a.shared_inbox_url, ''), a.inbox_url) IS NOT NULL
	  AND (lower(coalesce(i.software, '')) = ANY($2)) <> $3`

// FollowerFamilyInboxes returns up to limit inboxes of the family, in
// order, each after the inbox after ("" for the first).
func FollowerFamilyInboxes(ctx context.Context, db DB, fam FollowerFamily, after string, limit int) ([]string, error) {
	rows, err := db.Query(ctx, `SELECT inbox FROM (`+followerFamilyInboxes+`) f
		WHERE inbox > $4 ORDER BY inbox LIMIT $5`, fam.ActorID, fam.Software, fam.Except, after, limit)
	if err != nil {
		return nil, fmt.Errorf("models: follower family inboxes: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var in string
		if err := rows.Scan(&in); err != nil {
			return nil, fmt.Errorf("models: follower family inboxes: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// HasFollowerFamily reports whether the family has any follower, without
// counting them all.
func HasFollowerFamily(ctx context.Context, db DB, fam FollowerFamily) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (`+followerFamilyInboxes+`)`, fam.ActorID, fam.Software, fam.Except).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("models: has follower family: %w", err)
	}
	return ok, nil
}

// FanoutCursor is how far a fan-out's expansion has come.
type FanoutCursor struct {
	AfterInbox string // the last inbox queued, "" before the first
	Done       bool
}

// LockFanout returns the cursor of activityID's fan-out, creating it, and
// locks it until tx ends, so that two runs of one fan-out job (a rescue
// while the first still runs) take turns instead of queueing twice.
func LockFanout(ctx context.Context, tx DB, activityID int64) (FanoutCursor, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO delivery_fanouts (activity_id) VALUES ($1) ON CONFLICT DO NOTHING`, activityID); err != nil {
		return FanoutCursor{}, fmt.Errorf("models: fan-out %d: %w", activityID, err)
	}
	var c FanoutCursor
	err := tx.QueryRow(ctx, `SELECT after_inbox, done FROM delivery_fanouts WHERE activity_id = $1 FOR UPDATE`,
		activityID).Scan(&c.AfterInbox, &c.Done)
	if err != nil {
		return FanoutCursor{}, fmt.Errorf("models: fan-out %d: %w", activityID, err)
	}
	return c, nil
}

// MoveFanout records the fan-out's progress (within the transaction that
// queued the deliveries up to c.AfterInbox).
func MoveFanout(ctx context.Context, tx DB, activityID int64, c FanoutCursor) error {
	if _, err := tx.Exec(ctx, `UPDATE delivery_fanouts SET after_inbox = $2, done = $3 WHERE activity_id = $1`,
		activityID, c.AfterInbox, c.Done); err != nil {
		return fmt.Errorf("models: fan-out %d: %w", activityID, err)
	}
	return nil
}
