package outbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// Direct notes from a group to helpers on other servers, who see no
// calendar page: the answer to a vote in the sign-up poll, organizers'
// updates and the recipient's thanks, and the day-before reminder. Each
// is to the helper alone, in reply to the poll so that Mastodon threads
// them there. The address and notes go only to people who took a place.

// HelpVoteReply is how the group answers a vote in the sign-up poll.
type HelpVoteReply int

const (
	HelpVoteClaimed HelpVoteReply = iota // the place is hers: the details
	HelpVoteAlready                      // she had it already: the details again
	HelpVoteTaken                        // no place left: the open ones
	HelpVoteOver                         // the day has passed: the open ones
	HelpVoteNotOpen                      // the calendar is paused or closed: nothing claimed
)

// AnswerHelpVote sends a voter, in tx, the group's answer about slot.
func (o *Outbox) AnswerHelpVote(ctx context.Context, tx pgx.Tx, cal *models.HelpCalendar, slot *models.HelpSlot,
	person *models.Actor, reply HelpVoteReply) error {
	name := federation.HelpOptionNames([]*models.HelpSlot{slot})[slot.ID]
	var body string
	switch reply {
	case HelpVoteClaimed:
		body = para(person, "You're down for "+slotWhen(cal, slot)+" for "+quoted(cal.Title)+". Thank you!") +
			helpDetails(cal) + "<p>" + escape("Can't make it after all? Tell the organizers.") + "</p>"
	case HelpVoteAlready:
		body = para(person, "You already have "+slotWhen(cal, slot)+" for "+quoted(cal.Title)+": nothing more to do. Thank you!") +
			helpDetails(cal)
	case HelpVoteTaken, HelpVoteOver:
		why := "That slot was just taken"
		if reply == HelpVoteOver {
			why = "That day is over"
		}
		open, err := o.openSlotNames(ctx, tx, cal)
		if err != nil {
			return err
		}
		body = para(person, why+" ("+name+"), so nothing was claimed for you.")
		if len(open) == 0 {
			body += "<p>" + escape("Every slot of "+quoted(cal.Title)+" is taken now. Thank you for offering!") + "</p>"
		} else {
			body += "<p>" + escape("Here are the open ones: "+strings.Join(open, "; ")+".") + "</p>"
		}
	case HelpVoteNotOpen:
		state := "Sign-ups for " + quoted(cal.Title) + " are paused"
		if cal.Status == models.HelpClosed {
			state = quoted(cal.Title) + " is closed"
		}
		body = para(person, state+", so nothing was claimed for you.")
	default:
		return fmt.Errorf("outbox: unknown help vote reply %d", reply)
	}
	return o.sendHelpNote(ctx, tx, cal, person, body)
}

// openSlotNames are the options the poll offers now.
func (o *Outbox) openSlotNames(ctx context.Context, tx pgx.Tx, cal *models.HelpCalendar) ([]string, error) {
	slots, err := models.HelpSlots(ctx, tx, cal.ID)
	if err != nil {
		return nil, err
	}
	names := federation.HelpOptionNames(slots)
	var out []string
	for _, s := range federation.HelpSignupOptions(cal, slots, time.Now()) {
		out = append(out, names[s.ID])
	}
	return out, nil
}

// PostHelpUpdate is models.PostHelpUpdate, and helpers on other servers
// hear of it (TellRemoteHelpers) in the same transaction (db is usually
// the caller's).
func (o *Outbox) PostHelpUpdate(ctx context.Context, db models.DB, cal *models.HelpCalendar, authorID int64, kind, body string) (*models.HelpUpdate, error) {
	var u *models.HelpUpdate
	err := models.InTx(ctx, db, func(tx pgx.Tx) error {
		var err error
		if u, err = models.PostHelpUpdate(ctx, tx, cal, authorID, kind, body); err != nil {
			return err
		}
		return o.TellRemoteHelpers(ctx, tx, cal, u)
	})
	return u, err
}

// TellRemoteHelpers sends an organizer's update or the recipient's
// thanks to each helper on another server who is still a member, as
// PostHelpUpdate notifies local ones; notes of support tell no one.
func (o *Outbox) TellRemoteHelpers(ctx context.Context, tx pgx.Tx, cal *models.HelpCalendar, u *models.HelpUpdate) error {
	var lead string
	switch u.Kind {
	case models.HelpUpdateNews:
		lead = "News from " + quoted(cal.Title) + ":"
	case models.HelpUpdateThanks:
		lead = "A thank-you from " + quoted(cal.Title) + ":"
	default:
		return nil
	}
	helpers, err := models.RemoteHelpers(ctx, tx, cal.ID)
	if err != nil {
		return err
	}
	for _, id := range helpers {
		person, err := models.ActorByID(ctx, tx, id)
		if err != nil {
			return err
		}
		body := para(person, lead) + "<p>" + strings.ReplaceAll(escape(u.Body), "\n", "<br>") + "</p>"
		if err := o.sendHelpNote(ctx, tx, cal, person, body); err != nil {
			return err
		}
	}
	return nil
}

