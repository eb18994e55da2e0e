package main

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// A Mobilizon participant who never followed the group Joins a meetup on
// a Village; when the organizer cancels it, the participant's server gets
// the organizer's Update{Event} with ical:status CANCELLED all the same.
func TestACancelledMeetupReachesAMobilizonParticipantWhoDoesNotFollowTheGroup(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.200:0"})
	v.Admin("admin", "group", "create", "park", "--title", "Park parents", "--location", "Berlin")
	alice := v.User("alice")
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+testenv.Lookup(t, alice, "park").ID+"/follow", nil, &rel)
	var created struct{ ID, URI string }
	alice.Post("/api/v1/village/groups/park/events", url.Values{"title": {"Saturday in the park"},
		"start_time": {time.Now().AddDate(0, 1, 0).Format("2006-01-02") + "T10:00"}, "time_zone": {"Europe/Berlin"},
		"place_name": {"Volkspark"}, "locality": {"Berlin"}}, &created)

	pat := testenv.NewRemote(t, "pat")
	pat.Software = "mobilizon"
	join := testenv.Activity(t, map[string]any{"id": pat.ActorID + "/join/event/1", "type": "Join", "actor": pat.ActorID,
		"object": created.URI, "to": []any{v.BaseURL + "/users/alice"}})
	if code := pat.Post(v.BaseURL+"/inbox", join, time.Now()); code != http.StatusAccepted {
		t.Fatalf("pat's Join: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the organizer's Accept{Join}", func() bool { return len(testenv.ReceivedOfType(pat, "Accept")) > 0 })

	if code := alice.Do(http.MethodPost, "/api/v1/village/events/"+created.ID+"/cancel", nil, nil); code != http.StatusOK {
		t.Fatalf("cancel: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "Update{Event} CANCELLED at pat's server", func() bool {
		for _, u := range testenv.ReceivedOfType(pat, "Update") {
			if e := testenv.InnerOf(u); e["id"] == created.URI && e["type"] == "Event" && e["ical:status"] == "CANCELLED" {
				return true
			}
		}
		return false
	})
}
