package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// A silenced server is Mastodon's "limit": its follows of people and groups
// here wait for their approval, between separately started instances.

// limitedAccount is the part of Mastodon's Account these tests read.
type limitedAccount struct {
	ID      string `json:"id"`
	Acct    string `json:"acct"`
	Limited bool   `json:"limited"`
}

// answersTo counts the Accept or Reject activities v stored as sent (its
// own), or, with received, took in, that answer follower's Follow.
func answersTo(t *testing.T, v *testenv.Village, typ, follower string, received bool) int {
	t.Helper()
	table := "activities"
	if received {
		table = "inbox_activities"
	}
	return testenv.QueryCount(t, v, `SELECT count(*) FROM `+table+` WHERE type = $1 AND body->'object'->>'actor' = $2`, typ, follower)
}

// followState is the state of v's follow from the remote actor follower
// to its local followee, "" when there is none.
func followState(t *testing.T, v *testenv.Village, follower, followee string) string {
	t.Helper()
	state := ""
	if testenv.QueryCount(t, v, `SELECT count(*) FROM follows f JOIN actors x ON x.id = f.follower_id JOIN actors y ON y.id = f.followee_id
		WHERE x.uri = $1 AND y.username = $2 AND y.domain IS NULL`, follower, followee) > 0 {
		testenv.QueryOne(t, v, &state, `SELECT f.state FROM follows f JOIN actors x ON x.id = f.follower_id JOIN actors y ON y.id = f.followee_id
			WHERE x.uri = $1 AND y.username = $2 AND y.domain IS NULL`, follower, followee)
	}
	return state
}

// followID is the row id of that follow, for the web's approve and reject forms.
func followID(t *testing.T, v *testenv.Village, follower, followee string) string {
	t.Helper()
	var id string
	testenv.QueryOne(t, v, &id, `SELECT f.id::text FROM follows f JOIN actors x ON x.id = f.follower_id JOIN actors y ON y.id = f.followee_id
		WHERE x.uri = $1 AND y.username = $2 AND y.domain IS NULL`, follower, followee)
	return id
}

// limitedRequests reads c's follow requests once every one is marked
// limited, as Mastodon marks accounts of a silenced server: the serving
// process reads a block made on the command line within a second.
func limitedRequests(t *testing.T, c *testenv.Client) []limitedAccount {
	t.Helper()
	var requests []limitedAccount
	testenv.Eventually(t, 30*time.Second, "follow requests marked limited", func() bool {
		c.Get("/api/v1/follow_requests", &requests)
		for _, r := range requests {
			if !r.Limited {
				return false
			}
		}
		return len(requests) > 0
	})
	return requests
}

// seesAtHome reports whether text is in c's home timeline.
func seesAtHome(t *testing.T, c *testenv.Client, text string) bool {
	t.Helper()
	s, _ := find(timeline(t, c, "/api/v1/timelines/home"), text)
	return s != nil
}

