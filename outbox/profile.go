package outbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// ProfileUpdated tells a local person's remote followers their new actor
// document (Update{Person}: name, bio, avatar, header, fields, locked),
// stored and queued in one transaction. The actor is read again inside
// it, so what goes out is what is stored. Nothing is sent when nobody
// elsewhere follows them.
func (o *Outbox) ProfileUpdated(ctx context.Context, actorID int64) error {
	return o.ChangeProfile(ctx, actorID, models.ProfileChange{})
}

// ChangeProfile applies a change to a local person's profile, and also
// what else belongs with it (the person's preferences, say), and sends
// Update{Person} to their remote followers in the same transaction:
// either all of it happens or none. Errors of models.ChangeProfile (a
// field too long) mean nothing changed.
func (o *Outbox) ChangeProfile(ctx context.Context, actorID int64, change models.ProfileChange, also ...func(pgx.Tx) error) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		if change != (models.ProfileChange{}) {
			if err := models.ChangeProfile(ctx, tx, actorID, change); err != nil {
				return err
			}
		}
		for _, fn := range also {
			if err := fn(tx); err != nil {
				return err
			}
		}
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
		doc, err := federation.ActorDocument(o.urls, a, nil, federation.ActorExtras{Indexable: a.Indexable})
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
