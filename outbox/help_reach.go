package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// A local group's help calendar reaches its members on other servers as
// a Note carrying helpCalendar (federation/help.go): sent to the group's
// followers when it opens, and again as an Update after each change.
// Nothing of it goes to anyone who is not a member, and the address and
// notes are never in it.

// HelpCalendarURI is a local calendar's id, which is its page too.
func (o *Outbox) HelpCalendarURI(calendarID int64) string {
	return o.urls.Base + "/help/" + strconv.FormatInt(calendarID, 10)
}

// HelpCalendarID is the local calendar an id names; false for any other.
func (o *Outbox) HelpCalendarID(uri string) (int64, bool) {
	rest, ok := strings.CutPrefix(uri, o.urls.Base+"/help/")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0
}

// HelpChanged tells the group's members on other servers how a local
// calendar stands now, in tx: Create the first time, then Update, sent
// only when what they are told has changed, and merged into an Update
// still waiting to go. Every action on a calendar calls it.
func (o *Outbox) HelpChanged(ctx context.Context, tx pgx.Tx, calendarID int64) error {
	cal, err := models.HelpCalendarByID(ctx, tx, calendarID)
	if err != nil {
		return err
	}
	group, err := models.ActorByID(ctx, tx, cal.GroupID)
	if err != nil || !group.IsLocal() {
		return err // another server's calendar: told by its own group
	}
	// Mastodon's kin see no calendar: their sign-up poll (help_question.go) follows it.
	if err := o.SendHelpQuestion(ctx, tx, calendarID, "Update"); err != nil {
		return err
	}
	inboxes, err := models.FollowerInboxes(ctx, tx, group.ID)
	if err != nil || len(inboxes) == 0 {
		return err
	}
	note, err := o.HelpCalendarDocument(ctx, tx, cal, group)
	if err != nil {
		return err
	}
	uri := note["id"].(string)
	if same, err := o.alreadyTold(ctx, tx, uri, note); err != nil || same {
		return err
	}
	groupURI := o.urls.Actor(group)
	addr := federation.NoteAddress{To: []string{o.urls.Followers(group)}, Audience: groupURI}
	kind, id := "Create", uri+"/activity"
	if _, err := models.ActivityByURI(ctx, tx, id); err == nil {
		kind, id = "Update", o.urls.NewActivityID()
	} else if !errors.Is(err, models.ErrNotFound) {
		return err
	}
	doc, err := federation.Wrap(kind, id, groupURI, addr, note)
	if err != nil {
		return fmt.Errorf("outbox: help calendar: %w", err)
	}
	if kind == "Update" {
		pending, err := models.UnsentActivity(ctx, tx, group.ID, "Update", uri)
		switch {
		case err == nil:
			doc["id"] = pending.URI
			body, err := json.Marshal(doc)
			if err != nil {
				return fmt.Errorf("outbox: help calendar: %w", err)
			}
			return models.ReplaceActivityBody(ctx, tx, pending.ID, body)
		case !errors.Is(err, models.ErrNotFound):
			return err
		}
	}
	_, err = o.Send(ctx, tx, Message{Actor: group, ID: id, Document: doc, ObjectURI: uri, Inboxes: inboxes})
	return err
}

// alreadyTold reports whether the last calendar sent says what note says
// (a note of support changes nothing members' servers show).
func (o *Outbox) alreadyTold(ctx context.Context, tx pgx.Tx, uri string, note map[string]any) (bool, error) {
	last, err := models.LatestObject(ctx, tx, uri)
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var sent map[string]any
	if err := json.Unmarshal(last, &sent); err != nil {
		return false, nil
	}
	now, err := json.Marshal(note)
	if err != nil {
		return false, fmt.Errorf("outbox: help calendar: %w", err)
	}
	var fresh map[string]any
	if err := json.Unmarshal(now, &fresh); err != nil {
		return false, fmt.Errorf("outbox: help calendar: %w", err)
	}
	for _, doc := range []map[string]any{sent, fresh} {
		delete(doc, "updated")
		delete(doc, "@context")
	}
	return reflect.DeepEqual(sent, fresh), nil
}

// HelpCalendarDocument is a local calendar as its members' servers get
// it, and as a member's server fetches it.
func (o *Outbox) HelpCalendarDocument(ctx context.Context, db models.DB, cal *models.HelpCalendar, group *models.Actor) (map[string]any, error) {
	uri := o.HelpCalendarURI(cal.ID)
	d := federation.HelpCalendarDoc{ID: uri, Group: o.urls.Actor(group), Followers: o.urls.Followers(group), Title: cal.Title,
		Story: cal.Story, Kind: cal.Kind, Status: cal.Status, TimeZone: cal.TimeZone, StartsOn: cal.StartsOn, EndsOn: cal.EndsOn,
		RecipientName: cal.RecipientName, FundURL: cal.FundURL, FundNote: cal.FundNote, Signup: uri + "/signup",
		Published: cal.CreatedAt, Updated: cal.UpdatedAt}
	actorURI := o.actorURIs(ctx, db)
	var err error
	if d.OpenedBy, err = actorURI(cal.OpenedBy); err != nil {
		return nil, err
	}
	if cal.RecipientID != nil {
		if d.Recipient, err = actorURI(*cal.RecipientID); err != nil {
			return nil, err
		}
	}
	organizers, err := models.HelpOrganizers(ctx, db, cal.ID)
	if err != nil {
		return nil, err
	}
	for _, id := range organizers {
		u, err := actorURI(id)
		if err != nil {
			return nil, err
		}
		d.Organizers = append(d.Organizers, u)
	}
	slots, err := models.HelpSlots(ctx, db, cal.ID)
	if err != nil {
		return nil, err
	}
	for _, s := range slots {
		sd := federation.HelpSlotDoc{ID: federation.HelpSlotID(uri, s.ID), Name: s.Label, Day: s.Day, At: s.At,
			Places: s.Places, Taken: len(s.Claims)}
		for _, c := range s.Claims {
			if c.ActorID == nil {
				continue // a name an organizer filled in stays here
			}
			u, err := actorURI(*c.ActorID)
			if err != nil {
				return nil, err
			}
			sd.Helpers = append(sd.Helpers, u)
		}
		d.Slots = append(d.Slots, sd)
	}
	d.Content = helpCalendarText(cal, d.Slots, uri)
	return federation.HelpCalendarDocument(o.urls.Base, d), nil
}

