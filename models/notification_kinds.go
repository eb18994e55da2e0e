package models

import (
	"context"
	"fmt"
	"strings"
)

// More of Mastodon's notification types.
const (
	NotifyStatus      = "status"        // a new post of someone one follows with notify
	NotifyUpdate      = "update"        // a post one boosted was edited
	NotifyAdminSignUp = "admin.sign_up" // a new account, told to the instance's staff
)

// NotifyStaffOfSignUp tells the instance's admins and moderators of a new
// account (Mastodon's admin.sign_up).
func NotifyStaffOfSignUp(ctx context.Context, db DB, newActorID int64) error {
	_, err := db.Exec(ctx, notifyInsert(`SELECT acc.actor_id AS rid FROM accounts acc
		WHERE (acc.is_admin OR acc.is_moderator) AND acc.suspended_at IS NULL AND acc.actor_id <> $1`),
		newActorID, NotifyAdminSignUp, newActorID, nil, nil)
	if err != nil {
		return fmt.Errorf("models: notify staff of sign-up: %w", err)
	}
	return nil
}

// NotifyFollowersOfPost tells the local people who follow a post's author
// and asked to hear of each post (Mastodon's "status"); a direct post
// reaches only whom it names.
func NotifyFollowersOfPost(ctx context.Context, db DB, post *Post) error {
	if post.Visibility == VisibilityDirect {
		return nil
	}
	_, err := db.Exec(ctx, notifyInsert(`SELECT f.follower_id AS rid FROM follows f JOIN actors r ON r.id = f.follower_id
		WHERE f.followee_id = $1 AND f.notify AND f.state = 'accepted' AND r.domain IS NULL AND r.type = 'Person'
		  AND `+notHiddenFrom("$3", "f.follower_id")+` AND `+strings.ReplaceAll(notInMutedThread, "$1", "f.follower_id")),
		post.AuthorID, NotifyStatus, post.AuthorID, post.ID, nil)
	if err != nil {
		return fmt.Errorf("models: notify followers of post: %w", err)
	}
	return nil
}

// notifyBoostersOfEdit tells the local people who boosted a post that its
// author edited it, as Mastodon tells them ("update").
func notifyBoostersOfEdit(ctx context.Context, db DB, post *Post) error {
	_, err := db.Exec(ctx, notifyInsert(`SELECT b.actor_id AS rid FROM boosts b JOIN actors r ON r.id = b.actor_id
		WHERE b.post_id = $1 AND b.actor_id <> $3 AND r.domain IS NULL AND r.type = 'Person'
		  AND `+notHiddenFrom("$3", "b.actor_id")),
		post.ID, NotifyUpdate, post.AuthorID, post.ID, nil)
	if err != nil {
		return fmt.Errorf("models: notify boosters of edit: %w", err)
	}
	return nil
}

// SetFollowNotify records whether a follower wants to hear of each of the
// followee's posts.
func SetFollowNotify(ctx context.Context, db DB, followerID, followeeID int64, notify bool) error {
	if _, err := db.Exec(ctx, `UPDATE follows SET notify = $3 WHERE follower_id = $1 AND followee_id = $2`,
		followerID, followeeID, notify); err != nil {
		return fmt.Errorf("models: set follow notify: %w", err)
	}
	return nil
}

// FollowNotifies reports whether the follower asked to hear of each post.
func FollowNotifies(ctx context.Context, db DB, followerID, followeeID int64) (bool, error) {
	var notify bool
	err := db.QueryRow(ctx, `SELECT coalesce(bool_or(notify), false) FROM follows WHERE follower_id = $1 AND followee_id = $2`,
		followerID, followeeID).Scan(&notify)
	if err != nil {
		return false, fmt.Errorf("models: follow notifies: %w", err)
	}
	return notify, nil
}
