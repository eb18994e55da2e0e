package models

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrBlocked refuses following someone who blocks you, or whom you block.
var ErrBlocked = errors.New("one of you blocks the other")

// PutBlock records that blocker blocks blocked (uri: the Block activity's
// id) and ends the follows between them both ways, in db (a transaction).
// It reports whether the block is new.
func PutBlock(ctx context.Context, db DB, blockerID, blockedID int64, uri string) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO blocks (blocker_id, blocked_id, uri) VALUES ($1, $2, $3)
		ON CONFLICT (blocker_id, blocked_id) DO NOTHING`, blockerID, blockedID, uri)
	if err != nil {
		return false, fmt.Errorf("models: block: %w", err)
	}
	if _, err := db.Exec(ctx, `DELETE FROM follows WHERE (follower_id = $1 AND followee_id = $2)
		OR (follower_id = $2 AND followee_id = $1)`, blockerID, blockedID); err != nil {
		return false, fmt.Errorf("models: block: end follows: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DeleteBlock lifts blocker's block of blocked and returns the Block's id
// ("" when there was none).
func DeleteBlock(ctx context.Context, db DB, blockerID, blockedID int64) (string, error) {
	var uri string
	err := db.QueryRow(ctx, `DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2 RETURNING uri`,
		blockerID, blockedID).Scan(&uri)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("models: unblock: %w", err)
	}
	return uri, nil
}

// DeleteBlockByURI lifts the block a Block activity made, if blocker made
// it (an Undo{Block}); it reports whether one went.
func DeleteBlockByURI(ctx context.Context, db DB, blockerID int64, uri string) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM blocks WHERE blocker_id = $1 AND uri = $2`, blockerID, uri)
	if err != nil {
		return false, fmt.Errorf("models: unblock: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// Blocks reports whether a blocks b, and whether b blocks a.
func Blocks(ctx context.Context, db DB, a, b int64) (aBlocksB, bBlocksA bool, err error) {
	err = db.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2),
		EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $2 AND blocked_id = $1)`, a, b).Scan(&aBlocksB, &bBlocksA)
	if err != nil {
		return false, false, fmt.Errorf("models: blocks: %w", err)
	}
	return aBlocksB, bBlocksA, nil
}

// PutMute records that muter mutes muted; it reports whether it is new.
func PutMute(ctx context.Context, db DB, muterID, mutedID int64) (bool, error) {
	tag, err := db.Exec(ctx, `INSERT INTO mutes (muter_id, muted_id) VALUES ($1, $2)
		ON CONFLICT (muter_id, muted_id) DO NOTHING`, muterID, mutedID)
	if err != nil {
		return false, fmt.Errorf("models: mute: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DeleteMute lifts a mute; it reports whether there was one.
func DeleteMute(ctx context.Context, db DB, muterID, mutedID int64) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM mutes WHERE muter_id = $1 AND muted_id = $2`, muterID, mutedID)
	if err != nil {
		return false, fmt.Errorf("models: unmute: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// Muting reports whether muter mutes muted.
func Muting(ctx context.Context, db DB, muterID, mutedID int64) (bool, error) {
	var m bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM mutes WHERE muter_id = $1 AND muted_id = $2)`, muterID, mutedID).Scan(&m)
	if err != nil {
		return false, fmt.Errorf("models: muting: %w", err)
	}
	return m, nil
}

// BlockedActors lists the actors blockerID blocks, newest first.
func BlockedActors(ctx context.Context, db DB, blockerID int64, p Page) ([]FollowEntry, error) {
	return listHidden(ctx, db, `SELECT `+actorColumns+`, b.id FROM blocks b JOIN actors a ON a.id = b.blocked_id
		WHERE b.blocker_id = $1 AND b.id < $2 ORDER BY b.id DESC LIMIT $3`, blockerID, p)
}

// MutedActors lists the actors muterID mutes, newest first.
func MutedActors(ctx context.Context, db DB, muterID int64, p Page) ([]FollowEntry, error) {
	return listHidden(ctx, db, `SELECT `+actorColumns+`, m.id FROM mutes m JOIN actors a ON a.id = m.muted_id
		WHERE m.muter_id = $1 AND m.id < $2 ORDER BY m.id DESC LIMIT $3`, muterID, p)
}

func listHidden(ctx context.Context, db DB, sql string, selfID int64, p Page) ([]FollowEntry, error) {
	rows, err := db.Query(ctx, sql, selfID, maxID(p), p.limit())
	if err != nil {
		return nil, fmt.Errorf("models: blocks and mutes: %w", err)
	}
	defer rows.Close()
	var out []FollowEntry
	for rows.Next() {
		var e FollowEntry
		if e.Actor, err = scanActor(rows, &e.FollowID); err != nil {
			return nil, fmt.Errorf("models: blocks and mutes: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// hiddenFrom is a condition: the viewer (%[2]s, a parameter or column)
// neither blocks nor mutes the actor (%[1]s); notHiddenFrom fills it in.
const hiddenFrom = `NOT EXISTS (SELECT 1 FROM blocks hb WHERE hb.blocker_id = %[2]s AND hb.blocked_id = %[1]s)
	AND NOT EXISTS (SELECT 1 FROM mutes hm WHERE hm.muter_id = %[2]s AND hm.muted_id = %[1]s)`

// notHiddenFrom is the SQL condition that viewer neither blocks nor mutes
// actorCol, e.g. notHiddenFrom("p.author_id", "$1").
func notHiddenFrom(actorCol, viewerParam string) string {
	return fmt.Sprintf(hiddenFrom, actorCol, viewerParam)
}

// HiddenActorIDs are the actors viewerID blocks or mutes, for leaving
// their posts out of what the viewer reads.
func HiddenActorIDs(ctx context.Context, db DB, viewerID int64) (map[int64]bool, error) {
	rows, err := db.Query(ctx, `SELECT blocked_id FROM blocks WHERE blocker_id = $1
		UNION SELECT muted_id FROM mutes WHERE muter_id = $1`, viewerID)
	if err != nil {
		return nil, fmt.Errorf("models: hidden actors: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("models: hidden actors: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}
