package outbox

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// Mastodon and its kin show an Event as a title and a link and ignore an
// Update of it, and Friendica's and Gathio's guests need not follow the
// group: so the people going or maybe who answered through the group's
// RSVP poll or with Accept/TentativeAccept hear of a cancellation, or of
// a new time or place, in a direct note in plain words.

// noteChange tells those people, in tx, what a change of a local meetup
// did: before is its event as it was, kind the change (Update, Delete).
// An edit that moves neither its time nor its place (a new description)
// sends nothing; nor does any change once it is cancelled.
func (o *Outbox) noteChange(ctx context.Context, tx pgx.Tx, post *models.Post, organizer *models.Actor, before *models.Event, kind string) error {
	if before.Cancelled() {
		return nil // told when it was called off
	}
	after, err := models.EventByPostID(ctx, tx, post.ID)
	if err != nil {
		return err
	}
	m := &Meetup{Organizer: organizer, Post: post, Event: after}
	if post.GroupID != nil {
		if m.Group, err = models.ActorByID(ctx, tx, *post.GroupID); err != nil {
			return err
		}
	}
	f, err := answererFilter(ctx, tx, m.Group, []string{models.RSVPGoing, models.RSVPMaybe}, models.RSVPViaPoll, models.RSVPViaAccept)
	if err != nil {
		return err
	}
	people, err := models.RemoteAnswerers(ctx, tx, post.ID, f)
	if err != nil {
		return err
	}
	cancelled := kind == "Delete" || after.Cancelled()
	for _, r := range people {
		going := r.Status == models.RSVPGoing
		text := cancelledText(post.Name, before)
		if !cancelled {
			now := whenWhere(after, going)
			if now == whenWhere(before, going) {
				continue // nothing this person sees moved (coordinates, or a street kept from her)
			}
			text = "Moved: " + quoted(post.Name) + " is now " + now + "."
		}
		body := "<p>" + mentionHTML(r.Actor) + " " + escape(text) + "</p>"
		if kind != "Delete" {
			body += `<p><a href="` + escape(o.EventPage(m)) + `">` + escape(o.EventPage(m)) + `</a></p>`
		}
		if err := o.sendMeetupNote(ctx, tx, noteSender(m), m, r.Actor, body); err != nil {
			return err
		}
	}
	return nil
}

// TellCancelled answers a remote person's late answer (a vote in the RSVP
// poll that crossed the poll's closing) to a cancelled local meetup with
// a direct note saying so, in tx: Mastodon drops a refusal unseen, and
// she would otherwise believe she is going.
func (o *Outbox) TellCancelled(ctx context.Context, tx pgx.Tx, m *Meetup, person *models.Actor) error {
	body := "<p>" + mentionHTML(person) + " " + escape(cancelledText(m.Post.Name, m.Event)+
		" Your answer was not taken.") + "</p>"
	return o.sendMeetupNote(ctx, tx, noteSender(m), m, person, body)
}

// noteSender is who writes to a meetup's people: its local group, else
// its organizer.
func noteSender(m *Meetup) *models.Actor {
	if m.Group != nil && m.Group.IsLocal() {
		return m.Group
	}
	return m.Organizer
}

func cancelledText(title string, e *models.Event) string {
	return "Cancelled: " + quoted(title) + ", " + whenWords(e) + "."
}

// whenWords is a meetup's start in its place's time zone, as people read it.
func whenWords(e *models.Event) string {
	return e.StartsAt.In(e.Location()).Format("Mon 2 Jan 2006, 15:04") + " (" + e.TimeZone + ")"
}

// whenWhere is when and where a meetup is, as someone going (or not)
// may know it: the street only for people going when it is kept for them.
func whenWhere(e *models.Event, going bool) string {
	s := whenWords(e)
	if e.EndsAt != nil {
		s += " until " + e.EndsAt.In(e.Location()).Format("15:04")
	}
	if where := federation.PlaceLine(e.Place, e.AddressForGoing && !going); where != "" {
		s += " at " + where
	}
	return s
}
