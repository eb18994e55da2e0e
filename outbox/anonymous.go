package outbox

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// Anonymous posts: a member of a group that allows them writes, and the
// group publishes the post as its own. It is stored with the group as
// author (posts.author_id) and the member kept in posts.real_author_id for
// the group's moderators only; nothing that leaves here names the member.

// Errors of an anonymous post.
var (
	ErrAnonymousNoGroup    = errors.New("outbox: an anonymous post goes into a group of this instance")
	ErrAnonymousNotAllowed = errors.New("outbox: this group does not take anonymous posts")
)

// AnonymousMarker opens the content of every anonymous post, so that every
// reader, here or elsewhere, sees the group wrote it for a member.
const AnonymousMarker = `<p><em>From a member, posted anonymously by the group.</em></p>`

// PublishAnonymous publishes pub as written by the group it goes into (its
// first group mention, or its parent's group): a Create{Note} from the
// group, attributed to the group, to the group's followers (and Public in
// a public group). The member's own followers get nothing.
func (o *Outbox) PublishAnonymous(ctx context.Context, pub Publication) (*models.Post, error) {
	post := pub.Post
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		group, err := o.anonymousGroup(ctx, tx, pub)
		if err != nil {
			return err
		}
		g, err := models.GroupByName(ctx, tx, group.Username)
		if err != nil {
			return err
		}
		speaking, err := models.SpeakingOf(ctx, tx, group.ID)
		if err != nil {
			return err
		}
		if !speaking.AllowAnonymous {
			return ErrAnonymousNotAllowed
		}
		member, err := models.IsMember(ctx, tx, group.ID, pub.Author.ID)
		if err != nil {
			return err
		}
		if !member {
			return ErrNotMember
		}
		if err := o.checkTopics(ctx, tx, group, post); err != nil {
			return err
		}
		if err := refuseLockedThread(ctx, tx, pub.Parent); err != nil {
			return err
		}
		if post.ID, err = models.NextPostID(ctx, tx); err != nil {
			return err
		}
		if err := o.takeMedia(ctx, tx, pub.Author.ID, post, pub.MediaIDs); err != nil {
			return err
		}
		groupURI := o.urls.Actor(group)
		post.URI = groupURI + "/statuses/" + strconv.FormatInt(post.ID, 10)
		post.URL = post.URI
		post.AuthorID, post.RealAuthorID, post.GroupID = group.ID, &pub.Author.ID, &group.ID
		post.Local, post.Type = true, "Note"
		post.Content = AnonymousMarker + post.Content
		post.Visibility = models.VisibilityPublicPost
		if g.MembersOnly() {
			post.Visibility = models.VisibilityPrivate
		}
		if pub.Parent != nil {
			post.InReplyToURI, post.InReplyToID = pub.Parent.URI, &pub.Parent.ID
		}
		// The group does not mention itself; a reply names the parent's
		// author (the group, when the parent was anonymous too).
		var tags []models.Tag
		for _, t := range post.Tags {
			if !(t.Type == "Mention" && t.Href == groupURI) {
				tags = append(tags, t)
			}
		}
		post.Tags = tags
		if by := pub.ParentBy; by != nil && by.ID != group.ID && !hasMention(post.Tags, o.urls.Actor(by)) {
			post.Tags = append(post.Tags, models.Tag{Type: "Mention", Href: o.urls.Actor(by), Name: o.handle(by)})
		}
		if _, err := models.InsertPost(ctx, tx, post); err != nil {
			return err
		}
		if len(pub.MediaIDs) > 0 {
			if err := models.LinkMedia(ctx, tx, post.ID, pub.MediaIDs); err != nil {
				return err
			}
		}
		if err := o.notifyAnonymous(ctx, tx, pub, group, post); err != nil {
			return err
		}
		addr, inboxes, err := o.anonymousAudience(ctx, tx, pub, group, g.MembersOnly())
		if err != nil {
			return err
		}
		return o.sendAnonymous(ctx, tx, group, post, addr, inboxes, "Create")
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: publish anonymously: %w", err)
	}
	return post, nil
}

// groupOfAnonymous is the group an anonymous post is by, as an actor and
// as a group.
func (o *Outbox) groupOfAnonymous(ctx context.Context, tx pgx.Tx, post *models.Post) (*models.Actor, *models.Group, error) {
	group, err := models.ActorByID(ctx, tx, post.AuthorID)
	if err != nil {
		return nil, nil, err
	}
	g, err := models.GroupByName(ctx, tx, group.Username)
	if err != nil {
		return nil, nil, err
	}
	return group, g, nil
}

// retellAnonymous sends the group's Update or Delete of an anonymous post
// to the audience the post went to.
func (o *Outbox) retellAnonymous(ctx context.Context, tx pgx.Tx, group *models.Actor, g *models.Group, post *models.Post, kind string) error {
	pub := Publication{Post: post}
	if err := o.mentionsOf(ctx, tx, &pub); err != nil {
		return err
	}
	addr, inboxes, err := o.anonymousAudience(ctx, tx, pub, group, g.MembersOnly())
	if err != nil {
		return err
	}
	return o.sendAnonymous(ctx, tx, group, post, addr, inboxes, kind)
}

