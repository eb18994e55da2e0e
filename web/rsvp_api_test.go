package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/village-social/village/models"
)

type rsvpJSON struct {
	Status           string
	WaitlistPosition *int `json:"waitlist_position"`
	Event            struct {
		Counts struct{ Going, Maybe, Waitlist, Pending int }
	}
}

type attendeesJSON struct {
	Counts    struct{ Going, Maybe, Pending int }
	Attendees []struct {
		Account struct{ Username string }
		Status  string
	}
	CanDecide bool `json:"can_decide"`
}

// meetup has alice plan a meetup in the group (with changes to the
// good form) and returns its id.
func (s *meetupSite) meetup(t *testing.T, changes map[string]string) string {
	t.Helper()
	form := meetupForm()
	for k, v := range changes {
		form.Set(k, v)
	}
	return decodeMeetup(t, s.create("alice", form)).ID
}

// answer has who answer meetup id; it returns the response.
func (s *meetupSite) answer(who, id, status string) (int, rsvpJSON) {
	method, body := http.MethodPost, url.Values{"status": {status}}.Encode()
	if status == "" {
		method, body = http.MethodDelete, ""
	}
	rec := s.users[who].send(method, "/api/v1/village/events/"+id+"/rsvp", "application/x-www-form-urlencoded", body)
	var out rsvpJSON
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func (s *meetupSite) attendees(t *testing.T, who, id string) (int, attendeesJSON) {
	t.Helper()
	rec := s.users[who].send(http.MethodGet, "/api/v1/village/events/"+id+"/attendees", "", "")
	var out attendeesJSON
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func TestRSVPAPIMembersAnswerChangeTheirMindAndLeave(t *testing.T) {
	t.Parallel()
	s := newMeetupSite(t)
	id := s.meetup(t, map[string]string{"capacity": "1"})
	steps := []struct {
		who, status, want string
		position          int
		going, waiting    int
	}{
		{"bea", "going", models.RSVPGoing, 0, 1, 0},
		{"carol", "going", models.RSVPWaitlist, 1, 1, 1},
		{"alice", "going", models.RSVPWaitlist, 2, 1, 2},
		{"bea", "maybe", models.RSVPMaybe, 0, 1, 1}, // her place goes to carol, first in line
		{"carol", "", "", 0, 1, 0},                  // carol leaves: alice's turn
		{"alice", "", "", 0, 0, 0},                  // alice leaves too
	}
	for _, st := range steps {
		code, got := s.answer(st.who, id, st.status)
		if code != http.StatusOK {
			t.Fatalf("%s answers %q: %d", st.who, st.status, code)
		}
		if got.Status != st.want || (st.position == 0) != (got.WaitlistPosition == nil) ||
			(got.WaitlistPosition != nil && *got.WaitlistPosition != st.position) {
			t.Errorf("%s answers %q: %+v, want %q at place %d", st.who, st.status, got, st.want, st.position)
		}
		if got.Event.Counts.Going != st.going || got.Event.Counts.Waitlist != st.waiting {
			t.Errorf("%s answers %q: counts %+v, want %d going, %d waiting", st.who, st.status, got.Event.Counts, st.going, st.waiting)
		}
	}
	// Carol, let off the waitlist by bea's change of mind, was told (alice,
	// the organizer, let off by carol's leaving, is not told of her own meetup).
	var told int
	if err := s.db.QueryRow(context.Background(), `SELECT count(*) FROM notifications n JOIN actors a ON a.id = n.recipient_id
		WHERE a.username = 'carol' AND n.type = 'event_update'`).Scan(&told); err != nil || told != 1 {
		t.Errorf("carol's notifications of the promotion: %d (%v), want 1", told, err)
	}
}

func TestRSVPAPIRefusesWhoMayNotAnswerAndWhatCannotBeAnswered(t *testing.T) {
	t.Parallel()
	s := newMeetupSite(t)
	ctx := context.Background()
	closed, err := models.CreateGroup(ctx, s.db, models.NewGroup{Name: "nicu", Title: "NICU", Location: "Berlin", MembersOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.PutFollow(ctx, s.db, s.users["alice"].actor.ID, closed.Actor.ID,
		"http://127.0.0.2:8080/activities/join-nicu", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	membersOnly := decodeMeetup(t, s.users["alice"].send(http.MethodPost, "/api/v1/village/groups/nicu/events",
		"application/x-www-form-urlencoded", meetupForm().Encode())).ID
	open := s.meetup(t, nil)
	cancelled := s.meetup(t, nil)
	if rec := s.users["alice"].send(http.MethodPost, "/api/v1/village/events/"+cancelled+"/cancel", "", ""); rec.Code != http.StatusOK {
		t.Fatalf("cancel: %d %s", rec.Code, rec.Body)
	}
	if err := models.PutBan(ctx, s.db, models.GroupBan{GroupID: s.group.ID, ActorID: s.users["bea"].actor.ID, Reason: "shaming"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, who, id, status string
		code                  int
	}{
		{"a banned member", "bea", open, "going", http.StatusForbidden},
		// A members-only group's meetup does not exist for her (as its posts do not).
		{"a non-member of a members-only group", "carol", membersOnly, "going", http.StatusNotFound},
		{"a cancelled meetup", "carol", cancelled, "going", http.StatusUnprocessableEntity},
		{"an answer that is none", "carol", open, "perhaps", http.StatusUnprocessableEntity},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := map[string]int{"event_rsvps": count(t, s.db, "event_rsvps")}
			rec := s.users[tc.who].send(http.MethodPost, "/api/v1/village/events/"+tc.id+"/rsvp",
				"application/x-www-form-urlencoded", url.Values{"status": {tc.status}}.Encode())
			s.wantRefused(tc.name, rec, tc.code, []string{"event_rsvps"}, before)
		})
	}
	// A non-member of a public group may answer its meetups, as she may read them.
	if code, got := s.answer("carol", open, "maybe"); code != http.StatusOK || got.Status != models.RSVPMaybe {
		t.Errorf("carol's maybe to a public group's meetup: %d %+v", code, got)
	}
}

func TestRSVPAPIAttendeeListFollowsTheGroupsPrivacyAndOrganizersDecide(t *testing.T) {
	t.Parallel()
	s := newMeetupSite(t)
	id := s.meetup(t, map[string]string{"join_mode": "restricted"})
	if code, got := s.answer("bea", id, "going"); code != http.StatusOK || got.Status != models.RSVPPending {
		t.Fatalf("bea asks to go: %d %+v, want pending", code, got)
	}
	if code, got := s.answer("carol", id, "maybe"); code != http.StatusOK || got.Status != models.RSVPMaybe {
		t.Fatalf("carol's maybe: %d %+v", code, got)
	}
	// Carol, not a member, sees counts only; bea, a member, names of people
	// going and maybe; alice, the organizer, everyone, pending too.
	for _, tc := range []struct {
		who       string
		names     int
		canDecide bool
	}{{"carol", 0, false}, {"bea", 1, false}, {"alice", 2, true}} {
		code, got := s.attendees(t, tc.who, id)
		if code != http.StatusOK || len(got.Attendees) != tc.names || got.CanDecide != tc.canDecide ||
			got.Counts.Maybe != 1 || got.Counts.Pending != 1 {
			t.Errorf("%s sees %d %+v, want %d names", tc.who, code, got, tc.names)
		}
	}
	beaID := strconv.FormatInt(s.users["bea"].actor.ID, 10)
	if rec := s.users["carol"].send(http.MethodPost, "/api/v1/village/events/"+id+"/attendees/"+beaID+"/approve", "", ""); rec.Code != http.StatusForbidden {
		t.Errorf("carol approves: %d, want 403", rec.Code)
	}
	rec := s.users["alice"].send(http.MethodPost, "/api/v1/village/events/"+id+"/attendees/"+beaID+"/approve", "", "")
	var after attendeesJSON
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &after) != nil || after.Counts.Going != 1 || after.Counts.Pending != 0 {
		t.Errorf("alice approves bea: %d %s", rec.Code, rec.Body)
	}
	if code, got := s.answer("bea", id, "going"); code != http.StatusOK || got.Status != models.RSVPGoing {
		t.Errorf("bea after approval: %d %+v, want going", code, got)
	}
}
