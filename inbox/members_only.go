package inbox

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models"
)

// keepWithMembers makes a post into a members-only group followers-only
// here, whatever its author's server addressed it to: it never shows on
// public pages, feeds or timelines, and is served only to members' servers.
func (p *Processor) keepWithMembers(ctx context.Context, tx pgx.Tx, post *models.Post, groups []*models.Actor) error {
	for _, g := range groups {
		membersOnly, err := models.GroupIsMembersOnly(ctx, tx, g.ID)
		if err != nil {
			return err
		}
		if membersOnly {
			post.Visibility = models.VisibilityPrivate
			return nil
		}
	}
	return nil
}

// unrelay takes a reply to a group's relay note (the copy a members-only
// group writes for Mastodon servers, outbox/relay.go) as a reply to the
// member's post it copies, so that it threads under the original here.
func (p *Processor) unrelay(ctx context.Context, tx pgx.Tx, in *incomingPost) error {
	uri := in.Post.InReplyToURI
	if uri == "" || !p.urls.IsLocal(uri) {
		return nil
	}
	relay, err := models.PostByURI(ctx, tx, uri)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil || relay.RelayOfID == nil {
		return err
	}
	original, err := p.originalOf(ctx, tx, relay)
	if err != nil {
		return err
	}
	in.Post.InReplyToURI, in.Post.InReplyToID = original.URI, &original.ID
	return nil
}

// moderatorAnswersJoin applies a remote moderator's Accept or Reject of a
// request to join a local group: the group answers the requester itself
// and logs the decision. Anyone else's answer is refused, changing nothing.
func (p *Processor) moderatorAnswersJoin(ctx context.Context, tx pgx.Tx, a *activity, follow *models.Follow, accepted bool) error {
	group, err := models.ActorByID(ctx, tx, follow.FolloweeID)
	if err != nil {
		return err
	}
	if !group.IsLocal() || group.Type != models.ActorGroup {
		return refuse(http.StatusForbidden, "%s may not %s that follow", a.signer.URI, a.Type())
	}
	moderator, err := models.IsModerator(ctx, tx, group.ID, a.signer.ID)
	if err != nil {
		return err
	}
	if !moderator {
		return refuse(http.StatusForbidden, "%s is not a moderator of %s: only its moderators decide who joins",
			a.signer.URI, p.urls.Actor(group))
	}
	if follow.State != models.FollowPending {
		return nil // decided already
	}
	if accepted {
		return p.outbox.ApproveMember(ctx, tx, follow, a.signer)
	}
	return p.outbox.RejectMember(ctx, tx, follow, a.signer)
}

// membersAmong keeps, of the local actors a post into a members-only
// group mentions, those who are members: nobody else hears of it.
func (p *Processor) membersAmong(ctx context.Context, tx pgx.Tx, post *models.Post, mentioned []string) ([]string, error) {
	if post.GroupID == nil || post.Visibility != models.VisibilityPrivate {
		return mentioned, nil
	}
	membersOnly, err := models.GroupIsMembersOnly(ctx, tx, *post.GroupID)
	if err != nil || !membersOnly {
		return mentioned, err
	}
	var out []string
	for _, m := range mentioned {
		ref, ok := p.urls.ParseLocalActor(m)
		if !ok || ref.Group || ref.Instance {
			continue
		}
		a, err := models.LocalActorByRef(ctx, tx, false, false, ref.Username)
		if errors.Is(err, models.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if member, err := models.IsMember(ctx, tx, *post.GroupID, a.ID); err != nil {
			return nil, err
		} else if member {
			out = append(out, m)
		}
	}
	return out, nil
}

// originalOf is the member's post a group's relay note copies (a like of
// the copy, from Mastodon, counts for the original), or post itself.
func (p *Processor) originalOf(ctx context.Context, tx pgx.Tx, post *models.Post) (*models.Post, error) {
	if post.RelayOfID == nil {
		return post, nil
	}
	return models.PostByID(ctx, tx, *post.RelayOfID)
}

// keepWithRemoteMembers makes a post a remote members-only group shares
// (one that approves its members by hand) followers-only here, whatever
// its author addressed it to: it reached us only because someone here is
// a member.
func keepWithRemoteMembers(post *models.Post, group *models.Actor) {
	if group.ManuallyApprovesFollowers && post.Visibility != models.VisibilityDirect {
		post.Visibility = models.VisibilityPrivate
	}
}
