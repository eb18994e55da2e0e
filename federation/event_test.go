package federation_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

func parkMeetup(t *testing.T, addressForGoing bool) (*models.Post, *models.Event, *models.Actor) {
	t.Helper()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2031, 3, 30, 10, 0, 0, 0, berlin) // the day clocks go forward
	end := start.Add(150 * time.Minute)
	lat, lon, capacity := 52.52, 13.40, 12
	author := &models.Actor{ID: 1, Username: "alice", Type: models.ActorPerson}
	post := &models.Post{ID: 7, URI: "https://village.example/users/alice/statuses/7", URL: "https://village.example/users/alice/statuses/7",
		Type: "Event", Name: "Saturday in the park", Content: "<p>Bring snacks</p>", Visibility: models.VisibilityPublicPost,
		PublishedAt: time.Date(2031, 3, 1, 9, 0, 0, 0, time.UTC),
		Attachments: []models.Attachment{{URL: "https://village.example/media/p/1.jpg", MediaType: "image/jpeg", Type: "Image"}}}
	e := &models.Event{PostID: 7, StartsAt: start, EndsAt: &end, TimeZone: "Europe/Berlin", JoinMode: models.JoinRestricted,
		Status: models.EventConfirmed, Capacity: &capacity, AddressForGoing: addressForGoing,
		Place: models.Place{Name: "Volkspark", StreetAddress: "Parkweg 1", PostalCode: "10115", Locality: "Berlin",
			Region: "Berlin", Country: "DE", Latitude: &lat, Longitude: &lon}}
	return post, e, author
}

// The wire Event carries every term of the shared design, times in the
// place's zone with its offset (so the instant survives a DST change).
func TestEventDocumentCarriesMobilizonsTerms(t *testing.T) {
	u := federation.NewURLs("https://village.example")
	post, e, author := parkMeetup(t, false)
	group := "https://village.example/groups/parents"
	doc, err := federation.EventDocument(u, post, e, author,
		federation.NoteAddress{To: []string{group, federation.Public}, Cc: []string{group + "/followers"}, Audience: group},
		federation.EventCounts{Going: 5})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(doc)
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"type": "Event", "id": post.URI, "url": post.URL, "name": "Saturday in the park", "content": "<p>Bring snacks</p>",
		"startTime": "2031-03-30T10:00:00+02:00", "endTime": "2031-03-30T12:30:00+02:00", "timezone": "Europe/Berlin",
		"joinMode": "restricted", "maximumAttendeeCapacity": 12.0, "remainingAttendeeCapacity": 7.0,
		"participantCount": 5.0, "ical:status": "CONFIRMED", "audience": group, "commentsEnabled": true,
		"attributedTo": "https://village.example/users/alice",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	loc, _ := got["location"].(map[string]any)
	address, _ := loc["address"].(map[string]any)
	if loc["type"] != "Place" || loc["name"] != "Volkspark" || loc["latitude"] != 52.52 || loc["longitude"] != 13.40 ||
		address["type"] != "PostalAddress" || address["streetAddress"] != "Parkweg 1" || address["postalCode"] != "10115" ||
		address["addressLocality"] != "Berlin" || address["addressRegion"] != "Berlin" || address["addressCountry"] != "DE" {
		t.Errorf("location = %#v", loc)
	}
	if att, _ := got["attachment"].([]any); len(att) != 1 {
		t.Errorf("attachment = %#v", got["attachment"])
	}
	// Mastodon shows name, summary and link: the summary says when and where.
	if s, _ := got["summary"].(string); !strings.Contains(s, "Sun 30 Mar 2031, 10:00–12:30 (Europe/Berlin)") ||
		!strings.Contains(s, "Volkspark") || !strings.Contains(s, "5 going") {
		t.Errorf("summary = %q", got["summary"])
	}
	ctx, _ := json.Marshal(got["@context"])
	for _, term := range []string{`"mz":"https://joinmobilizon.org/ns#"`, `"ical":"http://www.w3.org/2002/12/cal/ical#"`,
		`"sc":"http://schema.org#"`, `"joinMode"`, `"participantCount"`, `"timezone"`} {
		if !strings.Contains(string(ctx), term) {
			t.Errorf("@context lacks %s", term)
		}
	}
	// Read back as another Village would: the same instant and zone.
	back, err := federation.EventFromObject(got)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Event.StartsAt.Equal(e.StartsAt) || back.Event.TimeZone != "Europe/Berlin" || *back.Event.Capacity != 12 ||
		back.Event.JoinMode != models.JoinRestricted || back.Post.Name != "Saturday in the park" {
		t.Errorf("read back: %+v", back.Event)
	}
}

