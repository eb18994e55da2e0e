package federation

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/village-social/village/models"
)

// EventContext is Context with the terms Mobilizon declares for its
// events (its `mz` namespace, iCalendar's `ical`, schema.org's `sc`), so
// that JSON-LD readers see the same meaning Mobilizon gives them. All but
// Mobilizon's "location" as sc:location: a JSON-LD reader (Fedify) then
// finds no as:location and loses the place, while Mobilizon reads the
// plain key either way.
func EventContext() []any {
	ctx := Context()
	ctx = append(ctx, map[string]any{
		"mz":                        "https://joinmobilizon.org/ns#",
		"ical":                      "http://www.w3.org/2002/12/cal/ical#",
		"sc":                        "http://schema.org#",
		"pt":                        "https://joinpeertube.org/ns#",
		"joinMode":                  map[string]any{"@id": "mz:joinMode", "@type": "mz:joinModeType"},
		"joinModeType":              map[string]any{"@id": "mz:joinModeType", "@type": "rdfs:Class"},
		"maximumAttendeeCapacity":   "sc:maximumAttendeeCapacity",
		"remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
		"participantCount":          map[string]any{"@id": "mz:participantCount", "@type": "sc:Integer"},
		"timezone":                  map[string]any{"@id": "mz:timezone", "@type": "sc:Text"},
		"commentsEnabled":           map[string]any{"@id": "pt:commentsEnabled", "@type": "sc:Boolean"},
		"PostalAddress":             "sc:PostalAddress",
		"address":                   map[string]any{"@id": "sc:address", "@type": "sc:address"},
		"streetAddress":             "sc:streetAddress",
		"postalCode":                "sc:postalCode",
		"addressLocality":           "sc:addressLocality",
		"addressRegion":             "sc:addressRegion",
		"addressCountry":            "sc:addressCountry",
	})
	return ctx
}

// EventCounts are a meetup's answers as the wire Event tells them.
type EventCounts struct {
	Going int
}

// EventDocument is a meetup as an Activity Streams Event, the way
// Mobilizon and FEP-8a8e write one: the post's title, description,
// addressing and picture (as a Note would carry them), and the calendar
// side from e. When the address is for people going only, the location
// keeps the place's name and town and leaves out the street and the
// coordinates: the document is public. A Mastodon-family server shows an
// Event as its name, summary and link only, so the summary says when and
// where in words.
func EventDocument(u URLs, p *models.Post, e *models.Event, author *models.Actor, addr NoteAddress, counts EventCounts) (map[string]any, error) {
	doc, err := PostDocument(u, p, author, addr)
	if err != nil || p.DeletedAt != nil {
		return doc, err
	}
	doc["type"] = "Event"
	doc["@context"] = EventContext()
	doc["name"] = p.Name
	loc := e.Location()
	doc["startTime"] = e.StartsAt.In(loc).Format(time.RFC3339)
	if e.EndsAt != nil {
		doc["endTime"] = e.EndsAt.In(loc).Format(time.RFC3339)
	}
	doc["timezone"] = e.TimeZone
	doc["joinMode"] = e.JoinMode
	doc["ical:status"] = e.Status
	doc["commentsEnabled"] = p.LockedAt == nil
	doc["participantCount"] = counts.Going
	if e.Capacity != nil {
		doc["maximumAttendeeCapacity"] = *e.Capacity
		doc["remainingAttendeeCapacity"] = max(*e.Capacity-counts.Going, 0)
	}
	if place := placeJSON(e.Place, e.AddressForGoing); place != nil {
		doc["location"] = place
	}
	doc["summary"] = EventFacts(e, counts.Going)
	return doc, nil
}

