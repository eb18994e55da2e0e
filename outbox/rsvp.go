package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// Why an answer to a meetup is refused.
var (
	// ErrRSVPNotMember: a members-only group's meetups are for its members.
	ErrRSVPNotMember = errors.New("outbox: only the group's members may answer its meetups")
	// ErrNotMeetup: the post is no meetup.
	ErrNotMeetup = errors.New("outbox: no such meetup")
)

// MayAnswer checks that a person may answer the meetups of a local group:
// nobody the group banned, and in a members-only group only its members.
// A public group's meetups are open to anyone else, as its posts are.
func MayAnswer(ctx context.Context, db models.DB, groupID, actorID int64) error {
	banned, err := models.IsBanned(ctx, db, groupID, actorID)
	if err != nil {
		return err
	}
	if banned {
		return ErrBanned
	}
	membersOnly, err := models.GroupIsMembersOnly(ctx, db, groupID)
	if err != nil || !membersOnly {
		return err
	}
	member, err := models.IsMember(ctx, db, groupID, actorID)
	if err != nil {
		return err
	}
	if !member {
		return ErrRSVPNotMember
	}
	return nil
}

// LoadMeetup loads the meetup whose post is postID, in db, with its
// organizer and its group (nil for a meetup in no group).
func LoadMeetup(ctx context.Context, db models.DB, postID int64) (*Meetup, error) {
	ev, err := models.EventWithPost(ctx, db, postID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, ErrNotMeetup
	}
	if err != nil {
		return nil, err
	}
	if ev.Post.DeletedAt != nil {
		return nil, ErrNotMeetup
	}
	m := &Meetup{Event: ev, Post: ev.Post}
	if m.Organizer, err = models.ActorByID(ctx, db, ev.Post.AuthorID); err != nil {
		return nil, fmt.Errorf("outbox: organizer: %w", err)
	}
	if ev.Post.GroupID != nil {
		if m.Group, err = models.ActorByID(ctx, db, *ev.Post.GroupID); err != nil {
			return nil, fmt.Errorf("outbox: meetup's group: %w", err)
		}
	}
	return m, nil
}

// AnswerMeetup records a local person's answer (going, maybe, not_going)
// to a meetup, in one transaction with what it sends: for a meetup here,
// under its rules (models.AnswerEvent), telling whoever moves off the
// waitlist; for a remote one, in the form its server takes (remoteAnswer).
func (o *Outbox) AnswerMeetup(ctx context.Context, who *models.Actor, postID int64, want string) (models.Outcome, error) {
	return o.changeAnswer(ctx, postID, "answer meetup", func(tx pgx.Tx, m *Meetup) (models.Outcome, error) {
		if !m.Post.Local {
			return o.remoteAnswer(ctx, tx, m, who, want)
		}
		if m.Group != nil {
			if err := MayAnswer(ctx, tx, m.Group.ID, who.ID); err != nil {
				return models.Outcome{}, err
			}
		}
		out, err := models.AnswerEvent(ctx, tx, models.Answer{EventID: postID, ActorID: who.ID, Want: want, Via: models.RSVPViaLocal})
		if err != nil {
			return out, err
		}
		return out, o.AfterRSVP(ctx, tx, m, who, RSVPNews{Via: models.RSVPViaLocal, Outcome: out, Own: true})
	})
}

// WithdrawFromMeetup takes a local person's answer back; a remote meetup's
// server is told (Leave, or Undo of the answer sent).
func (o *Outbox) WithdrawFromMeetup(ctx context.Context, who *models.Actor, postID int64) (models.Outcome, error) {
	return o.changeAnswer(ctx, postID, "withdraw from meetup", func(tx pgx.Tx, m *Meetup) (models.Outcome, error) {
		if !m.Post.Local {
			return o.remoteWithdraw(ctx, tx, m, who)
		}
		out, err := models.WithdrawRSVP(ctx, tx, postID, who.ID)
		if err != nil {
			return out, err
		}
		return out, o.AfterRSVP(ctx, tx, m, who, RSVPNews{Via: models.RSVPViaLocal, Outcome: out, Own: true})
	})
}

// DecideAnswer is the organizer's or a group moderator's decision on a
// pending answer to a local meetup; the person hears of it in the way
// they answered.
func (o *Outbox) DecideAnswer(ctx context.Context, decider *models.Actor, postID, personID int64, approve bool) (models.Outcome, error) {
	return o.changeAnswer(ctx, postID, "decide answer", func(tx pgx.Tx, m *Meetup) (models.Outcome, error) {
		if !m.Post.Local {
			return models.Outcome{}, ErrNotMeetup
		}
		if ok, err := models.MayChangeEvent(ctx, tx, m.Post, decider.ID); err != nil || !ok {
			if err == nil {
				err = ErrNotOrganizer
			}
			return models.Outcome{}, err
		}
		before, err := models.RSVPOf(ctx, tx, postID, personID)
		if err != nil {
			return models.Outcome{}, err
		}
		out, err := models.DecideRSVP(ctx, tx, postID, personID, approve)
		if err != nil {
			return out, err
		}
		person, err := models.ActorByID(ctx, tx, personID)
		if err != nil {
			return out, err
		}
		return out, o.AfterRSVP(ctx, tx, m, person, RSVPNews{Via: before.Via, ActivityURI: before.ActivityURI, Outcome: out, Decided: true})
	})
}

