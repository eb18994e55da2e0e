package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/village-social/village/models"
)

// meetupSpec is a meetup for the calendar tests, stored as the events
// branch stores one: a post of type Event and its events row.
type meetupSpec struct {
	title      string
	start      time.Time // in its zone
	hours      int
	zone       string
	visibility string // default public
	place      models.Place
	forGoing   bool // street address for people going only
	capacity   *int
}

// meetup stores a meetup by author into group.
func (s *manageSite) meetup(author *models.Actor, group *models.Group, m meetupSpec) *models.Event {
	s.t.Helper()
	ctx := context.Background()
	id, err := models.NextPostID(ctx, s.db)
	if err != nil {
		s.t.Fatal(err)
	}
	if m.visibility == "" {
		m.visibility = models.VisibilityPublicPost
	}
	p := &models.Post{ID: id, AuthorID: author.ID, Local: true, Type: "Event", Name: m.title,
		Content: "<p>Come along, bring a snack; all welcome.</p>", Visibility: m.visibility}
	p.GroupID = &group.Actor.ID
	p.URI = siteBase + "/users/" + author.Username + "/statuses/" + strconv.FormatInt(id, 10)
	p.URL = p.URI
	if _, err := models.InsertPost(ctx, s.db, p); err != nil {
		s.t.Fatal(err)
	}
	hours := m.hours
	if hours == 0 {
		hours = 2
	}
	end := m.start.Add(time.Duration(hours) * time.Hour)
	e := &models.Event{PostID: id, StartsAt: m.start, EndsAt: &end, TimeZone: m.zone, Place: m.place,
		AddressForGoing: m.forGoing, Capacity: m.capacity, JoinMode: models.JoinFree, Status: models.EventConfirmed}
	if _, err := models.InsertEvent(ctx, s.db, e); err != nil {
		s.t.Fatal(err)
	}
	e.Post = p
	return e
}

// answer records an RSVP as the web app would.
func (s *manageSite) answer(e *models.Event, who *models.Actor, want string) string {
	s.t.Helper()
	out, err := models.AnswerEvent(context.Background(), s.db, models.Answer{EventID: e.PostID, ActorID: who.ID, Want: want})
	if err != nil {
		s.t.Fatal(err)
	}
	return out.Status
}

// member makes who an accepted member of g.
func (s *manageSite) member(who *models.Actor, g *models.Group) *models.Follow {
	s.t.Helper()
	f, err := models.PutFollow(context.Background(), s.db, who.ID, g.Actor.ID, s.urls.NewActivityID(), models.FollowAccepted)
	if err != nil {
		s.t.Fatal(err)
	}
	return f
}

// calendar fetches an iCalendar feed as a calendar app does (no cookies)
// and parses what it got when it is a 200.
func (s *manageSite) calendar(path string, header ...string) (*http.Response, string, map[string]*ics.VEvent) {
	s.t.Helper()
	rec := s.browser().get(path)
	if len(header) == 2 {
		b := s.browser()
		req, err := http.NewRequest(http.MethodGet, path, nil)
		if err != nil {
			s.t.Fatal(err)
		}
		req.Header.Set(header[0], header[1])
		rec = b.do(req)
	}
	res := rec.Result()
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		return res, body, nil
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		s.t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		s.t.Fatalf("GET %s: does not parse: %v\n%s", path, err, body)
	}
	events := map[string]*ics.VEvent{}
	for _, e := range cal.Events() {
		summary := e.GetProperty(ics.ComponentPropertySummary)
		if summary == nil {
			s.t.Fatalf("an event without SUMMARY in %s", body)
		}
		events[ics.FromText(summary.Value)] = e
	}
	return res, body, events
}

// icalProp is a property of an event, unescaped; "" when absent.
func icalProp(e *ics.VEvent, p ics.ComponentProperty) string {
	prop := e.GetProperty(p)
	if prop == nil {
		return ""
	}
	return ics.FromText(prop.Value)
}

var (
	parkPlace = models.Place{Name: "Prospect Park Playground", StreetAddress: "95 Prospect Park West", Locality: "Brooklyn",
		PostalCode: "11215", Region: "NY", Country: "US", Latitude: ptr(40.6602), Longitude: ptr(-73.9690)}
	homePlace = models.Place{Name: "Anna's place", StreetAddress: "12 Secret Lane", Locality: "Brooklyn",
		PostalCode: "11217", Country: "US", Latitude: ptr(40.6810), Longitude: ptr(-73.9760)}
)

