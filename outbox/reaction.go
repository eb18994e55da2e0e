package outbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models"
)

// reaction is a like or a boost: both are stored once per actor and post,
// tell the post's author, are sent as an activity, and are taken back
// with Undo. Only how each is stored and addressed differs.
type reaction struct {
	name   string // for errors
	typ    string // the activity: Like or Announce
	notify string // what the author is told
	put    func(ctx context.Context, db models.DB, actorID, postID int64, uri string) (bool, error)
	find   func(ctx context.Context, db models.DB, actorID, postID int64) (uri string, err error) // "" when none
	remove func(ctx context.Context, db models.DB, uri string, actorID, postID int64) (bool, error)
	send   func(o *Outbox, ctx context.Context, tx pgx.Tx, actor *models.Actor, post *models.Post, kind, id string, object any) error
}

// The two reactions; read-only tables.
var (
	likeReaction = reaction{name: "like", typ: "Like", notify: models.NotifyFavourite,
		put: models.PutLike,
		find: func(ctx context.Context, db models.DB, actorID, postID int64) (string, error) {
			uri, err := models.LikeBetween(ctx, db, actorID, postID)
			if errors.Is(err, models.ErrNotFound) {
				return "", nil
			}
			return uri, err
		},
		remove: models.DeleteLike,
		send:   (*Outbox).sendLike}
	boostReaction = reaction{name: "boost", typ: "Announce", notify: models.NotifyReblog,
		put:  models.PutBoost,
		find: models.BoostURI,
		remove: func(ctx context.Context, db models.DB, uri string, actorID, _ int64) (bool, error) {
			return models.DeleteBoost(ctx, db, uri, actorID)
		},
		send: (*Outbox).sendBoost}
)

// react records a reaction of actor to post, tells the author and sends it.
func (o *Outbox) react(ctx context.Context, r reaction, actor *models.Actor, post *models.Post) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		id := o.urls.NewActivityID()
		fresh, err := r.put(ctx, tx, actor.ID, post.ID, id)
		if err != nil || !fresh {
			return err
		}
		if err := models.Notify(ctx, tx, models.WriterOf(post), r.notify, actor.ID, &post.ID, nil); err != nil {
			return err
		}
		return r.send(o, ctx, tx, actor, post, r.typ, id, post.URI)
	})
	if err != nil {
		return fmt.Errorf("outbox: %s: %w", r.name, err)
	}
	return nil
}

// unreact takes a reaction back with Undo; none to take back is no error.
func (o *Outbox) unreact(ctx context.Context, r reaction, actor *models.Actor, post *models.Post) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		uri, err := r.find(ctx, tx, actor.ID, post.ID)
		if err != nil || uri == "" {
			return err
		}
		if _, err := r.remove(ctx, tx, uri, actor.ID, post.ID); err != nil {
			return err
		}
		undone := map[string]any{"id": uri, "type": r.typ, "actor": o.urls.Actor(actor), "object": post.URI}
		return r.send(o, ctx, tx, actor, post, "Undo", o.urls.NewActivityID(), undone)
	})
	if err != nil {
		return fmt.Errorf("outbox: un%s: %w", r.name, err)
	}
	return nil
}
