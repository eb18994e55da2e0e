package outbox

import (
	"context"
	"errors"
	"fmt"

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
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		id := o.urls.NewActivityID()
		fresh, err := models.PutBoost(ctx, tx, booster.ID, post.ID, id)
		if err != nil || !fresh {
			return err
		}
		if err := models.Notify(ctx, tx, post.AuthorID, models.NotifyReblog, booster.ID, &post.ID, nil); err != nil {
			return err
		}
		return o.sendBoost(ctx, tx, booster, post, "Announce", id, post.URI)
	})
	if err != nil {
		return fmt.Errorf("outbox: boost: %w", err)
	}
	return nil
}

// Unboost takes a boost back with Undo{Announce}.
func (o *Outbox) Unboost(ctx context.Context, booster *models.Actor, post *models.Post) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		uri, err := models.BoostURI(ctx, tx, booster.ID, post.ID)
		if err != nil || uri == "" {
			return err
		}
		if _, err := models.DeleteBoost(ctx, tx, uri, booster.ID); err != nil {
			return err
		}
		undone := map[string]any{"id": uri, "type": "Announce", "actor": o.urls.Actor(booster), "object": post.URI}
		return o.sendBoost(ctx, tx, booster, post, "Undo", o.urls.NewActivityID(), undone)
	})
	if err != nil {
		return fmt.Errorf("outbox: unboost: %w", err)
	}
	return nil
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
