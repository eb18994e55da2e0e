package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/internal/testenv"
)

// The instances of the federation tests, each on a loopback address no
// other test uses, with a port picked at start: the tests run in parallel.
const (
	addrFollowA = "127.0.0.2:0"
	addrFollowB = "127.0.0.3:0"
	addrJoinA   = "127.0.0.7:0"
	addrJoinB   = "127.0.0.8:0"
)

func followers(t *testing.T, c *testenv.Client, id string) []testenv.Account {
	t.Helper()
	var out []testenv.Account
	c.Get("/api/v1/accounts/"+id+"/followers", &out)
	return out
}

// collectionTotal reads totalItems of an ActivityPub collection.
func collectionTotal(t *testing.T, u string) int {
	t.Helper()
	var doc struct {
		TotalItems int `json:"totalItems"`
	}
	if code := testenv.GetActivity(t, u, &doc); code != 200 {
		t.Fatalf("GET %s: %d", u, code)
	}
	return doc.TotalItems
}

func TestFollowAcrossInstances(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrFollowA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrFollowB})
	b.Admin("admin", "group", "create", "brooklyn_moms", "--title", "Brooklyn Moms", "--location", "Brooklyn")
	bob := b.User("bob")
	alice := a.User("alice")

	group := testenv.Resolve(t, alice, "@brooklyn_moms@"+b.Addr)
	if !group.Group || group.Acct != "brooklyn_moms@"+b.Addr {
		t.Fatalf("resolved group = %+v", group)
	}
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	testenv.Eventually(t, 30*time.Second, "the group's Accept", func() bool {
		return testenv.RelationshipOf(t, alice, group.ID).Following
	})

	// B sees alice among the group's followers, in the API and on the wire.
	var aliceOnB testenv.Account
	bob.Get("/api/v1/accounts/lookup?acct=alice@"+a.Addr, &aliceOnB)
	groupOnB := testenv.Lookup(t, bob, "brooklyn_moms")
	if f := followers(t, bob, groupOnB.ID); len(f) != 1 || f[0].Acct != "alice@"+a.Addr {
		t.Fatalf("group followers on B = %+v", f)
	}
	if n := collectionTotal(t, b.BaseURL+"/groups/brooklyn_moms/followers"); n != 1 {
		t.Errorf("followers collection totalItems = %d, want 1", n)
	}

	// A remote person, not locked: followed at once.
	bobOnA := testenv.Resolve(t, alice, "@bob@"+b.Addr)
	alice.Post("/api/v1/accounts/"+bobOnA.ID+"/follow", nil, &rel)
	testenv.Eventually(t, 30*time.Second, "bob's Accept", func() bool {
		return testenv.RelationshipOf(t, alice, bobOnA.ID).Following
	})
	if rel := testenv.RelationshipOf(t, bob, aliceOnB.ID); !rel.FollowedBy {
		t.Errorf("bob does not see alice following him: %+v", rel)
	}
	var following []testenv.Account
	alice.Get("/api/v1/accounts/"+alice.MeID()+"/following", &following)
	if len(following) != 2 {
		t.Errorf("alice follows %d accounts, want 2", len(following))
	}

	// Bob's posts reach his follower; her boost reaches him.
	testenv.PostStatus(t, bob, url.Values{"status": {"hello from bob"}})
	var bobsPost *testenv.Status
	testenv.Eventually(t, 30*time.Second, "bob's post in alice's home timeline", func() bool {
		bobsPost, _ = find(timeline(t, alice, "/api/v1/timelines/home"), "hello from bob")
		return bobsPost != nil
	})
	var boosted testenv.Status
	alice.Post("/api/v1/statuses/"+bobsPost.ID+"/reblog", nil, &boosted)
	if boosted.Reblog == nil || boosted.Reblog.ID != bobsPost.ID {
		t.Errorf("reblog answered %+v, want the boost of bob's post", boosted)
	}
	testenv.Eventually(t, 30*time.Second, "alice's boost told to bob", func() bool {
		var ns []notification
		bob.Get("/api/v1/notifications?types[]=reblog", &ns)
		return hasNotification(ns, "reblog", "alice@"+a.Addr)
	})

	// Unfollow undoes it on both sides.
	alice.Post("/api/v1/accounts/"+group.ID+"/unfollow", nil, &rel)
	if rel.Following || rel.Requested {
		t.Errorf("after unfollow: %+v", rel)
	}
	testenv.Eventually(t, 30*time.Second, "the Undo to reach B", func() bool {
		return len(followers(t, bob, groupOnB.ID)) == 0
	})
	if n := collectionTotal(t, b.BaseURL+"/groups/brooklyn_moms/followers"); n != 0 {
		t.Errorf("followers collection totalItems = %d after unfollow, want 0", n)
	}
}

