package models

import (
	"context"
	"fmt"
)

// MuteConversation silences the thread a post is in for a person: nothing
// in it notifies her any more. Muting twice changes nothing.
func MuteConversation(ctx context.Context, db DB, actorID, postID int64) error {
	if _, err := db.Exec(ctx, `INSERT INTO conversation_mutes (actor_id, root_id) VALUES ($1, thread_root($2))
		ON CONFLICT DO NOTHING`, actorID, postID); err != nil {
		return fmt.Errorf("models: mute conversation: %w", err)
	}
	return nil
}

// UnmuteConversation lets the thread of a post notify her again.
func UnmuteConversation(ctx context.Context, db DB, actorID, postID int64) error {
	if _, err := db.Exec(ctx, `DELETE FROM conversation_mutes WHERE actor_id = $1 AND root_id = thread_root($2)`, actorID, postID); err != nil {
		return fmt.Errorf("models: unmute conversation: %w", err)
	}
	return nil
}

// notInMutedThread is a condition of Notify ($1 recipient, $4 post): the
// post is in no thread the recipient muted.
const notInMutedThread = `($4::bigint IS NULL OR NOT EXISTS (SELECT 1 FROM conversation_mutes cm
	WHERE cm.actor_id = $1 AND cm.root_id = thread_root($4::bigint)))`
