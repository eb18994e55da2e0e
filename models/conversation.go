package models

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Conversation is a thread of direct posts as one local participant sees
// it: who else is in it, its latest direct post, and whether she has read it.
type Conversation struct {
	ID             int64
	RootID         int64 // the top of the thread
	LastPostID     int64
	ParticipantIDs []int64 // the others: authors and people mentioned
	Unread         bool
	UpdatedAt      time.Time
}

// RecordDirectPost files a direct post in the conversation of each local
// person among participants (its author and those it mentions, here or
// elsewhere): unread for all but its author. Someone who blocks or mutes
// the author gets nothing, as with notifications.
func RecordDirectPost(ctx context.Context, db DB, post *Post, participants []int64) error {
	everyone := append([]int64{post.AuthorID}, participants...)
	slices.Sort(everyone)
	everyone = slices.Compact(everyone)
	for _, owner := range everyone {
		others := slices.DeleteFunc(slices.Clone(everyone), func(id int64) bool { return id == owner })
		_, err := db.Exec(ctx, `INSERT INTO conversations (actor_id, root_id, last_post_id, participant_ids, unread)
			SELECT $1, thread_root($2), $2, $3, $4 FROM actors
			WHERE id = $1 AND domain IS NULL AND type = 'Person' AND `+notHiddenFrom("$5::bigint", "$1")+`
			ON CONFLICT (actor_id, root_id) DO UPDATE SET
				last_post_id = greatest(conversations.last_post_id, EXCLUDED.last_post_id),
				participant_ids = ARRAY(SELECT DISTINCT unnest(conversations.participant_ids || EXCLUDED.participant_ids) ORDER BY 1),
				unread = conversations.unread OR EXCLUDED.unread, updated_at = now()`,
			owner, post.ID, others, owner != post.AuthorID, post.AuthorID)
		if err != nil {
			return fmt.Errorf("models: record direct post: %w", err)
		}
	}
	return nil
}

const conversationColumns = `id, root_id, last_post_id, participant_ids, unread, updated_at`

func scanConversation(row pgx.Row) (*Conversation, error) {
	var c Conversation
	err := row.Scan(&c.ID, &c.RootID, &c.LastPostID, &c.ParticipantIDs, &c.Unread, &c.UpdatedAt)
	return &c, err
}

// Conversations lists a person's conversations, the latest post first;
// Page.MaxID is a last post's id (the cursor Mastodon pages them by).
func Conversations(ctx context.Context, db DB, actorID int64, p Page) ([]*Conversation, error) {
	rows, err := db.Query(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE actor_id = $1 AND last_post_id < $2 ORDER BY last_post_id DESC LIMIT $3`, actorID, maxID(p), p.limit())
	if err != nil {
		return nil, fmt.Errorf("models: conversations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*Conversation, error) { return scanConversation(row) })
	if err != nil {
		return nil, fmt.Errorf("models: conversations: %w", err)
	}
	return out, nil
}

// ConversationByID loads one of a person's conversations; another's is
// ErrNotFound.
func ConversationByID(ctx context.Context, db DB, actorID, id int64) (*Conversation, error) {
	c, err := scanConversation(db.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE actor_id = $1 AND id = $2`, actorID, id))
	if err != nil {
		return nil, notFoundOr(err, "models: conversation")
	}
	return c, nil
}

// ConversationOfThread loads a person's conversation about the thread a
// post is in, ErrNotFound when she has none.
func ConversationOfThread(ctx context.Context, db DB, actorID, postID int64) (*Conversation, error) {
	c, err := scanConversation(db.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE actor_id = $1 AND root_id = thread_root($2)`, actorID, postID))
	if err != nil {
		return nil, notFoundOr(err, "models: conversation")
	}
	return c, nil
}

// ReadConversation marks a person's conversation read; ErrNotFound when it is not hers.
func ReadConversation(ctx context.Context, db DB, actorID, id int64) error {
	return changeConversation(ctx, db, `UPDATE conversations SET unread = false WHERE actor_id = $1 AND id = $2`, actorID, id)
}

// RemoveConversation takes a conversation off one person's list (the
// others keep theirs, and the posts stay); ErrNotFound when it is not hers.
func RemoveConversation(ctx context.Context, db DB, actorID, id int64) error {
	return changeConversation(ctx, db, `DELETE FROM conversations WHERE actor_id = $1 AND id = $2`, actorID, id)
}

func changeConversation(ctx context.Context, db DB, sql string, actorID, id int64) error {
	tag, err := db.Exec(ctx, sql, actorID, id)
	if err != nil {
		return fmt.Errorf("models: conversation: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// UnreadConversations counts a person's unread conversations (the web
// app's Messages link shows it).
func UnreadConversations(ctx context.Context, db DB, actorID int64) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM conversations WHERE actor_id = $1 AND unread`, actorID).Scan(&n); err != nil {
		return 0, fmt.Errorf("models: unread conversations: %w", err)
	}
	return n, nil
}
