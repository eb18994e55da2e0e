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

// A help calendar's sign-up poll (federation/help_question.go): the group
// sends it to its Mastodon-family members, who see no calendar otherwise;
// a vote claims a place (inbox/help_vote.go) and is answered by a direct
// note (help_notes.go).

// signupCalendarURI is a local help calendar's id.
func (o *Outbox) signupCalendarURI(calendarID int64) string {
	return fmt.Sprintf("%s/help/%d", o.urls.Base, calendarID)
}

// HelpSignupID is the id of a local calendar's sign-up poll.
func (o *Outbox) HelpSignupID(calendarID int64) string {
	return federation.HelpSignupID(o.signupCalendarURI(calendarID))
}

// HelpQuestionDocument is a calendar's sign-up poll as served at its id
// and sent, with the places taken as they stand.
func (o *Outbox) HelpQuestionDocument(ctx context.Context, db models.DB, cal *models.HelpCalendar, group *models.Actor) (map[string]any, error) {
	slots, err := models.HelpSlots(ctx, db, cal.ID)
	if err != nil {
		return nil, err
	}
	return federation.HelpQuestionDocument(federation.HelpQuestion{CalendarURI: o.signupCalendarURI(cal.ID),
		Group: o.urls.Actor(group), Followers: o.urls.Followers(group), Content: helpFacts(cal), Calendar: cal,
		Slots: slots, Now: time.Now()}), nil
}

// helpFacts are what the poll says of a calendar: its title, kind and
// dates, and how to sign up. Never the address or the notes: those go
// to helpers only, in the note that confirms a claim.
func helpFacts(cal *models.HelpCalendar) string {
	dates := cal.StartsOn.Format("Mon 2 Jan") + " – " + cal.EndsOn.Format("Mon 2 Jan 2006")
	s := "<p>" + escape(quoted(cal.Title)) + " (" + escape(cal.Kind) + ")<br>" + escape(dates) + "</p>"
	switch cal.Status {
	case models.HelpPaused:
		return s + "<p>Sign-ups are paused for now.</p>"
	case models.HelpClosed:
		return s + "<p>This calendar is closed.</p>"
	}
	return s + "<p>" + escape("Vote for each slot you can take: a vote takes a place, and the group answers you "+
		"in a private message with the details. The numbers show the places taken.") + "</p>"
}

// SendHelpQuestion sends a local calendar's sign-up poll from its group
// to the group's Mastodon-family members, in tx: Create the first time
// (whatever kind says), Update after that when the poll says something
// new (help_reach.go's alreadyTold); a burst of changes is one Update,
// the one not yet delivered taking the latest.
func (o *Outbox) SendHelpQuestion(ctx context.Context, tx pgx.Tx, calendarID int64, kind string) error {
	if kind != "Create" && kind != "Update" {
		return fmt.Errorf("outbox: help sign-up poll: no %q of it", kind)
	}
	cal, err := models.HelpCalendarByID(ctx, tx, calendarID)
	if err != nil {
		return err
	}
	group, err := models.ActorByID(ctx, tx, cal.GroupID)
	if err != nil {
		return fmt.Errorf("outbox: help calendar's group: %w", err)
	}
	if !group.IsLocal() {
		return nil
	}
	inboxes, err := rsvpAudience(ctx, tx, group)
	if err != nil || len(inboxes) == 0 {
		return err
	}
	qid := o.HelpSignupID(calendarID)
	createID := qid + "/activity"
	switch _, err := models.ActivityByURI(ctx, tx, createID); {
	case errors.Is(err, models.ErrNotFound):
		if cal.Status == models.HelpClosed {
			return nil // never sent, nothing to close
		}
		kind = "Create"
	case err != nil:
		return err
	default:
		kind = "Update"
	}
	question, err := o.HelpQuestionDocument(ctx, tx, cal, group)
	if err != nil {
		return err
	}
	if kind == "Update" {
		if same, err := o.alreadyTold(ctx, tx, qid, question); err != nil || same {
			return err // nothing Mastodon shows has changed
		}
	}
	groupURI := o.urls.Actor(group)
	addr := federation.NoteAddress{To: []string{o.urls.Followers(group)}, Cc: []string{}, Audience: groupURI}
	id := createID
	if kind == "Update" {
		id = o.urls.NewActivityID()
	}
	doc, err := federation.Wrap(kind, id, groupURI, addr, question)
	if err != nil {
		return fmt.Errorf("outbox: help sign-up poll: %w", err)
	}
	if kind == "Update" {
		pending, err := models.UnsentActivity(ctx, tx, group.ID, "Update", qid)
		switch {
		case err == nil:
			doc["id"] = pending.URI
			body, err := json.Marshal(doc)
			if err != nil {
				return fmt.Errorf("outbox: help sign-up poll: %w", err)
			}
			return models.ReplaceActivityBody(ctx, tx, pending.ID, body)
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
	}
	_, err = o.Send(ctx, tx, Message{Actor: group, ID: id, Document: doc, ObjectURI: qid, Inboxes: inboxes})
	return err
}