// changeAnswer runs change on the meetup of postID in one transaction,
// so that a change of answers and what it sends stand or fall together;
// what names it in errors.
func (o *Outbox) changeAnswer(ctx context.Context, postID int64, what string, change func(tx pgx.Tx, m *Meetup) (models.Outcome, error)) (models.Outcome, error) {
	var out models.Outcome
	err := models.InTx(ctx, o.db, func(tx pgx.Tx) error {
		m, err := LoadMeetup(ctx, tx, postID)
		if err != nil {
			return err
		}
		out, err = change(tx, m)
		return err
	})
	if err != nil {
		return models.Outcome{}, fmt.Errorf("outbox: %s: %w", what, err)
	}
	return out, nil
}

// RSVPNews is a change of one person's answer to a local meetup, and how
// it came about.
type RSVPNews struct {
	Via         string // how the person answered (models.RSVPVia...)
	ActivityURI string // the Join (or other activity) that carried the answer
	Outcome     models.Outcome
	Own         bool // the person's own doing (an answer, a vote, a Leave)
	Decided     bool // the organizer's decision on a pending answer
}

// AfterRSVP sends, in tx, what a change of answers to a local meetup
// calls for: the person hears of it in the way they answered (Accept or
// Reject of a Mobilizon Join, a direct note to a voter or a Friendica
// answer), each person it let off the waitlist is told, and the group's
// RSVP poll shows the new counts.
func (o *Outbox) AfterRSVP(ctx context.Context, tx pgx.Tx, m *Meetup, person *models.Actor, n RSVPNews) error {
	if err := o.tellPerson(ctx, tx, m, person, n); err != nil {
		return err
	}
	for _, r := range n.Outcome.Promoted {
		promoted, err := models.ActorByID(ctx, tx, r.ActorID)
		if err != nil {
			return err
		}
		news := RSVPNews{Via: r.Via, ActivityURI: r.ActivityURI,
			Outcome: models.Outcome{Status: models.RSVPGoing, Previous: models.RSVPWaitlist}}
		if err := o.tellPerson(ctx, tx, m, promoted, news); err != nil {
			return err
		}
	}
	return o.RefreshRSVPQuestion(ctx, tx, m)
}

// tellPerson tells one person of their new status.
func (o *Outbox) tellPerson(ctx context.Context, tx pgx.Tx, m *Meetup, person *models.Actor, n RSVPNews) error {
	status, prev := n.Outcome.Status, n.Outcome.Previous
	changed := status != prev
	refused := n.Decided && status == ""
	if person.IsLocal() {
		if n.Own || (!changed && !refused) {
			return nil
		}
		// Let off the waitlist, or the organizer decided: she did not do it herself.
		return models.Notify(ctx, tx, person.ID, models.NotifyEventUpdate, m.Organizer.ID, &m.Post.ID, nil)
	}
	newlyGoing := status == models.RSVPGoing && prev != models.RSVPGoing
	switch n.Via {
	case models.RSVPViaJoin:
		join := federation.JoinRef{ID: n.ActivityURI, Actor: person.URI, Event: m.Post.URI}
		switch {
		case status == models.RSVPGoing && (newlyGoing || n.Own):
			// A Join repeated is accepted again, as Mastodon does a repeated Follow.
			if err := o.answerJoin(ctx, tx, m, person, "Accept", join); err != nil {
				return err
			}
			if newlyGoing && m.Event.AddressForGoing {
				return o.sendRSVPNote(ctx, tx, m, person, status, true)
			}
		case refused:
			return o.answerJoin(ctx, tx, m, person, "Reject", join)
		case changed && status == models.RSVPWaitlist:
			return o.sendRSVPNote(ctx, tx, m, person, status, false)
		}
	case models.RSVPViaPoll:
		if n.Own || changed || refused {
			return o.sendRSVPNote(ctx, tx, m, person, status, false)
		}
	default: // Friendica and Gathio, and remote people answering in other ways
		switch {
		case refused, newlyGoing && (!n.Own || m.Event.AddressForGoing),
			changed && (status == models.RSVPWaitlist || status == models.RSVPPending):
			return o.sendRSVPNote(ctx, tx, m, person, status, false)
		}
	}
	return nil
}

