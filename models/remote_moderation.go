package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Moderating a remote group from here: which local people its moderators
// collection lists (as last read), and the join requests it sent them.

// SetRemoteModerator records what a remote group's moderators collection
// says about a local actor, now: listed (a row, checked now) or not.
func SetRemoteModerator(ctx context.Context, db DB, groupID, actorID int64, listed bool) error {
	q := `INSERT INTO remote_group_moderators (group_id, actor_id) VALUES ($1, $2)
		ON CONFLICT (group_id, actor_id) DO UPDATE SET checked_at = now()`
	if !listed {
		q = `DELETE FROM remote_group_moderators WHERE group_id = $1 AND actor_id = $2`
	}
	if _, err := db.Exec(ctx, q, groupID, actorID); err != nil {
		return fmt.Errorf("models: remote moderator: %w", err)
	}
	return nil
}

// RemoteModeratorSince reports whether a local actor was listed as a
// moderator of a remote group when last checked, and when that was (zero
// when never, or when not listed).
func RemoteModeratorSince(ctx context.Context, db DB, groupID, actorID int64) (bool, time.Time, error) {
	var at time.Time
	err := db.QueryRow(ctx, `SELECT checked_at FROM remote_group_moderators WHERE group_id = $1 AND actor_id = $2`,
		groupID, actorID).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("models: remote moderator: %w", err)
	}
	return true, at, nil
}

// RemoteGroupsModeratedBy lists the remote groups a local actor was last
// seen moderating.
func RemoteGroupsModeratedBy(ctx context.Context, db DB, actorID int64) ([]*Actor, error) {
	return queryActors(ctx, db, "remote groups moderated", `SELECT `+actorColumns+` FROM remote_group_moderators m
		JOIN actors a ON a.id = m.group_id WHERE m.actor_id = $1 ORDER BY a.display_name, a.id`, actorID)
}

// RemoteGroupCandidates lists the remote groups a local actor may moderate:
// those she follows, and those she was seen moderating.
func RemoteGroupCandidates(ctx context.Context, db DB, actorID int64) ([]*Actor, error) {
	return queryActors(ctx, db, "remote group candidates", `SELECT `+actorColumns+` FROM actors a
		WHERE a.type = 'Group' AND a.domain IS NOT NULL AND (
		  EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = a.id AND f.follower_id = $1)
		  OR EXISTS (SELECT 1 FROM remote_group_moderators m WHERE m.group_id = a.id AND m.actor_id = $1))
		ORDER BY a.display_name, a.id LIMIT 50`, actorID)
}

// LocalModeratorsOfRemoteGroup lists the local actors last seen moderating
// a remote group.
func LocalModeratorsOfRemoteGroup(ctx context.Context, db DB, groupID int64) ([]*Actor, error) {
	return queryActors(ctx, db, "local moderators of remote group", `SELECT `+actorColumns+` FROM remote_group_moderators m
		JOIN actors a ON a.id = m.actor_id WHERE m.group_id = $1 ORDER BY a.id`, groupID)
}

