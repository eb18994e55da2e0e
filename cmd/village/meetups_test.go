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
	addrMeetupA = "127.0.0.160:0"
	addrMeetupB = "127.0.0.161:0"
)

// remoteEvent is what an instance stored of a meetup from elsewhere.
type remoteEvent struct {
	Name     string
	StartsAt time.Time
	Zone     string
	Status   string
	Capacity *int
}

func storedEvent(t *testing.T, v *testenv.Village, uri string) (remoteEvent, bool) {
	t.Helper()
	var e remoteEvent
	n := testenv.QueryCount(t, v, `SELECT count(*) FROM events e JOIN posts p ON p.id = e.post_id WHERE p.uri = $1`, uri)
	if n == 0 {
		return e, false
	}
	testenv.QueryOne(t, v, &e.Name, `SELECT p.name FROM posts p WHERE p.uri = $1`, uri)
	testenv.QueryOne(t, v, &e.StartsAt, `SELECT e.starts_at FROM events e JOIN posts p ON p.id = e.post_id WHERE p.uri = $1`, uri)
	testenv.QueryOne(t, v, &e.Zone, `SELECT e.time_zone FROM events e JOIN posts p ON p.id = e.post_id WHERE p.uri = $1`, uri)
	testenv.QueryOne(t, v, &e.Status, `SELECT e.status FROM events e JOIN posts p ON p.id = e.post_id WHERE p.uri = $1`, uri)
	testenv.QueryOne(t, v, &e.Capacity, `SELECT e.capacity FROM events e JOIN posts p ON p.id = e.post_id WHERE p.uri = $1`, uri)
	return e, true
}

// parkAcrossTwoVillages starts two instances: A, with the group park
// and alice in it, and B, whose bob follows the group from there.
func parkAcrossTwoVillages(t *testing.T, addrA, addrB string) (a, b *testenv.Village, alice, bob *testenv.Client) {
	t.Helper()
	a = testenv.StartVillage(t, testenv.VillageOptions{Addr: addrA})
	b = testenv.StartVillage(t, testenv.VillageOptions{Addr: addrB})
	a.Admin("admin", "group", "create", "park", "--title", "Park parents", "--location", "Berlin")
	alice = a.User("alice")
	bob = b.User("bob")
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+testenv.Lookup(t, alice, "park").ID+"/follow", nil, &rel)
	group := testenv.Resolve(t, bob, "@park@"+a.Addr)
	bob.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	testenv.Eventually(t, 30*time.Second, "the group's Accept of bob", func() bool {
		return testenv.RelationshipOf(t, bob, group.ID).Following
	})
	return a, b, alice, bob
}

// A meetup planned in a group on A reaches the group's member on B as a
// meetup (its instant and zone), and its edit and cancellation follow;
// the group's Mastodon member gets the group's boost of it.
func TestMeetupCreatedOnOneInstanceIsSeenEditedAndCancelledOnAnother(t *testing.T) {
	t.Parallel()
	a, b, alice, bob := parkAcrossTwoVillages(t, addrMeetupA, addrMeetupB)
	rex := testenv.NewRemote(t, "rex")
	rex.Software = "mastodon"
	testenv.JoinGroup(t, a, rex, "park")

	var created struct {
		ID  string
		URI string
	}
	alice.Post("/api/v1/village/groups/park/events", url.Values{"title": {"Saturday in the park"},
		"description": {"Bring snacks"}, "start_time": {"2031-03-30T10:00"}, "end_time": {"2031-03-30T12:00"},
		"time_zone": {"Europe/Berlin"}, "place_name": {"Volkspark"}, "locality": {"Berlin"}, "capacity": {"12"}}, &created)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2031, 3, 30, 10, 0, 0, 0, berlin) // the day Berlin's clocks go forward: 08:00 UTC

	var onB remoteEvent
	testenv.Eventually(t, 30*time.Second, "the meetup on B", func() bool {
		var ok bool
		onB, ok = storedEvent(t, b, created.URI)
		return ok
	})
	if !onB.StartsAt.Equal(start) || onB.StartsAt.UTC().Hour() != 8 || onB.Zone != "Europe/Berlin" ||
		onB.Name != "Saturday in the park" || onB.Status != "CONFIRMED" || onB.Capacity == nil || *onB.Capacity != 12 {
		t.Errorf("the meetup on B: %+v", onB)
	}
	testenv.Eventually(t, 30*time.Second, "the group's boost to its Mastodon member", func() bool {
		for _, an := range testenv.ReceivedOfType(rex, "Announce") {
			if an["object"] == created.URI && an["actor"] == a.BaseURL+"/groups/park" {
				return true
			}
		}
		return false
	})

	if code := alice.Do(http.MethodPut, "/api/v1/village/events/"+created.ID, url.Values{"title": {"Sunday in the park"},
		"capacity": {"15"}}, nil); code != http.StatusOK {
		t.Fatalf("edit: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the edit on B", func() bool {
		onB, _ = storedEvent(t, b, created.URI)
		return onB.Name == "Sunday in the park" && onB.Capacity != nil && *onB.Capacity == 15
	})
	alice.Post("/api/v1/village/events/"+created.ID+"/cancel", nil, nil)
	testenv.Eventually(t, 30*time.Second, "the cancellation on B", func() bool {
		onB, _ = storedEvent(t, b, created.URI)
		return onB.Status == "CANCELLED"
	})
	// Bob's app shows it as a status that says so.
	var st struct{ Content string }
	bob.Get("/api/v1/statuses/"+postIDOn(t, b, created.URI), &st)
	if !strings.Contains(st.Content, "CANCELLED") || !strings.Contains(st.Content, "Sunday in the park") {
		t.Errorf("the status on B: %s", st.Content)
	}
}
