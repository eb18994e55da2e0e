package i18n

// rsvp are the strings of answering meetups: the answer area of a
// meetup's page, the attendee list, and refusals.
var rsvp = map[string]string{
	"rsvp.answer.going":      "Going",
	"rsvp.answer.maybe":      "Maybe",
	"rsvp.answer.not_going":  "Can't go",
	"rsvp.leave":             "Leave",
	"rsvp.login":             "Log in to answer",
	"rsvp.you.going":         "You're going.",
	"rsvp.you.maybe":         "You might go.",
	"rsvp.you.not_going":     "You can't go.",
	"rsvp.you.pending":       "Waiting for the organizer to say yes.",
	"rsvp.you.waitlist":      "The meetup is full: you're number %d on the waiting list.",
	"rsvp.attendees":         "Who's coming",
	"rsvp.status.going":      "going",
	"rsvp.status.maybe":      "maybe",
	"rsvp.status.not_going":  "can't go",
	"rsvp.status.waitlist":   "waiting list",
	"rsvp.status.pending":    "asks to come",
	"rsvp.approve":           "Approve",
	"rsvp.refuse":            "Refuse",
	"rsvp.counts.only":       "Members of the group see who is coming.",
	"rsvp.refused.title":     "Your answer was not taken",
	"rsvp.refused.banned":    "You are banned from this group, so you cannot answer its meetups.",
	"rsvp.refused.members":   "Only members of this group can answer its meetups. Join the group first.",
	"rsvp.refused.organizer": "Only the organizer or a moderator of the group decides who comes.",
	"rsvp.refused.cancelled": "This meetup is cancelled.",
	"rsvp.refused.over":      "This meetup is over.",
	"rsvp.refused.answer":    "Choose going, maybe or can't go.",
}
