package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

const (
	addrRSVPA        = "127.0.0.170:0"
	addrRSVPB        = "127.0.0.171:0"
	addrRSVPMastodon = "127.0.0.172:0"
)

type attendeeList struct {
	Counts    struct{ Going, Maybe, NotGoing, Waitlist, Pending int }
	Attendees []struct {
		Account struct{ Acct string }
		Status  string
	}
}

// statusOf is whose (acct) status an attendee list shows, "" for none.
func (l attendeeList) statusOf(acct string) string {
	for _, a := range l.Attendees {
		if a.Account.Acct == acct {
			return a.Status
		}
	}
	return ""
}

// rsvpOn is a person's stored answer to a meetup (by its post's uri) on an instance, "" for none.
func rsvpOn(t *testing.T, v *testenv.Village, uri, username string) string {
	t.Helper()
	if testenv.QueryCount(t, v, `SELECT count(*) FROM event_rsvps r JOIN posts p ON p.id = r.event_id
		JOIN actors a ON a.id = r.actor_id WHERE p.uri = $1 AND a.username = $2`, uri, username) == 0 {
		return ""
	}
	var s string
	testenv.QueryOne(t, v, &s, `SELECT r.status FROM event_rsvps r JOIN posts p ON p.id = r.event_id
		JOIN actors a ON a.id = r.actor_id WHERE p.uri = $1 AND a.username = $2`, uri, username)
	return s
}

// A meetup created on A is answered from B by a member there: going,
// then maybe, then leaving; at each step A's attendee list (as its
// organizer sees it) and B's stored answer agree.
func TestRSVPBetweenTwoVillages(t *testing.T) {
	t.Parallel()
	_, b, alice, bob := parkAcrossTwoVillages(t, addrRSVPA, addrRSVPB)
	var created struct{ ID, URI string }
	alice.Post("/api/v1/village/groups/park/events", url.Values{"title": {"Saturday in the park"},
		"start_time": {time.Now().AddDate(0, 1, 0).Format("2006-01-02") + "T10:00"}, "time_zone": {"Europe/Berlin"},
		"place_name": {"Volkspark"}, "locality": {"Berlin"}, "capacity": {"12"}}, &created)
	testenv.Eventually(t, 30*time.Second, "the meetup on B", func() bool {
		_, ok := storedEvent(t, b, created.URI)
		return ok
	})
	onB := postIDOn(t, b, created.URI)
	bobOnA := "bob@" + b.Addr

	for _, step := range []struct{ answer, want string }{
		{"going", "going"},
		{"maybe", "maybe"},
		{"", ""}, // bob leaves
	} {
		method, form := http.MethodPost, url.Values{"status": {step.answer}}
		if step.answer == "" {
			method, form = http.MethodDelete, nil
		}
		if code := bob.Do(method, "/api/v1/village/events/"+onB+"/rsvp", form, nil); code != http.StatusOK {
			t.Fatalf("bob answers %q on B: %d", step.answer, code)
		}
		var list attendeeList
		testenv.Eventually(t, 30*time.Second, "A and B agree that bob's answer is "+step.want, func() bool {
			alice.Get("/api/v1/village/events/"+created.ID+"/attendees", &list)
			return list.statusOf(bobOnA) == step.want && rsvpOn(t, b, created.URI, "bob") == step.want
		})
		if want := map[string]int{"going": 1}[step.want]; list.Counts.Going != want {
			t.Errorf("after %q: A counts %d going, want %d", step.answer, list.Counts.Going, want)
		}
	}
}