// placeJSON is a place as a schema.org Place with a PostalAddress; hidden
// leaves out what only people going may know.
func placeJSON(p models.Place, hidden bool) map[string]any {
	if p == (models.Place{}) {
		return nil
	}
	address := map[string]any{"type": "PostalAddress"}
	set := func(m map[string]any, k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set(address, "addressLocality", p.Locality)
	set(address, "addressRegion", p.Region)
	set(address, "addressCountry", p.Country)
	out := map[string]any{"type": "Place"}
	set(out, "name", p.Name)
	if !hidden {
		set(address, "streetAddress", p.StreetAddress)
		set(address, "postalCode", p.PostalCode)
		if p.Latitude != nil && p.Longitude != nil {
			out["latitude"], out["longitude"] = *p.Latitude, *p.Longitude
		}
	}
	if len(address) > 1 {
		out["address"] = address
	}
	return out
}

// EventFacts says in one line of plain text when and where a meetup is and
// how many are going, for readers that show an Event as text (Mastodon
// and its apps); the street stays out when it is for people going only.
func EventFacts(e *models.Event, going int) string {
	loc := e.Location()
	start := e.StartsAt.In(loc)
	when := start.Format("Mon 2 Jan 2006, 15:04")
	if e.EndsAt != nil {
		end := e.EndsAt.In(loc)
		if end.YearDay() == start.YearDay() && end.Year() == start.Year() {
			when += "–" + end.Format("15:04")
		} else {
			when += " – " + end.Format("Mon 2 Jan 2006, 15:04")
		}
	}
	when += " (" + e.TimeZone + ")"
	parts := []string{when}
	if where := PlaceLine(e.Place, e.AddressForGoing); where != "" {
		parts = append(parts, where)
	}
	parts = append(parts, strconv.Itoa(going)+" going")
	if e.Cancelled() {
		parts = append([]string{"CANCELLED"}, parts...)
	}
	return strings.Join(parts, " · ")
}

// PlaceLine is a place in one line: its name, street and postal code
// (unless hidden: they are for people going only), town and country.
func PlaceLine(p models.Place, hidden bool) string {
	fields := []string{p.Name, p.StreetAddress, strings.TrimSpace(p.PostalCode + " " + p.Locality), p.Country}
	if hidden {
		fields = []string{p.Name, p.Locality, p.Country}
	}
	var parts []string
	for _, s := range fields {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// IncomingEvent is a remote Event read from its JSON: the post it is
// stored as, and its calendar side.
type IncomingEvent struct {
	*IncomingPost
	Event models.Event
}

// EventFromObject reads an Event as Mobilizon, Gancio, Gathio or another
// Village sends it. Times must be sensible (models.Event.Validate, with
// no start before 1970); an unknown time zone is refused, and an Event
// that names none is taken in UTC. Its organizer is its `actor`
// (Mobilizon: attributedTo is then the group) or its attributedTo.
func EventFromObject(o Object) (*IncomingEvent, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %s: %s", ErrInvalidNote, o.ID(), fmt.Sprintf(format, args...))
	}
	if o.Type() != "Event" {
		return nil, bad("type %q is not an Event", o.Type())
	}
	organizer := o.Ref("actor")
	if organizer == "" {
		organizer = o.Ref("attributedTo")
	}
	if organizer != "" && o.Ref("attributedTo") != organizer && SameOrigin(organizer, o.ID()) {
		// Mobilizon names the group in attributedTo and the organizer in
		// actor: the organizer wrote it; the group is its audience.
		byOrganizer := Object{}
		for k, v := range o {
			byOrganizer[k] = v
		}
		if byOrganizer.Ref("audience") == "" {
			byOrganizer["audience"] = o.Ref("attributedTo")
		}
		byOrganizer["attributedTo"] = organizer
		o = byOrganizer
	}
	in, err := PostFromObject(o)
	if err != nil {
		return nil, err
	}
	// An Event's summary is its key facts in words (Gancio, Village), not a
	// content warning.
	in.Post.Summary, in.Post.Sensitive = "", o.Bool("sensitive")
	if strings.TrimSpace(in.Post.Name) == "" {
		return nil, bad("an Event needs a name")
	}
	ev := IncomingEvent{IncomingPost: in}
	e := &ev.Event
	e.TimeZone = strings.TrimSpace(o.String("timezone"))
	if e.TimeZone == "" {
		e.TimeZone = "UTC"
	}
	loc, err := time.LoadLocation(e.TimeZone)
	if err != nil || len(e.TimeZone) > 64 {
		return nil, bad("unknown time zone %q", e.TimeZone)
	}
	if e.StartsAt, err = parseEventTime(o.String("startTime"), loc); err != nil {
		return nil, bad("startTime: %v", err)
	}
	if end := o.String("endTime"); end != "" {
		t, err := parseEventTime(end, loc)
		if err != nil {
			return nil, bad("endTime: %v", err)
		}
		e.EndsAt = &t
	}
	if e.StartsAt.Before(time.Unix(0, 0)) {
		return nil, bad("it starts before 1970")
	}
	e.JoinMode = strings.ToLower(o.String("joinMode"))
	if e.JoinMode == "external" {
		e.JoinMode = models.JoinFree // Mobilizon: answered on another site
	}
	e.Status = strings.ToUpper(o.String("ical:status"))
	if e.Status == "" {
		e.Status = strings.ToUpper(o.String("status"))
	}
	if e.Capacity, err = count(o, "maximumAttendeeCapacity"); err != nil {
		return nil, bad("%v", err)
	}
	if e.Capacity != nil && *e.Capacity == 0 {
		e.Capacity = nil // Mobilizon's 0: no limit
	}
	if e.RemoteParticipants, err = count(o, "participantCount"); err != nil {
		return nil, bad("%v", err)
	}
	if e.RemoteRemaining, err = count(o, "remainingAttendeeCapacity"); err != nil {
		return nil, bad("%v", err)
	}
	if place := o.Embedded("location"); place != nil {
		if e.Place, err = placeFrom(place); err != nil {
			return nil, bad("%v", err)
		}
	}
	if err := e.Validate(time.Unix(0, 0)); err != nil {
		return nil, bad("%v", err)
	}
	return &ev, nil
}

// parseEventTime reads an ISO 8601 time; one without an offset is in loc.
func parseEventTime(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("missing")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04:05", strings.TrimSuffix(s, ".000"), loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date and time", s)
	}
	return t, nil
}

