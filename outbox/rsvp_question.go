package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// A meetup's RSVP poll: Mastodon and its kin show an Event as a title and
// a link, so a local group sends its Mastodon-family followers a Question
// ("Going? Going / Maybe / Not going") tied to the meetup; a vote in it is
// an answer (inbox/rsvp.go), confirmed by a direct note.

// RSVPQuestionDocument is a local meetup's RSVP poll as served at its id
// and sent, with the counts as they stand.
func (o *Outbox) RSVPQuestionDocument(ctx context.Context, db models.DB, m *Meetup) (map[string]any, error) {
	counts, err := models.CountRSVPs(ctx, db, m.Event.PostID)
	if err != nil {
		return nil, err
	}
	groupURI := o.urls.Actor(m.Group)
	membersOnly, err := models.GroupIsMembersOnly(ctx, db, m.Group.ID)
	if err != nil {
		return nil, err
	}
	q := federation.RSVPQuestion{PostURI: m.Post.URI, Group: groupURI, URL: o.EventPage(m), Content: o.meetupFacts(m),
		Counts: counts, EndTime: m.Event.StartsAt, To: []string{o.urls.Followers(m.Group)}, Cc: []string{groupURI},
		Audience: groupURI}
	switch {
	case m.Event.Cancelled():
		// Closed when it was called off (the row's last change), not at
		// the start still ahead, which would leave it open on Mastodon.
		q.ClosedAt, q.Updated = m.Event.UpdatedAt, m.Event.UpdatedAt
	case time.Now().After(m.Event.StartsAt):
		q.ClosedAt = m.Event.StartsAt
	}
	if !membersOnly && (m.Post.Visibility == models.VisibilityPublicPost || m.Post.Visibility == models.VisibilityUnlisted) {
		q.To, q.Cc = []string{federation.Public}, []string{o.urls.Followers(m.Group)}
	}
	return federation.RSVPQuestionDocument(q), nil
}

// meetupFacts are a meetup's key facts in text, for people whose app
// shows no Event: title, time in the place's zone, place (the street only
// when it is not kept for people going), status, and the link.
func (o *Outbox) meetupFacts(m *Meetup) string {
	ev := m.Event
	when := ev.StartsAt.In(ev.Location()).Format("Mon 2 Jan 2006, 15:04") + " (" + ev.TimeZone + ")"
	p := ev.Place
	where := p.Name
	if !ev.AddressForGoing && p.StreetAddress != "" {
		where = StreetAddress(p)
	} else if p.Locality != "" {
		if where != "" {
			where += ", "
		}
		where += p.Locality
	}
	s := "<p>" + escape(quoted(m.Post.Name)) + "<br>" + escape(when)
	if ev.Cancelled() {
		s = "<p>" + escape("Cancelled: "+quoted(m.Post.Name)) + "<br>" + escape(when)
	}
	if where != "" {
		s += "<br>" + escape(where)
	}
	if ev.AddressForGoing {
		s += "<br>" + escape("The address is sent to people going.")
	}
	if ev.Cancelled() {
		s += "<br>" + escape("This meetup is cancelled.")
	}
	page := o.EventPage(m)
	return s + "</p><p>Going? <a href=\"" + escape(page) + "\">" + escape(page) + "</a></p>"
}

// rsvpAudience are the inboxes of a local group's Mastodon-family
// followers: the people who answer through the poll.
func rsvpAudience(ctx context.Context, tx pgx.Tx, group *models.Actor) ([]string, error) {
	followers, err := models.FollowerInboxesWithSoftware(ctx, tx, group.ID)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range followers {
		if IsMastodonFamily(f.Software) {
			out = append(out, f.Inbox)
		}
	}
	return out, nil
}

