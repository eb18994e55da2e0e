package inbox

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// follow records a remote actor's Follow of a local person or group, and
// accepts it at once unless it has to wait for a decision (followState).
func (p *Processor) follow(ctx context.Context, tx pgx.Tx, a *activity) error {
	target := a.Ref("object")
	ref, ok := p.urls.ParseLocalActor(target)
	if !ok {
		return nil // not about us (a shared-inbox copy): nothing to do
	}
	if ref.Instance || ref.Reports {
		return refuse(http.StatusUnprocessableEntity, "a server's own actor cannot be followed")
	}
	followee, err := models.LocalActorByRef(ctx, tx, false, ref.Group, ref.Username)
	if errors.Is(err, models.ErrNotFound) {
		return refuse(http.StatusNotFound, "no local actor %s", target)
	}
	if err != nil {
		return err
	}
	if refused, err := p.refuseBannedFollow(ctx, tx, a, followee); err != nil || refused {
		return err
	}
	if followee.Type == models.ActorPerson {
		if suspended, err := models.LocalActorSuspended(ctx, tx, followee.ID); err != nil {
			return err
		} else if suspended {
			return refuse(http.StatusGone, "%s is suspended", target)
		}
	}
	if blocked, _, err := models.Blocks(ctx, tx, followee.ID, a.signer.ID); err != nil {
		return err
	} else if blocked {
		// Someone here blocks the follower: the Follow is refused, unseen.
		follow, err := models.PutFollow(ctx, tx, a.signer.ID, followee.ID, a.ID(), models.FollowPending)
		if err != nil {
			return err
		}
		return p.outbox.RejectFollow(ctx, tx, follow)
	}
	state, err := p.followState(ctx, tx, a, followee)
	if err != nil {
		return err
	}
	follow, err := models.PutFollow(ctx, tx, a.signer.ID, followee.ID, a.ID(), state)
	if err != nil {
		return err
	}
	if err := models.NotifyOfFollow(ctx, tx, followee, a.signer.ID, follow.State); err != nil {
		return err
	}
	if follow.State == models.FollowPending {
		// A moderator or the person decides; moderators elsewhere hear of it.
		return p.outbox.TellRemoteModeratorsOfJoin(ctx, tx, followee, follow)
	}
	// Accepted now or before: (re)send Accept, as Mastodon does for a repeated Follow.
	return p.outbox.AcceptFollowOf(ctx, tx, follow, a.signer, followee)
}

// followState is how a new Follow starts: pending when the followee
// approves followers by hand, when the follower's server is silenced here
// (Mastodon's "limit": the group's moderators or the person decide), and
// when an earlier request still waits (asking again, also once the silence
// is lifted, does not skip the decision); accepted otherwise.
func (p *Processor) followState(ctx context.Context, tx pgx.Tx, a *activity, followee *models.Actor) (string, error) {
	if followee.ManuallyApprovesFollowers {
		return models.FollowPending, nil
	}
	silenced, err := models.DomainSilenced(ctx, tx, a.signer.Domain)
	if err != nil || silenced {
		return models.FollowPending, err
	}
	existing, err := models.FollowBetween(ctx, tx, a.signer.ID, followee.ID)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return models.FollowAccepted, nil
	case err != nil:
		return "", err
	case existing.State == models.FollowPending:
		return models.FollowPending, nil
	}
	return models.FollowAccepted, nil
}

// answerToFollow applies a remote actor's Accept or Reject of a local
// actor's Follow, or a remote moderator's answer to a request to join a
// local group (members_only.go).
func (p *Processor) answerToFollow(ctx context.Context, tx pgx.Tx, a *activity, accepted bool) error {
	follow, err := p.findFollow(ctx, tx, a, func(*models.Follow) bool { return true })
	if err != nil || follow == nil {
		return err
	}
	if follow.FolloweeID != a.signer.ID {
		return p.moderatorAnswersJoin(ctx, tx, a, follow, accepted)
	}
	if accepted {
		_, err = models.AcceptFollow(ctx, tx, follow.ID)
		return err
	}
	if _, err = models.DeleteFollow(ctx, tx, follow.ID); err != nil {
		return err
	}
	return p.outbox.MemberLeft(ctx, tx, follow)
}