// answerJoin sends the organizer's Accept{Join} or Reject{Join}: Mobilizon
// takes an answer to a Join only from the event's organizer.
func (o *Outbox) answerJoin(ctx context.Context, tx pgx.Tx, m *Meetup, person *models.Actor, typ string, join federation.JoinRef) error {
	if join.ID == "" {
		return nil // no Join to answer
	}
	id := o.urls.NewActivityID()
	doc := federation.AnswerJoinDocument(typ, id, o.urls.Actor(m.Organizer), join)
	_, err := o.Send(ctx, tx, Message{Actor: m.Organizer, ID: id, Document: doc, ObjectURI: join.ID,
		Inboxes: []string{person.InboxURL}})
	return err
}

// sendRSVPNote sends a remote person a direct note from the group (from
// the organizer for a meetup in no group) saying where they stand. It
// gives the street address when they are going and the meetup keeps it
// for people going.
func (o *Outbox) sendRSVPNote(ctx context.Context, tx pgx.Tx, m *Meetup, person *models.Actor, status string, addressOnly bool) error {
	from := noteSender(m)
	var text string
	if addressOnly {
		text = "The address of " + quoted(m.Post.Name) + ":"
	} else {
		place := 0
		if status == models.RSVPWaitlist {
			var err error
			if place, err = models.WaitlistPlace(ctx, tx, m.Event.PostID, person.ID); err != nil {
				return err
			}
		}
		text = RSVPStatusText(m.Post.Name, status, place)
	}
	body := "<p>" + mentionHTML(person) + " " + escape(text) + "</p>"
	if status == models.RSVPGoing && m.Event.AddressForGoing {
		if addr := StreetAddress(m.Event.Place); addr != "" {
			body += "<p>" + escape(addr) + "</p>"
		}
	}
	body += `<p><a href="` + escape(o.EventPage(m)) + `">` + escape(o.EventPage(m)) + `</a></p>`
	return o.sendMeetupNote(ctx, tx, from, m, person, body)
}

// sendMeetupNote sends a remote person a direct note about a meetup from
// a local actor (its group, or its organizer), to them alone, in reply
// to the meetup's RSVP poll so that Mastodon threads the notes there.
func (o *Outbox) sendMeetupNote(ctx context.Context, tx pgx.Tx, from *models.Actor, m *Meetup, person *models.Actor, body string) error {
	id := o.urls.NewActivityID()
	doc := federation.CreateDirectNote(id, federation.DirectNote{ID: id + "/note", Author: o.urls.Actor(from),
		InReplyTo: federation.RSVPQuestionID(m.Post.URI), To: person, Handle: o.handle(person), Content: body})
	_, err := o.Send(ctx, tx, Message{Actor: from, ID: id, Document: doc, ObjectURI: id + "/note",
		Inboxes: []string{person.InboxURL}})
	return err
}

// RSVPStatusText says in a sentence where someone stands with a meetup
// (place is their place on the waiting list).
func RSVPStatusText(title, status string, place int) string {
	t := quoted(title)
	switch status {
	case models.RSVPGoing:
		return "You're going to " + t + ". See you there!"
	case models.RSVPMaybe:
		return "You answered maybe to " + t + "."
	case models.RSVPNotGoing:
		return "You're not going to " + t + ". Thanks for letting us know."
	case models.RSVPWaitlist:
		return fmt.Sprintf("%s is full: you're on the waiting list (number %d). You'll hear from us when a place opens.", t, place)
	case models.RSVPPending:
		return "The organizer of " + t + " decides who comes: you'll hear from us when they have."
	}
	return "The organizer of " + t + " could not take you this time."
}

// StreetAddress is a place's full address in one line.
func StreetAddress(p models.Place) string {
	var parts []string
	for _, s := range []string{p.Name, p.StreetAddress, strings.TrimSpace(p.PostalCode + " " + p.Locality), p.Region, p.Country} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if p.StreetAddress == "" {
		return ""
	}
	return strings.Join(parts, ", ")
}

// EventPage is a local meetup's HTML page.
func (o *Outbox) EventPage(m *Meetup) string {
	if !m.Post.Local {
		return m.Post.URL
	}
	return fmt.Sprintf("%s/events/%d", o.urls.Base, m.Post.ID)
}

func quoted(s string) string { return "“" + s + "”" }

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace(s)
}

// mentionHTML is a mention as Mastodon writes one.
func mentionHTML(a *models.Actor) string {
	href := a.URL
	if href == "" {
		href = a.URI
	}
	return `<span class="h-card"><a href="` + escape(href) + `" class="u-url mention">@<span>` +
		escape(a.Username) + `</span></a></span>`
}