// A Mastodon member of the group gets the meetup's RSVP poll; her vote
// Going is an answer on A, confirmed by a direct note with the street
// address (kept for people going); her vote Maybe is confirmed without it.
func TestRSVPPollVoteFromAMastodonMember(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrRSVPMastodon})
	a.Admin("admin", "group", "create", "park", "--title", "Park parents", "--location", "Berlin")
	alice := a.User("alice")
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+testenv.Lookup(t, alice, "park").ID+"/follow", nil, &rel)
	rex := testenv.NewRemote(t, "rex")
	rex.Software = "mastodon"
	testenv.JoinGroup(t, a, rex, "park")

	var created struct{ ID, URI string }
	alice.Post("/api/v1/village/groups/park/events", url.Values{"title": {"Saturday in the park"},
		"start_time": {time.Now().AddDate(0, 1, 0).Format("2006-01-02") + "T10:00"}, "time_zone": {"Europe/Berlin"},
		"place_name": {"Volkspark"}, "street_address": {"Parkweg 1"}, "locality": {"Berlin"},
		"address_for_going": {"on"}}, &created)
	questionID := created.URI + "/rsvp"
	var question map[string]any
	testenv.Eventually(t, 30*time.Second, "the RSVP poll at rex", func() bool {
		for _, c := range testenv.ReceivedOfType(rex, "Create") {
			if q := testenv.InnerOf(c); q["id"] == questionID && q["type"] == "Question" {
				question = q
				return true
			}
		}
		return false
	})
	if content, _ := question["content"].(string); strings.Contains(content, "Parkweg") || !strings.Contains(content, "/events/"+created.ID) {
		t.Errorf("the poll's text shows the street or lacks the link: %s", content)
	}
	if options, _ := question["oneOf"].([]any); len(options) != 3 {
		t.Errorf("the poll's options: %v", question["oneOf"])
	}

	groupURI := a.BaseURL + "/groups/park"
	vote := func(option string) {
		id := rex.ActorID + "#votes/" + option
		body := testenv.Activity(t, map[string]any{"id": id + "/activity", "type": "Create", "actor": rex.ActorID,
			"to": []any{groupURI}, "object": map[string]any{"id": id, "type": "Note", "name": option,
				"attributedTo": rex.ActorID, "inReplyTo": questionID, "to": []any{groupURI}}})
		if code := rex.Post(a.BaseURL+"/groups/park/inbox", body, time.Now()); code != http.StatusAccepted {
			t.Fatalf("vote %s: %d", option, code)
		}
	}
	// confirmation waits for the n-th direct note from the group and returns its text.
	confirmation := func(n int) string {
		var text string
		testenv.Eventually(t, 30*time.Second, "the group's confirming note", func() bool {
			var notes []string
			for _, c := range testenv.ReceivedOfType(rex, "Create") {
				if note := testenv.InnerOf(c); note["type"] == "Note" && c["actor"] == groupURI {
					content, _ := note["content"].(string)
					notes = append(notes, content)
				}
			}
			if len(notes) < n {
				return false
			}
			text = notes[n-1]
			return true
		})
		return text
	}

	vote("Going")
	testenv.Eventually(t, 30*time.Second, "rex going on A", func() bool {
		return rsvpOn(t, a, created.URI, "rex") == "going"
	})
	if note := confirmation(1); !strings.Contains(note, "going to “Saturday in the park”") || !strings.Contains(note, "Parkweg 1") {
		t.Errorf("the note to a voter going: %s", note)
	}
	vote("Maybe")
	testenv.Eventually(t, 30*time.Second, "rex maybe on A", func() bool {
		return rsvpOn(t, a, created.URI, "rex") == "maybe"
	})
	if note := confirmation(2); !strings.Contains(note, "answered maybe") || strings.Contains(note, "Parkweg") {
		t.Errorf("the note to a voter answering maybe: %s", note)
	}
	if n := testenv.QueryCount(t, a, `SELECT count(*) FROM posts WHERE uri LIKE $1`, rex.ActorID+"%"); n != 0 {
		t.Errorf("votes stored as %d posts", n)
	}
	// The poll's counts follow: an Update{Question} reaches rex.
	testenv.Eventually(t, 30*time.Second, "the poll's new counts", func() bool {
		for _, u := range testenv.ReceivedOfType(rex, "Update") {
			if q := testenv.InnerOf(u); q["id"] == questionID {
				return true
			}
		}
		return false
	})
}
