package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// pageMeetup stores a meetup of brooklyn_moms organized by maria, for
// capacity people, and returns its page's path.
func pageMeetup(t *testing.T, s *site, capacity int) string {
	t.Helper()
	ctx := context.Background()
	maria, err := models.AccountByUsername(ctx, s.db, "maria")
	if err != nil {
		t.Fatal(err)
	}
	g := s.group("brooklyn_moms")
	id, err := models.NextPostID(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	uri := siteBase + "/users/maria/statuses/" + strconv.FormatInt(id, 10)
	p := &models.Post{ID: id, URI: uri, URL: uri, AuthorID: maria.Actor.ID, GroupID: &g.Actor.ID, Type: "Event", Local: true,
		Name: "Swings at noon", Content: "<p>Bring water</p>", Visibility: models.VisibilityPublicPost}
	if _, err := models.InsertPost(ctx, s.db, p); err != nil {
		t.Fatal(err)
	}
	e := &models.Event{PostID: id, StartsAt: time.Now().Add(48 * time.Hour), TimeZone: "America/New_York", Capacity: &capacity,
		Place: models.Place{Name: "Prospect Park", Locality: "Brooklyn"}}
	if err := e.Validate(time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := models.InsertEvent(ctx, s.db, e); err != nil {
		t.Fatal(err)
	}
	return "/events/" + strconv.FormatInt(id, 10)
}

func TestMeetupPageAnswersWaitlistAndAttendeeListByPrivacy(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, maria := s.member("maria")
	maria.join("brooklyn_moms")
	_, bea := s.member("bea")
	bea.join("brooklyn_moms")
	_, carol := s.member("carol")
	carol.join("brooklyn_moms")
	_, dan := s.member("dan") // not a member
	page := pageMeetup(t, s, 1)
	answer := func(b *browser, status string) {
		t.Helper()
		rec := b.submit(page, page+"/rsvp", url.Values{"status": {status}})
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("answer %q: %d %s", status, rec.Code, rec.Body)
		}
	}

	answer(bea, "going")
	wantIn(t, "bea's page after going", bea.page(page), "You&#39;re going.", "Who&#39;s coming", ">bea</a>")
	answer(carol, "going")
	wantIn(t, "carol's page when full", carol.page(page), "number 1 on the waiting list")
	// A member sees who is going; a non-member and a visitor only how many.
	wantIn(t, "a member's view", maria.page(page), ">bea</a>", "waiting list")
	danPage := dan.page(page)
	wantIn(t, "a non-member's view", danPage, "1 going", "Members of the group see who is coming.")
	wantNotIn(t, "a non-member's view", danPage, ">bea</a>")
	_, visitorPage := getMemberPage(t, s, page)
	wantIn(t, "a visitor's view", visitorPage, "1 going", "Log in to answer")
	wantNotIn(t, "a visitor's view", visitorPage, ">bea</a>", `name="status"`)

	answer(bea, "leave")
	wantIn(t, "carol's page after bea left", carol.page(page), "You&#39;re going.")
	wantNotIn(t, "bea's page after leaving", bea.page(page), "You&#39;re going.")

	// A cancelled meetup takes no answer, and says why.
	if _, err := models.CancelEvent(context.Background(), s.db, eventIDOf(t, page)); err != nil {
		t.Fatal(err)
	}
	rec := dan.post(page+"/rsvp", url.Values{"status": {"going"}, "csrf": {dan.csrf(page)}})
	if rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("answering a cancelled meetup: %d, want 422", rec.Code)
	}
	wantIn(t, "the refusal", rec.Body.String(), "This meetup is cancelled.")
}

func getMemberPage(t *testing.T, s *site, path string) (int, string) {
	t.Helper()
	rec := s.browser().get(path)
	return rec.Code, rec.Body.String()
}

func eventIDOf(t *testing.T, page string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(page[len("/events/"):], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
