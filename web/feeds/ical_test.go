package feeds

import (
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// parseICal reads a calendar back with golang-ical's parser, after
// checking the lines RFC 5545 asks for: CRLF, at most 75 octets.
func parseICal(t *testing.T, body []byte) *ics.Calendar {
	t.Helper()
	text := string(body)
	if !strings.HasSuffix(text, "\r\n") {
		t.Errorf("the calendar does not end in CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d has %d octets (at most 75): %q", i+1, len(line), line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d holds a bare line break: %q", i+1, line)
		}
	}
	cal, err := ics.ParseCalendar(strings.NewReader(text))
	if err != nil {
		t.Fatalf("the calendar does not parse: %v\n%s", err, text)
	}
	return cal
}

func propValue(t *testing.T, c *ics.ComponentBase, p ics.ComponentProperty) string {
	t.Helper()
	prop := c.GetProperty(p)
	if prop == nil {
		return ""
	}
	if prop.GetValueType() == ics.ValueDataTypeText {
		return ics.FromText(prop.Value)
	}
	return prop.Value
}

func TestICalEventCarriesEveryFieldEscapedAndFolded(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	start := time.Date(2027, 3, 20, 10, 0, 0, 0, berlin)
	end := start.Add(2 * time.Hour)
	modified := time.Date(2027, 3, 1, 12, 30, 0, 0, time.UTC)
	title := "Park, swings; then coffee\nat Anna's"
	description := strings.Repeat("Bring snacks, water; and a ball — für die Kinder. ", 4) + "\\ done\n\nhttps://v.example/events/7"
	doc := calendarDoc{Name: "Brooklyn Moms", Events: []calendarEvent{{
		UID: "https://v.example/users/anna/statuses/7", Title: title, Description: description,
		URL: "https://v.example/events/7", Start: start, End: &end, TimeZone: "Europe/Berlin",
		Location: "Volkspark, Am Friedrichshain 1, 10249 Berlin", Geo: &[2]float64{52.5277, 13.4331},
		Status: "TENTATIVE", Sequence: 3, Modified: modified,
		Organizer: calendarPerson{URI: "https://v.example/users/anna", Name: `Anna "Park" O'Neil, Jr.: mom`},
		Attendee:  &calendarPerson{URI: "https://v.example/users/bea", Name: "Bea", PartStat: ics.ParticipationStatusTentative},
	}}}
	body, err := writeICal(doc)
	if err != nil {
		t.Fatal(err)
	}
	raw := string(body)
	unfolded := strings.ReplaceAll(raw, "\r\n ", "")
	for _, want := range []string{
		"SUMMARY:Park\\, swings\\; then coffee\\nat Anna's\r\n",
		"DTSTART;TZID=Europe/Berlin:20270320T100000\r\n",
		"DTEND;TZID=Europe/Berlin:20270320T120000\r\n",
		"DTSTAMP:20270301T123000Z\r\n",
		"LAST-MODIFIED:20270301T123000Z\r\n",
		"GEO:52.5277;13.4331\r\n",
		"STATUS:TENTATIVE\r\n",
		"SEQUENCE:3\r\n",
		"BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n",
		"X-WR-CALNAME:Brooklyn Moms\r\n",
	} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("the calendar lacks %q:\n%s", want, raw)
		}
	}
	if !strings.Contains(raw, "\r\n ") {
		t.Errorf("the long description was not folded:\n%s", raw)
	}
	if strings.Index(raw, "BEGIN:VTIMEZONE") > strings.Index(raw, "BEGIN:VEVENT") {
		t.Errorf("the VTIMEZONE should come before the events that use it")
	}

	cal := parseICal(t, body)
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events, want 1", len(events))
	}
	ev := &events[0].ComponentBase
	for _, tt := range []struct {
		prop ics.ComponentProperty
		want string
	}{
		{ics.ComponentPropertyUniqueId, "https://v.example/users/anna/statuses/7"},
		{ics.ComponentPropertySummary, title},
		{ics.ComponentPropertyDescription, description},
		{ics.ComponentPropertyUrl, "https://v.example/events/7"},
		{ics.ComponentPropertyLocation, "Volkspark, Am Friedrichshain 1, 10249 Berlin"},
		{ics.ComponentPropertyOrganizer, "https://v.example/users/anna"},
	} {
		if got := propValue(t, ev, tt.prop); got != tt.want {
			t.Errorf("%s read back as %q, want %q", tt.prop, got, tt.want)
		}
	}
	org := ev.GetProperty(ics.ComponentPropertyOrganizer)
	if cn := org.ICalParameters["CN"]; len(cn) != 1 || cn[0] != "Anna ”Park” O’Neil Jr. mom" {
		t.Errorf("organizer CN %q: quotes, commas and colons must not reach the parameter", cn)
	}
	att := events[0].Attendees()
	if len(att) != 1 || att[0].ParticipationStatus() != ics.ParticipationStatusTentative {
		t.Errorf("attendees %+v, want Bea, tentative", att)
	}
	got, err := events[0].GetStartAt()
	if err != nil || !got.Equal(start) {
		t.Errorf("start read back as %v (%v), want %v", got, err, start)
	}
}

