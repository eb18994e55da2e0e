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
	if group.Type != models.ActorGroup || !group.IsLocal() {
		return nil
	}
	mods, err := models.Moderators(ctx, tx, group.ID)
	if err != nil {
		return err
	}
	var to, inboxes []string
	for _, m := range mods {
		if !m.IsLocal() {
			to = append(to, m.URI)
			inboxes = append(inboxes, o.urls.DeliveryInbox(m))
		}
	}
	if len(to) == 0 {
		return nil
	}
	follower, err := models.ActorByID(ctx, tx, follow.FollowerID)
	if err != nil {
		return fmt.Errorf("outbox: join request: %w", err)
	}
	groupURI := o.urls.Actor(group)
	followDoc := map[string]any{"id": follow.URI, "type": "Follow", "actor": o.urls.Actor(follower), "object": groupURI}
	id := o.urls.NewActivityID()
	announce, err := federation.Wrap("Announce", id, groupURI, federation.NoteAddress{To: to}, followDoc)
	if err != nil {
		return fmt.Errorf("outbox: join request: %w", err)
	}
	_, err = o.Send(ctx, tx, Message{Actor: group, ID: id, Document: announce, ObjectURI: follow.URI, Inboxes: unique(inboxes)})
	return err
}