// actorURIs looks up actors' ids once each.
func (o *Outbox) actorURIs(ctx context.Context, db models.DB) func(id int64) (string, error) {
	known := map[int64]string{}
	return func(id int64) (string, error) {
		if u, ok := known[id]; ok {
			return u, nil
		}
		a, err := models.ActorByID(ctx, db, id)
		if err != nil {
			return "", err
		}
		known[id] = o.urls.Actor(a)
		return known[id], nil
	}
}

// helpOpenSlotsShown bounds the open slots a calendar's text lists.
const helpOpenSlotsShown = 8

// helpCalendarText is the calendar in words for servers that show only
// a Note: for whom, the story, the open slots, and how to sign up.
func helpCalendarText(cal *models.HelpCalendar, slots []federation.HelpSlotDoc, page string) string {
	var b strings.Builder
	b.WriteString("<p><strong>" + escape(cal.Title) + "</strong>")
	if cal.RecipientName != "" {
		b.WriteString("<br>" + escape("For "+cal.RecipientName))
	}
	b.WriteString("<br>" + escape(cal.StartsOn.Format("Mon 2 Jan")+" to "+cal.EndsOn.Format("Mon 2 Jan 2006")) + "</p>")
	b.WriteString(cal.Story)
	switch cal.Status {
	case models.HelpPaused:
		b.WriteString("<p>" + escape("This calendar is paused: it takes no sign-ups for now.") + "</p>")
	case models.HelpClosed:
		b.WriteString("<p>" + escape("This calendar is closed. Thank you to everyone who helped.") + "</p>")
	default:
		today := time.Now().In(zoneOf(cal.TimeZone)).Format("2006-01-02")
		var open []string
		for _, s := range slots {
			if s.Taken < s.Places && s.Day.Format("2006-01-02") >= today && len(open) < helpOpenSlotsShown {
				open = append(open, escape(HelpSlotName(s)))
			}
		}
		if len(open) > 0 {
			b.WriteString("<p>" + escape("Still open:") + "<br>" + strings.Join(open, "<br>") + "</p>")
		}
		b.WriteString("<p>" + escape("Sign up on the calendar, or in the group's sign-up poll if your app shows polls:") +
			" <a href=\"" + escape(page) + "\">" + escape(page) + "</a></p>")
	}
	return b.String()
}

// HelpSlotName is a slot in words: "Tue 8 Dec 18:00 · Dinner".
func HelpSlotName(s federation.HelpSlotDoc) string {
	when := s.Day.Format("Mon 2 Jan")
	if s.At != "" {
		when += " " + s.At
	}
	return when + " · " + s.Name
}

// zoneOf is a calendar's zone, UTC when it cannot be loaded.
func zoneOf(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// helpGroupChanged tells members' servers of a group's calendars as they
// stand after someone left or was banned and her places were freed
// (HelpChanged sends only those whose news changed).
func (o *Outbox) helpGroupChanged(ctx context.Context, tx pgx.Tx, groupID int64) error {
	calendars, err := models.GroupHelpCalendars(ctx, tx, groupID, 0)
	if err != nil {
		return err
	}
	for _, cal := range calendars {
		if err := o.HelpChanged(ctx, tx, cal.ID); err != nil {
			return err
		}
	}
	return nil
}

// AnswerHelpJoin answers a member's Join of a local calendar's slot, in
// tx: Accept with her claim's id and the private details (address,
// notes) when she holds a place, to her alone; else Reject saying why.
func (o *Outbox) AnswerHelpJoin(ctx context.Context, tx pgx.Tx, cal *models.HelpCalendar, joinID string, who *models.Actor, slot string, claim *models.HelpClaim, reason string) error {
	group, err := models.ActorByID(ctx, tx, cal.GroupID)
	if err != nil {
		return err
	}
	answer := federation.HelpAnswer{ID: o.urls.NewActivityID(), Group: o.urls.Actor(group),
		Join: federation.JoinRef{ID: joinID, Actor: who.URI, Event: slot}, Reason: reason}
	typ := "Reject"
	if claim != nil {
		typ = "Accept"
		answer.Claim = o.HelpCalendarURI(cal.ID) + "/claims/" + strconv.FormatInt(claim.ID, 10)
		details := cal.Private
		answer.Details = &details
	}
	doc := federation.HelpAnswerDocument(o.urls.Base, typ, answer)
	_, err = o.Send(ctx, tx, Message{Actor: group, ID: answer.ID, Document: doc, ObjectURI: joinID,
		Inboxes: []string{o.urls.DeliveryInbox(who)}})
	return err
}
