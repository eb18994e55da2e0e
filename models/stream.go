package models

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// streamChannel is the PostgreSQL notification channel on which the
// triggers of migration 029 tell every `village serve` process what
// changed, for the apps streaming from it.
const streamChannel = "village_stream"

// Kinds of StreamEvent, as the triggers name them.
const (
	StreamPostCreated    = "post"
	StreamPostEdited     = "edit"
	StreamPostDeleted    = "delete"
	StreamBoostCreated   = "boost"
	StreamBoostDeleted   = "unboost"
	StreamNotification   = "notification"
	StreamConversation   = "conversation"
	StreamFiltersChanged = "filters"
)

// StreamEvent is one change the streaming API may tell apps of: a post,
// boost, notification or conversation by id; Owner is whose it is where
// the kind has one (the booster, the notified person, the conversation's
// or filters' owner).
type StreamEvent struct {
	Kind  string
	ID    int64
	Owner int64
}

// ParseStreamEvent reads a trigger's payload, KIND:ID[:OWNER].
func ParseStreamEvent(payload string) (StreamEvent, error) {
	parts := strings.Split(payload, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return StreamEvent{}, fmt.Errorf("models: stream event %q: want KIND:ID[:OWNER]", payload)
	}
	e := StreamEvent{Kind: parts[0]}
	var err error
	if e.ID, err = strconv.ParseInt(parts[1], 10, 64); err != nil {
		return StreamEvent{}, fmt.Errorf("models: stream event %q: %w", payload, err)
	}
	if len(parts) == 3 {
		if e.Owner, err = strconv.ParseInt(parts[2], 10, 64); err != nil {
			return StreamEvent{}, fmt.Errorf("models: stream event %q: %w", payload, err)
		}
	}
	return e, nil
}

// ListenForStreamEvents calls event for every change the triggers announce
// until ctx ends, on a connection of its own, opened again when lost
// (what was announced meanwhile is missed: apps then read the REST API,
// as they do after any reconnection).
func ListenForStreamEvents(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger, event func(StreamEvent)) {
	listen(ctx, pool, logger, streamChannel, func(payload string) {
		e, err := ParseStreamEvent(payload)
		if err != nil {
			logger.Warn("models: ignoring a stream event", "error", err)
			return
		}
		event(e)
	}, func() {})
}

// MarkStreamListening records that process has apps streaming from it,
// which turns the triggers on for the next two minutes; a process with
// streams open marks itself again every half minute.
func MarkStreamListening(ctx context.Context, db DB, process string) error {
	if _, err := db.Exec(ctx, `INSERT INTO stream_listeners (process_id) VALUES ($1)
		ON CONFLICT (process_id) DO UPDATE SET seen_at = now()`, process); err != nil {
		return fmt.Errorf("models: mark stream listening: %w", err)
	}
	return nil
}

// UnmarkStreamListening forgets process once it has no streams left.
func UnmarkStreamListening(ctx context.Context, db DB, process string) error {
	if _, err := db.Exec(ctx, `DELETE FROM stream_listeners WHERE process_id = $1`, process); err != nil {
		return fmt.Errorf("models: unmark stream listening: %w", err)
	}
	return nil
}

// StreamPost is what the streaming API needs to know of a post before
// asking who may see it.
type StreamPost struct {
	ID         int64
	AuthorID   int64
	Visibility string
	Local      bool
	HasMedia   bool
	Deleted    bool
}

// StreamPostByID loads a post's StreamPost, deleted or not.
func StreamPostByID(ctx context.Context, db DB, id int64) (*StreamPost, error) {
	p := &StreamPost{ID: id}
	err := db.QueryRow(ctx, `SELECT author_id, visibility, local, json_array_length(attachments) > 0, deleted_at IS NOT NULL
		FROM posts WHERE id = $1`, id).Scan(&p.AuthorID, &p.Visibility, &p.Local, &p.HasMedia, &p.Deleted)
	if err != nil {
		return nil, notFoundOr(err, "models: stream post")
	}
	return p, nil
}

// WhoMaySeeDeleted are those of viewers whose timelines may have shown a
// post that is now deleted: its author, her followers and the followers
// of its group, those it mentioned, and those following someone who
// boosted it. Only they are told of its deletion.
func WhoMaySeeDeleted(ctx context.Context, db DB, postID int64, viewers []int64) ([]int64, error) {
	rows, err := db.Query(ctx, `SELECT v FROM unnest($2::bigint[]) v, posts p WHERE p.id = $1 AND (
			v = p.author_id
			OR EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = v AND f.state = 'accepted'
			           AND (f.followee_id = p.author_id OR f.followee_id = p.group_id))
			OR EXISTS (SELECT 1 FROM follows f JOIN boosts b ON b.actor_id = f.followee_id
			           WHERE b.post_id = p.id AND f.follower_id = v AND f.state = 'accepted')
			OR EXISTS (SELECT 1 FROM notifications n WHERE n.post_id = p.id AND n.recipient_id = v))`, postID, viewers)
	if err != nil {
		return nil, fmt.Errorf("models: who may see a deleted post: %w", err)
	}
	return collectIDs(rows)
}

// FollowersAmong are those of viewers who follow actorID.
func FollowersAmong(ctx context.Context, db DB, actorID int64, viewers []int64) ([]int64, error) {
	rows, err := db.Query(ctx, `SELECT follower_id FROM follows
		WHERE followee_id = $1 AND state = 'accepted' AND follower_id = ANY($2)`, actorID, viewers)
	if err != nil {
		return nil, fmt.Errorf("models: followers among: %w", err)
	}
	return collectIDs(rows)
}

// NotificationOf loads recipientID's notification id as the API lists it,
// ErrNotFound when it is not hers or its type is not among types.
func NotificationOf(ctx context.Context, db DB, recipientID, id int64, types []string) (*Notification, error) {
	list, err := Notifications(ctx, db, recipientID, types, Page{MaxID: id + 1, SinceID: id - 1, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(list) != 1 || list[0].ID != id {
		return nil, ErrNotFound
	}
	return list[0], nil
}

// LiveTokensAmong are those of the token ids that are still live: not
// revoked, their account neither suspended nor waiting for approval.
func LiveTokensAmong(ctx context.Context, db DB, ids []int64) ([]int64, error) {
	rows, err := db.Query(ctx, `SELECT t.id FROM access_tokens t JOIN accounts a ON a.id = t.account_id
		WHERE t.id = ANY($1) AND t.revoked_at IS NULL AND a.approved_at IS NOT NULL AND a.suspended_at IS NULL`, ids)
	if err != nil {
		return nil, fmt.Errorf("models: live tokens: %w", err)
	}
	return collectIDs(rows)
}
