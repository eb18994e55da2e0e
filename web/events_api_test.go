package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// meetupSite is a statusSite with a public group "parents" that alice and
// bea have joined (carol has not) and a group moderator, mo.
type meetupSite struct {
	*statusSite
	group *models.Actor
}

func newMeetupSite(t *testing.T) *meetupSite {
	t.Helper()
	s := &meetupSite{statusSite: newStatusSite(t)}
	ctx := context.Background()
	g, err := models.CreateGroup(ctx, s.db, models.NewGroup{Name: "parents", Title: "Parents", Location: "Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	s.group = g.Actor
	for _, name := range []string{"alice", "bea"} {
		if _, err := models.PutFollow(ctx, s.db, s.users[name].actor.ID, g.Actor.ID,
			"http://127.0.0.2:8080/activities/join-"+name, models.FollowAccepted); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// meetupForm is a good meetup in Berlin, next month, with a street address
// for people going only.
func meetupForm() url.Values {
	day := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	return url.Values{"title": {"Saturday in the park"}, "description": {"Bring snacks"},
		"date": {day}, "start": {"10:00"}, "end": {"12:30"}, "time_zone": {"Europe/Berlin"},
		"place_name": {"Volkspark"}, "street_address": {"Parkweg 1"}, "postal_code": {"10115"},
		"locality": {"Berlin"}, "country": {"DE"}, "latitude": {"52.52"}, "longitude": {"13.40"},
		"capacity": {"12"}, "join_mode": {"free"}, "address_for_going": {"on"}}
}

type meetupJSON struct {
	ID          string
	Content     string
	Title       string
	StartTime   string `json:"start_time"`
	EndTime     string `json:"end_time"`
	TimeZone    string `json:"time_zone"`
	EventStatus string `json:"event_status"`
	Capacity    *int
	Sequence    int
	Place       struct {
		Name          string
		StreetAddress string `json:"street_address"`
		Locality      string
		Latitude      *float64
	}
	Counts struct{ Going int }
}

func (s *meetupSite) create(who string, form url.Values) *httptest.ResponseRecorder {
	return s.users[who].send(http.MethodPost, "/api/v1/village/groups/parents/events",
		"application/x-www-form-urlencoded", form.Encode())
}

func decodeMeetup(t *testing.T, rec *httptest.ResponseRecorder) meetupJSON {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var m meetupJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMeetupAPICreatesAMeetupInTheGroupWithItsInstantInThePlacesZone(t *testing.T) {
	t.Parallel()
	s := newMeetupSite(t)
	form := meetupForm()
	m := decodeMeetup(t, s.create("alice", form))
	berlin, _ := time.LoadLocation("Europe/Berlin")
	want, _ := time.ParseInLocation("2006-01-02 15:04", form.Get("date")+" 10:00", berlin)
	start, err := time.Parse(time.RFC3339, m.StartTime)
	if err != nil || !start.Equal(want) {
		t.Errorf("start_time %q, want %s", m.StartTime, want)
	}
	if m.Title != "Saturday in the park" || m.TimeZone != "Europe/Berlin" || m.Capacity == nil || *m.Capacity != 12 ||
		m.EventStatus != models.EventConfirmed || m.Place.StreetAddress != "Parkweg 1" {
		t.Errorf("meetup as created: %+v", m)
	}
	// Mastodon apps see it as a status that says when and where, with a link.
	if !strings.Contains(m.Content, "Saturday in the park") || !strings.Contains(m.Content, "Europe/Berlin") ||
		!strings.Contains(m.Content, "Volkspark") || !strings.Contains(m.Content, "0 going") ||
		!strings.Contains(m.Content, "/events/"+m.ID) {
		t.Errorf("status text lacks the key facts: %s", m.Content)
	}
	var st struct{ Content string }
	if rec := s.users["bea"].send(http.MethodGet, "/api/v1/statuses/"+m.ID, "", ""); rec.Code != http.StatusOK ||
		json.Unmarshal(rec.Body.Bytes(), &st) != nil || !strings.Contains(st.Content, "10:00") {
		t.Errorf("GET /api/v1/statuses/%s: %d %s", m.ID, rec.Code, rec.Body)
	}
	// Bea, a member not going, does not see the street address.
	seen := decodeMeetup(t, s.users["bea"].send(http.MethodGet, "/api/v1/village/events/"+m.ID, "", ""))
	if seen.Place.StreetAddress != "" || seen.Place.Latitude != nil || seen.Place.Locality != "Berlin" {
		t.Errorf("a member not going sees the place as %+v", seen.Place)
	}
	if strings.Contains(seen.Content, "Parkweg") {
		t.Errorf("status text shows the street to someone not going: %s", seen.Content)
	}
	var ev models.Event
	if err := s.db.QueryRow(context.Background(), `SELECT starts_at, time_zone FROM events`).Scan(&ev.StartsAt, &ev.TimeZone); err != nil ||
		!ev.StartsAt.Equal(want) {
		t.Errorf("stored start %s (%v), want %s", ev.StartsAt, err, want)
	}
}

func TestMeetupAPIRefusesBadMeetupsAndStoresNothing(t *testing.T) {
	t.Parallel()
	s := newMeetupSite(t)
	tables := []string{"posts", "events", "activities"}
	with := func(changes map[string]string) url.Values {
		f := meetupForm()
		for k, v := range changes {
			f.Set(k, v)
		}
		return f
	}
	past := time.Now().AddDate(0, 0, -2).Format("2006-01-02")
	far := time.Now().AddDate(6, 0, 0).Format("2006-01-02")
	for _, tc := range []struct {
		name string
		who  string
		form url.Values
		code int
	}{
		{"no title", "alice", with(map[string]string{"title": " "}), http.StatusUnprocessableEntity},
		{"in the past", "alice", with(map[string]string{"date": past}), http.StatusUnprocessableEntity},
		{"six years ahead", "alice", with(map[string]string{"date": far}), http.StatusUnprocessableEntity},
		{"unknown zone", "alice", with(map[string]string{"time_zone": "Mars/Olympus"}), http.StatusUnprocessableEntity},
		{"no date", "alice", with(map[string]string{"date": ""}), http.StatusUnprocessableEntity},
		{"capacity zero is none, negative is wrong", "alice", with(map[string]string{"capacity": "-3"}), http.StatusUnprocessableEntity},
		{"capacity too large", "alice", with(map[string]string{"capacity": "1000000"}), http.StatusUnprocessableEntity},
		{"latitude off the globe", "alice", with(map[string]string{"latitude": "95"}), http.StatusUnprocessableEntity},
		{"latitude without longitude", "alice", with(map[string]string{"longitude": ""}), http.StatusUnprocessableEntity},
		{"unknown join mode", "alice", with(map[string]string{"join_mode": "bribe"}), http.StatusUnprocessableEntity},
		{"a picture that is not hers", "alice", with(map[string]string{"media_ids[]": "999"}), http.StatusUnprocessableEntity},
		{"a non-member", "carol", meetupForm(), http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := map[string]int{}
			for _, table := range tables {
				before[table] = count(t, s.db, table)
			}
			s.wantRefused(tc.name, s.create(tc.who, tc.form), tc.code, tables, before)
		})
	}
}

func TestMeetupAPIEditsAndCancelsAndTellsPeopleGoing(t *testing.T) {
	t.Parallel()
	s := newMeetupSite(t)
	ctx := context.Background()
	m := decodeMeetup(t, s.create("alice", meetupForm()))
	id, _ := strconv.ParseInt(m.ID, 10, 64)
	if _, err := models.AnswerEvent(ctx, s.db, models.Answer{EventID: id, ActorID: s.users["bea"].actor.ID,
		Want: models.RSVPGoing, Via: models.RSVPViaLocal}); err != nil {
		t.Fatal(err)
	}
	put := func(who string, form url.Values) *httptest.ResponseRecorder {
		return s.users[who].send(http.MethodPut, "/api/v1/village/events/"+m.ID, "application/x-www-form-urlencoded", form.Encode())
	}
	edited := decodeMeetup(t, put("alice", url.Values{"title": {"Sunday in the park"}, "capacity": {"20"},
		"start_time": {"2031-05-04T11:00:00+02:00"}, "end_time": {"2031-05-04T13:00:00+02:00"}}))
	if edited.Title != "Sunday in the park" || *edited.Capacity != 20 || edited.Sequence != m.Sequence+1 ||
		edited.StartTime != "2031-05-04T11:00:00+02:00" || edited.Place.Name != "Volkspark" {
		t.Errorf("edited: %+v", edited)
	}
	updates := func() int {
		var n int // the newest notice's id: each change gives a fresh one
		if err := s.db.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM notifications WHERE type = 'event_update' AND recipient_id = $1`,
			s.users["bea"].actor.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	afterEdit := updates()
	if afterEdit == 0 {
		t.Errorf("bea, going, was not told of the edit")
	}
	var sent string
	if err := s.db.QueryRow(ctx, `SELECT body FROM activities WHERE type = 'Update' AND object_uri LIKE '%/statuses/'||$1
		ORDER BY id DESC LIMIT 1`, m.ID).Scan(&sent); err != nil || !strings.Contains(sent, `"type":"Event"`) ||
		!strings.Contains(sent, `"maximumAttendeeCapacity":20`) {
		t.Errorf("Update{Event} sent: %s (%v)", sent, err)
	}

	// A member who is neither organizer nor moderator cannot change it.
	before := map[string]int{"activities": count(t, s.db, "activities")}
	s.wantRefused("bea's capacity change", put("bea", url.Values{"capacity": {"10000"}}), http.StatusForbidden,
		[]string{"activities"}, before)
	if again := decodeMeetup(t, s.users["alice"].send(http.MethodGet, "/api/v1/village/events/"+m.ID, "", "")); *again.Capacity != 20 {
		t.Errorf("capacity after bea's attempt: %d", *again.Capacity)
	}
	s.wantRefused("bea's cancel", s.users["bea"].send(http.MethodPost, "/api/v1/village/events/"+m.ID+"/cancel", "", ""),
		http.StatusForbidden, []string{"activities"}, before)
	s.wantRefused("a bad edit", put("alice", url.Values{"time_zone": {"Nowhere/Land"}}), http.StatusUnprocessableEntity,
		[]string{"activities"}, before)

	cancelled := decodeMeetup(t, s.users["alice"].send(http.MethodPost, "/api/v1/village/events/"+m.ID+"/cancel", "", ""))
	afterCancel := updates()
	if cancelled.EventStatus != models.EventCancelled || afterCancel <= afterEdit {
		t.Errorf("cancelled: %s, bea told anew? %d after %d", cancelled.EventStatus, afterCancel, afterEdit)
	}
	if err := s.db.QueryRow(ctx, `SELECT body FROM activities WHERE type = 'Update' AND object_uri LIKE '%/statuses/'||$1
		ORDER BY id DESC LIMIT 1`, m.ID).Scan(&sent); err != nil || !strings.Contains(sent, `"ical:status":"CANCELLED"`) {
		t.Errorf("cancellation sent: %s (%v)", sent, err)
	}
	if rec := s.users["alice"].send(http.MethodDelete, "/api/v1/village/events/"+m.ID, "", ""); rec.Code != http.StatusOK {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if rec := s.users["bea"].send(http.MethodGet, "/api/v1/village/events/"+m.ID, "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("a deleted meetup answers %d", rec.Code)
	}
	if updates() <= afterCancel {
		t.Errorf("bea was not told of the deletion")
	}
}

// A group moderator may change a member's meetup; growing its capacity
// lets the first on the waitlist in, who is told.
func TestMeetupAPIModeratorGrowsCapacityAndPromotesTheWaitlist(t *testing.T) {
	t.Parallel()
	s := newMeetupSite(t)
	ctx := context.Background()
	form := meetupForm()
	form.Set("capacity", "1")
	m := decodeMeetup(t, s.create("alice", form))
	id, _ := strconv.ParseInt(m.ID, 10, 64)
	for _, who := range []string{"bea", "carol"} {
		if _, err := models.AnswerEvent(ctx, s.db, models.Answer{EventID: id, ActorID: s.users[who].actor.ID,
			Want: models.RSVPGoing, Via: models.RSVPViaLocal}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := models.PutGroupModerator(ctx, s.db, s.group.ID, s.users["carol"].actor.ID, "moderator"); err != nil {
		t.Fatal(err)
	}
	rec := s.users["carol"].send(http.MethodPut, "/api/v1/village/events/"+m.ID, "application/x-www-form-urlencoded",
		url.Values{"capacity": {"2"}}.Encode())
	if got := decodeMeetup(t, rec); *got.Capacity != 2 || got.Counts.Going != 2 {
		t.Errorf("after growing: capacity %v, going %d", *got.Capacity, got.Counts.Going)
	}
	r, err := models.RSVPOf(ctx, s.db, id, s.users["carol"].actor.ID)
	if err != nil || r.Status != models.RSVPGoing {
		t.Errorf("carol after the capacity grew: %+v %v", r, err)
	}
}
