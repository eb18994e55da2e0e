package models

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GroupableNotificationTypes are the kinds Mastodon groups: favourites and
// boosts of one post, follows, sign-ups.
func GroupableNotificationTypes() []string {
	return []string{NotifyFavourite, NotifyReblog, NotifyFollow, NotifyAdminSignUp}
}

// SampleAccountsSize is how many senders a group names (Mastodon's).
const SampleAccountsSize = 8

// ungroupedPrefix makes the key of a notification that is a group alone.
const ungroupedPrefix = "ungrouped-"

// NotificationGroupKey is the key apps see for n: its stored group when
// its kind is one of grouped, else "ungrouped-<id>".
func NotificationGroupKey(n *Notification, grouped []string) string {
	if n.GroupKey != "" && slices.Contains(grouped, n.Type) {
		return n.GroupKey
	}
	return ungroupedPrefix + strconv.FormatInt(n.ID, 10)
}

// GroupedTypes are the groupable kinds among those an app asked to see
// grouped; all of them when it named none.
func GroupedTypes(asked []string) []string {
	if len(asked) == 0 {
		return GroupableNotificationTypes()
	}
	var out []string
	for _, t := range asked {
		if slices.Contains(GroupableNotificationTypes(), t) {
			out = append(out, t)
		}
	}
	return out
}

// GroupPageQuery is one page of grouped notifications: below MaxID and
// above SinceID newest first, or, with MinID, the page just above it.
type GroupPageQuery struct {
	Types                 []string // stored types to show; none shows nothing
	Grouped               []string // kinds grouped (GroupedTypes)
	MaxID, SinceID, MinID int64
	Limit                 int
}

// NotificationGroupPage walks her shown notifications in the page's order
// and keeps the first of each group until it has Limit groups, as
// Mastodon's paginate_groups does; it answers newest first.
func NotificationGroupPage(ctx context.Context, db DB, recipientID int64, q GroupPageQuery) ([]*Notification, error) {
	if len(q.Types) == 0 || q.Limit <= 0 {
		return nil, nil
	}
	up := q.MinID > 0
	var lo, hi int64 = q.SinceID, 1<<63 - 1
	if q.MaxID > 0 {
		hi = q.MaxID
	}
	if up {
		lo = q.MinID
	}
	const batch = 200
	seen := map[string]bool{}
	var out []*Notification
	for len(out) < q.Limit {
		list, err := notificationsBetween(ctx, db, recipientID, q.Types, lo, hi, up, batch)
		if err != nil {
			return nil, err
		}
		for _, n := range list {
			if key := NotificationGroupKey(n, q.Grouped); !seen[key] && len(out) < q.Limit {
				seen[key] = true
				out = append(out, n)
			}
		}
		if len(list) < batch {
			break
		}
		if last := list[len(list)-1].ID; up {
			lo = last
		} else {
			hi = last
		}
	}
	if up {
		slices.Reverse(out)
	}
	return out, nil
}

// notificationsBetween lists shown notifications with lo < id < hi, in
// ascending (up) or descending order.
func notificationsBetween(ctx context.Context, db DB, recipientID int64, types []string, lo, hi int64, up bool, limit int) ([]*Notification, error) {
	order := "DESC"
	if up {
		order = "ASC"
	}
	rows, err := db.Query(ctx, `SELECT id, type, from_id, post_id, group_id, help_calendar_id, created_at, coalesce(group_key, '')
		FROM notifications WHERE recipient_id = $1 AND NOT filtered AND id > $2 AND id < $3 AND type = ANY($4)
		  AND `+notHiddenFrom("from_id", "$1")+`
		ORDER BY id `+order+` LIMIT $5`, recipientID, lo, hi, types, limit)
	if err != nil {
		return nil, fmt.Errorf("models: grouped notifications: %w", err)
	}
	defer rows.Close()
	var out []*Notification
	for rows.Next() {
		var n Notification
		if err := rows.Scan(&n.ID, &n.Type, &n.FromID, &n.PostID, &n.GroupID, &n.HelpCalendarID, &n.CreatedAt, &n.GroupKey); err != nil {
			return nil, fmt.Errorf("models: grouped notifications: %w", err)
		}
		out = append(out, &n)
	}
	return out, rows.Err()
}

// NotificationGroupInfo is what a page says of one group.
type NotificationGroupInfo struct {
	Count          int
	MostRecentID   int64
	SampleFromIDs  []int64 // newest first, at most SampleAccountsSize
	PageMinID      int64   // the group's oldest notification on the page
	LatestInPageAt time.Time
}