// DeleteAnonymous deletes an anonymous post (its writer asked): the group
// sends the Delete to the same audience the post went to.
func (o *Outbox) DeleteAnonymous(ctx context.Context, post *models.Post) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		group, g, err := o.groupOfAnonymous(ctx, tx, post)
		if err != nil {
			return err
		}
		if err := o.retellAnonymous(ctx, tx, group, g, post, "Delete"); err != nil {
			return err
		}
		_, err = models.TombstonePost(ctx, tx, post.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox: delete anonymous post: %w", err)
	}
	return nil
}

// EditAnonymous replaces the text of an anonymous post (its writer asked;
// post carries the new content, summary and tags): the group, which is
// the post's author, sends Update{Note} to the audience the post went to.
// Every member's server applies it, Mastodon's and GoToSocial's too: they
// take an Update from the post's author, here the group.
func (o *Outbox) EditAnonymous(ctx context.Context, post *models.Post) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		group, g, err := o.groupOfAnonymous(ctx, tx, post)
		if err != nil {
			return err
		}
		post.Content = AnonymousMarker + strings.TrimPrefix(post.Content, AnonymousMarker)
		groupURI := o.urls.Actor(group)
		var tags []models.Tag
		for _, t := range post.Tags {
			if !(t.Type == "Mention" && t.Href == groupURI) {
				tags = append(tags, t)
			}
		}
		post.Tags = tags
		if err := o.checkTopics(ctx, tx, group, post); err != nil {
			return err
		}
		if err := models.UpdatePost(ctx, tx, post); err != nil {
			return err
		}
		fresh, err := models.PostByID(ctx, tx, post.ID)
		if err != nil {
			return err
		}
		return o.retellAnonymous(ctx, tx, group, g, fresh, "Update")
	})
	if err != nil {
		return fmt.Errorf("outbox: edit anonymous post: %w", err)
	}
	return nil
}

// anonymousGroup is the local group an anonymous post goes into.
func (o *Outbox) anonymousGroup(ctx context.Context, tx pgx.Tx, pub Publication) (*models.Actor, error) {
	for _, m := range pub.Mentions {
		if m.Type == models.ActorGroup {
			if !m.IsLocal() {
				return nil, ErrAnonymousNoGroup
			}
			return m, nil
		}
	}
	if pub.Parent != nil && pub.Parent.GroupID != nil {
		g, err := models.ActorByID(ctx, tx, *pub.Parent.GroupID)
		if err != nil {
			return nil, err
		}
		if g.IsLocal() && g.Type == models.ActorGroup {
			return g, nil
		}
	}
	return nil, ErrAnonymousNoGroup
}

// anonymousAudience addresses an anonymous post: a members-only group's
// followers only; in a public group Public and the followers, and the
// people it mentions or answers.
func (o *Outbox) anonymousAudience(ctx context.Context, tx pgx.Tx, pub Publication, group *models.Actor, membersOnly bool) (federation.NoteAddress, []string, error) {
	groupURI := o.urls.Actor(group)
	inboxes, err := models.FollowerInboxes(ctx, tx, group.ID)
	if err != nil {
		return federation.NoteAddress{}, nil, err
	}
	if membersOnly {
		return federation.NoteAddress{To: []string{o.urls.Followers(group)}, Audience: groupURI}, unique(inboxes), nil
	}
	cc := []string{o.urls.Followers(group)}
	for _, m := range append(append([]*models.Actor{}, pub.Mentions...), pub.ParentBy) {
		if m == nil || m.ID == group.ID {
			continue
		}
		cc = append(cc, o.urls.Actor(m))
		if !m.IsLocal() {
			inboxes = append(inboxes, o.urls.DeliveryInbox(m))
		}
	}
	return federation.NoteAddress{To: []string{federation.Public}, Cc: unique(cc), Audience: groupURI}, unique(inboxes), nil
}

// sendAnonymous sends the group's Create, Update or Delete of an anonymous post.
func (o *Outbox) sendAnonymous(ctx context.Context, tx pgx.Tx, group *models.Actor, post *models.Post, addr federation.NoteAddress, inboxes []string, kind string) error {
	var object any = post.URI
	id := o.urls.NewActivityID()
	if kind != "Delete" {
		note, err := federation.NoteDocument(o.urls, post, group, addr)
		if err != nil {
			return err
		}
		object = note
	}
	if kind == "Create" {
		id = post.URI + "/activity"
	}
	activity, err := federation.Wrap(kind, id, o.urls.Actor(group), addr, object)
	if err != nil {
		return err
	}
	_, err = o.Send(ctx, tx, Message{Actor: group, ID: id, Document: activity, ObjectURI: post.URI,
		Public: kind == "Create" && post.Visibility == models.VisibilityPublicPost, Inboxes: inboxes})
	return err
}

// notifyAnonymous tells local people an anonymous post mentions or answers,
// as from the group; an answered anonymous post's writer is told too.
func (o *Outbox) notifyAnonymous(ctx context.Context, tx pgx.Tx, pub Publication, group *models.Actor, post *models.Post) error {
	var recipients []int64
	for _, m := range pub.Mentions {
		if m.IsLocal() && m.Type == models.ActorPerson {
			recipients = append(recipients, m.ID)
		}
	}
	if pub.Parent != nil {
		recipients = append(recipients, models.WriterOf(pub.Parent))
	}
	for _, id := range recipients {
		if id == pub.Author.ID {
			continue
		}
		if err := models.Notify(ctx, tx, id, models.NotifyMention, group.ID, &post.ID, nil); err != nil {
			return err
		}
	}
	return nil
}
