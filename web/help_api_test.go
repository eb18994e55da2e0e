package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

type helpJSON struct {
	ID      string
	URI     string
	Private *struct{ Address, Notes string }
	Slots   []struct {
		ID     string
		URI    string
		Free   int
		Claims []struct {
			ID       string
			Bringing string
		}
	}
}

func decodeHelp(t *testing.T, what string, body string, code int) helpJSON {
	t.Helper()
	if code != http.StatusOK {
		t.Fatalf("%s: %d %s", what, code, body)
	}
	var h helpJSON
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return h
}

func apiHelpForm() url.Values {
	f := helpForm()
	f.Del("no_visits")
	return f
}

func TestHelpAPIShowsTheAddressOnlyToOrganizersAndHelpersAndRefusesBadInput(t *testing.T) {
	t.Parallel()
	s := newMeetupSite(t)
	ctx := context.Background()
	alice, bea, carol := s.users["alice"], s.users["bea"], s.users["carol"]
	form := func(u *apiUser, method, path string, v url.Values) (int, string) {
		rec := u.send(method, path, "application/x-www-form-urlencoded", v.Encode())
		return rec.Code, rec.Body.String()
	}
	countCalendars := func() int {
		var n int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM help_calendars`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Bad input: 422 with the reason, nothing stored.
	for _, tc := range []struct {
		name, field, value string
	}{
		{"oversized notes", "notes", strings.Repeat("n", models.HelpNotesMax+1)},
		{"an unknown kind", "kind", "money"},
		{"no slots", "slots", " "},
		{"a date that is not one", "starts_on", "tomorrow"},
	} {
		v := apiHelpForm()
		v.Set(tc.field, tc.value)
		code, body := form(alice, http.MethodPost, "/api/v1/village/groups/parents/help", v)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.field) {
			t.Errorf("%s: %d %s, want 422 naming %s", tc.name, code, body, tc.field)
		}
	}
	if n := countCalendars(); n != 0 {
		t.Fatalf("%d calendars stored after refusals", n)
	}
	// A non-member may not open one.
	if code, _ := form(carol, http.MethodPost, "/api/v1/village/groups/parents/help", apiHelpForm()); code != http.StatusNotFound {
		t.Errorf("a non-member opens: %d, want 404", code)
	}

	code, body := form(alice, http.MethodPost, "/api/v1/village/groups/parents/help", apiHelpForm())
	cal := decodeHelp(t, "create", body, code)
	if cal.Private == nil || cal.Private.Address != helpAddress || len(cal.Slots) != 4 || cal.URI != "http://127.0.0.2:8080/help/"+cal.ID {
		t.Fatalf("created: %s", body)
	}
	base := "/api/v1/village/help/" + cal.ID
	slot := cal.Slots[0]
	if !strings.HasPrefix(slot.URI, cal.URI+"/slots/") {
		t.Errorf("a slot's uri %q", slot.URI)
	}
	code, body = form(bea, http.MethodPost, base+"/slots/"+slot.ID+"/claim", url.Values{"bringing": {"lasagna"}})
	claimed := decodeHelp(t, "claim", body, code)
	if claimed.Private == nil || claimed.Private.Address != helpAddress || claimed.Slots[0].Free != 0 {
		t.Errorf("the helper's answer: %s", body)
	}
	claimID := claimed.Slots[0].Claims[0].ID

	// carol: not a member, then a member who took no place.
	if rec := carol.send(http.MethodGet, base, "", ""); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), helpAddress) {
		t.Errorf("a non-member's GET: %d", rec.Code)
	}
	if rec := carol.send(http.MethodGet, "/api/v1/village/groups/parents/help", "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("a non-member's list: %d", rec.Code)
	}
	if _, err := models.PutFollow(ctx, s.db, carol.actor.ID, s.group.ID, "http://127.0.0.2:8080/activities/join-carol", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{base, "/api/v1/village/groups/parents/help"} {
		rec := carol.send(http.MethodGet, path, "", "")
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), helpAddress) || strings.Contains(rec.Body.String(), helpNotes) {
			t.Errorf("a member's GET %s: %d %s", path, rec.Code, rec.Body)
		}
	}
	for _, path := range []string{base, "/api/v1/village/groups/parents/help"} {
		if rec := alice.send(http.MethodGet, path, "", ""); !strings.Contains(rec.Body.String(), helpAddress) {
			t.Errorf("the organizer's GET %s lacks the address", path)
		}
	}

	// Hostile: a full slot, another's claim, twice.
	if code, _ := form(carol, http.MethodPost, base+"/slots/"+slot.ID+"/claim", url.Values{}); code != http.StatusUnprocessableEntity {
		t.Errorf("claiming a full slot: %d", code)
	}
	if code, _ := form(carol, http.MethodPut, base+"/claims/"+claimID, url.Values{"bringing": {"mine now"}}); code != http.StatusForbidden {
		t.Errorf("changing another's claim: %d", code)
	}
	if rec := carol.send(http.MethodDelete, base+"/claims/"+claimID, "", ""); rec.Code != http.StatusForbidden {
		t.Errorf("giving back another's claim: %d", rec.Code)
	}
	if code, _ := form(bea, http.MethodPost, base+"/slots/"+cal.Slots[1].ID+"/claim", url.Values{"bringing": {strings.Repeat("x", 301)}}); code != http.StatusUnprocessableEntity {
		t.Errorf("an oversized bringing: %d", code)
	}
	code, body = form(bea, http.MethodPut, base+"/claims/"+claimID, url.Values{"bringing": {"stew"}})
	if after := decodeHelp(t, "change", body, code); after.Slots[0].Claims[0].Bringing != "stew" || len(after.Slots[1].Claims) != 0 {
		t.Errorf("after the change: %s", body)
	}

	// Organizers' actions: a helper may not pause; the organizer pauses, and a paused calendar takes no claim.
	if code, _ := form(bea, http.MethodPost, base+"/status", url.Values{"status": {"paused"}}); code != http.StatusForbidden {
		t.Errorf("a helper pauses: %d", code)
	}
	if code, body := form(alice, http.MethodPost, base+"/status", url.Values{"status": {"paused"}}); code != http.StatusOK {
		t.Fatalf("pause: %d %s", code, body)
	}
	if code, _ := form(carol, http.MethodPost, base+"/slots/"+cal.Slots[2].ID+"/claim", url.Values{}); code != http.StatusUnprocessableEntity {
		t.Errorf("claiming while paused: %d", code)
	}
	end := time.Now().UTC().AddDate(0, 0, 10).Format(time.DateOnly)
	if code, body := form(alice, http.MethodPost, base+"/extend", url.Values{"ends_on": {end}}); code != http.StatusOK {
		t.Errorf("extend: %d %s", code, body)
	}
	if code, body := form(alice, http.MethodPost, base+"/updates", url.Values{"kind": {"update"}, "text": {"Surgery went well"}}); code != http.StatusOK {
		t.Errorf("an update: %d %s", code, body)
	}
	var notices int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE type = 'help_update' AND recipient_id = $1`, bea.actor.ID).Scan(&notices); err != nil || notices != 1 {
		t.Errorf("the helper got %d update notices (%v)", notices, err)
	}
}
