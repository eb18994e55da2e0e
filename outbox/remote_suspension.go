package outbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models"
)

// ErrRemoteSuspended refuses following a remote account this instance's
// moderators suspended.
var ErrRemoteSuspended = errors.New("this account is suspended on this server")

// SuspendRemote suspends one account of another server, in one
// transaction: from then on the inbox refuses whatever it sends; its
// follows of people and groups here end (it is sent Reject{Follow}), and
// so do follows of it from here (Undo{Follow}, so its server stops
// sending); its posts in this instance's groups are removed by the groups
// (an announced Delete, as a moderator's removal), and its other posts kept
// here become tombstones. It reports false, changing nothing, when the
// account was suspended already. moderatorID is nil from the command line.
func (o *Outbox) SuspendRemote(ctx context.Context, target *models.Actor, moderatorID *int64, reason string) (bool, error) {
	if target.IsLocal() {
		return false, fmt.Errorf("outbox: suspend remote: %s is local", target.Username)
	}
	var done bool
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		var err error
		if done, err = models.SuspendRemote(ctx, tx, target.ID, moderatorID, reason); err != nil || !done {
			return err
		}
		follows, err := models.FollowsInvolving(ctx, tx, target.ID)
		if err != nil {
			return err
		}
		for _, f := range follows {
			if err := o.endFollowOfSuspended(ctx, tx, target, f); err != nil {
				return err
			}
		}
		posts, err := models.PostsBy(ctx, tx, target.ID)
		if err != nil {
			return err
		}
		for _, p := range posts {
			if err := o.takeDownSuspendedPost(ctx, tx, p, reason); err != nil {
				return err
			}
		}
		return models.LogModeration(ctx, tx, models.ModerationAction{ModeratorID: moderatorID, Action: models.ModSuspendRemote,
			TargetActorID: &target.ID, TargetText: o.handle(target), Reason: reason})
	})
	if err != nil {
		return false, fmt.Errorf("outbox: suspend remote: %w", err)
	}
	return done, nil
}

// UnsuspendRemote lifts a remote account's suspension: it may send again
// and be followed; what was taken down stays down. False when it was not
// suspended.
func (o *Outbox) UnsuspendRemote(ctx context.Context, target *models.Actor, moderatorID *int64, reason string) (bool, error) {
	var done bool
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		var err error
		if done, err = models.UnsuspendRemote(ctx, tx, target.ID); err != nil || !done {
			return err
		}
		return models.LogModeration(ctx, tx, models.ModerationAction{ModeratorID: moderatorID, Action: models.ModUnsuspendRemote,
			TargetActorID: &target.ID, TargetText: o.handle(target), Reason: reason})
	})
	if err != nil {
		return false, fmt.Errorf("outbox: lift remote suspension: %w", err)
	}
	return done, nil
}

// endFollowOfSuspended ends one follow the suspended account is part of,
// telling its server.
func (o *Outbox) endFollowOfSuspended(ctx context.Context, tx pgx.Tx, target *models.Actor, f *models.Follow) error {
	if f.FollowerID == target.ID {
		followee, err := models.ActorByID(ctx, tx, f.FolloweeID)
		if err != nil {
			return err
		}
		if !followee.IsLocal() {
			_, err := models.DeleteFollow(ctx, tx, f.ID) // between two other servers: not ours to tell
			return err
		}
		return o.RejectFollow(ctx, tx, f)
	}
	follower, err := models.ActorByID(ctx, tx, f.FollowerID)
	if err != nil {
		return err
	}
	if _, err := models.DeleteFollow(ctx, tx, f.ID); err != nil || !follower.IsLocal() {
		return err
	}
	return o.sendUndoFollow(ctx, tx, f, follower, target)
}

// takeDownSuspendedPost removes a suspended account's post: the local
// group it is in removes it in its own name (members' servers heed a
// group's word on its posts), anything else becomes a tombstone here.
func (o *Outbox) takeDownSuspendedPost(ctx context.Context, tx pgx.Tx, p *models.Post, reason string) error {
	if p.GroupID != nil {
		g, err := models.ActorByID(ctx, tx, *p.GroupID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if err == nil && g.IsLocal() && g.Type == models.ActorGroup {
			return o.RemovePost(ctx, tx, GroupAction{Group: g, Moderator: g, Reason: reason}, p)
		}
	}
	_, err := models.TombstonePost(ctx, tx, p.ID)
	return err
}