// undo applies Undo{Follow} by the follower.
func (p *Processor) undo(ctx context.Context, tx pgx.Tx, a *activity) error {
	if err := singleRefs(a.Object, "object"); err != nil {
		return err // Undo{[a, b]}: undoing only a would be half of it
	}
	inner := a.Embedded("object")
	if err := undoneBySigner(a, inner); err != nil {
		return err
	}
	switch {
	case inner != nil && (inner.Type() == "Like" || inner.Type() == "EmojiReact"):
		return p.undoLike(ctx, tx, a, inner)
	case inner != nil && inner.Type() == "Announce":
		_, err := models.DeleteBoost(ctx, tx, inner.ID(), a.signer.ID)
		return err
	case inner != nil && (inner.Type() == "Lock" || inner.Type() == "Delete" || (inner.Type() == "Block" && inner.Ref("target") != "")):
		return p.undoModeration(ctx, tx, a)
	case inner != nil && inner.Type() == "Block" && inner.Ref("target") == "":
		return p.undoUserBlock(ctx, tx, a, inner)
	case inner != nil && inner.Type() != "" && inner.Type() != "Follow":
		return nil // Undo of other activities: applied by the work that needs them
	case inner == nil:
		// Only the undone activity's id: it may be a like or a boost.
		if removed, err := models.DeleteLike(ctx, tx, a.Ref("object"), a.signer.ID, 0); err != nil || removed {
			return err
		}
		if removed, err := models.DeleteBoost(ctx, tx, a.Ref("object"), a.signer.ID); err != nil || removed {
			return err
		}
		if removed, err := models.DeleteBlockByURI(ctx, tx, a.signer.ID, a.Ref("object")); err != nil || removed {
			return err
		}
	}
	follow, err := p.findFollow(ctx, tx, a, func(f *models.Follow) bool { return f.FollowerID == a.signer.ID })
	if err != nil || follow == nil {
		return err
	}
	if _, err = models.DeleteFollow(ctx, tx, follow.ID); err != nil {
		return err
	}
	if err := p.outbox.MemberLeft(ctx, tx, follow); err != nil {
		return err
	}
	return p.outbox.WithdrawJoin(ctx, tx, follow)
}

// findFollow finds the follow an Accept, Reject or Undo names: by the
// Follow's id, or, for servers that re-mint ids, by the embedded Follow's
// two ends. belongs checks that the signer is the party allowed to act.
func (p *Processor) findFollow(ctx context.Context, tx pgx.Tx, a *activity, belongs func(*models.Follow) bool) (*models.Follow, error) {
	follow, err := models.FollowByURI(ctx, tx, a.Ref("object"))
	if errors.Is(err, models.ErrNotFound) {
		follow, err = p.followByEnds(ctx, tx, a)
	}
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil // unknown follow: nothing to change
	}
	if err != nil {
		return nil, err
	}
	if !belongs(follow) {
		return nil, refuse(http.StatusForbidden, "%s may not %s that follow", a.signer.URI, a.Type())
	}
	return follow, nil
}

func (p *Processor) followByEnds(ctx context.Context, tx pgx.Tx, a *activity) (*models.Follow, error) {
	inner := a.Embedded("object")
	if inner == nil || inner.Type() != "Follow" {
		return nil, models.ErrNotFound
	}
	followerID, err := p.actorID(ctx, tx, inner.Ref("actor"))
	if err != nil {
		return nil, err
	}
	followeeID, err := p.actorID(ctx, tx, inner.Ref("object"))
	if err != nil {
		return nil, err
	}
	return models.FollowBetween(ctx, tx, followerID, followeeID)
}

// actorID finds a known actor's row id without fetching anything.
func (p *Processor) actorID(ctx context.Context, tx pgx.Tx, uri string) (int64, error) {
	if ref, ok := p.urls.ParseLocalActor(uri); ok {
		a, err := models.LocalActorByRef(ctx, tx, ref.Instance, ref.Group, ref.Username)
		if err != nil {
			return 0, err
		}
		return a.ID, nil
	}
	a, err := models.RemoteActorByURI(ctx, tx, uri)
	if err != nil {
		return 0, err
	}
	return a.ID, nil
}

// delete applies Delete of the signer's own actor: it and its follows go.
func (p *Processor) delete(ctx context.Context, tx pgx.Tx, a *activity) error {
	if err := singleRefs(a.Object, "object"); err != nil {
		return err // Delete{[a, b]}: deleting only a would be half of it
	}
	object := a.Ref("object")
	if object != a.signer.URI {
		if removed, err := p.moderatorRemoval(ctx, tx, a, object); err != nil || removed {
			return err // a group's moderator took the post out of the group
		}
		if !federation.SameOrigin(object, a.signer.URI) {
			return refuse(http.StatusForbidden, "%s may not delete %s", a.signer.URI, object)
		}
		if copied, err := p.helpCopyGone(ctx, tx, a, object); copied || err != nil {
			return err // another Village's help calendar (help_copy.go)
		}
		return p.deletePost(ctx, tx, a, object)
	}
	_, err := models.DeleteRemoteActor(ctx, tx, a.signer.URI)
	return err
}
