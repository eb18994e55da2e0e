package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

func getPage(t *testing.T, s *meetupSite, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

func TestMeetupPagesShowMeetupsFirstNearestAndKeepTheStreetForPeopleGoing(t *testing.T) {
	t.Parallel()
	s := newMeetupSite(t)
	ctx := context.Background()
	m := decodeMeetup(t, s.create("alice", meetupForm()))
	if _, err := s.db.Exec(ctx, `UPDATE groups SET latitude = 52.52, longitude = 13.40 WHERE actor_id = $1`, s.group.ID); err != nil {
		t.Fatal(err)
	}
	// The group page lists it above the posts.
	s.users["alice"].status("@parents a plain post", "public")
	code, page := getPage(t, s, "/groups/parents")
	meetup, posts := strings.Index(page, "Saturday in the park"), strings.Index(page, `id="posts"`)
	if code != http.StatusOK || meetup < 0 || posts < 0 || meetup > posts {
		t.Errorf("group page: %d, meetup at %d, posts at %d", code, meetup, posts)
	}
	// A visitor, not going, sees the place's name and town, not its street.
	code, page = getPage(t, s, "/events/"+m.ID)
	if code != http.StatusOK || !strings.Contains(page, "Volkspark") || strings.Contains(page, "Parkweg") ||
		strings.Contains(page, "mlat=") || !strings.Contains(page, "Europe/Berlin") || !strings.Contains(page, "openstreetmap.org") {
		t.Errorf("the meetup page to a visitor (%d) shows the street or lacks the facts:\n%s", code, page)
	}

	// /events: nearest first, and never a members-only group's meetup.
	far, err := models.CreateGroup(ctx, s.db, models.NewGroup{Name: "faraway", Title: "Far", Location: "Lisbon"})
	if err != nil {
		t.Fatal(err)
	}
	hidden, err := models.CreateGroup(ctx, s.db, models.NewGroup{Name: "secret", Title: "Secret", Location: "Berlin", MembersOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	lat, lon := 38.72, -9.14
	for _, g := range []struct {
		group *models.Actor
		title string
		when  time.Duration
	}{{far.Actor, "Lisbon picnic", 24 * time.Hour}, {hidden.Actor, "Secret swim", 24 * time.Hour}} {
		post := &models.Post{URI: "http://127.0.0.2:8080/x/" + g.title, AuthorID: s.users["alice"].actor.ID, GroupID: &g.group.ID,
			Type: "Event", Name: g.title, Visibility: models.VisibilityPublicPost, Local: true}
		if _, err := models.InsertPost(ctx, s.db, post); err != nil {
			t.Fatal(err)
		}
		e := &models.Event{PostID: post.ID, StartsAt: time.Now().Add(g.when), TimeZone: "UTC",
			Place: models.Place{Name: g.title, Latitude: &lat, Longitude: &lon}}
		if err := e.Validate(time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := models.InsertEvent(ctx, s.db, e); err != nil {
			t.Fatal(err)
		}
	}
	_, page = getPage(t, s, "/events?lat=38.7&lon=-9.1")
	lisbon, berlin := strings.Index(page, "Lisbon picnic"), strings.Index(page, "Saturday in the park")
	if lisbon < 0 || berlin < 0 || lisbon > berlin {
		t.Errorf("/events near Lisbon: Lisbon at %d, Berlin at %d", lisbon, berlin)
	}
	_, page = getPage(t, s, "/events?lat=52.5&lon=13.4")
	lisbon, berlin = strings.Index(page, "Lisbon picnic"), strings.Index(page, "Saturday in the park")
	if lisbon < 0 || berlin < 0 || berlin > lisbon {
		t.Errorf("/events near Berlin: Lisbon at %d, Berlin at %d", lisbon, berlin)
	}
	if strings.Contains(page, "Secret swim") {
		t.Errorf("/events lists a members-only group's meetup")
	}
}
