package outbox

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// relay is how a members-only group passes a member's post on to
// Mastodon-family servers, which accept no boost of a followers-only post:
// the group writes its own followers-only copy (a "relay" note, stored
// with relay_of_id = the member's post), credits the author in it, and
// sends Create{Note} from the group to those servers only; the member's
// edit becomes Update{Note} of the copy, and the post's deletion Delete of
// the copy (Mastodon honours a Delete from the group: the group wrote it).
// Replies to a relay note are taken as replies to the member's post (see
// inbox/post.go). Local followers see the group's share as a boost, as in
// public groups; relay notes never show locally.
func (o *Outbox) relay(ctx context.Context, tx pgx.Tx, s Share, mastodon models.FollowerFamily) error {
	group, post := s.Group, s.Post
	switch s.Kind {
	case "Create":
		if _, err := models.PutBoost(ctx, tx, group.ID, post.ID, o.urls.NewActivityID()); err != nil {
			return err
		}
		if some, err := models.HasFollowerFamily(ctx, tx, mastodon); err != nil || !some {
			return err // nobody needs a copy (a later Update has nothing to change)
		}
		return o.createRelay(ctx, tx, group, post, mastodon)
	case "Update", "Delete":
		relay, err := models.RelayOf(ctx, tx, post.ID)
		if errors.Is(err, models.ErrNotFound) {
			return nil
		}
		if err != nil || relay.DeletedAt != nil {
			return err
		}
		if s.Kind == "Delete" {
			return o.deleteRelay(ctx, tx, group, relay, mastodon)
		}
		return o.updateRelay(ctx, tx, group, post, relay, mastodon)
	}
	return nil // likes and their undoing do not travel to Mastodon through the group
}

// relayAddress is a relay note's addressing: the group's followers only.
func (o *Outbox) relayAddress(group *models.Actor) federation.NoteAddress {
	return federation.NoteAddress{To: []string{o.urls.Followers(group)}, Audience: o.urls.Actor(group)}
}

func (o *Outbox) createRelay(ctx context.Context, tx pgx.Tx, group *models.Actor, post *models.Post, to models.FollowerFamily) error {
	relay := &models.Post{AuthorID: group.ID, GroupID: &group.ID, RelayOfID: &post.ID, Local: true, Type: "Note",
		Visibility: models.VisibilityPrivate, PublishedAt: post.PublishedAt}
	if err := o.fillRelay(ctx, tx, relay, post); err != nil {
		return err
	}
	if post.InReplyToID != nil {
		// Thread the copy under the parent's copy when there is one, so
		// that Mastodon shows the thread; else under the parent itself,
		// which members' servers may fetch.
		relay.InReplyToURI = post.InReplyToURI
		parentRelay, err := models.RelayOf(ctx, tx, *post.InReplyToID)
		switch {
		case err == nil:
			relay.InReplyToURI, relay.InReplyToID = parentRelay.URI, &parentRelay.ID
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
	}
	var err error
	if relay.ID, err = models.NextPostID(ctx, tx); err != nil {
		return err
	}
	relay.URI = o.urls.Actor(group) + "/statuses/" + strconv.FormatInt(relay.ID, 10)
	relay.URL = relay.URI
	if _, err := models.InsertPost(ctx, tx, relay); err != nil {
		return err
	}
	return o.sendRelay(ctx, tx, group, relay, "Create", relay.URI+"/activity", to)
}

func (o *Outbox) updateRelay(ctx context.Context, tx pgx.Tx, group *models.Actor, post, relay *models.Post, to models.FollowerFamily) error {
	if err := o.fillRelay(ctx, tx, relay, post); err != nil {
		return err
	}
	if err := models.UpdatePost(ctx, tx, relay); err != nil {
		return err
	}
	fresh, err := models.PostByID(ctx, tx, relay.ID)
	if err != nil {
		return err
	}
	return o.sendRelay(ctx, tx, group, fresh, "Update", o.urls.NewActivityID(), to)
}

func (o *Outbox) deleteRelay(ctx context.Context, tx pgx.Tx, group *models.Actor, relay *models.Post, to models.FollowerFamily) error {
	if err := o.sendRelay(ctx, tx, group, relay, "Delete", o.urls.NewActivityID(), to); err != nil {
		return err
	}
	_, err := models.TombstonePost(ctx, tx, relay.ID)
	return err
}

// sendRelay sends Create, Update or Delete of a relay note from the group.
// It is never public: it stays out of the group's outbox.
func (o *Outbox) sendRelay(ctx context.Context, tx pgx.Tx, group *models.Actor, relay *models.Post, kind, id string, to models.FollowerFamily) error {
	addr := o.relayAddress(group)
	var object any = relay.URI
	if kind != "Delete" {
		note, err := federation.NoteDocument(o.urls, relay, group, addr)
		if err != nil {
			return err
		}
		if err := o.relayPoll(ctx, tx, relay, note); err != nil {
			return err
		}
		object = note
	}
	activity, err := federation.Wrap(kind, id, o.urls.Actor(group), addr, object)
	if err != nil {
		return fmt.Errorf("outbox: relay %s: %w", kind, err)
	}
	_, err = o.Send(ctx, tx, Message{Actor: group, ID: id, Document: activity, ObjectURI: relay.URI, Followers: &to})
	return err
}

// relayPoll makes a relay note a Question when the member's post has a
// poll, so that Mastodon members see it and vote; they send their votes
// to the copy's author, the group, and they count in the post's poll
// (inbox/poll.go).
func (o *Outbox) relayPoll(ctx context.Context, tx pgx.Tx, relay *models.Post, note map[string]any) error {
	if relay.RelayOfID == nil {
		return nil
	}
	poll, err := models.PollOf(ctx, tx, *relay.RelayOfID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	federation.AsQuestion(note, poll, time.Now())
	return nil
}

// fillRelay copies what a member's post says into the group's copy, with
// a first paragraph that credits its author.
func (o *Outbox) fillRelay(ctx context.Context, tx pgx.Tx, relay, post *models.Post) error {
	author, err := models.ActorByID(ctx, tx, post.AuthorID)
	if err != nil {
		return fmt.Errorf("outbox: relay author: %w", err)
	}
	href := author.URL
	if href == "" {
		href = o.urls.Actor(author)
	}
	relay.Content = `<p>From <a href="` + html.EscapeString(href) + `" class="u-url mention">` +
		html.EscapeString(o.handle(author)) + `</a>:</p>` + post.Content
	relay.Summary, relay.Sensitive, relay.Language, relay.Name = post.Summary, post.Sensitive, post.Language, post.Name
	relay.Attachments = post.Attachments
	relay.Tags = nil
	for _, t := range post.Tags {
		if t.Type == "Hashtag" {
			relay.Tags = append(relay.Tags, t)
		}
	}
	return nil
}
