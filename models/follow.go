package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Follow states.
const (
	FollowPending  = "pending"  // waiting for the followee (or a group's moderators)
	FollowAccepted = "accepted" // in effect
)

// Follow is one actor following another, local or remote.
type Follow struct {
	ID         int64
	FollowerID int64
	FolloweeID int64
	URI        string // the Follow activity's id
	State      string
	CreatedAt  time.Time
}

const followColumns = `f.id, f.follower_id, f.followee_id, f.uri, f.state, f.created_at`

func scanFollow(row pgx.Row) (*Follow, error) {
	var f Follow
	err := row.Scan(&f.ID, &f.FollowerID, &f.FolloweeID, &f.URI, &f.State, &f.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: follow: %w", err)
	}
	return &f, nil
}

// PutFollow records that follower asks to follow followee. Asking again
// replaces the earlier request's id (a re-sent Follow) and keeps an accepted
// follow accepted. It returns the stored follow.
func PutFollow(ctx context.Context, db DB, followerID, followeeID int64, uri, state string) (*Follow, error) {
	return scanFollow(db.QueryRow(ctx, `INSERT INTO follows AS f (follower_id, followee_id, uri, state)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (follower_id, followee_id) DO UPDATE
		SET uri = EXCLUDED.uri, updated_at = now(),
		    state = CASE WHEN f.state = 'accepted' THEN 'accepted' ELSE EXCLUDED.state END
		RETURNING `+followColumns, followerID, followeeID, uri, state))
}

// FollowBetween finds the follow of follower to followee.
func FollowBetween(ctx context.Context, db DB, followerID, followeeID int64) (*Follow, error) {
	return scanFollow(db.QueryRow(ctx, `SELECT `+followColumns+` FROM follows f WHERE f.follower_id = $1 AND f.followee_id = $2`,
		followerID, followeeID))
}

// FollowByURI finds a follow by its Follow activity's id.
func FollowByURI(ctx context.Context, db DB, uri string) (*Follow, error) {
	return scanFollow(db.QueryRow(ctx, `SELECT `+followColumns+` FROM follows f WHERE f.uri = $1`, uri))
}

// FollowByID finds a follow by its row id.
func FollowByID(ctx context.Context, db DB, id int64) (*Follow, error) {
	return scanFollow(db.QueryRow(ctx, `SELECT `+followColumns+` FROM follows f WHERE f.id = $1`, id))
}