func TestGroupCalendarListsItsPublicMeetupsAndHidesAddressesKeptForPeopleGoing(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	anna := s.user("anna", "", false)
	g := s.group(models.NewGroup{Name: "park", Title: "Park Parents"}, "anna")
	ny := "America/New_York"
	loc, err := time.LoadLocation(ny)
	if err != nil {
		t.Fatal(err)
	}
	soon := time.Now().In(loc).AddDate(0, 0, 7).Truncate(time.Hour)
	park := s.meetup(anna.Actor, g, meetupSpec{title: "Saturday park, swings; slides", start: soon, zone: ny, place: parkPlace})
	home := s.meetup(anna.Actor, g, meetupSpec{title: "Playdate at Anna's", start: soon.Add(24 * time.Hour), zone: ny,
		place: homePlace, forGoing: true})
	recent := s.meetup(anna.Actor, g, meetupSpec{title: "Last week's picnic", start: time.Now().AddDate(0, 0, -10), zone: ny})
	s.meetup(anna.Actor, g, meetupSpec{title: "Long ago", start: time.Now().AddDate(0, 0, -45), zone: ny})
	gone := s.meetup(anna.Actor, g, meetupSpec{title: "Deleted meetup", start: soon, zone: ny})
	if _, err := models.TombstonePost(context.Background(), s.db, gone.PostID); err != nil {
		t.Fatal(err)
	}
	followers := s.meetup(anna.Actor, g, meetupSpec{title: "Followers only", start: soon, zone: ny, visibility: models.VisibilityPrivate})
	called := s.meetup(anna.Actor, g, meetupSpec{title: "Rainy day", start: soon.Add(48 * time.Hour), zone: ny})
	if _, err := models.CancelEvent(context.Background(), s.db, called.PostID); err != nil {
		t.Fatal(err)
	}

	res, body, events := s.calendar("/groups/park/events.ics")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the group calendar: %d %s", res.StatusCode, body)
	}
	var titles []string
	for title := range events {
		titles = append(titles, title)
	}
	if len(events) != 4 || events["Saturday park, swings; slides"] == nil || events["Playdate at Anna's"] == nil ||
		events["Last week's picnic"] == nil || events["Rainy day"] == nil {
		t.Fatalf("the group calendar lists %q; want the park, the playdate, last week's picnic and the cancelled one", titles)
	}
	p := events["Saturday park, swings; slides"]
	pageURL := siteBase + "/events/" + strconv.FormatInt(park.PostID, 10)
	for prop, want := range map[ics.ComponentProperty]string{
		ics.ComponentPropertyUniqueId: park.Post.URI,
		ics.ComponentPropertyUrl:      pageURL,
		ics.ComponentPropertyLocation: "Prospect Park Playground, 95 Prospect Park West, 11215 Brooklyn, NY, US",
		ics.ComponentPropertyGeo:      "40.6602;-73.969",
		ics.ComponentPropertyStatus:   "CONFIRMED",
		ics.ComponentPropertySequence: "0",
	} {
		if got := icalProp(p, prop); got != want {
			t.Errorf("the park meetup's %s is %q, want %q", prop, got, want)
		}
	}
	if d := icalProp(p, ics.ComponentPropertyDescription); !strings.Contains(d, "bring a snack; all welcome.") || !strings.HasSuffix(d, pageURL) {
		t.Errorf("DESCRIPTION %q: want the text and the meetup's page", d)
	}
	start := p.GetProperty(ics.ComponentPropertyDtStart)
	if tzid := start.ICalParameters["TZID"]; len(tzid) != 1 || tzid[0] != ny || start.Value != soon.Format("20060102T150405") {
		t.Errorf("DTSTART %v %q, want TZID=%s and %s local", start.ICalParameters, start.Value, ny, soon.Format("20060102T150405"))
	}
	if !strings.Contains(body, "BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n") {
		t.Errorf("no VTIMEZONE for the zone used:\n%s", body)
	}
	if org := p.GetProperty(ics.ComponentPropertyOrganizer); org == nil || org.Value != siteBase+"/users/anna" ||
		len(org.ICalParameters["CN"]) != 1 || org.ICalParameters["CN"][0] != "Anna" {
		t.Errorf("ORGANIZER %+v, want Anna", org)
	}
	// The playdate's street address is for people going: not here.
	h := events["Playdate at Anna's"]
	if loc := icalProp(h, ics.ComponentPropertyLocation); loc != "Anna's place, Brooklyn, US" {
		t.Errorf("the playdate's LOCATION is %q, want the place and town only", loc)
	}
	if strings.Contains(body, "Secret Lane") || strings.Contains(body, "11217") || h.GetProperty(ics.ComponentPropertyGeo) != nil {
		t.Errorf("the group calendar gives away the playdate's address:\n%s", body)
	}
	if got := icalProp(events["Rainy day"], ics.ComponentPropertyStatus); got != "CANCELLED" {
		t.Errorf("the cancelled meetup's STATUS is %q", got)
	}
	if got := icalProp(events["Rainy day"], ics.ComponentPropertySequence); got != "1" {
		t.Errorf("the cancelled meetup's SEQUENCE is %q, want 1 (cancelling is a change)", got)
	}

	// One meetup's .ics: that meetup alone; the same rules.
	for _, tt := range []struct {
		name string
		id   int64
		want int
	}{
		{"public meetup", park.PostID, http.StatusOK},
		{"address for people going", home.PostID, http.StatusOK},
		{"past meetup", recent.PostID, http.StatusOK},
		{"deleted meetup", gone.PostID, http.StatusNotFound},
		{"followers-only meetup", followers.PostID, http.StatusNotFound},
		{"no such meetup", 999999999, http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body, events := s.calendar("/events/" + strconv.FormatInt(tt.id, 10) + "/event.ics")
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.want, body)
			}
			if tt.want == http.StatusOK && len(events) != 1 {
				t.Errorf("%d events, want 1", len(events))
			}
			if strings.Contains(body, "Secret Lane") {
				t.Errorf("the address for people going is in a meetup's public .ics")
			}
		})
	}
	if res, _, _ := s.calendar("/events/nope/event.ics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a meetup id that is not a number: %d, want 404", res.StatusCode)
	}
	if res, _, _ := s.calendar("/groups/nobody/events.ics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("no such group: %d, want 404", res.StatusCode)
	}
}

