package outbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models"
)

// ApproveMember lets a pending follower in on decider's word (a moderator
// of the group, local or remote, or the person followed), in tx: the
// follower is sent Accept{Follow}, and a group's audit log records who
// approved whom.
func (o *Outbox) ApproveMember(ctx context.Context, tx pgx.Tx, follow *models.Follow, decider *models.Actor) error {
	if err := o.AcceptFollow(ctx, tx, follow); err != nil {
		return err
	}
	if err := o.tellJoinEnd(ctx, tx, follow, "Accept"); err != nil {
		return err
	}
	return logMembership(ctx, tx, follow, decider, models.ModApproveMember)
}

// RejectMember turns a pending follower away on decider's word, in tx:
// the follower is sent Reject{Follow}, and a group's audit log records it.
func (o *Outbox) RejectMember(ctx context.Context, tx pgx.Tx, follow *models.Follow, decider *models.Actor) error {
	if err := o.RejectFollow(ctx, tx, follow); err != nil {
		return err
	}
	if err := o.tellJoinEnd(ctx, tx, follow, "Reject"); err != nil {
		return err
	}
	return logMembership(ctx, tx, follow, decider, models.ModRejectMember)
}

// tellJoinEnd tells a group's remote moderators that a pending request to
// join it ended (typ Accept, Reject or Undo); other follows tell no one.
func (o *Outbox) tellJoinEnd(ctx context.Context, tx pgx.Tx, follow *models.Follow, typ string) error {
	if follow.State != models.FollowPending {
		return nil
	}
	followee, err := models.ActorByID(ctx, tx, follow.FolloweeID)
	if err != nil {
		return fmt.Errorf("outbox: join request: %w", err)
	}
	return o.TellRemoteModeratorsOfJoinEnd(ctx, tx, followee, follow, typ)
}

// WithdrawJoin tells a group's remote moderators that its requester took
// back a pending request to join (Undo{Follow}).
func (o *Outbox) WithdrawJoin(ctx context.Context, tx pgx.Tx, follow *models.Follow) error {
	return o.tellJoinEnd(ctx, tx, follow, "Undo")
}

// logMembership records a decision about joining a group; decisions about
// following a person are theirs alone and are not logged.
func logMembership(ctx context.Context, tx pgx.Tx, follow *models.Follow, decider *models.Actor, action string) error {
	followee, err := models.ActorByID(ctx, tx, follow.FolloweeID)
	if err != nil {
		return fmt.Errorf("outbox: membership: %w", err)
	}
	if followee.Type != models.ActorGroup {
		return nil
	}
	follower, err := models.ActorByID(ctx, tx, follow.FollowerID)
	if err != nil {
		return fmt.Errorf("outbox: membership: %w", err)
	}
	handle := "@" + follower.Username
	if follower.Domain != "" {
		handle += "@" + follower.Domain
	}
	return models.LogModeration(ctx, tx, models.ModerationAction{GroupID: &followee.ID, ModeratorID: &decider.ID,
		Action: action, TargetActorID: &follower.ID, TargetText: handle})
}
