package outbox

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// ErrSelfBlock refuses blocking oneself.
var ErrSelfBlock = errors.New("outbox: an actor cannot block itself")

// Suspend suspends a local account (moderatorID: the instance moderator's
// actor, nil from the command line) and, as Mastodon does, tells its
// followers' servers Delete{actor} so that they drop it and its posts.
// Suspending a suspended account changes nothing and sends nothing.
func (o *Outbox) Suspend(ctx context.Context, acc *models.Account, moderatorID *int64, reason string, now time.Time) (bool, error) {
	var fresh bool
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		var err error
		if fresh, err = models.SuspendAccount(ctx, tx, acc, moderatorID, reason, now); err != nil || !fresh {
			return err
		}
		inboxes, err := models.FollowerInboxes(ctx, tx, acc.Actor.ID)
		if err != nil || len(inboxes) == 0 {
			return err
		}
		id, actor := o.urls.NewActivityID(), o.urls.Actor(acc.Actor)
		_, err = o.Send(ctx, tx, Message{Actor: acc.Actor, ID: id, Document: federation.DeleteActorDocument(id, actor),
			ObjectURI: actor, Inboxes: inboxes})
		return err
	})
	if err != nil {
		return false, fmt.Errorf("outbox: suspend: %w", err)
	}
	return fresh, nil
}

// Unsuspend lifts a suspension. The followers' servers, told Delete
// before, get the actor again with Update{Person}, which those that kept
// it apply and the others fetch anew when they next meet it.
func (o *Outbox) Unsuspend(ctx context.Context, acc *models.Account, moderatorID *int64, reason string) (bool, error) {
	var fresh bool
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		var err error
		fresh, err = models.UnsuspendAccount(ctx, tx, acc, moderatorID, reason)
		return err
	})
	if err != nil || !fresh {
		return fresh, err
	}
	return true, o.ProfileUpdated(ctx, acc.Actor.ID)
}

// Block makes a local person block another actor: follows both ways end,
// and a remote actor's server gets Block{actor: me, object: them}, as
// Mastodon sends it, so that it stops showing them what I write.
func (o *Outbox) Block(ctx context.Context, blocker, target *models.Actor) error {
	if blocker.ID == target.ID {
		return ErrSelfBlock
	}
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		id := o.urls.NewActivityID()
		fresh, err := models.PutBlock(ctx, tx, blocker.ID, target.ID, id)
		if err != nil || !fresh || target.IsLocal() {
			return err
		}
		_, err = o.Send(ctx, tx, Message{Actor: blocker, ID: id, ObjectURI: target.URI,
			Document: federation.BlockDocument(id, o.urls.Actor(blocker), target.URI), Inboxes: []string{target.InboxURL}})
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox: block: %w", err)
	}
	return nil
}

// Unblock lifts a local person's block; a remote actor's server gets
// Undo{Block}. Unblocking someone not blocked is not an error.
func (o *Outbox) Unblock(ctx context.Context, blocker, target *models.Actor) error {
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		blockID, err := models.DeleteBlock(ctx, tx, blocker.ID, target.ID)
		if err != nil || blockID == "" || target.IsLocal() {
			return err
		}
		id := o.urls.NewActivityID()
		_, err = o.Send(ctx, tx, Message{Actor: blocker, ID: id, ObjectURI: blockID,
			Document: federation.UndoBlockDocument(id, o.urls.Actor(blocker), target.URI, blockID), Inboxes: []string{target.InboxURL}})
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox: unblock: %w", err)
	}
	return nil
}

// withoutSuspendedDomains drops the inboxes on domains the instance has
// suspended: nothing is delivered there.
func (o *Outbox) withoutSuspendedDomains(ctx context.Context, tx pgx.Tx, inboxes []string) ([]string, error) {
	if len(inboxes) == 0 {
		return inboxes, nil
	}
	blocks, err := models.DomainBlocks(ctx, tx)
	if err != nil || len(blocks) == 0 {
		return inboxes, err
	}
	kept := inboxes[:0]
	for _, in := range inboxes {
		if !suspendedBy(blocks, hostOf(in)) {
			kept = append(kept, in)
		}
	}
	return kept, nil
}

func suspendedBy(blocks []models.DomainBlock, host string) bool {
	for _, b := range blocks {
		if b.Severity == models.BlockSuspend && b.Covers(host) {
			return true
		}
	}
	return false
}

func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}
