package outbox

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// ErrNotBoostable refuses boosting a post that is not public.
var ErrNotBoostable = errors.New("outbox: only public posts can be shared")

// Boost shares a post with the booster's followers (Announce{Note id}) and
// tells its author.
func (o *Outbox) Boost(ctx context.Context, booster *models.Actor, post *models.Post) error {
	if post.Visibility != models.VisibilityPublicPost && post.Visibility != models.VisibilityUnlisted {
		return ErrNotBoostable
	}
	return o.react(ctx, boostReaction, booster, post)
}

// Unboost takes a boost back with Undo{Announce}.
func (o *Outbox) Unboost(ctx context.Context, booster *models.Actor, post *models.Post) error {
	return o.unreact(ctx, boostReaction, booster, post)
}

func (o *Outbox) sendBoost(ctx context.Context, tx pgx.Tx, booster *models.Actor, post *models.Post, kind, id string, object any) error {
	author, err := models.ActorByID(ctx, tx, post.AuthorID)
	if err != nil {
		return err
	}
	inboxes, err := models.FollowerInboxes(ctx, tx, booster.ID)
	if err != nil {
		return err
	}
	if !author.IsLocal() {
		inboxes = append(inboxes, o.urls.DeliveryInbox(author))
	}
	addr := federation.NoteAddress{To: []string{federation.Public}, Cc: []string{o.urls.Actor(author), o.urls.Followers(booster)}}
	activity, err := federation.Wrap(kind, id, o.urls.Actor(booster), addr, object)
	if err != nil {
		return err
	}
	_, err = o.Send(ctx, tx, Message{Actor: booster, ID: id, Document: activity, ObjectURI: post.URI,
		Public: kind == "Announce", Inboxes: unique(inboxes)})
	return err
}
