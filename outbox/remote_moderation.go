package outbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// RemoteModeration is what a local moderator of a group on another server
// does from here: an activity by her, sent to the group's inbox, which
// checks her against its moderators and announces what it applies.
type RemoteModeration struct {
	Moderator *models.Actor // local
	Group     *models.Actor // remote
	Type      string        // Delete, Block, Lock, Undo, Accept, Reject
	Object    any           // a URI, or an embedded activity (Undo, Accept, Reject)
	ObjectURI string        // what the activity is about, for the activities table
	Reason    string
	Fields    map[string]any // e.g. target, endTime
}

// ModerateRemoteGroup stores a local moderator's activity about a remote
// group (so that its id dereferences) and queues it to the group's inbox,
// in tx, addressed to the group and its followers (and Public in a public
// group); the group decides whom to announce it to. It returns the activity's id.
func (o *Outbox) ModerateRemoteGroup(ctx context.Context, tx pgx.Tx, m RemoteModeration) (string, error) {
	if m.Group.IsLocal() || m.Group.InboxURL == "" {
		return "", fmt.Errorf("outbox: moderate remote group: %s is not a remote group", m.Group.URI)
	}
	id := o.urls.NewActivityID()
	doc := map[string]any{
		"@context": federation.Context(),
		"id":       id,
		"type":     m.Type,
		"actor":    o.urls.Actor(m.Moderator),
		"object":   m.Object,
		"to":       []string{m.Group.URI},
		"audience": m.Group.URI,
	}
	// Like the group's own moderators' activities: public in a public
	// group, for its members only in a members-only one.
	public := !m.Group.ManuallyApprovesFollowers
	if public {
		doc["to"] = []string{federation.Public, m.Group.URI}
	}
	if m.Group.FollowersURL != "" {
		doc["cc"] = []string{m.Group.FollowersURL}
	}
	if m.Reason != "" {
		doc["summary"] = m.Reason
	}
	for k, v := range m.Fields {
		doc[k] = v
	}
	_, err := o.Send(ctx, tx, Message{Actor: m.Moderator, ID: id, Document: doc, ObjectURI: m.ObjectURI, Public: public,
		Inboxes: []string{m.Group.InboxURL}})
	return id, err
}
