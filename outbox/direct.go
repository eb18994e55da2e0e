package outbox

import (
	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// directAudience addresses a direct post (Mastodon's "mentioned people
// only") to the people it mentions and the author of the post it answers,
// and to nobody else: no Public, no followers collection, no group, so
// that a group mentioned in it never passes it on (it stays private). It
// reaches the inboxes of those people's servers only; people here read it
// from the database.
func (o *Outbox) directAudience(pub Publication) audience {
	var aud audience
	var to []string
	for _, m := range directRecipients(pub) {
		to = append(to, o.urls.Actor(m))
		if !m.IsLocal() {
			aud.inboxes = append(aud.inboxes, o.urls.DeliveryInbox(m))
		}
	}
	aud.addr = federation.NoteAddress{To: unique(to)}
	aud.inboxes = unique(aud.inboxes)
	return aud
}

// directRecipients are the people a direct post is for: those it mentions
// and the author of the post it answers, never a group, nor its own author.
func directRecipients(pub Publication) []*models.Actor {
	var out []*models.Actor
	for _, m := range append(append([]*models.Actor{}, pub.Mentions...), pub.ParentBy) {
		if m != nil && m.Type != models.ActorGroup && m.ID != pub.Author.ID {
			out = append(out, m)
		}
	}
	return out
}

// participantIDs are the ids of a direct post's recipients, for the
// conversations of those who are here.
func participantIDs(pub Publication) []int64 {
	var ids []int64
	for _, m := range directRecipients(pub) {
		ids = append(ids, m.ID)
	}
	return ids
}
