package inbox

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// pollVote applies a Create whose Note is a vote in a poll (Mastodon's and
// Misskey's answer to a Question: a name, inReplyTo the Question, no
// content), and reports whether it was one. A vote in a local poll is
// counted once per voter and option; one that cannot count is refused and
// nothing is stored. A vote is never a post: it is not stored as one, told
// as a mention, nor passed on by a group. A Note that merely looks like a
// vote, in reply to a post without a poll, is left to create.
func (p *Processor) pollVote(ctx context.Context, tx pgx.Tx, a *activity, in *incomingPost) (bool, error) {
	vote, ok := federation.VoteFromObject(a.Embedded("object"))
	if !ok {
		return false, nil
	}
	post, err := models.PostByURI(ctx, tx, vote.Question)
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if post.RelayOfID != nil {
		// A vote in a members-only group's copy for Mastodon members
		// (outbox/relay.go) counts in the member's poll.
		if post, err = models.PostByID(ctx, tx, *post.RelayOfID); err != nil {
			return false, err
		}
	}
	if post.Type != "Question" {
		return false, nil
	}
	if !post.Local {
		return true, nil // a vote in another server's poll is for that server to count
	}
	if vote.Voter != a.signer.URI || in.Author != a.signer.URI {
		return true, refuse(http.StatusForbidden, "%s may not vote as %s", a.signer.URI, vote.Voter)
	}
	if post.DeletedAt != nil {
		return true, refuse(http.StatusUnprocessableEntity, "the poll %s was deleted", post.URI)
	}
	if err := p.mayVote(ctx, tx, post, a.signer); err != nil {
		return true, err
	}
	poll, err := models.PollOf(ctx, tx, post.ID)
	if err != nil {
		return true, err
	}
	choice := poll.PollChoice(vote.Choice)
	if choice < 0 {
		return true, refuse(http.StatusUnprocessableEntity, "the poll %s has no option %q", post.URI, vote.Choice)
	}
	now := time.Now()
	fresh, err := models.AddRemoteVote(ctx, tx, post.ID, a.signer.ID, choice, vote.ID, now)
	switch {
	case errors.Is(err, models.ErrPollExpired), errors.Is(err, models.ErrPollAlreadyVoted),
		errors.Is(err, models.ErrPollUnknownOption), errors.Is(err, models.ErrPollOwn):
		return true, refuse(http.StatusUnprocessableEntity, "vote in %s refused: %v", post.URI, err)
	case err != nil || !fresh:
		return true, err
	}
	return true, p.outbox.PollVoted(ctx, tx, post, now)
}

// mayVote refuses a voter the poll's group banned, or who may not see the
// poll: a members-only or followers-only group post is for members, a
// followers-only post for the author's followers, a direct one for whom it
// names.
func (p *Processor) mayVote(ctx context.Context, tx pgx.Tx, post *models.Post, voter *models.Actor) error {
	hidden := refuse(http.StatusForbidden, "%s may not see the poll %s", voter.URI, post.URI)
	if post.GroupID != nil {
		banned, err := models.IsBanned(ctx, tx, *post.GroupID, voter.ID)
		if err != nil {
			return err
		}
		if banned {
			return refuse(http.StatusForbidden, "%s is banned from the poll's group", voter.URI)
		}
		membersOnly, err := models.GroupIsMembersOnly(ctx, tx, *post.GroupID)
		if err != nil {
			return err
		}
		if membersOnly || post.Visibility == models.VisibilityPrivate {
			member, err := models.IsMember(ctx, tx, *post.GroupID, voter.ID)
			if err != nil || !member {
				if err == nil {
					err = hidden
				}
				return err
			}
			return nil
		}
	}
	switch post.Visibility {
	case models.VisibilityDirect:
		if !models.HasTag(post.Tags, voter.URI) {
			return hidden
		}
	case models.VisibilityPrivate:
		f, err := models.FollowBetween(ctx, tx, voter.ID, post.AuthorID)
		if errors.Is(err, models.ErrNotFound) || (err == nil && f.State != models.FollowAccepted) {
			return hidden
		}
		return err
	}
	return nil
}

// storePoll keeps the poll of a remote Question just stored as a post.
func storePoll(ctx context.Context, tx pgx.Tx, post *models.Post, in *incomingPost) error {
	if in.Poll == nil {
		return nil
	}
	in.Poll.PostID = post.ID
	return models.InsertPoll(ctx, tx, in.Poll)
}

// refreshPoll applies an Update{Question} from a poll's author that
// changes only its poll (new counts, a new end, closed): the poll is
// refreshed and the post is not marked edited. It reports whether it did.
func refreshPoll(ctx context.Context, tx pgx.Tx, stored *models.Post, in *incomingPost) (bool, error) {
	if in.Poll == nil || stored.Local {
		return false, nil
	}
	in.Poll.PostID = stored.ID
	if err := models.RefreshRemotePoll(ctx, tx, in.Poll); err != nil {
		return false, err
	}
	same := stored.Content == in.Post.Content && stored.Summary == in.Post.Summary && stored.Name == in.Post.Name &&
		stored.Sensitive == in.Post.Sensitive && len(stored.Attachments) == len(in.Post.Attachments)
	return same, nil
}

// retoldWithPoll makes the post a group passes on a Question when it has a
// poll, so that the group's members see the poll and its counts.
func retoldWithPoll(ctx context.Context, tx pgx.Tx, post *models.Post, retold map[string]any) error {
	if post.Type != "Question" {
		return nil
	}
	object, ok := retold["object"].(map[string]any)
	if !ok {
		return nil
	}
	poll, err := models.PollOf(ctx, tx, post.ID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	federation.AsQuestion(object, poll, time.Now())
	return nil
}