// SendRSVPQuestion sends a local meetup's RSVP poll from its group to the
// group's Mastodon-family followers, in tx: kind "Create" when the meetup
// is published, "Update" when it changes or is cancelled (new text and
// counts; closed when cancelled), "Delete" when it is deleted. The events
// flow calls it; answers refresh it through RefreshRSVPQuestion. A meetup
// outside a local group has no poll.
func (o *Outbox) SendRSVPQuestion(ctx context.Context, tx pgx.Tx, m *Meetup, kind string) error {
	if m.Group == nil || !m.Group.IsLocal() || !m.Post.Local {
		return nil
	}
	inboxes, err := rsvpAudience(ctx, tx, m.Group)
	if err != nil || len(inboxes) == 0 {
		return err
	}
	groupURI := o.urls.Actor(m.Group)
	qid := federation.RSVPQuestionID(m.Post.URI)
	if kind == "Delete" {
		id := o.urls.NewActivityID()
		doc, err := federation.Wrap("Delete", id, groupURI, federation.NoteAddress{To: []string{o.urls.Followers(m.Group)}}, qid)
		if err != nil {
			return fmt.Errorf("outbox: delete rsvp poll: %w", err)
		}
		_, err = o.Send(ctx, tx, Message{Actor: m.Group, ID: id, Document: doc, ObjectURI: qid, Inboxes: inboxes})
		return err
	}
	question, err := o.RSVPQuestionDocument(ctx, tx, m)
	if err != nil {
		return err
	}
	addr := federation.NoteAddress{To: refs(question["to"]), Cc: refs(question["cc"]), Audience: groupURI}
	id := qid + "/activity"
	if kind != "Create" {
		id = o.urls.NewActivityID()
	}
	doc, err := federation.Wrap(kind, id, groupURI, addr, question)
	if err != nil {
		return fmt.Errorf("outbox: rsvp poll: %w", err)
	}
	if kind == "Update" {
		// A burst of answers is one Update: one not yet delivered takes the new counts.
		pending, err := models.UnsentActivity(ctx, tx, m.Group.ID, "Update", qid)
		switch {
		case err == nil:
			doc["id"] = pending.URI
			body, err := json.Marshal(doc)
			if err != nil {
				return fmt.Errorf("outbox: rsvp poll: %w", err)
			}
			return models.ReplaceActivityBody(ctx, tx, pending.ID, body)
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
	}
	_, err = o.Send(ctx, tx, Message{Actor: m.Group, ID: id, Document: doc, ObjectURI: qid, Inboxes: inboxes})
	return err
}

// RefreshRSVPQuestion sends the RSVP poll's new counts, when the poll was sent.
func (o *Outbox) RefreshRSVPQuestion(ctx context.Context, tx pgx.Tx, m *Meetup) error {
	if m.Group == nil || !m.Group.IsLocal() || !m.Post.Local {
		return nil
	}
	_, err := models.ActivityByURI(ctx, tx, federation.RSVPQuestionID(m.Post.URI)+"/activity")
	if errors.Is(err, models.ErrNotFound) {
		return nil // never sent: no one to update
	}
	if err != nil {
		return err
	}
	return o.SendRSVPQuestion(ctx, tx, m, "Update")
}

func refs(v any) []string {
	s, _ := v.([]string)
	return s
}

// rsvpQuestionAfterChange sends the RSVP poll's change with a meetup's
// (edited or cancelled: Update; deleted: Delete), in tx.
func (o *Outbox) rsvpQuestionAfterChange(ctx context.Context, tx pgx.Tx, post *models.Post, kind string) error {
	if kind == "Delete" {
		if post.GroupID == nil {
			return nil
		}
		group, err := models.ActorByID(ctx, tx, *post.GroupID)
		if err != nil {
			return err
		}
		return o.SendRSVPQuestion(ctx, tx, &Meetup{Post: post, Group: group}, "Delete")
	}
	m, err := LoadMeetup(ctx, tx, post.ID)
	if err != nil {
		return err
	}
	return o.SendRSVPQuestion(ctx, tx, m, kind)
}

// tellPromoted tells the people a meetup's grown capacity let off the
// waitlist, each in the way they answered.
func (o *Outbox) tellPromoted(ctx context.Context, tx pgx.Tx, postID int64, promoted []models.RSVP) error {
	if len(promoted) == 0 {
		return nil
	}
	m, err := LoadMeetup(ctx, tx, postID)
	if err != nil {
		return err
	}
	return o.AfterRSVP(ctx, tx, m, m.Organizer, RSVPNews{Own: true, Outcome: models.Outcome{Promoted: promoted}})
}