func TestSilencedServersFollowOfAPublicGroupWaitsForItsModerators(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.70:0"}) // the group's, which silences b
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.71:0"}) // silenced
	c := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.72:0"}) // not silenced: the control
	a.Admin("admin", "group", "create", "moms", "--title", "Moms")
	mia := a.User("mia")
	a.Admin("admin", "group", "moderator", "add", "moms", "mia")
	bob, ben, dan := b.User("bob"), b.User("ben"), b.User("dan")
	cara := c.User("cara")
	uri := func(v *testenv.Village, name string) string { return v.BaseURL + "/users/" + name }
	follow := func(m *testenv.Client) (string, testenv.Relationship) { return followHandle(t, m, "@moms@"+a.Addr) }

	a.Admin("admin", "domain", "block", b.Addr, "--severity", "silence", "--reason", "ad waves")

	// From a server that is not silenced, a follow of the public group is
	// accepted at once.
	caraMoms, _ := follow(cara)
	testenv.Eventually(t, 30*time.Second, "cara let in at once", func() bool { return testenv.RelationshipOf(t, cara, caraMoms).Following })

	// From the silenced server, it waits.
	bobMoms, rel := follow(bob)
	if !rel.Requested || rel.Following {
		t.Fatalf("bob's follow: %+v, want requested", rel)
	}
	benMoms, _ := follow(ben)
	testenv.Eventually(t, 30*time.Second, "bob's and ben's Follows at the group's village", func() bool {
		return followState(t, a, uri(b, "bob"), "moms") != "" && followState(t, a, uri(b, "ben"), "moms") != ""
	})
	for _, who := range []string{"bob", "ben"} {
		if st := followState(t, a, uri(b, who), "moms"); st != "pending" {
			t.Errorf("%s's follow of the public group is %q, want pending", who, st)
		}
		if n := answersTo(t, a, "Accept", uri(b, who), false); n != 0 {
			t.Errorf("the group accepted %s's follow before a moderator did (%d Accepts)", who, n)
		}
	}
	if n := collectionTotal(t, a.BaseURL+"/groups/moms/followers"); n != 1 {
		t.Errorf("the group's followers collection counts %d, want cara alone", n)
	}

	// The moderators' queue: the same as a members-only group's, each marked.
	if requests := limitedRequests(t, mia); len(requests) != 2 ||
		!strings.HasSuffix(requests[0].Acct, "@"+b.Addr) || !strings.HasSuffix(requests[1].Acct, "@"+b.Addr) {
		t.Fatalf("follow requests the moderator sees: %+v, want bob's and ben's", requests)
	}
	mod := a.SignIn("mia")
	code, page := mod.Get("/groups/moms/manage")
	if code != http.StatusOK {
		t.Fatalf("manage page: %d", code)
	}
	for _, want := range []string{"@bob@" + b.Addr, "@ben@" + b.Addr} {
		if !strings.Contains(page, want) {
			t.Errorf("the manage page does not list %s", want)
		}
	}
	if n := strings.Count(page, "Limited server"); n != 2 {
		t.Errorf("the manage page marks %d requests as from a limited server, want both", n)
	}
	code, page = mod.Get("/notifications")
	if code != http.StatusOK || !strings.Contains(page, `href="/groups/moms/manage#requests"`) {
		t.Errorf("the notifications page does not point the moderator to the waiting requests: %d", code)
	}

	// A post into the group reaches its members, and nothing reaches the
	// silenced server, where nobody is a member yet.
	testenv.PostStatus(t, mia, url.Values{"status": {"@moms first news"}})
	testenv.Eventually(t, 30*time.Second, "the group's share at cara's", func() bool { return seesAtHome(t, cara, "first news") })
	if n := testenv.QueryCount(t, a, `SELECT count(*) FROM river_job WHERE args->>'inbox' LIKE $1`, b.BaseURL+"/%"); n != 0 {
		t.Errorf("the group's village queued %d deliveries to the silenced server before any approval", n)
	}
	if seesAtHome(t, bob, "first news") {
		t.Error("bob, still waiting, sees the group's post")
	}

	// The moderator decides on the web: Accept and Reject reach the server.
	mod.MustSubmit("/groups/moms/requests/"+followID(t, a, uri(b, "bob"), "moms")+"/approve", url.Values{})
	mod.MustSubmit("/groups/moms/requests/"+followID(t, a, uri(b, "ben"), "moms")+"/reject", url.Values{})
	testenv.Eventually(t, 30*time.Second, "bob let in", func() bool { return testenv.RelationshipOf(t, bob, bobMoms).Following })
	testenv.Eventually(t, 30*time.Second, "ben's Reject at his server", func() bool {
		return answersTo(t, b, "Reject", uri(b, "ben"), true) == 1
	})
	if rel := testenv.RelationshipOf(t, ben, benMoms); rel.Following || rel.Requested {
		t.Errorf("ben after the Reject: %+v", rel)
	}
	if n := collectionTotal(t, a.BaseURL+"/groups/moms/followers"); n != 2 {
		t.Errorf("the group's followers collection counts %d, want cara and bob", n)
	}
	if log := strings.Join(moderationLog(t, a, "moms"), "\n"); !strings.Contains(log, "approve_member") || !strings.Contains(log, "reject_member") {
		t.Errorf("the group's audit log misses the decisions:\n%s", log)
	}
	testenv.PostStatus(t, mia, url.Values{"status": {"@moms second news"}})
	testenv.Eventually(t, 30*time.Second, "the group's later post at bob's", func() bool { return seesAtHome(t, bob, "second news") })

	// Lifting the silence decides nothing: dan's request still waits, even
	// when he asks again; a new follow from there is accepted at once.
	follow(dan)
	testenv.Eventually(t, 30*time.Second, "dan's Follow", func() bool { return followState(t, a, uri(b, "dan"), "moms") == "pending" })
	a.Admin("admin", "domain", "unblock", b.Addr)
	var firstURI string
	testenv.QueryOne(t, a, &firstURI, `SELECT f.uri FROM follows f JOIN actors x ON x.id = f.follower_id WHERE x.uri = $1`, uri(b, "dan"))
	danMoms, _ := follow(dan)
	testenv.Eventually(t, 30*time.Second, "dan's second Follow", func() bool {
		return testenv.QueryCount(t, a, `SELECT count(*) FROM follows f JOIN actors x ON x.id = f.follower_id WHERE x.uri = $1 AND f.uri <> $2`,
			uri(b, "dan"), firstURI) == 1
	})
	if st := followState(t, a, uri(b, "dan"), "moms"); st != "pending" || answersTo(t, a, "Accept", uri(b, "dan"), false) != 0 {
		t.Errorf("dan's request after the silence was lifted: %q, want still pending with no Accept", st)
	}
	if rel := testenv.RelationshipOf(t, dan, danMoms); !rel.Requested {
		t.Errorf("dan's relationship: %+v, want requested", rel)
	}
	eve := b.User("eve")
	eveMoms, _ := follow(eve)
	testenv.Eventually(t, 30*time.Second, "eve let in at once", func() bool { return testenv.RelationshipOf(t, eve, eveMoms).Following })
}

