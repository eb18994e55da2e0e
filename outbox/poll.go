package outbox

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// PollResultsEvery is the least time between two Update{Question} of one
// poll: a vote sends the new results at once when none went out for this
// long, otherwise PollUpkeep sends them, so a busy poll sends one Update
// per interval, never one per vote.
const PollResultsEvery = time.Minute

// PollUpkeepEvery is how often PollUpkeep should run.
const PollUpkeepEvery = 30 * time.Second

// Vote records a local person's choices in a poll and tells whoever
// counts them: a local poll's audience gets the new results (as
// PollResultsEvery allows), a remote poll's author gets one
// Create{Note{name, inReplyTo}} per choice, as Mastodon sends them, and
// no one else. Refusals are the models.ErrPoll* errors.
func (o *Outbox) Vote(ctx context.Context, voter *models.Actor, post *models.Post, choices []int) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		now := time.Now()
		if post.GroupID != nil {
			banned, err := models.IsBanned(ctx, tx, *post.GroupID, voter.ID)
			if err != nil {
				return err
			}
			if banned {
				return models.ErrPollBanned
			}
		}
		votes, err := models.CastVotes(ctx, tx, post.ID, voter.ID, choices, now)
		if err != nil {
			return err
		}
		if post.Local {
			return o.PollVoted(ctx, tx, post, now)
		}
		poll, err := models.PollOf(ctx, tx, post.ID)
		if err != nil {
			return err
		}
		author, err := models.ActorByID(ctx, tx, post.AuthorID)
		if err != nil {
			return err
		}
		voterURI, authorURI := o.urls.Actor(voter), o.urls.Actor(author)
		for _, v := range votes {
			voteID := voterURI + "#votes/" + strconv.FormatInt(v.ID, 10)
			doc, err := federation.VoteActivity(voterURI, voteID, post.URI, authorURI, poll.Options[v.Choice])
			if err != nil {
				return err
			}
			if _, err := o.Send(ctx, tx, Message{Actor: voter, ID: voteID + "/activity", Document: doc, ObjectURI: voteID,
				Inboxes: []string{o.urls.Inbox(author)}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("outbox: vote: %w", err)
	}
	return nil
}

// PollVoted is called, in the vote's transaction, when a local poll's
// votes changed: its results go out now unless some went out less than
// PollResultsEvery ago (PollUpkeep sends them then).
func (o *Outbox) PollVoted(ctx context.Context, tx pgx.Tx, post *models.Post, now time.Time) error {
	due, err := models.PollResultsDue(ctx, tx, now, PollResultsEvery)
	if err != nil {
		return err
	}
	for _, id := range due {
		if id == post.ID {
			return o.sendPollResults(ctx, tx, post.ID, now, false)
		}
	}
	return nil
}

// sendPollResults sends a local poll's post as Update{Question} with its
// counts to the post's audience (a group passes it on as it passes on its
// members' edits), and records it; closing marks the final one, with closed.
func (o *Outbox) sendPollResults(ctx context.Context, tx pgx.Tx, postID int64, now time.Time, closing bool) error {
	post, err := models.PostByID(ctx, tx, postID)
	if err != nil {
		return err
	}
	if post.DeletedAt == nil && post.RealAuthorID == nil {
		author, err := models.ActorByID(ctx, tx, post.AuthorID)
		if err != nil {
			return err
		}
		pub := Publication{Author: author, Post: post}
		if err := o.mentionsOf(ctx, tx, &pub); err != nil {
			return err
		}
		aud, err := o.audienceOf(ctx, tx, pub)
		if err != nil {
			return err
		}
		if err := o.sendAbout(ctx, tx, author, post, aud, "Update"); err != nil {
			return err
		}
	}
	if closing {
		return models.PollClosedSent(ctx, tx, postID, now)
	}
	return models.PollResultsSent(ctx, tx, postID, now)
}

// questionOf makes a post's document a Question when the post has a poll.
func (o *Outbox) questionOf(ctx context.Context, tx pgx.Tx, post *models.Post, doc map[string]any) error {
	if post.Type != "Question" {
		return nil
	}
	poll, err := models.PollOf(ctx, tx, post.ID)
	if err != nil {
		return err
	}
	federation.AsQuestion(doc, poll, time.Now())
	return nil
}

// PollUpkeep is the periodic work of polls: results that waited for
// PollResultsEvery go out, each local poll past its end sends its final
// Update{Question} with closed, and the people who voted in a poll that
// ended (and the local author of one) are told, once.
func (o *Outbox) PollUpkeep(ctx context.Context, now time.Time) error {
	due, err := models.PollResultsDue(ctx, o.db, now, PollResultsEvery)
	if err != nil {
		return err
	}
	ended, err := models.EndedLocalPolls(ctx, o.db, now)
	if err != nil {
		return err
	}
	for _, batch := range []struct {
		ids     []int64
		closing bool
	}{{due, false}, {ended, true}} {
		for _, id := range batch.ids {
			err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
				return o.sendPollResults(ctx, tx, id, now, batch.closing)
			})
			if err != nil {
				return fmt.Errorf("outbox: poll %d results: %w", id, err)
			}
		}
	}
	err = models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		n, err := models.NotifyEndedPolls(ctx, tx, now)
		if n > 0 {
			o.logger.InfoContext(ctx, "outbox: ended polls told to their voters", "polls", n)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox: ended polls: %w", err)
	}
	return nil
}
