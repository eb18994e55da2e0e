package outbox

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// A local member's places in a calendar another Village keeps for its
// group (a copy, models/help_copy.go): each claim, change and give-back
// is kept here and sent to the group in the same transaction, Join of
// the slot with what she brings, or Leave. The group's Accept or Reject
// (inbox/help_copy.go) settles it.

// ClaimHelpCopySlot takes a place of a copy's slot for who, pending
// until the group accepts her Join.
func (o *Outbox) ClaimHelpCopySlot(ctx context.Context, who *models.Actor, calendarID, slotID int64, bringing string) error {
	return o.helpCopyChange(ctx, "claim", func(tx pgx.Tx) error {
		join := o.urls.NewActivityID()
		k, err := models.ClaimHelpCopySlot(ctx, tx, calendarID, slotID, who.ID, bringing, join)
		if err != nil {
			return err
		}
		return o.sendHelpJoin(ctx, tx, who, k, bringing)
	})
}

// ChangeHelpCopyClaim sends the Join again with what she brings now.
func (o *Outbox) ChangeHelpCopyClaim(ctx context.Context, who *models.Actor, calendarID, claimID int64, bringing string) error {
	return o.helpCopyChange(ctx, "change", func(tx pgx.Tx) error {
		join := o.urls.NewActivityID()
		k, err := models.ChangeHelpCopyClaim(ctx, tx, calendarID, claimID, who.ID, bringing, join)
		if err != nil {
			return err
		}
		return o.sendHelpJoin(ctx, tx, who, k, bringing)
	})
}

// GiveBackHelpCopyClaim frees her place and tells the group with Leave.
func (o *Outbox) GiveBackHelpCopyClaim(ctx context.Context, who *models.Actor, calendarID, claimID int64) error {
	return o.helpCopyChange(ctx, "give back", func(tx pgx.Tx) error {
		k, err := models.GiveBackHelpCopyClaim(ctx, tx, calendarID, claimID, who.ID)
		if err != nil {
			return err
		}
		group, err := models.ActorByID(ctx, tx, k.GroupID)
		if err != nil {
			return err
		}
		id := o.urls.NewActivityID()
		doc := federation.HelpLeaveDocument(o.urls.Base, id, o.urls.Actor(who), k.SlotURI, k.CalendarURI, group.URI)
		return o.sendToHelpGroup(ctx, tx, who, group, id, doc, k.SlotURI)
	})
}

// helpCopyChange runs change in one transaction; refusals from models
// pass through as they are, for the faces to word.
func (o *Outbox) helpCopyChange(ctx context.Context, what string, change func(tx pgx.Tx) error) error {
	if err := models.InTx(ctx, o.db, change); err != nil {
		return fmt.Errorf("outbox: %s help copy claim: %w", what, err)
	}
	return nil
}

func (o *Outbox) sendHelpJoin(ctx context.Context, tx pgx.Tx, who *models.Actor, k *models.HelpCopyClaim, bringing string) error {
	group, err := models.ActorByID(ctx, tx, k.GroupID)
	if err != nil {
		return err
	}
	doc := federation.HelpJoinDocument(o.urls.Base, federation.HelpJoin{ID: k.JoinURI, Actor: o.urls.Actor(who), Slot: k.SlotURI,
		Calendar: k.CalendarURI, Group: group.URI, Bringing: strings.TrimSpace(bringing)})
	return o.sendToHelpGroup(ctx, tx, who, group, k.JoinURI, doc, k.SlotURI)
}

// sendToHelpGroup sends a member's Join or Leave to the group's inbox alone.
func (o *Outbox) sendToHelpGroup(ctx context.Context, tx pgx.Tx, who, group *models.Actor, id string, doc map[string]any, slot string) error {
	_, err := o.Send(ctx, tx, Message{Actor: who, ID: id, Document: doc, ObjectURI: slot, Inboxes: []string{o.urls.DeliveryInbox(group)}})
	return err
}