func TestICalWritesUTCMeetupsWithoutATimeZone(t *testing.T) {
	start := time.Date(2027, 6, 5, 8, 0, 0, 0, time.UTC)
	body, err := writeICal(calendarDoc{Events: []calendarEvent{{UID: "u1", Title: "Online", Start: start,
		TimeZone: "UTC", Modified: start}}})
	if err != nil {
		t.Fatal(err)
	}
	raw := string(body)
	if !strings.Contains(raw, "DTSTART:20270605T080000Z\r\n") || strings.Contains(raw, "VTIMEZONE") || strings.Contains(raw, "DTEND") {
		t.Errorf("a UTC meetup without an end: want a Z start, no DTEND, no VTIMEZONE:\n%s", raw)
	}
	parseICal(t, body)
}

func TestICalRefusesAnUnknownTimeZone(t *testing.T) {
	_, err := writeICal(calendarDoc{Events: []calendarEvent{{UID: "u", Title: "x", Start: time.Now(), TimeZone: "Mars/Olympus"}}})
	if err == nil {
		t.Fatal("an unknown zone should be an error, not a calendar with a TZID nobody defines")
	}
}

// observance is one STANDARD or DAYLIGHT of a VTIMEZONE.
type observance struct {
	kind, start, from, to, name string
}

func TestVTimezoneHasTheTransitionsOfTheEventsDates(t *testing.T) {
	tests := []struct {
		zone     string
		from, to time.Time // in UTC
		want     []observance
	}{
		{"Europe/Berlin", time.Date(2027, 3, 20, 9, 0, 0, 0, time.UTC), time.Date(2027, 4, 3, 8, 0, 0, 0, time.UTC), []observance{
			{"STANDARD", "20261025T030000", "+0200", "+0100", "CET"},
			{"DAYLIGHT", "20270328T020000", "+0100", "+0200", "CEST"},
		}},
		{"America/New_York", time.Date(2027, 3, 6, 15, 0, 0, 0, time.UTC), time.Date(2027, 11, 20, 15, 0, 0, 0, time.UTC), []observance{
			{"STANDARD", "20261101T020000", "-0400", "-0500", "EST"},
			{"DAYLIGHT", "20270314T020000", "-0500", "-0400", "EDT"},
			{"STANDARD", "20271107T020000", "-0400", "-0500", "EST"},
		}},
		// Summer only: the one observance in effect, no change within.
		{"Europe/Berlin", time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC), time.Date(2027, 6, 30, 9, 0, 0, 0, time.UTC), []observance{
			{"DAYLIGHT", "20270328T020000", "+0100", "+0200", "CEST"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.from.Format("2006-01-02"), func(t *testing.T) {
			tz := vtimezone(mustZone(t, tt.zone), tt.from, tt.to)
			if got := propValue(t, &tz.ComponentBase, ics.ComponentPropertyTzid); got != tt.zone {
				t.Errorf("TZID %q", got)
			}
			var got []observance
			for _, c := range tz.Components {
				var kind string
				var base *ics.ComponentBase
				switch o := c.(type) {
				case *ics.Standard:
					kind, base = "STANDARD", &o.ComponentBase
				case *ics.Daylight:
					kind, base = "DAYLIGHT", &o.ComponentBase
				default:
					t.Fatalf("unexpected component %T", c)
				}
				got = append(got, observance{kind, propValue(t, base, ics.ComponentPropertyDtStart),
					propValue(t, base, ics.ComponentProperty(ics.PropertyTzoffsetfrom)),
					propValue(t, base, ics.ComponentProperty(ics.PropertyTzoffsetto)),
					propValue(t, base, ics.ComponentProperty(ics.PropertyTzname))})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("observances %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("observance %d is %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestVTimezoneOfAZoneWithoutChangesHasOneObservance(t *testing.T) {
	at := time.Date(2027, 3, 20, 1, 0, 0, 0, time.UTC)
	tz := vtimezone(time.FixedZone("Fixed+0530", 5*3600+30*60), at, at.AddDate(0, 6, 0))
	if len(tz.Components) != 1 {
		t.Fatalf("%d observances, want 1", len(tz.Components))
	}
	s, ok := tz.Components[0].(*ics.Standard)
	if !ok {
		t.Fatalf("%T, want STANDARD", tz.Components[0])
	}
	for prop, want := range map[ics.ComponentProperty]string{
		ics.ComponentProperty(ics.PropertyTzoffsetfrom): "+0530",
		ics.ComponentProperty(ics.PropertyTzoffsetto):   "+0530",
	} {
		if got := propValue(t, &s.ComponentBase, prop); got != want {
			t.Errorf("%s %q, want %q", prop, got, want)
		}
	}
	if start := propValue(t, &s.ComponentBase, ics.ComponentPropertyDtStart); start > "20270320T010000" {
		t.Errorf("the observance starts at %s, after the event", start)
	}
}

func TestUTCOffsetFormat(t *testing.T) {
	for seconds, want := range map[int]string{0: "+0000", 3600: "+0100", -18000: "-0500", 19800: "+0530", 3208: "+005328", -12600: "-0330"} {
		if got := utcOffset(seconds); got != want {
			t.Errorf("utcOffset(%d) = %q, want %q", seconds, got, want)
		}
	}
}

func TestETagMatchesAsIfNoneMatchIsRead(t *testing.T) {
	const etag = `"abc"`
	for header, want := range map[string]bool{
		`"abc"`: true, `W/"abc"`: true, `"x", "abc"`: true, `*`: true, ``: false, `"abd"`: false, `abc`: false,
	} {
		if got := etagMatches(header, etag); got != want {
			t.Errorf("If-None-Match %q: %v, want %v", header, got, want)
		}
	}
}