func TestMembersOnlyGroupWaitsForAModerator(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrJoinA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrJoinB})
	b.Admin("admin", "group", "create", "nicu_leeds", "--title", "NICU parents of Leeds", "--private")
	mod := b.User("maria")
	b.Admin("admin", "group", "moderator", "add", "nicu_leeds", "maria")
	stranger := b.User("stranger")
	alice, carol := a.User("alice"), a.User("carol")

	group := testenv.Resolve(t, alice, "@nicu_leeds@"+b.Addr)
	if !group.Locked {
		t.Errorf("members-only group not shown as locked: %+v", group)
	}
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	carol.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	if !rel.Requested || rel.Following {
		t.Fatalf("follow of a members-only group: %+v, want requested", rel)
	}

	var requests []testenv.Account
	testenv.Eventually(t, 30*time.Second, "two join requests on B", func() bool {
		mod.Get("/api/v1/follow_requests", &requests)
		return len(requests) == 2
	})
	var ns []notification
	mod.Get("/api/v1/notifications?types[]=follow_request", &ns)
	if len(ns) != 2 || ns[0].Group == nil || ns[0].Group.Acct != "nicu_leeds" {
		t.Errorf("the moderator's join-request notifications: %+v", ns)
	}
	stranger.Get("/api/v1/follow_requests", &requests)
	if len(requests) != 0 {
		t.Errorf("a non-moderator sees %d join requests", len(requests))
	}
	if code := stranger.Do("POST", "/api/v1/follow_requests/"+testenv.Lookup(t, mod, "alice@"+a.Addr).ID+"/authorize", url.Values{}, nil); code != 404 {
		t.Errorf("a non-moderator authorizing: %d, want 404", code)
	}
	// Still pending: nobody may let alice in but a moderator.
	time.Sleep(500 * time.Millisecond)
	if rel := testenv.RelationshipOf(t, alice, group.ID); rel.Following || !rel.Requested {
		t.Fatalf("alice's follow before approval: %+v", rel)
	}

	mod.Post("/api/v1/follow_requests/"+testenv.Lookup(t, mod, "alice@"+a.Addr).ID+"/authorize", nil, &rel)
	mod.Post("/api/v1/follow_requests/"+testenv.Lookup(t, mod, "carol@"+a.Addr).ID+"/reject", nil, &rel)
	testenv.Eventually(t, 30*time.Second, "alice let in", func() bool {
		return testenv.RelationshipOf(t, alice, group.ID).Following
	})
	testenv.Eventually(t, 30*time.Second, "carol turned away", func() bool {
		r := testenv.RelationshipOf(t, carol, group.ID)
		return !r.Following && !r.Requested
	})
	groupOnB := testenv.Lookup(t, mod, "nicu_leeds")
	if f := followers(t, mod, groupOnB.ID); len(f) != 1 {
		t.Errorf("members seen by the moderator: %v, want alice only", f)
	}
	if f := followers(t, stranger, groupOnB.ID); len(f) != 0 {
		t.Errorf("a non-moderator sees %d members of a members-only group", len(f))
	}

	// On the wire: the count for everyone, the list only for a moderator's signed fetch.
	members := b.BaseURL + "/groups/nicu_leeds/followers"
	if n := collectionTotal(t, members); n != 1 {
		t.Errorf("members collection totalItems = %d, want 1", n)
	}
	if code := testenv.GetActivity(t, members+"?page=true", nil); code != 403 {
		t.Errorf("unsigned fetch of the member list: %d, want 403", code)
	}
	var page struct {
		OrderedItems []string `json:"orderedItems"`
	}
	if code := signedGet(t, b, "maria", members+"?page=true", &page); code != 200 || len(page.OrderedItems) != 1 ||
		page.OrderedItems[0] != a.BaseURL+"/users/alice" {
		t.Errorf("moderator's signed fetch of the member list: %d %v", code, page.OrderedItems)
	}
	if code := signedGet(t, b, "stranger", members+"?page=true", nil); code != 403 {
		t.Errorf("a non-moderator's signed fetch of the member list: %d, want 403", code)
	}
}

// signedGet fetches u signed with the key of a local user of v (read from
// v's database), as a server fetching on that user's behalf would.
func signedGet(t *testing.T, v *testenv.Village, user, u string, out any) int {
	t.Helper()
	ctx := context.Background()
	conn := v.DB()
	var pemKey string
	if err := conn.QueryRow(ctx, `SELECT private_key_pem FROM actors WHERE username = $1 AND domain IS NULL`, user).Scan(&pemKey); err != nil {
		t.Fatal(err)
	}
	key, err := federation.ParsePrivateKeyPEM(pemKey)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept", "application/activity+json")
	if err := signature.SignRequest(req, nil, v.BaseURL+"/users/"+user+"#main-key", key, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}