// RemindHelpers is models.RemindHelpers, and each helper on a server that
// is not a Village (which reminds its own members from its copy) is
// reminded by a direct note with the details, in the same transaction.
func (o *Outbox) RemindHelpers(ctx context.Context, db models.DB, now time.Time) (int, error) {
	return models.RemindHelpersThen(ctx, db, now, func(tx pgx.Tx, due []models.HelpReminder) error {
		for _, r := range due {
			person, err := models.ActorByID(ctx, tx, r.ActorID)
			if err != nil {
				return err
			}
			software, _, err := models.InstanceSoftware(ctx, tx, person.Domain)
			if err != nil {
				return err
			}
			if strings.EqualFold(software, "village") {
				continue
			}
			cal, err := models.HelpCalendarByID(ctx, tx, r.CalendarID)
			if err != nil {
				return err
			}
			slot, err := helpSlot(ctx, tx, cal.ID, r.SlotID)
			if err != nil {
				return err
			}
			body := para(person, "A reminder: tomorrow, "+slotWhen(cal, slot)+" for "+quoted(cal.Title)+".") + helpDetails(cal)
			if err := o.sendHelpNote(ctx, tx, cal, person, body); err != nil {
				return err
			}
		}
		return nil
	})
}

func helpSlot(ctx context.Context, db models.DB, calendarID, slotID int64) (*models.HelpSlot, error) {
	slots, err := models.HelpSlots(ctx, db, calendarID)
	if err != nil {
		return nil, err
	}
	for _, s := range slots {
		if s.ID == slotID {
			return s, nil
		}
	}
	return nil, fmt.Errorf("outbox: help slot %d: %w", slotID, models.ErrNotFound)
}

// slotWhen is a slot in words: "Tuesday 9 December 2031, 18:00
// (Europe/Berlin): dinner".
func slotWhen(cal *models.HelpCalendar, s *models.HelpSlot) string {
	when := s.Day.Format("Monday 2 January 2006")
	if s.At != "" {
		when += ", " + s.At + " (" + cal.TimeZone + ")"
	}
	return when + ": " + s.Label
}

// helpDetails are what a calendar tells its helpers only.
func helpDetails(cal *models.HelpCalendar) string {
	p := cal.Private
	var lines []string
	for _, l := range []struct{ label, text string }{
		{"Address", p.Address}, {"Drop-off", p.DropOff}, {"Good to know", p.Notes},
	} {
		if t := strings.TrimSpace(l.text); t != "" {
			lines = append(lines, escape(l.label+": "+t))
		}
	}
	if p.NoVisits {
		lines = append(lines, escape("Please don't stay: leave it at the door."))
	}
	if len(lines) == 0 {
		return ""
	}
	return "<p>" + strings.ReplaceAll(strings.Join(lines, "<br>"), "\n", "<br>") + "</p>"
}

// para is a paragraph that mentions person first, as a direct note must.
func para(person *models.Actor, text string) string {
	return "<p>" + mentionHTML(person) + " " + escape(text) + "</p>"
}

// sendHelpNote sends a remote person a direct note from the calendar's
// group, in reply to its sign-up poll.
func (o *Outbox) sendHelpNote(ctx context.Context, tx pgx.Tx, cal *models.HelpCalendar, person *models.Actor, body string) error {
	if person.IsLocal() {
		return errors.New("outbox: a help note is for someone on another server")
	}
	group, err := models.ActorByID(ctx, tx, cal.GroupID)
	if err != nil {
		return fmt.Errorf("outbox: help calendar's group: %w", err)
	}
	id := o.urls.NewActivityID()
	doc := federation.CreateDirectNote(id, federation.DirectNote{ID: id + "/note", Author: o.urls.Actor(group),
		InReplyTo: o.HelpSignupID(cal.ID), To: person, Handle: o.handle(person), Content: body})
	_, err = o.Send(ctx, tx, Message{Actor: group, ID: id, Document: doc, ObjectURI: id + "/note",
		Inboxes: []string{person.InboxURL}})
	return err
}
