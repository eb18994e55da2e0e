package feeds

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"
)

// The iCalendar (RFC 5545) side of the feeds: meetups as VEVENTs, written
// by golang-ical, which escapes text and folds lines at 75 octets. Times
// are written in the place's own zone (TZID), so that a calendar shows
// 10:00 for a 10:00 meetup wherever its reader is, with a VTIMEZONE for
// each zone made from Go's zone data (see vtimezone.go).

const icalLocal = "20060102T150405" // a local date-time, its zone named by TZID

// calendarEvent is one meetup as one reader may see it: what it may not
// see (a street address shown only to people going) is left out already.
type calendarEvent struct {
	UID         string // stable across changes: the post's URI
	Title       string
	Description string // plain text
	URL         string // the meetup's page
	Start       time.Time
	End         *time.Time
	TimeZone    string // IANA name; "" or UTC: times in UTC
	Location    string
	Geo         *[2]float64 // latitude, longitude
	Status      string      // CONFIRMED, TENTATIVE or CANCELLED
	Sequence    int
	Modified    time.Time
	Organizer   calendarPerson
	Attendee    *calendarPerson // the feed's reader, in her own feed
}

// calendarPerson is an ORGANIZER or ATTENDEE: a CAL-ADDRESS (the actor's
// URL: people here have no e-mail address to show) and a name.
type calendarPerson struct {
	URI      string
	Name     string
	PartStat ics.ParticipationStatus // attendees only
}

// calendarDoc is a whole calendar: a name and its meetups.
type calendarDoc struct {
	Name   string
	Events []calendarEvent
}

// writeICal encodes a calendar: the VTIMEZONEs its events use, then the
// events, in the order given.
func writeICal(doc calendarDoc) ([]byte, error) {
	cal := ics.NewCalendar()
	cal.SetProductId("-//Village//Meetups//EN")
	cal.SetCalscale("GREGORIAN")
	if doc.Name != "" {
		name := cleanText(doc.Name)
		cal.SetName(name)
		cal.SetXWRCalName(name) // the name Apple and Google calendars show
	}
	// Calendar apps poll subscriptions at their own pace; this asks for hourly.
	cal.SetRefreshInterval("PT1H")
	cal.SetXPublishedTTL("PT1H")

	zones, err := zonesUsed(doc.Events)
	if err != nil {
		return nil, err
	}
	for _, z := range zones {
		cal.AddVTimezone(vtimezone(z.loc, z.from, z.to))
	}
	for _, e := range doc.Events {
		cal.AddVEvent(vevent(e))
	}
	var buf bytes.Buffer
	if err := cal.SerializeTo(&buf, ics.WithNewLine("\r\n")); err != nil { // RFC 5545 lines end in CRLF
		return nil, fmt.Errorf("feeds: encode calendar: %w", err)
	}
	return buf.Bytes(), nil
}

// zoneSpan is a zone and the time its events cover.
type zoneSpan struct {
	loc      *time.Location
	from, to time.Time
}

// zonesUsed lists the zones of the events (not UTC, which needs none),
// each with the span of its events, by name.
func zonesUsed(events []calendarEvent) ([]zoneSpan, error) {
	byName := map[string]*zoneSpan{}
	for _, e := range events {
		loc, err := eventZone(e.TimeZone)
		if err != nil {
			return nil, err
		}
		if loc == time.UTC {
			continue
		}
		end := e.Start
		if e.End != nil && e.End.After(end) {
			end = *e.End
		}
		z, ok := byName[loc.String()]
		if !ok {
			byName[loc.String()] = &zoneSpan{loc: loc, from: e.Start, to: end}
			continue
		}
		if e.Start.Before(z.from) {
			z.from = e.Start
		}
		if end.After(z.to) {
			z.to = end
		}
	}
	out := make([]zoneSpan, 0, len(byName))
	for _, z := range byName {
		out = append(out, *z)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].loc.String() < out[j].loc.String() })
	return out, nil
}

// eventZone loads an event's zone; UTC for none.
func eventZone(name string) (*time.Location, error) {
	if name == "" || name == "UTC" || name == "Etc/UTC" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("feeds: time zone %q: %w", name, err)
	}
	return loc, nil
}

func vevent(e calendarEvent) *ics.VEvent {
	v := ics.NewEvent(e.UID)
	// Without METHOD, DTSTAMP is the time the event last changed (RFC 5545
	// 3.8.7.2), which also keeps the feed's bytes, and its ETag, steady.
	v.SetDtStampTime(e.Modified)
	v.SetModifiedAt(e.Modified)
	setTime(v, ics.ComponentPropertyDtStart, e.Start, e.TimeZone)
	if e.End != nil {
		setTime(v, ics.ComponentPropertyDtEnd, *e.End, e.TimeZone)
	}
	v.SetSummary(cleanText(e.Title))
	if e.Description != "" {
		v.SetDescription(cleanText(e.Description))
	}
	if e.URL != "" {
		v.SetURL(e.URL)
	}
	if e.Location != "" {
		v.SetLocation(cleanText(e.Location))
	}
	if e.Geo != nil {
		v.SetGeo(e.Geo[0], e.Geo[1])
	}
	if e.Status != "" {
		v.SetStatus(ics.ObjectStatus(e.Status))
	}
	v.SetSequence(e.Sequence)
	if e.Organizer.URI != "" {
		v.SetProperty(ics.ComponentPropertyOrganizer, e.Organizer.URI, ics.WithCN(paramText(e.Organizer.Name)))
	}
	if a := e.Attendee; a != nil {
		v.AddProperty(ics.ComponentPropertyAttendee, a.URI, ics.WithCN(paramText(a.Name)), a.PartStat)
	}
	return v
}

// setTime writes a DTSTART or DTEND in the event's zone, named by TZID,
// or in UTC when the event has none.
func setTime(v *ics.VEvent, prop ics.ComponentProperty, t time.Time, zone string) {
	loc, err := eventZone(zone)
	if err != nil || loc == time.UTC {
		v.SetProperty(prop, t.UTC().Format(icalLocal+"Z"))
		return
	}
	v.SetProperty(prop, t.In(loc).Format(icalLocal), ics.WithTZID(loc.String()))
}

// cleanText drops what a TEXT value cannot hold: carriage returns (a line
// break is \n alone) and other control characters.
func cleanText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// paramText makes a name fit for a CN parameter. golang-ical quotes no
// parameter but ALTREP and backslash-escapes the rest, which RFC 5545 does
// not know; so the characters that would need quoting are replaced by
// look-alikes or spaces, and a name stays readable in every calendar.
func paramText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\'':
			return '’'
		case r == '"':
			return '”'
		case r == ',' || r == ';' || r == ':' || r == '\\' || unicode.IsControl(r):
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
