package federation

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/village-social/village/models"
)

// A help calendar's sign-up poll: Mastodon and its kin show no calendar,
// so the group sends its Mastodon-family members a multiple-choice
// Question at the calendar's id + "/signup", one option per open slot.
// A vote is a claim (inbox/help_vote.go), answered by a direct note.
// Mastodon keeps a poll's options by name and matches votes by name, so
// an option's name never carries a count that would change under it.

// Limits of the sign-up poll.
const (
	HelpSignupMaxOptions = 20 // options the poll lists, nearest first
	helpOptionLabelMax   = 40 // runes of a slot's label in its option
)

// helpSignupSuffix ends the id of a calendar's sign-up poll.
const helpSignupSuffix = "/signup"

// HelpSignupID is the id of the sign-up poll of the calendar calendarURI.
func HelpSignupID(calendarURI string) string { return calendarURI + helpSignupSuffix }

// HelpSignupCalendar is the id of the local calendar whose sign-up poll
// is uri ({base}/help/{id}/signup); false for anything else.
func HelpSignupCalendar(base, uri string) (int64, bool) {
	rest, ok := strings.CutPrefix(uri, base+"/help/")
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(rest, helpSignupSuffix)
	if !ok || digits == "" || digits[0] == '0' {
		return 0, false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, false
	}
	return id, true
}

// HelpOptionNames names each slot of a calendar as its poll option does:
// "Tue 8 Dec 18:00 · Dinner". Names are computed over all the slots, in
// their order, so that a slot keeps its name whatever else fills up; two
// slots that would read the same get " (2)", " (3)" after the first.
func HelpOptionNames(slots []*models.HelpSlot) map[int64]string {
	names := make(map[int64]string, len(slots))
	seen := map[string]int{}
	for _, s := range slots {
		name := s.Day.Format("Mon 2 Jan")
		if s.At != "" {
			name += " " + s.At
		}
		name += " · " + shortLabel(s.Label)
		seen[name]++
		if n := seen[name]; n > 1 {
			name = fmt.Sprintf("%s (%d)", name, n)
		}
		names[s.ID] = name
	}
	return names
}

func shortLabel(label string) string {
	label = strings.Join(strings.Fields(label), " ")
	if utf8.RuneCountInString(label) <= helpOptionLabelMax {
		return label
	}
	r := []rune(label)
	return strings.TrimSpace(string(r[:helpOptionLabelMax-1])) + "…"
}

// HelpOptionSlot is the slot a vote's option name stands for, matched
// against all the calendar's slots: a vote from an older poll for a slot
// since filled still finds it (and hears it was taken). nil when none.
func HelpOptionSlot(name string, slots []*models.HelpSlot) *models.HelpSlot {
	names := HelpOptionNames(slots)
	for _, s := range slots {
		if names[s.ID] == name {
			return s
		}
	}
	return nil
}

// HelpQuestion is what a calendar's sign-up poll says.
type HelpQuestion struct {
	CalendarURI string // {base}/help/{id}
	Group       string // the group's id: the poll's author and audience
	Followers   string // the group's followers: members only
	Content     string // HTML: title, kind, dates, how to sign up; never the address
	Calendar    *models.HelpCalendar
	Slots       []*models.HelpSlot // all of them, in their order
	Now         time.Time
}

// HelpSignupEnd is the end of a calendar's last day in its zone: when
// its sign-up poll closes.
func HelpSignupEnd(c *models.HelpCalendar) time.Time {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	y, m, d := c.EndsOn.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// HelpSignupOptions are the slots a poll offers at now: those with a
// place free whose day has not passed in the calendar's zone, nearest
// first, at most HelpSignupMaxOptions.
func HelpSignupOptions(c *models.HelpCalendar, slots []*models.HelpSlot, now time.Time) []*models.HelpSlot {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	today := now.In(loc).Format(time.DateOnly)
	var out []*models.HelpSlot
	for _, s := range slots {
		if s.Free() > 0 && s.Day.Format(time.DateOnly) >= today && len(out) < HelpSignupMaxOptions {
			out = append(out, s)
		}
	}
	return out
}

// HelpQuestionDocument is the sign-up poll as Mastodon reads a poll: a
// multiple-choice Question whose options count the places taken.
// A closed calendar, or one whose days are over, closes it.
func HelpQuestionDocument(q HelpQuestion) map[string]any {
	names := HelpOptionNames(q.Slots)
	end := HelpSignupEnd(q.Calendar)
	options := []any{}
	voters := 0
	for _, s := range HelpSignupOptions(q.Calendar, q.Slots, q.Now) {
		taken := len(s.Claims)
		voters += taken
		options = append(options, map[string]any{"type": "Note", "name": names[s.ID],
			"replies": map[string]any{"type": "Collection", "totalItems": taken}})
	}
	doc := map[string]any{
		"@context":     rsvpContext(),
		"id":           HelpSignupID(q.CalendarURI),
		"type":         "Question",
		"attributedTo": q.Group,
		"content":      q.Content,
		"url":          q.CalendarURI,
		"anyOf":        options,
		"votersCount":  voters,
		"endTime":      end.UTC().Format(time.RFC3339),
		"published":    q.Calendar.CreatedAt.UTC().Format(time.RFC3339),
		"to":           []string{q.Followers},
		"cc":           []string{},
		"audience":     q.Group,
	}
	if q.Calendar.UpdatedAt.After(q.Calendar.CreatedAt) {
		// Paused, extended or closed: Mastodon applies a poll's new end only in an edit.
		doc["updated"] = q.Calendar.UpdatedAt.UTC().Format(time.RFC3339)
	}
	switch {
	case q.Calendar.Status == models.HelpClosed:
		// Closed when it was closed: an end still ahead would leave it open on Mastodon.
		doc["closed"] = q.Calendar.UpdatedAt.UTC().Format(time.RFC3339)
	case !q.Now.Before(end):
		doc["closed"] = end.UTC().Format(time.RFC3339)
	}
	return doc
}