// AcceptFollow marks a follow accepted; it reports whether it was pending.
func AcceptFollow(ctx context.Context, db DB, id int64) (bool, error) {
	tag, err := db.Exec(ctx, `UPDATE follows SET state = 'accepted', updated_at = now() WHERE id = $1 AND state = 'pending'`, id)
	if err != nil {
		return false, fmt.Errorf("models: accept follow: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DeleteFollow removes a follow (unfollow, reject, Undo); it reports whether one existed.
func DeleteFollow(ctx context.Context, db DB, id int64) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM follows WHERE id = $1`, id)
	if err != nil {
		return false, fmt.Errorf("models: delete follow: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Page asks for part of a list ordered newest first: items with an id below
// MaxID (when set), at most Limit of them.
type Page struct {
	MaxID int64
	// SinceID, where a list takes it, keeps only entries newer than it
	// (Mastodon's since_id); 0 keeps all.
	SinceID int64
	Limit   int
}

func (p Page) limit() int {
	if p.Limit <= 0 || p.Limit > 80 {
		return 40
	}
	return p.Limit
}

// FollowEntry is one row of a followers or following list: the other actor
// and the follow's id (the cursor for the next page).
type FollowEntry struct {
	FollowID int64
	Actor    *Actor
}

// Followers lists actors following followeeID in the given state, newest first.
func Followers(ctx context.Context, db DB, followeeID int64, state string, p Page) ([]FollowEntry, error) {
	return listFollows(ctx, db, `f.follower_id`, `f.followee_id`, followeeID, state, p)
}

// Following lists actors followerID follows in the given state, newest first.
func Following(ctx context.Context, db DB, followerID int64, state string, p Page) ([]FollowEntry, error) {
	return listFollows(ctx, db, `f.followee_id`, `f.follower_id`, followerID, state, p)
}

func listFollows(ctx context.Context, db DB, otherCol, selfCol string, selfID int64, state string, p Page) ([]FollowEntry, error) {
	maxID := p.MaxID
	if maxID <= 0 {
		maxID = 1<<63 - 1
	}
	rows, err := db.Query(ctx, `SELECT `+actorColumns+`, f.id FROM follows f JOIN actors a ON a.id = `+otherCol+`
		WHERE `+selfCol+` = $1 AND f.state = $2 AND f.id < $3 ORDER BY f.id DESC LIMIT $4`, selfID, state, maxID, p.limit())
	if err != nil {
		return nil, fmt.Errorf("models: list follows: %w", err)
	}
	defer rows.Close()
	var out []FollowEntry
	for rows.Next() {
		var e FollowEntry
		if e.Actor, err = scanActor(rows, &e.FollowID); err != nil {
			return nil, fmt.Errorf("models: list follows: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// FollowCounts are the sizes of an actor's collections.
type FollowCounts struct {
	Followers, Following, Pending int
}

// CountFollows counts an actor's accepted followers and followings, and its
// pending follow requests.
func CountFollows(ctx context.Context, db DB, actorID int64) (FollowCounts, error) {
	var c FollowCounts
	err := db.QueryRow(ctx, `SELECT
		count(*) FILTER (WHERE followee_id = $1 AND state = 'accepted'),
		count(*) FILTER (WHERE follower_id = $1 AND state = 'accepted'),
		count(*) FILTER (WHERE followee_id = $1 AND state = 'pending')
		FROM follows WHERE followee_id = $1 OR follower_id = $1`, actorID).Scan(&c.Followers, &c.Following, &c.Pending)
	if err != nil {
		return c, fmt.Errorf("models: count follows: %w", err)
	}
	return c, nil
}

// FollowerInboxes returns the distinct inboxes that reach an actor's
// accepted remote followers: a host's shared inbox when it has one, else
// each follower's own inbox.
func FollowerInboxes(ctx context.Context, db DB, actorID int64) ([]string, error) {
	withSoftware, err := FollowerInboxesWithSoftware(ctx, db, actorID)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(withSoftware))
	for _, f := range withSoftware {
		out = append(out, f.Inbox)
	}
	return out, nil
}

// FollowerInbox is an inbox that reaches some of an actor's remote
// followers, and the software of its server (NodeInfo; "" when unknown).
type FollowerInbox struct {
	Inbox    string
	Software string
}

// FollowerInboxesWithSoftware is FollowerInboxes with each server's software.
func FollowerInboxesWithSoftware(ctx context.Context, db DB, actorID int64) ([]FollowerInbox, error) {
	rows, err := db.Query(ctx, `SELECT DISTINCT coalesce(nullif(a.shared_inbox_url, ''), a.inbox_url), coalesce(i.software, '')
		FROM follows f JOIN actors a ON a.id = f.follower_id LEFT JOIN instances i ON i.host = a.domain
		WHERE f.followee_id = $1 AND f.state = 'accepted' AND a.domain IS NOT NULL
		  AND coalesce(nullif(a.shared_inbox_url, ''), a.inbox_url) IS NOT NULL
		ORDER BY 1`, actorID)
	if err != nil {
		return nil, fmt.Errorf("models: follower inboxes: %w", err)
	}
	defer rows.Close()
	var out []FollowerInbox
	for rows.Next() {
		var f FollowerInbox
		if err := rows.Scan(&f.Inbox, &f.Software); err != nil {
			return nil, fmt.Errorf("models: follower inboxes: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// IsMember reports whether actorID may post into the group: an accepted
// follower or a moderator.
func IsMember(ctx context.Context, db DB, groupID, actorID int64) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM follows WHERE followee_id = $1 AND follower_id = $2 AND state = 'accepted')
		OR EXISTS (SELECT 1 FROM group_moderators WHERE group_id = $1 AND actor_id = $2)`, groupID, actorID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("models: is member: %w", err)
	}
	return ok, nil
}

// HasLocalFollower reports whether any local actor follows actorID.
func HasLocalFollower(ctx context.Context, db DB, actorID int64) (bool, error) {
	return hasFollower(ctx, db, actorID, false)
}

// HasRemoteFollower reports whether any actor of another server follows
// actorID.
func HasRemoteFollower(ctx context.Context, db DB, actorID int64) (bool, error) {
	return hasFollower(ctx, db, actorID, true)
}

// hasFollower reports whether actorID has an accepted follower of another
// server (remote) or of this one.
func hasFollower(ctx context.Context, db DB, actorID int64, remote bool) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM follows f JOIN actors a ON a.id = f.follower_id
		WHERE f.followee_id = $1 AND f.state = 'accepted' AND (a.domain IS NOT NULL) = $2)`, actorID, remote).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("models: has follower: %w", err)
	}
	return ok, nil
}

// SetJoinAnswers keeps what a person answered to a group's join questions
// with their pending request.
func SetJoinAnswers(ctx context.Context, db DB, followID int64, answers string) error {
	if _, err := db.Exec(ctx, `UPDATE follows SET answers = $2 WHERE id = $1`, followID, answers); err != nil {
		return fmt.Errorf("models: join answers: %w", err)
	}
	return nil
}

// JoinAnswers returns the answers kept with a follow request.
func JoinAnswers(ctx context.Context, db DB, followID int64) (string, error) {
	var s string
	if err := db.QueryRow(ctx, `SELECT answers FROM follows WHERE id = $1`, followID).Scan(&s); err != nil {
		return "", notFoundOr(err, "models: join answers")
	}
	return s, nil
}
