package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// The instances of the delivery tests, on addresses no other test uses
// (ports picked at start, and kept by a restart). Not 127.0.0.1: every
// outgoing connection takes its source port there, and one could take the
// port of an instance between its stop and its start.
const (
	addrDownA = "127.0.0.53:0"
	addrDownB = "127.0.0.54:0"
	addrKill  = "127.0.0.55:0"
)

func TestAReceiverThatIsDownGetsTheActivityWhenItComesBack(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrDownA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrDownB})
	b.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents")
	alice := a.User("alice")
	group := testenv.Resolve(t, alice, "@park_slope@"+b.Addr)

	b.Stop()
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	time.Sleep(2 * time.Second) // several delivery attempts fail meanwhile
	if r := testenv.RelationshipOf(t, alice, group.ID); r.Following || !r.Requested {
		t.Fatalf("while B is down: %+v, want still requested", r)
	}
	b.Start()
	testenv.Eventually(t, 60*time.Second, "the Follow delivered after B came back, and its Accept", func() bool {
		return testenv.RelationshipOf(t, alice, group.ID).Following
	})
}

func TestKillingTheServerDuringAFanOutLosesNothing(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrKill})
	a.User("alice")
	const peers = 20
	var remotes []*testenv.Remote
	for i := range peers {
		r := testenv.NewRemote(t, fmt.Sprintf("peer%d", i))
		r.Delay = 3 * time.Second // keeps every Accept in flight when the server dies
		remotes = append(remotes, r)
	}
	for i, r := range remotes {
		body := testenv.Activity(t, map[string]any{"id": r.ActorID + "/follows/1", "type": "Follow",
			"actor": r.ActorID, "object": a.BaseURL + "/users/alice"})
		if code := r.Post(a.BaseURL+"/inbox", body, time.Now()); code != 202 {
			t.Fatalf("follow %d: %d", i, code)
		}
	}
	time.Sleep(500 * time.Millisecond)
	a.Kill()
	delivered := 0
	for _, r := range remotes {
		delivered += len(r.Received())
	}
	if delivered == peers {
		t.Fatalf("all %d Accepts were delivered before the kill; the test proves nothing", peers)
	}
	t.Logf("%d of %d Accepts delivered before kill -9", delivered, peers)

	a.Start()
	for i, r := range remotes {
		testenv.Eventually(t, 120*time.Second, fmt.Sprintf("peer %d's Accept", i), func() bool {
			for _, got := range r.Received() {
				if got["type"] == "Accept" {
					return true
				}
			}
			return false
		})
	}
}
