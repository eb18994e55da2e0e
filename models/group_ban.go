package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// GroupBan keeps someone out of a group: their posts are refused and a
// new Follow is rejected until it ends (EndsAt nil: until lifted).
type GroupBan struct {
	GroupID     int64
	ActorID     int64
	ModeratorID *int64
	Reason      string
	EndsAt      *time.Time
	ActivityURI string // the Block that announced it
	CreatedAt   time.Time
	Actor       *Actor // who is banned, filled by GroupBans
}

const banColumns = `b.group_id, b.actor_id, b.moderator_id, b.reason, b.ends_at, b.activity_uri, b.created_at`

// activeBan is the condition a ban row must meet to count now.
const activeBan = `(b.ends_at IS NULL OR b.ends_at > now())`

func scanBan(row pgx.Row, extra ...any) (*GroupBan, error) {
	var b GroupBan
	dest := append([]any{&b.GroupID, &b.ActorID, &b.ModeratorID, &b.Reason, &b.EndsAt, &b.ActivityURI, &b.CreatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &b, nil
}

// PutBan bans an actor from a group, replacing an earlier ban of them.
func PutBan(ctx context.Context, db DB, b GroupBan) error {
	_, err := db.Exec(ctx, `INSERT INTO group_bans (group_id, actor_id, moderator_id, reason, ends_at, activity_uri)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (group_id, actor_id) DO UPDATE SET moderator_id = $3, reason = $4, ends_at = $5,
			activity_uri = $6, created_at = now()`,
		b.GroupID, b.ActorID, b.ModeratorID, b.Reason, b.EndsAt, b.ActivityURI)
	if err != nil {
		return fmt.Errorf("models: ban: %w", err)
	}
	return nil
}

// DeleteBan lifts a ban and returns what it was (expired ones too);
// ErrNotFound when there was none.
func DeleteBan(ctx context.Context, db DB, groupID, actorID int64) (*GroupBan, error) {
	b, err := scanBan(db.QueryRow(ctx, `DELETE FROM group_bans b WHERE b.group_id = $1 AND b.actor_id = $2
		RETURNING `+banColumns, groupID, actorID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("models: unban: %w", err)
	}
	return b, err
}

// IsBanned reports whether an actor is banned from a group now; a ban
// whose end time has passed no longer counts.
func IsBanned(ctx context.Context, db DB, groupID, actorID int64) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM group_bans b
		WHERE b.group_id = $1 AND b.actor_id = $2 AND `+activeBan+`)`, groupID, actorID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("models: is banned: %w", err)
	}
	return ok, nil
}

// GroupBans lists a group's bans in force, newest first, with who is banned.
func GroupBans(ctx context.Context, db DB, groupID int64) ([]*GroupBan, error) {
	rows, err := db.Query(ctx, `SELECT `+actorColumns+`, `+banColumns+` FROM group_bans b JOIN actors a ON a.id = b.actor_id
		WHERE b.group_id = $1 AND `+activeBan+` ORDER BY b.created_at DESC LIMIT 200`, groupID)
	if err != nil {
		return nil, fmt.Errorf("models: bans: %w", err)
	}
	defer rows.Close()
	var out []*GroupBan
	for rows.Next() {
		var b GroupBan
		a, err := scanActor(rows, &b.GroupID, &b.ActorID, &b.ModeratorID, &b.Reason, &b.EndsAt, &b.ActivityURI, &b.CreatedAt)
		if err != nil {
			return nil, fmt.Errorf("models: bans: %w", err)
		}
		b.Actor = a
		out = append(out, &b)
	}
	return out, rows.Err()
}
