package models

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Roles in a group (group_moderators.role): an owner may also name and remove moderators.
const (
	GroupOwner     = "owner"
	GroupModerator = "moderator"
)

// PutGroupModerator makes an actor (local or remote) a moderator of a
// local group with role; naming an owner raises a moderator to owner, and
// naming a moderator never demotes an owner. It reports whether anything changed.
func PutGroupModerator(ctx context.Context, db DB, groupID, actorID int64, role string) (bool, error) {
	q := `INSERT INTO group_moderators (group_id, actor_id, role) VALUES ($1, $2, $3) ON CONFLICT (group_id, actor_id) DO NOTHING`
	if role == GroupOwner {
		q = `INSERT INTO group_moderators (group_id, actor_id, role) VALUES ($1, $2, $3)
			ON CONFLICT (group_id, actor_id) DO UPDATE SET role = $3 WHERE group_moderators.role <> $3`
	}
	tag, err := db.Exec(ctx, q, groupID, actorID, role)
	if err != nil {
		return false, fmt.Errorf("models: add moderator: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// RemoveGroupModerator takes an actor off a group's moderators; it
// reports whether they were one.
func RemoveGroupModerator(ctx context.Context, db DB, groupID, actorID int64) (bool, error) {
	tag, err := db.Exec(ctx, `DELETE FROM group_moderators WHERE group_id = $1 AND actor_id = $2`, groupID, actorID)
	if err != nil {
		return false, fmt.Errorf("models: remove moderator: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ModeratorRole is an actor's role in a group, "" when they have none.
func ModeratorRole(ctx context.Context, db DB, groupID, actorID int64) (string, error) {
	var role string
	err := db.QueryRow(ctx, `SELECT role FROM group_moderators WHERE group_id = $1 AND actor_id = $2`, groupID, actorID).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("models: moderator role: %w", err)
	}
	return role, nil
}

// SetThreadLocked locks (or unlocks) a post's thread; it reports whether
// that changed anything.
func SetThreadLocked(ctx context.Context, db DB, postID int64, locked bool) (bool, error) {
	q := `UPDATE posts SET locked_at = now() WHERE id = $1 AND locked_at IS NULL`
	if !locked {
		q = `UPDATE posts SET locked_at = NULL WHERE id = $1 AND locked_at IS NOT NULL`
	}
	tag, err := db.Exec(ctx, q, postID)
	if err != nil {
		return false, fmt.Errorf("models: lock thread: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ThreadLocked reports whether a post, or any post above it in its
// thread, is locked: then it takes no new replies.
func ThreadLocked(ctx context.Context, db DB, postID int64) (bool, error) {
	var locked bool
	err := db.QueryRow(ctx, `WITH RECURSIVE up (id, in_reply_to_id, locked_at, depth) AS (
			SELECT id, in_reply_to_id, locked_at, 0 FROM posts WHERE id = $1
			UNION ALL
			SELECT p.id, p.in_reply_to_id, p.locked_at, up.depth + 1 FROM posts p JOIN up ON p.id = up.in_reply_to_id
			WHERE up.depth < 64)
		SELECT EXISTS (SELECT 1 FROM up WHERE locked_at IS NOT NULL)`, postID).Scan(&locked)
	if err != nil {
		return false, fmt.Errorf("models: thread locked: %w", err)
	}
	return locked, nil
}

// IsPinned reports whether a post is in an actor's featured collection.
func IsPinned(ctx context.Context, db DB, actorID, postID int64) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pins WHERE actor_id = $1 AND post_id = $2)`, actorID, postID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("models: is pinned: %w", err)
	}
	return ok, nil
}

// RelayCopies lists the live copies a group wrote of a member's post.
func RelayCopies(ctx context.Context, db DB, postID int64) ([]*Post, error) {
	return queryPosts(ctx, db, "relay copies", `SELECT `+postColumns+` FROM posts p WHERE p.relay_of_id = $1 AND p.deleted_at IS NULL`, postID)
}

// RecentGroupPosts lists a group's newest live posts, replies included
// (abuse is most often in the comments), with their authors: what its
// moderators review.
func RecentGroupPosts(ctx context.Context, db DB, groupID int64, limit int) ([]*Post, error) {
	out, err := queryPosts(ctx, db, "recent group posts", `SELECT `+postColumns+` FROM posts p
		WHERE (p.group_id = $1 OR p.author_id = $1) AND p.deleted_at IS NULL AND p.visibility <> 'direct'
		ORDER BY p.id DESC LIMIT $2`, groupID, limit)
	if err != nil {
		return nil, err
	}
	return out, fillAuthors(ctx, db, out)
}

// LeaveGroup takes a post out of the group it was posted in, and drops the
// group's share of it: its moderators removed it, but it stays its author's.
func LeaveGroup(ctx context.Context, db DB, postID, groupID int64) error {
	if _, err := db.Exec(ctx, `UPDATE posts SET group_id = NULL WHERE id = $1 AND group_id = $2`, postID, groupID); err != nil {
		return fmt.Errorf("models: leave group: %w", err)
	}
	return DropBoost(ctx, db, groupID, postID)
}

// MemberPostsInGroup lists the live posts and comments an actor wrote in a
// group, those posted anonymously through it included, newest first: what
// a ban that removes the member's data takes down.
func MemberPostsInGroup(ctx context.Context, db DB, groupID, actorID int64) ([]*Post, error) {
	return queryPosts(ctx, db, "member posts in group", `SELECT `+postColumns+` FROM posts p
		WHERE p.group_id = $1 AND (p.author_id = $2 OR p.real_author_id = $2) AND p.deleted_at IS NULL AND p.relay_of_id IS NULL
		ORDER BY p.id DESC`, groupID, actorID)
}

// queryPosts runs a query of postColumns and scans its rows; what names the
// query in errors.
func queryPosts(ctx context.Context, db DB, what, sql string, args ...any) ([]*Post, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("models: %s: %w", what, err)
	}
	defer rows.Close()
	var out []*Post
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, fmt.Errorf("models: %s: %w", what, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: %s: %w", what, err)
	}
	return out, nil
}