// NotificationGroupsInfo describes each stored group key within the page
// lo..hi (0, 0 for no page: the whole group), as Mastodon's
// NotificationGroup does: counts and samples reach down to the group's
// start, only their top is bounded by the page.
func NotificationGroupsInfo(ctx context.Context, db DB, recipientID int64, keys []string, lo, hi int64) (map[string]*NotificationGroupInfo, error) {
	out := map[string]*NotificationGroupInfo{}
	if len(keys) == 0 {
		return out, nil
	}
	if hi == 0 {
		hi = 1<<63 - 1
	}
	rows, err := db.Query(ctx, `SELECT k.key,
			(SELECT max(n.id) FROM notifications n WHERE n.recipient_id = $1 AND n.group_key = k.key AND NOT n.filtered AND n.id <= $3),
			array(SELECT n.from_id FROM notifications n WHERE n.recipient_id = $1 AND n.group_key = k.key AND NOT n.filtered AND n.id <= $3
				ORDER BY n.id DESC LIMIT $4),
			(SELECT count(*) FROM notifications n WHERE n.recipient_id = $1 AND n.group_key = k.key AND NOT n.filtered AND n.id <= $3),
			(SELECT min(n.id) FROM notifications n WHERE n.recipient_id = $1 AND n.group_key = k.key AND NOT n.filtered AND n.id >= $2),
			(SELECT max(n.created_at) FROM notifications n WHERE n.recipient_id = $1 AND n.group_key = k.key AND NOT n.filtered AND n.id <= $3)
		FROM unnest($5::text[]) AS k(key)`, recipientID, lo, hi, SampleAccountsSize, keys)
	if err != nil {
		return nil, fmt.Errorf("models: notification groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var g NotificationGroupInfo
		var recent, minID *int64
		var at *time.Time
		if err := rows.Scan(&key, &recent, &g.SampleFromIDs, &g.Count, &minID, &at); err != nil {
			return nil, fmt.Errorf("models: notification groups: %w", err)
		}
		if recent == nil {
			continue
		}
		g.MostRecentID = *recent
		if minID != nil {
			g.PageMinID = *minID
		}
		if at != nil {
			g.LatestInPageAt = *at
		}
		out[key] = &g
	}
	return out, rows.Err()
}

// NotificationsInGroup are her shown notifications of one group key (an
// "ungrouped-<id>" key names one notification), newest first.
func NotificationsInGroup(ctx context.Context, db DB, recipientID int64, key string, limit int) ([]*Notification, error) {
	cond, arg := "group_key = $2", any(key)
	if rest, ok := strings.CutPrefix(key, ungroupedPrefix); ok {
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return nil, nil
		}
		cond, arg = "id = $2", id
	}
	rows, err := db.Query(ctx, `SELECT id, type, from_id, post_id, group_id, help_calendar_id, created_at, coalesce(group_key, '')
		FROM notifications WHERE recipient_id = $1 AND NOT filtered AND `+cond+` AND `+notHiddenFrom("from_id", "$1")+`
		ORDER BY id DESC LIMIT $3`, recipientID, arg, limit)
	if err != nil {
		return nil, fmt.Errorf("models: notification group: %w", err)
	}
	defer rows.Close()
	var out []*Notification
	for rows.Next() {
		var n Notification
		if err := rows.Scan(&n.ID, &n.Type, &n.FromID, &n.PostID, &n.GroupID, &n.HelpCalendarID, &n.CreatedAt, &n.GroupKey); err != nil {
			return nil, fmt.Errorf("models: notification group: %w", err)
		}
		out = append(out, &n)
	}
	return out, rows.Err()
}

// DismissNotificationGroup removes her notifications of one group key.
func DismissNotificationGroup(ctx context.Context, db DB, recipientID int64, key string) error {
	cond, arg := "group_key = $2", any(key)
	if rest, ok := strings.CutPrefix(key, ungroupedPrefix); ok {
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return nil
		}
		cond, arg = "id = $2", id
	}
	if _, err := db.Exec(ctx, `DELETE FROM notifications WHERE recipient_id = $1 AND `+cond, recipientID, arg); err != nil {
		return fmt.Errorf("models: dismiss notification group: %w", err)
	}
	return nil
}

// CountUnreadNotificationGroups counts the groups among her shown
// notifications above afterID, up to limit, as Mastodon's v2 count does.
func CountUnreadNotificationGroups(ctx context.Context, db DB, recipientID int64, types, grouped []string, afterID int64, limit int) (int, error) {
	list, err := NotificationGroupPage(ctx, db, recipientID, GroupPageQuery{Types: types, Grouped: grouped, MinID: max(afterID, 0), Limit: limit})
	if err != nil {
		return 0, err
	}
	return len(list), nil
}