// When the address is for people going, the public Event keeps the place's
// name and town but not its street, postal code or coordinates.
func TestEventDocumentLeavesTheStreetOutWhenItIsForPeopleGoing(t *testing.T) {
	u := federation.NewURLs("https://village.example")
	post, e, author := parkMeetup(t, true)
	doc, err := federation.EventDocument(u, post, e, author, federation.NoteAddress{To: []string{federation.Public}}, federation.EventCounts{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(doc)
	for _, secret := range []string{"Parkweg", "10115", "52.52", "13.4", "latitude"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the wire Event shows %q: %s", secret, b)
		}
	}
	for _, shown := range []string{`"name":"Volkspark"`, `"addressLocality":"Berlin"`} {
		if !strings.Contains(string(b), shown) {
			t.Errorf("the wire Event lacks %s", shown)
		}
	}
}

func readFixture(t *testing.T, name string) federation.Object {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	o, err := federation.ParseObject(b)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestEventFromObjectReadsMobilizonsEvent(t *testing.T) {
	in, err := federation.EventFromObject(readFixture(t, "mobilizon_event.json"))
	if err != nil {
		t.Fatal(err)
	}
	e := in.Event
	paris, _ := time.LoadLocation("Europe/Paris")
	if !e.StartsAt.Equal(time.Date(2031, 6, 14, 10, 0, 0, 0, paris)) || e.EndsAt == nil || e.EndsAt.Sub(e.StartsAt) != 3*time.Hour {
		t.Errorf("times %s – %v", e.StartsAt, e.EndsAt)
	}
	if e.TimeZone != "Europe/Paris" || e.JoinMode != models.JoinRestricted || e.Status != models.EventConfirmed ||
		*e.Capacity != 20 || *e.RemoteParticipants != 15 || *e.RemoteRemaining != 5 {
		t.Errorf("event %+v", e)
	}
	p := e.Place
	if p.Name != "Parc de la Tête d'Or" || p.StreetAddress != "Place du Général Leclerc" || p.Locality != "Lyon" ||
		p.PostalCode != "69006" || p.Country != "France" || *p.Latitude != 45.777 || *p.Longitude != 4.855 {
		t.Errorf("place %+v", p)
	}
	// The organizer (actor) wrote it; the group (attributedTo) is its audience.
	if in.Author != "https://mobilizon.example/@claire" || in.Audience != "https://mobilizon.example/@parents_lyon" {
		t.Errorf("author %s, audience %s", in.Author, in.Audience)
	}
	if in.Post.Type != "Event" || in.Post.Name != "Pique-nique au parc" || in.Post.Sensitive {
		t.Errorf("post %+v", in.Post)
	}
}

func TestEventFromObjectReadsGanciosEvent(t *testing.T) {
	in, err := federation.EventFromObject(readFixture(t, "gancio_event.json"))
	if err != nil {
		t.Fatal(err)
	}
	e := in.Event
	if !e.StartsAt.Equal(time.Date(2031, 9, 20, 14, 0, 0, 0, time.UTC)) || e.EndsAt.Sub(e.StartsAt) != 2*time.Hour {
		t.Errorf("times %s – %v", e.StartsAt, e.EndsAt)
	}
	// Gancio names no zone: UTC; its address is one string, its coordinates strings.
	if e.TimeZone != "UTC" || e.Place.Name != "Biblioteca civica" || e.Place.StreetAddress != "Via Roma 12, Torino" ||
		e.Place.Latitude == nil || *e.Place.Latitude != 45.07 || e.JoinMode != models.JoinFree || e.Capacity != nil {
		t.Errorf("event %+v place %+v", e, e.Place)
	}
	// Its summary is the facts in words, not a content warning.
	if in.Post.Summary != "" || in.Post.Sensitive || len(in.Post.Attachments) != 1 || in.Author != "https://gancio.example/federation/u/gancio" {
		t.Errorf("post %+v", in.Post)
	}
}

func TestEventFromObjectRefusesAbsurdEvents(t *testing.T) {
	base := func() federation.Object { return readFixture(t, "mobilizon_event.json") }
	for _, tc := range []struct {
		name   string
		change func(o federation.Object)
	}{
		{"starts before 1970", func(o federation.Object) { o["startTime"] = "1969-07-20T20:17:00Z"; delete(o, "endTime") }},
		{"starts more than five years ahead", func(o federation.Object) {
			o["startTime"] = time.Now().AddDate(6, 0, 0).Format(time.RFC3339)
			delete(o, "endTime")
		}},
		{"ends before it starts", func(o federation.Object) { o["endTime"] = "2031-06-14T09:00:00+02:00" }},
		{"lasts more than 31 days", func(o federation.Object) { o["endTime"] = "2031-08-14T09:00:00+02:00" }},
		{"an unknown time zone", func(o federation.Object) { o["timezone"] = "Europe/Atlantis" }},
		{"no start", func(o federation.Object) { delete(o, "startTime") }},
		{"a start that is no time", func(o federation.Object) { o["startTime"] = "next Saturday" }},
		{"latitude off the globe", func(o federation.Object) { o["location"].(map[string]any)["latitude"] = 123.0 }},
		{"longitude off the globe", func(o federation.Object) { o["location"].(map[string]any)["longitude"] = -200.0 }},
		{"a capacity that is no count", func(o federation.Object) { o["maximumAttendeeCapacity"] = -5.0 }},
		{"a huge capacity", func(o federation.Object) { o["maximumAttendeeCapacity"] = 5e6 }},
		{"no name", func(o federation.Object) { o["name"] = "" }},
		{"an unknown status", func(o federation.Object) { o["ical:status"] = "MAYBE" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := base()
			tc.change(o)
			if _, err := federation.EventFromObject(o); err == nil {
				t.Errorf("accepted")
			}
		})
	}
}
