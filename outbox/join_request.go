package outbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// TellRemoteModeratorsOfJoin lets a local group's moderators on other
// servers know that a request to join it waits: the group sends them the
// Follow, wrapped in an Announce addressed to them alone (nothing standard
// exists for this; a server that does not know it ignores an Announce of
// a Follow). Their server shows it as a join request, and their answer
// comes back as Accept{Follow} or Reject{Follow} (inbox/members_only.go).
func (o *Outbox) TellRemoteModeratorsOfJoin(ctx context.Context, tx pgx.Tx, group *models.Actor, follow *models.Follow) error {
	followDoc, err := o.followDocument(ctx, tx, group, follow)
	if err != nil || followDoc == nil {
		return err
	}
	return o.announceToRemoteModerators(ctx, tx, group, followDoc, follow.URI)
}

// TellRemoteModeratorsOfJoinEnd lets them know the request is settled, so
// their servers stop listing it: decided here or by another moderator
// (Announce{Accept{Follow}} or Announce{Reject{Follow}}), or withdrawn by
// the requester (Announce{Undo{Follow}}). typ is Accept, Reject or Undo.
func (o *Outbox) TellRemoteModeratorsOfJoinEnd(ctx context.Context, tx pgx.Tx, group *models.Actor, follow *models.Follow, typ string) error {
	followDoc, err := o.followDocument(ctx, tx, group, follow)
	if err != nil || followDoc == nil {
		return err
	}
	groupURI := o.urls.Actor(group)
	actor := groupURI
	if typ == "Undo" {
		actor, _ = followDoc["actor"].(string)
	}
	end := map[string]any{"type": typ, "actor": actor, "object": followDoc}
	return o.announceToRemoteModerators(ctx, tx, group, end, follow.URI)
}

// followDocument is a follow of a local group as an activity; nil when the
// followee is no local group.
func (o *Outbox) followDocument(ctx context.Context, tx pgx.Tx, group *models.Actor, follow *models.Follow) (map[string]any, error) {
	if group.Type != models.ActorGroup || !group.IsLocal() {
		return nil, nil
	}
	follower, err := models.ActorByID(ctx, tx, follow.FollowerID)
	if err != nil {
		return nil, fmt.Errorf("outbox: join request: %w", err)
	}
	return map[string]any{"id": follow.URI, "type": "Follow", "actor": o.urls.Actor(follower), "object": o.urls.Actor(group)}, nil
}

// announceToRemoteModerators sends the group's Announce of doc to its
// moderators on other servers, addressed to them alone.
func (o *Outbox) announceToRemoteModerators(ctx context.Context, tx pgx.Tx, group *models.Actor, doc map[string]any, objectURI string) error {
	mods, err := models.Moderators(ctx, tx, group.ID)
	if err != nil {
		return err
	}
	var to, inboxes []string
	for _, m := range mods {
		if m.IsLocal() {
			continue
		}
		if reads, err := o.readsAnnouncedActivities(ctx, tx, m); err != nil || !reads {
			if err != nil {
				return err
			}
			continue // a Mastodon-family server has no join requests to settle
		}
		to = append(to, m.URI)
		inboxes = append(inboxes, o.urls.DeliveryInbox(m))
	}
	if len(to) == 0 {
		return nil
	}
	id := o.urls.NewActivityID()
	announce, err := federation.Wrap("Announce", id, o.urls.Actor(group), federation.NoteAddress{To: to}, doc)
	if err != nil {
		return fmt.Errorf("outbox: news for remote moderators: %w", err)
	}
	_, err = o.Send(ctx, tx, Message{Actor: group, ID: id, Document: announce, ObjectURI: objectURI, Inboxes: unique(inboxes)})
	return err
}