// count reads a non-negative whole number (JSON numbers are float64);
// absent or null is nil.
func count(o Object, key string) (*int, error) {
	v, ok := o[key]
	if !ok || v == nil {
		return nil, nil
	}
	f, ok := v.(float64)
	if !ok || f < 0 || f != float64(int64(f)) || f > 10_000_000 {
		return nil, fmt.Errorf("%s is not a count", key)
	}
	n := int(f)
	return &n, nil
}

// placeFrom reads a Place: Mobilizon's address is a PostalAddress, Gancio's
// a plain string; coordinates may be numbers or strings.
func placeFrom(o Object) (models.Place, error) {
	p := models.Place{Name: truncate(o.String("name"), models.MaxPlaceField)}
	if a := o.Embedded("address"); a != nil {
		p.StreetAddress = truncate(a.String("streetAddress"), models.MaxPlaceField)
		p.Locality = truncate(a.String("addressLocality"), models.MaxPlaceField)
		p.PostalCode = truncate(a.String("postalCode"), models.MaxPlaceField)
		p.Region = truncate(a.String("addressRegion"), models.MaxPlaceField)
		p.Country = truncate(a.String("addressCountry"), models.MaxPlaceField)
	} else {
		p.StreetAddress = truncate(o.String("address"), models.MaxPlaceField)
	}
	lat, latOK, err := coordinate(o["latitude"])
	if err != nil {
		return p, fmt.Errorf("latitude: %w", err)
	}
	lon, lonOK, err := coordinate(o["longitude"])
	if err != nil {
		return p, fmt.Errorf("longitude: %w", err)
	}
	if latOK && lonOK {
		if lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			return p, fmt.Errorf("coordinates %v, %v are off the globe", lat, lon)
		}
		p.Latitude, p.Longitude = &lat, &lon
	}
	return p, nil
}

func coordinate(v any) (float64, bool, error) {
	switch x := v.(type) {
	case nil:
		return 0, false, nil
	case float64:
		return x, true, nil
	case string:
		if strings.TrimSpace(x) == "" {
			return 0, false, nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, false, fmt.Errorf("%q is not a number", x)
		}
		return f, true, nil
	}
	return 0, false, fmt.Errorf("not a number")
}