func TestMembersOnlyGroupCalendarsAreServedToNobody(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	mona := s.user("mona", "", false)
	nina := s.user("nina", "", false)
	g := s.group(models.NewGroup{Name: "nicu", Title: "NICU parents", MembersOnly: true}, "mona")
	s.member(nina.Actor, g)
	outsider := s.user("otto", "", false)
	e := s.meetup(mona.Actor, g, meetupSpec{title: "Coffee", start: time.Now().AddDate(0, 0, 3), zone: "Europe/London"})
	paths := []string{"/groups/nicu/events.ics", "/events/" + strconv.FormatInt(e.PostID, 10) + "/event.ics"}
	for _, path := range paths {
		for who, b := range map[string]*browser{"a visitor": s.browser(), "a non-member": s.signedIn(outsider),
			"even a member (her calendar is at her secret URL)": s.signedIn(nina)} {
			rec := b.get(path)
			if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "Coffee") {
				t.Errorf("GET %s by %s: %d, want 404 and nothing of the meetup\n%s", path, who, rec.Code, rec.Body)
			}
		}
	}
}

var calendarURLRE = regexp.MustCompile(`id="calendar-url"[^>]*value="([^"]+)"`)

// calendarAddress reads a member's calendar address off her settings page.
func calendarAddress(t *testing.T, b *browser) string {
	t.Helper()
	page := b.page("/settings/calendar")
	m := calendarURLRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no calendar address on the settings page:\n%s", page)
	}
	u := html.UnescapeString(m[1])
	if !strings.Contains(page, `href="webcal://`+strings.TrimPrefix(u, "http://")+`"`) {
		t.Errorf("no webcal:// link beside %s", u)
	}
	if !strings.HasPrefix(u, siteBase+"/calendars/") || !strings.HasSuffix(u, "/meetups.ics") {
		t.Fatalf("calendar address %q", u)
	}
	token := strings.TrimSuffix(strings.TrimPrefix(u, siteBase+"/calendars/"), "/meetups.ics")
	if len(token) < 22 { // 128 bits in base64url
		t.Errorf("the calendar token %q is too short to be secret", token)
	}
	return strings.TrimPrefix(u, siteBase)
}