func queryActors(ctx context.Context, db DB, what, sql string, args ...any) ([]*Actor, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("models: %s: %w", what, err)
	}
	defer rows.Close()
	var out []*Actor
	for rows.Next() {
		a, err := scanActor(rows)
		if err != nil {
			return nil, fmt.Errorf("models: %s: %w", what, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: %s: %w", what, err)
	}
	return out, nil
}

// RemoteJoinRequest is a request to join a remote group that the group
// sent its moderators here.
type RemoteJoinRequest struct {
	ID          int64
	GroupID     int64
	RequesterID int64
	FollowURI   string
	Answers     string
	ReceivedAt  time.Time
}

// PutRemoteJoinRequest records a join request a remote group sent; a
// request already known changes nothing, and a repeated one (a new Follow
// while the first waits) takes the place of the one waiting.
func PutRemoteJoinRequest(ctx context.Context, db DB, r RemoteJoinRequest) error {
	_, err := db.Exec(ctx, `WITH waiting AS (
			UPDATE remote_join_requests SET follow_uri = $3, answers = $4
			WHERE group_id = $1 AND requester_id = $2 AND decided_at IS NULL
			  AND NOT EXISTS (SELECT 1 FROM remote_join_requests k WHERE k.group_id = $1 AND k.follow_uri = $3)
			RETURNING id)
		INSERT INTO remote_join_requests (group_id, requester_id, follow_uri, answers)
		SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM waiting)
		  AND NOT EXISTS (SELECT 1 FROM remote_join_requests w WHERE w.group_id = $1 AND w.requester_id = $2 AND w.decided_at IS NULL)
		ON CONFLICT (group_id, follow_uri) DO NOTHING`, r.GroupID, r.RequesterID, r.FollowURI, r.Answers)
	if err != nil {
		return fmt.Errorf("models: remote join request: %w", err)
	}
	return nil
}

// PendingRemoteJoinRequests lists a remote group's undecided requests, oldest first.
func PendingRemoteJoinRequests(ctx context.Context, db DB, groupID int64) ([]*RemoteJoinRequest, error) {
	rows, err := db.Query(ctx, `SELECT id, group_id, requester_id, follow_uri, answers, received_at
		FROM remote_join_requests WHERE group_id = $1 AND decided_at IS NULL ORDER BY id LIMIT 100`, groupID)
	if err != nil {
		return nil, fmt.Errorf("models: remote join requests: %w", err)
	}
	defer rows.Close()
	var out []*RemoteJoinRequest
	for rows.Next() {
		r := &RemoteJoinRequest{}
		if err := rows.Scan(&r.ID, &r.GroupID, &r.RequesterID, &r.FollowURI, &r.Answers, &r.ReceivedAt); err != nil {
			return nil, fmt.Errorf("models: remote join requests: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DecideRemoteJoinRequest marks an undecided request of a remote group
// answered; ErrNotFound when there is none (or it was answered).
func DecideRemoteJoinRequest(ctx context.Context, db DB, groupID, id int64, accepted bool) (*RemoteJoinRequest, error) {
	r := &RemoteJoinRequest{}
	err := db.QueryRow(ctx, `UPDATE remote_join_requests SET decided_at = now(), accepted = $3
		WHERE id = $2 AND group_id = $1 AND decided_at IS NULL
		RETURNING id, group_id, requester_id, follow_uri, answers, received_at`, groupID, id, accepted).
		Scan(&r.ID, &r.GroupID, &r.RequesterID, &r.FollowURI, &r.Answers, &r.ReceivedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("models: decide remote join request: %w", err)
	}
	return r, nil
}

// ReplaceRemoteModerators records which local actors a remote group's
// moderators collection lists, as just read: exactly actorIDs, checked now.
func ReplaceRemoteModerators(ctx context.Context, db DB, groupID int64, actorIDs []int64) error {
	if _, err := db.Exec(ctx, `DELETE FROM remote_group_moderators WHERE group_id = $1 AND NOT (actor_id = ANY($2))`,
		groupID, actorIDs); err != nil {
		return fmt.Errorf("models: replace remote moderators: %w", err)
	}
	for _, id := range actorIDs {
		if err := SetRemoteModerator(ctx, db, groupID, id, true); err != nil {
			return err
		}
	}
	return nil
}

// EndRemoteJoinRequest settles an undecided request to join a remote group
// that the group says was decided or withdrawn; it reports whether one was
// waiting. The follow's id is the group's word for which request.
func EndRemoteJoinRequest(ctx context.Context, db DB, groupID int64, followURI string, accepted bool) (bool, error) {
	tag, err := db.Exec(ctx, `UPDATE remote_join_requests SET decided_at = now(), accepted = $3
		WHERE group_id = $1 AND follow_uri = $2 AND decided_at IS NULL`, groupID, followURI, accepted)
	if err != nil {
		return false, fmt.Errorf("models: end remote join request: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}
