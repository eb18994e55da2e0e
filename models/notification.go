package models

import (
	"context"
	"fmt"
	"time"
)

// Notification types, as Mastodon names them (a reply is a mention).
const (
	NotifyMention       = "mention"
	NotifyFavourite     = "favourite"
	NotifyFollow        = "follow"
	NotifyFollowRequest = "follow_request"
	NotifyReblog        = "reblog"
	NotifyPoll          = "poll" // a poll one voted in, or wrote, ended
)

// Notification is one thing a local person is told.
type Notification struct {
	ID      int64
	Type    string
	FromID  int64
	PostID  *int64
	GroupID *int64 // the group a join request is for
	// HelpCalendarID is the help calendar a help_* notice is about.
	HelpCalendarID *int64
	CreatedAt      time.Time
	// GroupKey is the group Mastodon's grouped notifications put it in;
	// empty for a kind that is not grouped.
	GroupKey string
}

// Notify tells a local person something, once; it does nothing for remote
// actors, groups, or someone's own doing, nor for what comes from someone
// the person blocks or mutes, or about a post in a thread the person
// muted; her notification policy (notification_policy.go) holds back or
// drops what comes from strangers, those on a silenced domain included.
func Notify(ctx context.Context, db DB, recipientID int64, typ string, fromID int64, postID, groupID *int64) error {
	if recipientID == fromID {
		return nil
	}
	_, err := db.Exec(ctx, notifyInsert(`SELECT id AS rid FROM actors WHERE id = $1 AND domain IS NULL AND type = 'Person'
		  AND `+notHiddenFrom("$3", "$1")+` AND `+notInMutedThread), recipientID, typ, fromID, postID, groupID)
	if err != nil {
		return fmt.Errorf("models: notify: %w", err)
	}
	return nil
}

// NotifyModerators tells each moderator of a group.
func NotifyModerators(ctx context.Context, db DB, groupID int64, typ string, fromID int64) error {
	mods, err := Moderators(ctx, db, groupID)
	if err != nil {
		return err
	}
	for _, m := range mods {
		if err := Notify(ctx, db, m.ID, typ, fromID, nil, &groupID); err != nil {
			return err
		}
	}
	return nil
}

// Notifications lists a person's notifications, newest first, of the given
// types (all when empty); none from someone the person blocks or mutes now.
func Notifications(ctx context.Context, db DB, recipientID int64, types []string, p Page) ([]*Notification, error) {
	rows, err := db.Query(ctx, `SELECT id, type, from_id, post_id, group_id, help_calendar_id, created_at, coalesce(group_key, '')
		FROM notifications WHERE recipient_id = $1 AND NOT filtered AND id < $2 AND id > $5 AND (coalesce(cardinality($3::text[]), 0) = 0 OR type = ANY($3))
		  AND `+notHiddenFrom("from_id", "$1")+`
		ORDER BY id DESC LIMIT $4`, recipientID, maxID(p), types, p.limit(), p.SinceID)
	if err != nil {
		return nil, fmt.Errorf("models: notifications: %w", err)
	}
	defer rows.Close()
	var out []*Notification
	for rows.Next() {
		var n Notification
		if err := rows.Scan(&n.ID, &n.Type, &n.FromID, &n.PostID, &n.GroupID, &n.HelpCalendarID, &n.CreatedAt, &n.GroupKey); err != nil {
			return nil, fmt.Errorf("models: notifications: %w", err)
		}
		out = append(out, &n)
	}
	return out, rows.Err()
}

// DismissNotifications removes one notification (id > 0) or all of a person's.
func DismissNotifications(ctx context.Context, db DB, recipientID, id int64) error {
	_, err := db.Exec(ctx, `DELETE FROM notifications WHERE recipient_id = $1 AND ($2 = 0 OR id = $2)`, recipientID, id)
	if err != nil {
		return fmt.Errorf("models: dismiss notifications: %w", err)
	}
	return nil
}

// NotifyOfFollow tells a local person of a new follower or follow request,
// and a group's moderators of a join request.
func NotifyOfFollow(ctx context.Context, db DB, followee *Actor, followerID int64, state string) error {
	switch {
	case followee.Type == ActorGroup && state == FollowPending:
		return NotifyModerators(ctx, db, followee.ID, NotifyFollowRequest, followerID)
	case followee.Type == ActorGroup:
		return nil
	case state == FollowPending:
		return Notify(ctx, db, followee.ID, NotifyFollowRequest, followerID, nil, nil)
	default:
		return Notify(ctx, db, followee.ID, NotifyFollow, followerID, nil, nil)
	}
}

// CountNotificationsAfter counts recipientID's notifications of the types
// with an id above afterID, up to limit (an app shows "99+").
func CountNotificationsAfter(ctx context.Context, db DB, recipientID int64, types []string, afterID int64, limit int) (int, error) {
	var n int
	err := db.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM notifications
		WHERE recipient_id = $1 AND NOT filtered AND id > $2 AND type = ANY($3) AND `+notHiddenFrom("from_id", "$1")+` LIMIT $4) unread`,
		recipientID, afterID, types, limit).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("models: count notifications: %w", err)
	}
	return n, nil
}