func TestSilencedServersFollowOfAPersonBecomesAFollowRequest(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.73:0"}) // alice's, which silences b
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.74:0"})
	alice := a.User("alice")
	zoe, bob, ben := b.User("zoe"), b.User("bob"), b.User("ben")
	uri := func(name string) string { return b.BaseURL + "/users/" + name }
	follow := func(m *testenv.Client) (string, testenv.Relationship) { return followHandle(t, m, "@alice@"+a.Addr) }

	// Before the silence: accepted at once, and the follow stays after it.
	zoeAlice, _ := follow(zoe)
	testenv.Eventually(t, 30*time.Second, "zoe follows alice at once", func() bool { return testenv.RelationshipOf(t, zoe, zoeAlice).Following })
	a.Admin("admin", "domain", "block", b.Addr, "--severity", "silence")

	bobAlice, rel := follow(bob)
	if !rel.Requested || rel.Following {
		t.Fatalf("bob's follow: %+v, want requested", rel)
	}
	follow(ben)
	testenv.Eventually(t, 30*time.Second, "bob's and ben's Follows at alice's village", func() bool {
		return followState(t, a, uri("bob"), "alice") != "" && followState(t, a, uri("ben"), "alice") != ""
	})
	for _, who := range []string{"bob", "ben"} {
		if st := followState(t, a, uri(who), "alice"); st != "pending" {
			t.Errorf("%s's follow of alice is %q, want pending", who, st)
		}
		if n := answersTo(t, a, "Accept", uri(who), false); n != 0 {
			t.Errorf("alice's village accepted %s's follow before she did", who)
		}
	}
	if st := followState(t, a, uri("zoe"), "alice"); st != "accepted" {
		t.Errorf("zoe's follow from before the silence is %q, want accepted", st)
	}
	if n := collectionTotal(t, a.BaseURL+"/users/alice/followers"); n != 1 {
		t.Errorf("alice's followers collection counts %d, want zoe alone", n)
	}

	// Her follow requests: in the API, as Mastodon apps read them, and on the web.
	if requests := limitedRequests(t, alice); len(requests) != 2 {
		t.Fatalf("alice's follow requests: %+v, want bob and ben", requests)
	}
	site := a.SignIn("alice")
	code, page := site.Get("/notifications")
	if code != http.StatusOK || !strings.Contains(page, `href="/follow_requests"`) {
		t.Errorf("the notifications page does not point alice to her follow requests: %d", code)
	}
	code, page = site.Get("/follow_requests")
	if code != http.StatusOK || !strings.Contains(page, "@bob@"+b.Addr) || !strings.Contains(page, "@ben@"+b.Addr) ||
		strings.Count(page, "Limited server") != 2 {
		t.Fatalf("alice's follow requests page: %d\n%s", code, page)
	}

	// Her post reaches zoe, not the waiting bob.
	testenv.PostStatus(t, alice, url.Values{"status": {"hello followers, once"}})
	testenv.Eventually(t, 30*time.Second, "alice's post at zoe's", func() bool { return seesAtHome(t, zoe, "hello followers, once") })
	if seesAtHome(t, bob, "hello followers, once") {
		t.Error("bob, still waiting, sees alice's post")
	}

	// She approves bob on the web and turns ben away through the API.
	site.MustSubmit("/follow_requests/"+followID(t, a, uri("bob"), "alice")+"/approve", url.Values{})
	var out testenv.Relationship
	alice.Post("/api/v1/follow_requests/"+testenv.Lookup(t, alice, "ben@"+b.Addr).ID+"/reject", nil, &out)
	testenv.Eventually(t, 30*time.Second, "bob follows alice", func() bool { return testenv.RelationshipOf(t, bob, bobAlice).Following })
	testenv.Eventually(t, 30*time.Second, "ben's Reject at his server", func() bool { return answersTo(t, b, "Reject", uri("ben"), true) == 1 })
	var requests []limitedAccount
	alice.Get("/api/v1/follow_requests", &requests)
	if len(requests) != 0 {
		t.Errorf("follow requests left after deciding: %+v", requests)
	}
	if code, page := site.Get("/follow_requests"); code != http.StatusOK || strings.Contains(page, "@bob@") {
		t.Errorf("the follow requests page after deciding: %d", code)
	}
	testenv.PostStatus(t, alice, url.Values{"status": {"hello followers, twice"}})
	testenv.Eventually(t, 30*time.Second, "alice's later post at bob's", func() bool { return seesAtHome(t, bob, "hello followers, twice") })
}

// followHandle has a client follow the account a handle names (through
// search) and returns its id and the relationship the API answered.
func followHandle(t *testing.T, c *testenv.Client, handle string) (string, testenv.Relationship) {
	t.Helper()
	acc := testenv.Resolve(t, c, handle)
	var rel testenv.Relationship
	c.Post("/api/v1/accounts/"+acc.ID+"/follow", nil, &rel)
	return acc.ID, rel
}
