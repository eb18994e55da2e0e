package models

import (
	"context"
	"fmt"
	"time"
)

// Moderation actions, as the audit log names them.
const (
	ModApproveMember = "approve_member"
	ModRejectMember  = "reject_member"
	ModRemovePost    = "remove_post"
	ModRestorePost   = "restore_post"
	ModBan           = "ban"
	ModUnban         = "unban"
	ModLockThread    = "lock_thread"
	ModUnlockThread  = "unlock_thread"
	ModPin           = "pin"
	ModUnpin         = "unpin"
	ModEditGroup     = "edit_group"
	ModAddModerator  = "add_moderator"
	ModRemoveMod     = "remove_moderator"
	ModResolveReport = "resolve_report"
	ModDismissReport = "dismiss_report"
	ModSuspendUser   = "suspend_user"
	ModUnsuspendUser = "unsuspend_user"
	ModBlockDomain   = "block_domain"
	ModUnblockDomain = "unblock_domain"
)

// MaxModerationReason caps the reason a moderator gives (a ban, a removal,
// a suspension, a domain block), in runes: it travels as an activity's
// summary, which is no longer than a group's.
const MaxModerationReason = MaxSummaryLength

// ModerationAction is one row of the audit log. GroupID nil is an
// instance-level action.
type ModerationAction struct {
	ID            int64
	GroupID       *int64
	ModeratorID   *int64 // nil once the moderator's actor is gone
	Action        string
	TargetActorID *int64
	TargetPostID  *int64
	TargetText    string // a domain or handle, readable even after the target is gone
	Reason        string
	CreatedAt     time.Time
}

// LogModeration records a moderation action, in the caller's transaction so
// that the log and the action stand or fall together; an instance-level
// one also tells the running server (ListenForChanges).
func LogModeration(ctx context.Context, db DB, a ModerationAction) error {
	if a.Action == "" {
		return fmt.Errorf("models: log moderation: no action")
	}
	_, err := db.Exec(ctx, `INSERT INTO moderation_log (group_id, moderator_id, action, target_actor_id, target_post_id, target_text, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		a.GroupID, a.ModeratorID, a.Action, a.TargetActorID, a.TargetPostID, a.TargetText, a.Reason)
	if err != nil {
		return fmt.Errorf("models: log moderation: %w", err)
	}
	if a.GroupID == nil {
		// Suspensions and domain blocks change what the running server
		// keeps in memory; it hears of them when this commits.
		return notifyChanged(ctx, db)
	}
	return nil
}

// ModerationLog lists a group's moderation actions (groupID nil: the
// instance's), newest first, before the row id p.MaxID when set.
func ModerationLog(ctx context.Context, db DB, groupID *int64, p Page) ([]ModerationAction, error) {
	rows, err := db.Query(ctx, `SELECT id, group_id, moderator_id, action, target_actor_id, target_post_id, target_text, reason, created_at
		FROM moderation_log
		WHERE group_id IS NOT DISTINCT FROM $1 AND ($2 = 0 OR id < $2)
		ORDER BY id DESC LIMIT $3`, groupID, p.MaxID, p.limit())
	if err != nil {
		return nil, fmt.Errorf("models: moderation log: %w", err)
	}
	defer rows.Close()
	var out []ModerationAction
	for rows.Next() {
		var a ModerationAction
		if err := rows.Scan(&a.ID, &a.GroupID, &a.ModeratorID, &a.Action, &a.TargetActorID, &a.TargetPostID,
			&a.TargetText, &a.Reason, &a.CreatedAt); err != nil {
			return nil, fmt.Errorf("models: moderation log: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
