package outbox

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// Like records a local actor's like of a post and tells its author (and the
// group it lives in).
func (o *Outbox) Like(ctx context.Context, liker *models.Actor, post *models.Post) error {
	return o.react(ctx, likeReaction, liker, post)
}

// Unlike takes a like back with Undo{Like}.
func (o *Outbox) Unlike(ctx context.Context, liker *models.Actor, post *models.Post) error {
	return o.unreact(ctx, likeReaction, liker, post)
}

func (o *Outbox) sendLike(ctx context.Context, tx pgx.Tx, liker *models.Actor, post *models.Post, kind, id string, object any) error {
	author, err := models.ActorByID(ctx, tx, post.AuthorID)
	if err != nil {
		return err
	}
	var group *models.Actor
	if post.GroupID != nil {
		if group, err = models.ActorByID(ctx, tx, *post.GroupID); err != nil {
			return err
		}
	}
	addr := federation.NoteAddress{To: []string{o.urls.Actor(author)}}
	var inboxes []string
	if !author.IsLocal() {
		inboxes = append(inboxes, o.urls.DeliveryInbox(author))
	}
	if group != nil {
		addr.Audience = o.urls.Actor(group)
		addr.Cc = []string{o.urls.Actor(group)}
		if !group.IsLocal() {
			inboxes = append(inboxes, o.urls.DeliveryInbox(group))
		}
	}
	activity, err := federation.Wrap(kind, id, o.urls.Actor(liker), addr, object)
	if err != nil {
		return err
	}
	if _, err := o.Send(ctx, tx, Message{Actor: liker, ID: id, Document: activity, ObjectURI: post.URI, Inboxes: unique(inboxes)}); err != nil {
		return err
	}
	if group != nil && group.IsLocal() {
		return o.Redistribute(ctx, tx, Share{Group: group, Post: post, AuthorURI: o.urls.Actor(author), Activity: activity, Kind: kind})
	}
	return nil
}
