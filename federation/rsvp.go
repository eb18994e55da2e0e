package federation

import (
	"strings"
	"time"

	"github.com/village-social/village/models"
)

// RSVP on the wire. Each server answers a meetup its own way:
//   - Mobilizon (and Village) send Join{Event}, with Mobilizon's
//     participationMessage, and Leave{Event} or Undo{Join}; the organizer
//     answers Accept{Join} or Reject{Join};
//   - Friendica sends Accept (going), TentativeAccept (maybe) and Reject
//     (not going) of the Event, and Gathio takes Accept{Event};
//   - Mastodon and its kin show an Event as a link: they answer the
//     group's RSVP poll (a Question), and are confirmed by a direct note.

// RSVP poll options, in the order the Question lists them.
const (
	RSVPOptionGoing    = "Going"
	RSVPOptionMaybe    = "Maybe"
	RSVPOptionNotGoing = "Not going"
)

// rsvpOptions maps each option of the RSVP poll to the answer it gives.
var rsvpOptions = []struct{ name, want string }{
	{RSVPOptionGoing, models.RSVPGoing},
	{RSVPOptionMaybe, models.RSVPMaybe},
	{RSVPOptionNotGoing, models.RSVPNotGoing},
}

// RSVPOptionAnswer is the answer an option of the RSVP poll gives; false
// for a name that is no option.
func RSVPOptionAnswer(name string) (string, bool) {
	for _, o := range rsvpOptions {
		if o.name == name {
			return o.want, true
		}
	}
	return "", false
}

// rsvpQuestionSuffix ends the id of a meetup's RSVP poll, which is the
// meetup's post id followed by it.
const rsvpQuestionSuffix = "/rsvp"

// RSVPQuestionID is the id of the RSVP poll of the meetup whose post is postURI.
func RSVPQuestionID(postURI string) string { return postURI + rsvpQuestionSuffix }

// RSVPQuestionEvent is the post id of the meetup whose RSVP poll is id.
func RSVPQuestionEvent(id string) (string, bool) {
	post, ok := strings.CutSuffix(id, rsvpQuestionSuffix)
	return post, ok && post != ""
}

// rsvpContext adds the terms these documents use beyond Context: toot's
// votersCount and Mobilizon's participationMessage.
func rsvpContext() []any {
	return append(Context(), map[string]any{
		"votersCount":          "toot:votersCount",
		"mz":                   "https://joinmobilizon.org/ns#",
		"participationMessage": "mz:participationMessage",
	})
}

// RSVPQuestion is what the group's RSVP poll of a meetup says.
type RSVPQuestion struct {
	PostURI string // the meetup's post
	Group   string // the group's id: the poll's author
	URL     string // the meetup's page
	Content string // HTML: the key facts in text, and the link
	Counts  models.RSVPCounts
	EndTime time.Time // the meetup's start: answers close then
	// ClosedAt, when set, is when the poll closed: its end, or the
	// meetup's cancellation. Mastodon takes it as the poll's end, so a
	// time past is what stops its members voting.
	ClosedAt time.Time
	// Updated, when set, marks the poll edited then (a cancellation):
	// Mastodon applies a poll's new end only in an edit.
	Updated  time.Time
	To, Cc   []string
	Audience string
}

// RSVPQuestionDocument is the RSVP poll as Mastodon reads a poll: a
// single-choice Question whose options count their answers (waiting
// people count as going: they asked to go).
func RSVPQuestionDocument(q RSVPQuestion) map[string]any {
	counts := map[string]int{
		RSVPOptionGoing:    q.Counts.Going + q.Counts.Waitlist + q.Counts.Pending,
		RSVPOptionMaybe:    q.Counts.Maybe,
		RSVPOptionNotGoing: q.Counts.NotGoing,
	}
	voters := 0
	var options []any
	for _, o := range rsvpOptions {
		voters += counts[o.name]
		options = append(options, map[string]any{"type": "Note", "name": o.name,
			"replies": map[string]any{"type": "Collection", "totalItems": counts[o.name]}})
	}
	doc := map[string]any{
		"@context":     rsvpContext(),
		"id":           RSVPQuestionID(q.PostURI),
		"type":         "Question",
		"attributedTo": q.Group,
		"content":      q.Content,
		"url":          q.URL,
		"oneOf":        options,
		"votersCount":  voters,
		"endTime":      q.EndTime.UTC().Format(time.RFC3339),
		"published":    time.Now().UTC().Format(time.RFC3339),
		"to":           stringsOrEmpty(q.To),
		"cc":           stringsOrEmpty(q.Cc),
	}
	if q.Audience != "" {
		doc["audience"] = q.Audience
	}
	if !q.ClosedAt.IsZero() {
		doc["closed"] = q.ClosedAt.UTC().Format(time.RFC3339)
	}
	if !q.Updated.IsZero() {
		doc["updated"] = q.Updated.UTC().Format(time.RFC3339)
	}
	return doc
}

func stringsOrEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// JoinRef is a Join being answered or undone: its id, who joins, and the event.
type JoinRef struct {
	ID, Actor, Event string
}

// JoinDocument is Join{Event}, as Mobilizon sends it, with the person's
// message to the organizer.
func JoinDocument(j JoinRef, to []string, message string) map[string]any {
	doc := map[string]any{"@context": rsvpContext(), "id": j.ID, "type": "Join", "actor": j.Actor,
		"object": j.Event, "to": stringsOrEmpty(to)}
	if message != "" {
		doc["participationMessage"] = message
	}
	return doc
}

// AnswerJoinDocument is the organizer's Accept{Join} or Reject{Join},
// embedding the Join (Mobilizon finds it by its id).
func AnswerJoinDocument(typ, id, organizer string, j JoinRef) map[string]any {
	return map[string]any{"@context": Context(), "id": id, "type": typ, "actor": organizer,
		"object": map[string]any{"id": j.ID, "type": "Join", "actor": j.Actor, "object": j.Event},
		"to":     []string{j.Actor}}
}

// LeaveDocument is Leave{Event}, as Mobilizon sends it when someone stops going.
func LeaveDocument(id, actor, event string, to []string) map[string]any {
	return map[string]any{"@context": Context(), "id": id, "type": "Leave", "actor": actor, "object": event,
		"to": stringsOrEmpty(to)}
}

// EventAnswerDocument is Friendica's answer to an event: Accept (going),
// TentativeAccept (maybe) or Reject (not going) of it.
func EventAnswerDocument(typ, id, actor, event string, to []string) map[string]any {
	return map[string]any{"@context": Context(), "id": id, "type": typ, "actor": actor, "object": event,
		"to": stringsOrEmpty(to)}
}

// EventAnswerType is the Friendica-style activity that gives an answer.
func EventAnswerType(want string) string {
	switch want {
	case models.RSVPGoing:
		return "Accept"
	case models.RSVPMaybe:
		return "TentativeAccept"
	}
	return "Reject"
}

// UndoDocument is Undo of an activity we sent, embedded by id, type,
// actor and object, as servers match it.
func UndoDocument(id, actor string, inner map[string]any, to []string) map[string]any {
	return map[string]any{"@context": Context(), "id": id, "type": "Undo", "actor": actor, "object": inner,
		"to": stringsOrEmpty(to)}
}

// DirectNote is a note from a local actor to one person only (Mastodon's
// "mentioned people only"): to that person alone, mentioning them.
type DirectNote struct {
	ID, Author, InReplyTo string
	To                    *models.Actor // the person, remote
	Handle                string        // @name@domain, as the mention shows
	Content               string        // HTML, starting with the mention
}

// CreateDirectNote is Create{Note} of a direct note, addressed only to
// its one reader.
func CreateDirectNote(activityID string, n DirectNote) map[string]any {
	note := map[string]any{"id": n.ID, "type": "Note", "attributedTo": n.Author, "content": n.Content,
		"to": []string{n.To.URI}, "cc": []string{}, "published": time.Now().UTC().Format(time.RFC3339),
		"tag": []any{map[string]any{"type": "Mention", "href": n.To.URI, "name": n.Handle}}}
	if n.InReplyTo != "" {
		note["inReplyTo"] = n.InReplyTo
	}
	return map[string]any{"@context": Context(), "id": activityID, "type": "Create", "actor": n.Author,
		"to": []string{n.To.URI}, "cc": []string{}, "object": note}
}
