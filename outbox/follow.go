package outbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// ErrSelfFollow refuses following oneself.
var ErrSelfFollow = errors.New("outbox: an actor cannot follow itself")

// Follow makes a local actor follow another actor. A local target that
// approves followers by hand (a locked person, a members-only group), and
// any remote target until its Accept arrives, leaves the follow pending.
func (o *Outbox) Follow(ctx context.Context, follower, target *models.Actor) (*models.Follow, error) {
	if follower.ID == target.ID {
		return nil, ErrSelfFollow
	}
	var follow *models.Follow
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		if blocks, blockedBy, err := models.Blocks(ctx, tx, follower.ID, target.ID); err != nil {
			return err
		} else if blocks || blockedBy {
			return models.ErrBlocked
		}
		if !target.IsLocal() {
			if suspended, err := models.IsRemoteSuspended(ctx, tx, target.ID); err != nil || suspended {
				if suspended {
					return ErrRemoteSuspended
				}
				return err
			}
		}
		existing, err := models.FollowBetween(ctx, tx, follower.ID, target.ID)
		if err == nil && (existing.State == models.FollowAccepted || target.IsLocal()) {
			follow = existing
			return nil
		}
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if target.IsLocal() && target.Type == models.ActorGroup {
			banned, err := models.IsBanned(ctx, tx, target.ID, follower.ID)
			if err != nil {
				return err
			}
			if banned {
				return ErrBanned
			}
		}
		id := o.urls.NewActivityID()
		state := models.FollowPending
		if target.IsLocal() && !target.ManuallyApprovesFollowers {
			state = models.FollowAccepted
		}
		if follow, err = models.PutFollow(ctx, tx, follower.ID, target.ID, id, state); err != nil {
			return err
		}
		if target.IsLocal() {
			if err := models.NotifyOfFollow(ctx, tx, target, follower.ID, state); err != nil || state != models.FollowPending {
				return err
			}
			return o.TellRemoteModeratorsOfJoin(ctx, tx, target, follow)
		}
		activity, err := federation.NewFollow(id, o.urls.Actor(follower), target.URI)
		if err != nil {
			return err
		}
		_, err = o.Send(ctx, tx, Message{Actor: follower, ID: id, Activity: activity, ObjectURI: target.URI,
			Inboxes: []string{target.InboxURL}})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: follow: %w", err)
	}
	return follow, nil
}

// Unfollow ends a local actor's follow (or request) of another actor; a
// remote target is told with Undo{Follow}. Unfollowing someone not followed
// is not an error.
func (o *Outbox) Unfollow(ctx context.Context, follower, target *models.Actor) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		follow, err := models.FollowBetween(ctx, tx, follower.ID, target.ID)
		if errors.Is(err, models.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := models.DeleteFollow(ctx, tx, follow.ID); err != nil {
			return err
		}
		if err := o.releaseFormerMember(ctx, tx, target, follower); err != nil {
			return err
		}
		if target.IsLocal() {
			return o.WithdrawJoin(ctx, tx, follow) // a request to join a group here
		}
		return o.sendUndoFollow(ctx, tx, follow, follower, target)
	})
	if err != nil {
		return fmt.Errorf("outbox: unfollow: %w", err)
	}
	return nil
}

// sendUndoFollow tells a remote target, in tx, that a local follower's
// follow of it ended: Undo{Follow}.
func (o *Outbox) sendUndoFollow(ctx context.Context, tx pgx.Tx, follow *models.Follow, follower, target *models.Actor) error {
	id := o.urls.NewActivityID()
	undo, err := federation.NewUndoFollow(id, federation.FollowRef{ID: follow.URI, Actor: o.urls.Actor(follower), Object: target.URI})
	if err != nil {
		return fmt.Errorf("outbox: undo follow: %w", err)
	}
	_, err = o.Send(ctx, tx, Message{Actor: follower, ID: id, Activity: undo, ObjectURI: follow.URI,
		Inboxes: []string{target.InboxURL}})
	return err
}

// AcceptFollow accepts a pending follow of a local actor, in tx; a remote
// follower is sent Accept{Follow}.
func (o *Outbox) AcceptFollow(ctx context.Context, tx pgx.Tx, follow *models.Follow) error {
	follower, followee, err := o.ends(ctx, tx, follow)
	if err != nil {
		return err
	}
	if _, err := models.AcceptFollow(ctx, tx, follow.ID); err != nil {
		return err
	}
	return o.sendAccept(ctx, tx, follow, follower, followee)
}