func TestMemberCalendarHasHerMeetupsWithHerAnswerAtHerSecretURL(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	anna := s.user("anna", "", false)
	bea := s.user("bea", "", false)
	cleo := s.user("cleo", "", false)
	park := s.group(models.NewGroup{Name: "park", Title: "Park Parents"}, "anna")
	nicu := s.group(models.NewGroup{Name: "nicu", Title: "NICU parents", MembersOnly: true}, "anna")
	beaInNicu := s.member(bea.Actor, nicu)
	soon := time.Now().AddDate(0, 0, 5).Truncate(time.Hour)
	zone := "Europe/Berlin"
	going := s.meetup(anna.Actor, park, meetupSpec{title: "Going: playdate", start: soon, zone: zone, place: homePlace, forGoing: true})
	maybe := s.meetup(anna.Actor, park, meetupSpec{title: "Maybe: swim", start: soon.Add(time.Hour), zone: zone, place: homePlace, forGoing: true})
	full := s.meetup(anna.Actor, park, meetupSpec{title: "Waiting: zoo", start: soon.Add(2 * time.Hour), zone: zone, capacity: ptr(1)})
	notGoing := s.meetup(anna.Actor, park, meetupSpec{title: "Not going: museum", start: soon, zone: zone})
	s.meetup(anna.Actor, park, meetupSpec{title: "Unanswered: library", start: soon, zone: zone})
	private := s.meetup(anna.Actor, nicu, meetupSpec{title: "Members: coffee", start: soon.Add(3 * time.Hour), zone: zone})
	s.answer(going, bea.Actor, models.RSVPGoing)
	s.answer(maybe, bea.Actor, models.RSVPMaybe)
	s.answer(full, cleo.Actor, models.RSVPGoing)
	if got := s.answer(full, bea.Actor, models.RSVPGoing); got != models.RSVPWaitlist {
		t.Fatalf("bea should wait for a place at the full zoo, is %q", got)
	}
	s.answer(notGoing, bea.Actor, models.RSVPNotGoing)
	s.answer(private, bea.Actor, models.RSVPGoing)
	s.answer(going, cleo.Actor, models.RSVPMaybe)

	if rec := s.browser().get("/settings/calendar"); rec.Code != http.StatusSeeOther {
		t.Errorf("the calendar settings signed out: %d, want a redirect to log in", rec.Code)
	}
	path := calendarAddress(t, s.signedIn(bea))
	if again := calendarAddress(t, s.signedIn(bea)); again != path {
		t.Errorf("the address changed between two visits: %s then %s", path, again)
	}
	if cleoPath := calendarAddress(t, s.signedIn(cleo)); cleoPath == path {
		t.Fatalf("two members share one calendar address")
	}

	res, body, events := s.calendar(path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("bea's calendar: %d %s", res.StatusCode, body)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
		t.Errorf("Cache-Control %q: a member's calendar is private", cc)
	}
	want := map[string]ics.ParticipationStatus{
		"Going: playdate": ics.ParticipationStatusAccepted,
		"Maybe: swim":     ics.ParticipationStatusTentative,
		"Waiting: zoo":    ics.ParticipationStatusNeedsAction,
		"Members: coffee": ics.ParticipationStatusAccepted,
	}
	if len(events) != len(want) {
		t.Errorf("bea's calendar has %d events, want %d:\n%s", len(events), len(want), body)
	}
	for title, partstat := range want {
		e := events[title]
		if e == nil {
			t.Errorf("bea's calendar lacks %q", title)
			continue
		}
		att := e.Attendees()
		if len(att) != 1 || att[0].ParticipationStatus() != partstat || att[0].Value != siteBase+"/users/bea" {
			t.Errorf("%q: attendees %+v, want bea alone, %s", title, att, partstat)
		}
	}
	// Going, she sees the street address and the coordinates; maybe, not.
	if loc := icalProp(events["Going: playdate"], ics.ComponentPropertyLocation); !strings.Contains(loc, "12 Secret Lane") ||
		events["Going: playdate"].GetProperty(ics.ComponentPropertyGeo) == nil {
		t.Errorf("going, bea should have the playdate's address and GEO: %q", loc)
	}
	if loc := icalProp(events["Maybe: swim"], ics.ComponentPropertyLocation); strings.Contains(loc, "Secret Lane") ||
		events["Maybe: swim"].GetProperty(ics.ComponentPropertyGeo) != nil {
		t.Errorf("only maybe going, bea should not have the street address: %q", loc)
	}

	// She leaves the members-only group: its meetups leave her calendar.
	if _, err := models.DeleteFollow(context.Background(), s.db, beaInNicu.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, events := s.calendar(path); events["Members: coffee"] != nil || events["Going: playdate"] == nil {
		t.Errorf("after leaving NICU parents, bea's calendar still has its meetup (or lost the others)")
	}
	// Deleted meetups leave it too.
	if _, err := models.TombstonePost(context.Background(), s.db, maybe.PostID); err != nil {
		t.Fatal(err)
	}
	if _, _, events := s.calendar(path); events["Maybe: swim"] != nil {
		t.Errorf("a deleted meetup is still in bea's calendar")
	}
	if res, _, _ := s.calendar("/calendars/not-a-token/meetups.ics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown calendar token: %d, want 404", res.StatusCode)
	}
}

