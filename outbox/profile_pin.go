package outbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// PinToProfile pins a person's own public or unlisted post to her profile
// and tells her followers' servers with Add{target: her featured
// collection}, as Mastodon reads a pin (only from the collection's owner).
// It returns the models refusals (ErrPinNotOwn, ErrPinNotPublic,
// ErrTooManyOwnPin) as they are; pinning again sends nothing.
func (o *Outbox) PinToProfile(ctx context.Context, person *models.Actor, post *models.Post) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		fresh, err := models.PinToProfile(ctx, tx, person.ID, post)
		if err != nil || !fresh {
			return err
		}
		return o.featuredChange(ctx, tx, person, post, "Add")
	})
	if err != nil {
		return fmt.Errorf("outbox: pin: %w", err)
	}
	return nil
}

// UnpinFromProfile takes a post off a person's profile and sends Remove.
func (o *Outbox) UnpinFromProfile(ctx context.Context, person *models.Actor, post *models.Post) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		was, err := models.Unpin(ctx, tx, person.ID, post.ID)
		if err != nil || !was {
			return err
		}
		return o.featuredChange(ctx, tx, person, post, "Remove")
	})
	if err != nil {
		return fmt.Errorf("outbox: unpin: %w", err)
	}
	return nil
}

// featuredChange sends the person's Add or Remove of a post to her
// featured collection, addressed as the post is (public or unlisted).
func (o *Outbox) featuredChange(ctx context.Context, tx pgx.Tx, person *models.Actor, post *models.Post, typ string) error {
	inboxes, err := models.FollowerInboxes(ctx, tx, person.ID)
	if err != nil {
		return err
	}
	id := o.urls.NewActivityID()
	doc := map[string]any{"@context": federation.Context(), "id": id, "type": typ, "actor": o.urls.Actor(person),
		"object": post.URI, "target": o.urls.Featured(person),
		"to": []string{federation.Public}, "cc": []string{o.urls.Followers(person)}}
	_, err = o.Send(ctx, tx, Message{Actor: person, ID: id, Document: doc, ObjectURI: post.URI, Public: true, Inboxes: inboxes})
	return err
}
