package outbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// ProfileUpdated tells a local person's remote followers their new actor
// document (Update{Person}: name, bio, avatar), stored and queued in one
// transaction. The actor is read again inside it, so what goes out is what
// is stored. Nothing is sent when nobody elsewhere follows them.
func (o *Outbox) ProfileUpdated(ctx context.Context, actorID int64) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		a, err := models.ActorByID(ctx, tx, actorID)
		if err != nil {
			return err
		}
		if !a.IsLocal() || a.Type != models.ActorPerson {
			return fmt.Errorf("actor %d is not a local person", actorID)
		}
		inboxes, err := models.FollowerInboxes(ctx, tx, a.ID)
		if err != nil || len(inboxes) == 0 {
			return err
		}
		doc, err := federation.ActorDocument(o.urls, a, nil, federation.ActorExtras{})
		if err != nil {
			return err
		}
		id, actor := o.urls.NewActivityID(), o.urls.Actor(a)
		update, err := federation.Wrap("Update", id, actor,
			federation.NoteAddress{To: []string{federation.Public}, Cc: []string{o.urls.Followers(a)}}, doc)
		if err != nil {
			return err
		}
		_, err = o.Send(ctx, tx, Message{Actor: a, ID: id, Document: update, ObjectURI: actor, Inboxes: inboxes})
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox: profile update: %w", err)
	}
	return nil
}
