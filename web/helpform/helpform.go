// Package helpform reads what a member fills in to open a help calendar
// or add slots to one, from the web app's form or the client API, into
// models' types; both faces read it the same way.
package helpform

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/village-social/village/models"
)

// Fields are a calendar's fields as typed. Slots are generated: each line
// of Slots ("18:00 dinner", "school pick-up") on each chosen day (Days:
// mon … sun; every day when none) from StartsOn to EndsOn.
type Fields struct {
	Title         string   `form:"title" json:"title"`
	Story         string   `form:"story" json:"story"`
	Kind          string   `form:"kind" json:"kind"`
	For           string   `form:"for" json:"for"` // a member's username
	RecipientName string   `form:"recipient_name" json:"recipient_name"`
	Organizers    string   `form:"organizers" json:"organizers"` // usernames, by commas
	StartsOn      string   `form:"starts_on" json:"starts_on"`
	EndsOn        string   `form:"ends_on" json:"ends_on"`
	TimeZone      string   `form:"time_zone" json:"time_zone"`
	Days          []string `form:"days" json:"days"`
	Slots         string   `form:"slots" json:"slots"`
	Places        string   `form:"places" json:"places"`
	Notes         string   `form:"notes" json:"notes"`
	DropOff       string   `form:"drop_off" json:"drop_off"`
	NoVisits      string   `form:"no_visits" json:"no_visits"`
	Address       string   `form:"address" json:"address"`
	FundURL       string   `form:"fund_url" json:"fund_url"`
	FundNote      string   `form:"fund_note" json:"fund_note"`
}

// Weekdays are the day names the form uses, Sunday first as time.Weekday.
var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Weekdays lists the day names a form offers, Monday first.
func Weekdays() []string { return append(append([]string(nil), weekdays[1:]...), weekdays[0]) }

func bad(field, reason string) error { return &models.HelpInputError{Field: field, Reason: reason} }

// Date reads a day written 2006-01-02.
func Date(field, s string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, bad(field, "write the day as 2030-05-01")
	}
	return d, nil
}

// Slots reads the slots to generate over a range.
func Slots(f Fields, first, last time.Time) ([]models.NewHelpSlot, error) {
	places := 1
	if s := strings.TrimSpace(f.Places); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > models.HelpMaxPlaces {
			return nil, bad("places", "a slot needs 1 to 20 people")
		}
		places = n
	}
	var days []time.Weekday
	for _, d := range f.Days {
		i := slices.Index(weekdays, strings.ToLower(strings.TrimSpace(d)))
		if i < 0 {
			return nil, bad("days", "days are mon, tue, wed, thu, fri, sat, sun")
		}
		days = append(days, time.Weekday(i))
	}
	patterns := models.ParseSlotPatterns(f.Slots)
	if len(patterns) == 0 {
		return nil, bad("slots", "give at least one slot, such as dinner")
	}
	slots := models.GenerateSlots(first, last, days, patterns, places)
	if len(slots) == 0 {
		return nil, bad("days", "none of the chosen days falls within the dates")
	}
	return slots, nil
}

// SlotsToAdd reads the slots to add to an open calendar: those of
// Slots from StartsOn to EndsOn.
func SlotsToAdd(f Fields) ([]models.NewHelpSlot, error) {
	first, err := Date("starts_on", f.StartsOn)
	if err != nil {
		return nil, err
	}
	last, err := Date("ends_on", f.EndsOn)
	if err != nil {
		return nil, err
	}
	return Slots(f, first, last)
}

// Read makes the calendar to open in a group from its fields, with
// storyHTML (the story made into sanitized HTML by the caller). A member
// named as recipient or co-organizer must be a local member of the group.
func Read(ctx context.Context, db models.DB, groupID, openerID int64, f Fields, storyHTML string) (models.NewHelpCalendar, error) {
	n := models.NewHelpCalendar{GroupID: groupID, OpenedBy: openerID, Title: f.Title, Story: storyHTML, StoryText: f.Story,
		Kind: strings.TrimSpace(f.Kind), RecipientName: f.RecipientName, TimeZone: strings.TrimSpace(f.TimeZone),
		Private: models.HelpPrivate{Notes: strings.TrimSpace(f.Notes), DropOff: strings.TrimSpace(f.DropOff),
			NoVisits: f.NoVisits == "on" || f.NoVisits == "true", Address: strings.TrimSpace(f.Address)},
		FundURL: strings.TrimSpace(f.FundURL), FundNote: strings.TrimSpace(f.FundNote)}
	var err error
	if n.StartsOn, err = Date("starts_on", f.StartsOn); err != nil {
		return n, err
	}
	if n.EndsOn, err = Date("ends_on", f.EndsOn); err != nil {
		return n, err
	}
	if n.EndsOn.Before(n.StartsOn) || n.EndsOn.Sub(n.StartsOn) > models.HelpMaxDays*24*time.Hour {
		return n, n.Validate() // says which
	}
	if n.Slots, err = Slots(f, n.StartsOn, n.EndsOn); err != nil {
		return n, err
	}
	if name := strings.TrimPrefix(strings.TrimSpace(f.For), "@"); name != "" {
		id, err := member(ctx, db, groupID, name, "for")
		if err != nil {
			return n, err
		}
		n.RecipientID = &id
	}
	for _, name := range strings.Split(f.Organizers, ",") {
		if name = strings.TrimPrefix(strings.TrimSpace(name), "@"); name == "" {
			continue
		}
		id, err := member(ctx, db, groupID, name, "organizers")
		if err != nil {
			return n, err
		}
		if id != openerID {
			n.Organizers = append(n.Organizers, id)
		}
	}
	return n, n.Validate()
}

// member finds a local member of the group by username.
func member(ctx context.Context, db models.DB, groupID int64, name, field string) (int64, error) {
	a, err := models.LocalActorByName(ctx, db, name)
	if errors.Is(err, models.ErrNotFound) {
		return 0, bad(field, "no member here is called "+name)
	}
	if err != nil {
		return 0, err
	}
	ok, err := models.HelpMember(ctx, db, groupID, a.ID)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, bad(field, name+" is not a member of the group")
	}
	return a.ID, nil
}