func TestResettingTheCalendarAddressRetiresTheOldOne(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	bea := s.user("bea", "", false)
	b := s.signedIn(bea)
	old := calendarAddress(t, b)
	if res, _, _ := s.calendar(old); res.StatusCode != http.StatusOK {
		t.Fatalf("the address before the reset: %d", res.StatusCode)
	}
	if rec := b.post("/settings/calendar/reset", url.Values{}); rec.Code != http.StatusForbidden {
		t.Errorf("a reset without the form's token: %d, want 403", rec.Code)
	}
	if res, _, _ := s.calendar(old); res.StatusCode != http.StatusOK {
		t.Fatalf("a refused reset changed the address")
	}
	rec := b.submit("/settings/calendar", "/settings/calendar/reset", url.Values{})
	wantStatus(t, "reset", rec, http.StatusSeeOther)
	page := b.page(rec.Header().Get("Location"))
	if !strings.Contains(page, "Your calendar has a new address") {
		t.Errorf("the page does not say the address changed")
	}
	fresh := calendarAddress(t, b)
	if fresh == old {
		t.Fatal("the reset kept the address")
	}
	if res, _, _ := s.calendar(old); res.StatusCode != http.StatusNotFound {
		t.Errorf("the old address after the reset: %d, want 404", res.StatusCode)
	}
	if res, _, _ := s.calendar(fresh); res.StatusCode != http.StatusOK {
		t.Errorf("the new address: %d, want 200", res.StatusCode)
	}
}

func TestCalendarsAnswer304ToAMatchingETagUntilAMeetupChanges(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	anna := s.user("anna", "", false)
	g := s.group(models.NewGroup{Name: "park", Title: "Park Parents"}, "anna")
	e := s.meetup(anna.Actor, g, meetupSpec{title: "Swings", start: time.Now().AddDate(0, 0, 2), zone: "Europe/Paris"})
	paths := []string{"/groups/park/events.ics", "/events/" + strconv.FormatInt(e.PostID, 10) + "/event.ics"}
	etags := map[string]string{}
	for _, path := range paths {
		res, _, _ := s.calendar(path)
		etag := res.Header.Get("ETag")
		if res.StatusCode != http.StatusOK || etag == "" || res.Header.Get("Last-Modified") == "" {
			t.Fatalf("GET %s: %d, ETag %q, Last-Modified %q", path, res.StatusCode, etag, res.Header.Get("Last-Modified"))
		}
		etags[path] = etag
		res, body, _ := s.calendar(path, "If-None-Match", etag)
		if res.StatusCode != http.StatusNotModified || body != "" {
			t.Errorf("GET %s with its ETag: %d (%d bytes), want 304 and no body", path, res.StatusCode, len(body))
		}
		if res, _, _ := s.calendar(path, "If-None-Match", `"something-else"`); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s with another ETag: %d, want 200", path, res.StatusCode)
		}
	}
	// The organizer moves it: the old ETag no longer matches.
	e.StartsAt = e.StartsAt.Add(time.Hour)
	if err := models.UpdateEvent(context.Background(), s.db, e); err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		res, _, events := s.calendar(path, "If-None-Match", etags[path])
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s after a change, with the old ETag: %d, want 200", path, res.StatusCode)
		}
		if got := icalProp(events["Swings"], ics.ComponentPropertySequence); got != "1" {
			t.Errorf("GET %s: SEQUENCE %q after a change, want 1", path, got)
		}
	}
}

func TestGroupPageLinksItsMeetupCalendarUnlessMembersOnly(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	s.user("anna", "", false)
	s.group(models.NewGroup{Name: "park", Title: "Park Parents"}, "anna")
	s.group(models.NewGroup{Name: "nicu", Title: "NICU parents", MembersOnly: true}, "anna")
	public := s.browser().page("/groups/park")
	for _, want := range []string{`<link rel="alternate" type="text/calendar"`, `href="/groups/park/events.ics"`,
		`<a href="/groups/park/events.ics">Meetup calendar (iCal)</a>`} {
		if !strings.Contains(public, want) {
			t.Errorf("the public group page lacks %s", want)
		}
	}
	if private := s.browser().page("/groups/nicu"); strings.Contains(private, "events.ics") {
		t.Errorf("a members-only group page links a calendar that would 404")
	}
}