// AcceptFollowOf is AcceptFollow for a follow its follower's Follow has
// just stored in tx, whose two ends the caller holds: the inbox answers
// every Follow, so it is spared reading them again, and the update when
// the follow was stored accepted.
func (o *Outbox) AcceptFollowOf(ctx context.Context, tx pgx.Tx, follow *models.Follow, follower, followee *models.Actor) error {
	if follower.ID != follow.FollowerID || followee.ID != follow.FolloweeID || !followee.IsLocal() {
		return fmt.Errorf("outbox: accept: the follow %d is not %s's of %s", follow.ID, follower.URI, followee.Username)
	}
	if follow.State != models.FollowAccepted {
		if _, err := models.AcceptFollow(ctx, tx, follow.ID); err != nil {
			return err
		}
	}
	return o.sendAccept(ctx, tx, follow, follower, followee)
}

// sendAccept queues Accept{Follow} to a remote follower.
func (o *Outbox) sendAccept(ctx context.Context, tx pgx.Tx, follow *models.Follow, follower, followee *models.Actor) error {
	if follower.IsLocal() {
		return nil
	}
	id := o.urls.NewActivityID()
	accept, err := federation.NewAccept(id, federation.FollowRef{ID: follow.URI, Actor: follower.URI, Object: o.urls.Actor(followee)})
	if err != nil {
		return fmt.Errorf("outbox: accept: %w", err)
	}
	_, err = o.Send(ctx, tx, Message{Actor: followee, ID: id, Activity: accept, ObjectURI: follow.URI,
		Inboxes: []string{follower.InboxURL}})
	return err
}

// RejectFollow refuses (or ends) a follow of a local actor, in tx; a remote
// follower is sent Reject{Follow}.
func (o *Outbox) RejectFollow(ctx context.Context, tx pgx.Tx, follow *models.Follow) error {
	follower, followee, err := o.ends(ctx, tx, follow)
	if err != nil {
		return err
	}
	if _, err := models.DeleteFollow(ctx, tx, follow.ID); err != nil {
		return err
	}
	if err := o.releaseFormerMember(ctx, tx, followee, follower); err != nil {
		return err
	}
	if follower.IsLocal() {
		return nil
	}
	id := o.urls.NewActivityID()
	reject, err := federation.NewReject(id, federation.FollowRef{ID: follow.URI, Actor: follower.URI, Object: o.urls.Actor(followee)})
	if err != nil {
		return fmt.Errorf("outbox: reject: %w", err)
	}
	_, err = o.Send(ctx, tx, Message{Actor: followee, ID: id, Activity: reject, ObjectURI: follow.URI,
		Inboxes: []string{follower.InboxURL}})
	return err
}

// ends loads a follow's follower and its local followee.
func (o *Outbox) ends(ctx context.Context, tx pgx.Tx, follow *models.Follow) (follower, followee *models.Actor, err error) {
	if follower, err = models.ActorByID(ctx, tx, follow.FollowerID); err != nil {
		return nil, nil, fmt.Errorf("outbox: follower: %w", err)
	}
	if followee, err = models.ActorByID(ctx, tx, follow.FolloweeID); err != nil {
		return nil, nil, fmt.Errorf("outbox: followee: %w", err)
	}
	if !followee.IsLocal() {
		return nil, nil, fmt.Errorf("outbox: only a local actor answers a follow of itself")
	}
	return follower, followee, nil
}

// releaseFormerMember frees the help-calendar places of someone who has
// just stopped following a local group, unless she is still a member
// some other way (a moderator).
//
// A group on another server frees her places itself when her Undo or its
// Reject of the follow arrives there; here her claims on the copies of
// its calendars go, since she can no longer see them.
func (o *Outbox) releaseFormerMember(ctx context.Context, tx pgx.Tx, group, former *models.Actor) error {
	if group.Type != models.ActorGroup {
		return nil
	}
	member, err := models.IsMember(ctx, tx, group.ID, former.ID)
	if err != nil || member {
		return err
	}
	freed, err := models.ReleaseHelpClaimsOf(ctx, tx, group.ID, former.ID)
	if err != nil || freed == 0 || !group.IsLocal() {
		return err
	}
	return o.helpGroupChanged(ctx, tx, group.ID)
}

// MemberLeft frees the help-calendar places of someone whose follow of a
// group the inbox just ended: a remote member's Undo{Follow} of a local
// group, or a remote group's Reject of a local member's follow (a ban).
func (o *Outbox) MemberLeft(ctx context.Context, tx pgx.Tx, follow *models.Follow) error {
	group, err := models.ActorByID(ctx, tx, follow.FolloweeID)
	if err != nil {
		return err
	}
	former, err := models.ActorByID(ctx, tx, follow.FollowerID)
	if err != nil {
		return err
	}
	return o.releaseFormerMember(ctx, tx, group, former)
}
