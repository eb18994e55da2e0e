package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/internal/testenv"
)

// The instances and peers of the members-only tests, on their own loopback
// addresses (ports picked at start).
const (
	addrMembersA      = "127.0.0.10:0"
	addrMembersB      = "127.0.0.11:0"
	addrMembersFedify = "127.0.0.12:0"
	addrMembersC      = "127.0.0.13:0"
	addrMembersFedi2  = "127.0.0.14:0"
)

// publicMarkers are the ways an activity can say "Public".
var publicMarkers = []string{"https://www.w3.org/ns/activitystreams#Public", "as:Public", `"Public"`}

// hasPublic reports whether a JSON document names the public collection anywhere.
func hasPublic(doc any) bool {
	b, _ := json.Marshal(doc)
	for _, m := range publicMarkers {
		if strings.Contains(string(b), m) {
			return true
		}
	}
	return false
}

// fetched is what a GET answered.
type fetched struct {
	Status int
	Body   string
}

// remoteFetch GETs u as an ActivityPub client, signed with r's key when r
// is not nil (as a server in authorized-fetch mode does).
func remoteFetch(t *testing.T, r *testenv.Remote, u string) fetched {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/activity+json")
	if r != nil {
		if err := signature.SignRequest(req, nil, r.KeyID, r.Key, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return fetched{resp.StatusCode, string(b)}
}

// pageText GETs a public page or feed, unsigned and signed out.
func pageText(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// sendFollow has a remote peer ask to join a local group; it returns the Follow's id.
func sendFollow(t *testing.T, v *testenv.Village, r *testenv.Remote, group string) string {
	t.Helper()
	id := r.ActorID + "/follows/" + group
	body := testenv.Activity(t, map[string]any{"id": id, "type": "Follow", "actor": r.ActorID, "object": v.BaseURL + "/groups/" + group})
	if code := r.Post(v.BaseURL+"/groups/"+group+"/inbox", body, time.Now()); code != 202 {
		t.Fatalf("%s asks to join %s: %d", r.Username, group, code)
	}
	return id
}

// moderationLog lists a group's audit log rows as "action moderator target".
func moderationLog(t *testing.T, v *testenv.Village, group string) []string {
	t.Helper()
	var rows []string
	testenv.DBQuery(t, v, func(ctx context.Context, conn *pgx.Conn) error {
		r, err := conn.Query(ctx, `SELECT l.action, coalesce(nullif(m.uri, ''), m.username, ''), l.target_text FROM moderation_log l
			JOIN actors g ON g.id = l.group_id LEFT JOIN actors m ON m.id = l.moderator_id
			WHERE g.username = $1 AND g.domain IS NULL ORDER BY l.id`, group)
		if err != nil {
			return err
		}
		defer r.Close()
		for r.Next() {
			var action, mod, target string
			if err := r.Scan(&action, &mod, &target); err != nil {
				return err
			}
			rows = append(rows, action+" "+mod+" "+target)
		}
		return r.Err()
	})
	return rows
}

// sentAbout is every activity the instance sent about a group's posts
// (members' posts and the group's relay copies), as delivered, with whether
// it is listed publicly.
func sentAbout(t *testing.T, v *testenv.Village, group string) (bodies []string, public []bool) {
	t.Helper()
	testenv.DBQuery(t, v, func(ctx context.Context, conn *pgx.Conn) error {
		r, err := conn.Query(ctx, `SELECT x.body::text, x.public FROM activities x
			WHERE x.object_uri IN (SELECT p.uri FROM posts p JOIN actors g ON g.id = p.group_id
				WHERE g.username = $1 AND g.domain IS NULL AND (p.author_id <> g.id OR p.relay_of_id IS NOT NULL))
			ORDER BY x.id`, group)
		if err != nil {
			return err
		}
		defer r.Close()
		for r.Next() {
			var body string
			var pub bool
			if err := r.Scan(&body, &pub); err != nil {
				return err
			}
			bodies, public = append(bodies, body), append(public, pub)
		}
		return r.Err()
	})
	return bodies, public
}

// A Fedify user and a member on another Village ask to join a members-only
// group: while they wait, they get nothing of it and cannot fetch it; once
// a moderator approves, they get the group's shares and may fetch its
// posts with signed GETs. Unsigned and stranger fetches get the same 404 as
// a post that does not exist, and nothing members-only shows on public
// pages, feeds, search, timelines or outboxes. Nothing sent about the posts
// names Public.
func TestMembersOnlyGroupPendingMemberSeesNothingApprovedMemberDoes(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrMembersA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrMembersB})
	f := testenv.StartFedify(t, addrMembersFedify, "fedi")
	stranger := testenv.NewRemote(t, "stranger")
	a.Admin("admin", "group", "create", "nicu", "--title", "NICU parents", "--private")
	maria := a.User("maria")
	a.Admin("admin", "group", "moderator", "add", "nicu", "maria")
	alice, sam := a.User("alice"), a.User("sam")
	bea := b.User("bea")
	groupHandle := "@nicu@" + a.Addr
	groupURL := a.BaseURL + "/groups/nicu"

	// alice (local) joins with maria's approval; bea (Village B) and
	// Fedify ask and wait.
	group := testenv.Lookup(t, alice, "nicu")
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	maria.Post("/api/v1/follow_requests/"+testenv.Lookup(t, maria, "alice").ID+"/authorize", nil, &rel)
	groupOnB := testenv.Resolve(t, bea, groupHandle)
	bea.Post("/api/v1/accounts/"+groupOnB.ID+"/follow", nil, &rel)
	followID := f.Follow(groupHandle)
	var requests []testenv.Account
	testenv.Eventually(t, 30*time.Second, "bea's and Fedify's requests on A", func() bool {
		maria.Get("/api/v1/follow_requests", &requests)
		return len(requests) == 2
	})

	// 1. Pending: nothing reaches them, nothing can be fetched.
	first := testenv.PostStatus(t, alice, url.Values{"status": {groupHandle + " zebra-one: where do you park at the hospital?"}})
	if first.URI == "" {
		t.Fatal("alice's post into the group was not created")
	}
	nowhere := a.BaseURL + "/users/alice/statuses/999999999"
	missing := f.Fetch(nowhere, true)
	if missing.Status != 404 {
		t.Fatalf("a post that does not exist: %d %s", missing.Status, missing.Body)
	}
	time.Sleep(2 * time.Second) // time for any delivery to arrive
	for _, act := range f.Received() {
		if strings.Contains(mustJSON(t, act), "zebra-one") || strings.Contains(mustJSON(t, act), first.URI) {
			t.Errorf("a pending member received %v", act["type"])
		}
	}
	checkHidden := func(when, u string, pending bool) {
		t.Helper()
		fetches := map[string]testenv.FedifyFetch{"unsigned fetch": f.Fetch(u, false)}
		if pending {
			fetches["pending member's signed fetch"] = f.Fetch(u, true)
		}
		for name, got := range fetches {
			if got.Status != 404 || got.Body != missing.Body {
				t.Errorf("%s, %s, of %s: %d %q; want 404 %q as for a post that does not exist", when, name, u, got.Status, got.Body, missing.Body)
			}
		}
		if got := remoteFetch(t, stranger, u); got.Status != 404 || got.Body != missing.Body {
			t.Errorf("%s, a stranger's signed fetch of %s: %d %q; want 404 %q", when, u, got.Status, got.Body, missing.Body)
		}
	}
	checkHidden("while pending", first.URI, true)
	if code := signedGet(t, b, "bea", first.URI, nil); code != 404 {
		t.Errorf("a fetch signed by bea (waiting, on B): %d, want 404", code)
	}
	// Nor may she post into the group yet; the refusal stores nothing.
	before := stored(t, a)
	if _, err := f.TryNote(testenv.FedifyNote{To: []string{groupHandle}, Content: "zebra-early: hello?"}); err == nil {
		t.Errorf("Village accepted a pending member's post into the group")
	}
	// The log comes through a pipe from the server's process: it may lag the answer.
	testenv.Eventually(t, 10*time.Second, "the refusal of the pending member's post in Village's log", func() bool {
		return strings.Contains(a.Log(), f.ActorURL()+" is not a member of "+groupURL)
	})
	if after := stored(t, a); after != before {
		t.Errorf("the refused post left a trace: before %s, after %s", before, after)
	}
	if s, _ := find(timeline(t, bea, "/api/v1/timelines/home"), "zebra-one"); s != nil {
		t.Errorf("bea, still waiting, has the post in her home timeline on B")
	}

	// 2. maria approves both through the API; the audit log says so.
	maria.Post("/api/v1/follow_requests/"+testenv.Lookup(t, maria, "bea@"+b.Addr).ID+"/authorize", nil, &rel)
	maria.Post("/api/v1/follow_requests/"+testenv.Lookup(t, maria, "fedi@"+f.Addr).ID+"/authorize", nil, &rel)
	testenv.Eventually(t, 30*time.Second, "the group's Accept at Fedify", func() bool {
		for _, acc := range f.ReceivedOfType("Accept") {
			if acc["actor"] == groupURL && testenv.ObjectID(acc["object"]) == followID {
				return true
			}
		}
		return false
	})
	testenv.Eventually(t, 30*time.Second, "bea let in", func() bool { return testenv.RelationshipOf(t, bea, groupOnB.ID).Following })
	log := moderationLog(t, a, "nicu")
	for _, who := range []string{"@alice", "@bea@" + b.Addr, "@fedi@" + f.Addr} {
		if !slices.Contains(log, "approve_member maria "+who) {
			t.Errorf("the audit log does not record maria approving %s: %q", who, log)
		}
	}

	// 3. Approved: the next post reaches both, and Fedify may fetch both posts.
	second := testenv.PostStatus(t, alice, url.Values{"status": {groupHandle + " zebra-two: the blue car park is free after 6, tell @sam"}})
	var share map[string]any
	testenv.Eventually(t, 30*time.Second, "the group's Announce of zebra-two at Fedify", func() bool {
		for _, an := range f.ReceivedOfType("Announce") {
			if an["actor"] == groupURL && testenv.ObjectID(testenv.InnerOf(an)["object"]) == second.URI {
				share = an
				return true
			}
		}
		return false
	})
	if hasPublic(share) {
		t.Errorf("the group's Announce of a members-only post names Public: %s", mustJSON(t, share))
	}
	if note := testenv.InnerOf(testenv.InnerOf(share)); !strings.Contains(mustJSON(t, note["to"]), groupURL) ||
		!strings.Contains(mustJSON(t, note["cc"]), groupURL+"/followers") {
		t.Errorf("alice's Note is to %v cc %v; want to the group, cc its followers", note["to"], note["cc"])
	}
	for _, p := range []testenv.Status{first, second} {
		got := f.Fetch(p.URI, true)
		var doc map[string]any
		if got.Status != 200 || json.Unmarshal([]byte(got.Body), &doc) != nil || doc["id"] != p.URI {
			t.Errorf("an approved member's signed fetch of %s: %d %s", p.URI, got.Status, got.Body)
		} else if hasPublic(doc) {
			t.Errorf("the members-only Note served names Public: %s", got.Body)
		}
	}
	checkHidden("after approval", second.URI, false)
	if code := signedGet(t, b, "bea", first.URI, nil); code != 200 {
		t.Errorf("a fetch signed by bea (a member now, on B): %d, want 200", code)
	}
	testenv.Eventually(t, 30*time.Second, "zebra-two in bea's home timeline on B", func() bool {
		s, by := find(timeline(t, bea, "/api/v1/timelines/home"), "zebra-two")
		return s != nil && by == "nicu@"+a.Addr
	})
	if s, _ := find(timeline(t, bea, "/api/v1/timelines/public"), "zebra"); s != nil {
		t.Errorf("B shows the members-only post in its public timeline")
	}

	// Fedify, now a member, posts into the group as Mastodon does (to
	// Public): Village keeps it with the members all the same.
	fediNote := f.Note(testenv.FedifyNote{To: []string{groupHandle}, Content: "zebra-fedi: thank you all"})
	testenv.Eventually(t, 30*time.Second, "Fedify's post in the group", func() bool {
		s, _ := find(timeline(t, alice, "/api/v1/accounts/"+group.ID+"/statuses"), "zebra-fedi")
		return s != nil && s.URI == fediNote
	})
	// On B too, where it arrives public-addressed inside the group's share.
	testenv.Eventually(t, 30*time.Second, "Fedify's post in the group as bea sees it on B", func() bool {
		s, _ := find(timeline(t, bea, "/api/v1/accounts/"+groupOnB.ID+"/statuses"), "zebra-fedi")
		return s != nil
	})
	if s, _ := find(timeline(t, bea, "/api/v1/timelines/public"), "zebra"); s != nil {
		t.Errorf("B shows a members-only post in its public timeline: %s", s.Content)
	}

	// 4. Members see it in the group; nobody else does, anywhere.
	if s, _ := find(timeline(t, maria, "/api/v1/accounts/"+group.ID+"/statuses"), "zebra-two"); s == nil {
		t.Errorf("a member does not see the group's post in its statuses")
	}
	aliceID := testenv.Lookup(t, sam, "alice").ID
	for _, path := range []string{"/api/v1/timelines/public", "/api/v1/timelines/public?local=true",
		"/api/v1/accounts/" + aliceID + "/statuses", "/api/v1/accounts/" + group.ID + "/statuses"} {
		if s, _ := find(timeline(t, sam, path), "zebra"); s != nil {
			t.Errorf("a non-member sees the members-only post in %s", path)
		}
	}
	if code := sam.Do("GET", "/api/v1/statuses/"+second.ID, nil, nil); code != 404 {
		t.Errorf("a non-member's GET /api/v1/statuses/%s: %d, want 404", second.ID, code)
	}
	if code := sam.Do("GET", "/api/v1/statuses/"+second.ID+"/context", nil, nil); code != 404 {
		t.Errorf("a non-member's context of the post: %d, want 404", code)
	}
	var ns []notification
	sam.Get("/api/v1/notifications", &ns)
	if len(ns) != 0 {
		t.Errorf("sam, mentioned but not a member, was notified: %+v", ns)
	}
	var found struct {
		Statuses []any `json:"statuses"`
	}
	sam.Get("/api/v2/search?q=zebra", &found)
	if len(found.Statuses) != 0 {
		t.Errorf("search finds %d members-only statuses", len(found.Statuses))
	}
	// maria pins alice's post: the featured collection shows it to the
	// members' servers only (checked unsigned below).
	a.SignIn("maria").MustSubmit("/groups/nicu/pins", url.Values{"post": {second.ID}})
	if got := f.Fetch(groupURL+"/featured", true); got.Status != 200 || !strings.Contains(got.Body, second.URI) {
		t.Errorf("a member's signed fetch of featured (%d) lacks the pinned members' post: %s", got.Status, got.Body)
	}
	for _, path := range []string{"/", "/groups", "/groups?q=nicu", "/groups/nicu", "/users/alice", "/@alice",
		"/groups/nicu/feed.rss", "/groups/nicu/feed.atom", "/users/alice/feed.rss", "/users/alice/feed.atom",
		"/users/alice/statuses/" + second.ID} {
		if code, body := pageText(t, a.BaseURL+path); strings.Contains(body, "zebra") {
			t.Errorf("the public page %s (%d) shows the members-only post", path, code)
		}
	}
	for _, path := range []string{"/users/alice/outbox?page=true", "/groups/nicu/outbox?page=true", "/groups/nicu/featured",
		"/users/alice/outbox", "/groups/nicu/outbox"} {
		got := remoteFetch(t, nil, a.BaseURL+path)
		if strings.Contains(got.Body, "zebra") || strings.Contains(got.Body, second.URI) {
			t.Errorf("%s (%d) lists the members-only post: %s", path, got.Status, got.Body)
		}
	}
	// The group's own welcome note stays public: it is how strangers learn how to join.
	var featured struct {
		OrderedItems []map[string]any `json:"orderedItems"`
	}
	if code := testenv.GetActivity(t, groupURL+"/featured", &featured); code != 200 || len(featured.OrderedItems) != 1 {
		t.Errorf("the group's featured collection: %d %v, want its welcome note", code, featured.OrderedItems)
	} else if welcome, _ := featured.OrderedItems[0]["id"].(string); remoteFetch(t, nil, welcome).Status != 200 {
		t.Errorf("an unsigned fetch of the group's welcome note %s is refused", welcome)
	}
	if got := remoteFetch(t, nil, share["id"].(string)); got.Status != 404 {
		t.Errorf("an unsigned fetch of the group's Announce: %d, want 404", got.Status)
	}
	if got := f.Fetch(share["id"].(string), true); got.Status != 200 || !strings.Contains(got.Body, "zebra-two") {
		t.Errorf("a member's signed fetch of the group's Announce: %d %s", got.Status, got.Body)
	}

	// 5. Stored non-public; nothing sent about it names Public.
	bodies, public := sentAbout(t, a, "nicu")
	if len(bodies) < 4 {
		t.Errorf("A sent %d activities about the group's posts, want at least 4 (two Creates, two Announces)", len(bodies))
	}
	for i, body := range bodies {
		if public[i] {
			t.Errorf("a members-only activity is listed publicly: %s", body)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		if inner := testenv.InnerOf(doc); inner["actor"] == f.ActorURL() {
			// The group passes a remote member's activity on unchanged (its
			// signatures must hold): only the group's own addressing is ours.
			doc = map[string]any{"to": doc["to"], "cc": doc["cc"], "bto": doc["bto"], "bcc": doc["bcc"], "audience": doc["audience"]}
		}
		if hasPublic(doc) {
			t.Errorf("a members-only activity names Public: %s", body)
		}
	}
	testenv.DBQuery(t, a, func(ctx context.Context, conn *pgx.Conn) error {
		var n int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM posts WHERE uri = ANY($1) AND visibility <> 'private'`,
			[]string{first.URI, second.URI, fediNote}).Scan(&n)
		if err == nil && n != 0 {
			t.Errorf("%d members-only posts stored with a public visibility", n)
		}
		return err
	})
}

// refs reads an addressing property: one id or a list of them.
func refs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Mastodon accepts no boost of a followers-only post, so a members-only
// group gives its Mastodon members its own followers-only copy of each
// post, crediting the author; edits and deletes follow; a Mastodon reply to
// the copy threads under the original, and local timelines show no copy.
func TestMembersOnlyGroupRelaysPostsToMastodonAsItsOwnNotes(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrMembersC})
	a.Admin("admin", "group", "create", "nicu", "--title", "NICU parents", "--private")
	maria := a.User("maria")
	a.Admin("admin", "group", "moderator", "add", "nicu", "maria")
	alice := a.User("alice")
	mia := testenv.NewRemote(t, "mia")
	mia.Software = "mastodon"
	stranger := testenv.NewRemote(t, "stranger")
	groupHandle := "@nicu@" + a.Addr
	groupURL := a.BaseURL + "/groups/nicu"
	group := testenv.Lookup(t, alice, "nicu")
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	maria.Post("/api/v1/follow_requests/"+testenv.Lookup(t, maria, "alice").ID+"/authorize", nil, &rel)
	sendFollow(t, a, mia, "nicu")
	maria.Post("/api/v1/follow_requests/"+testenv.Lookup(t, maria, "mia@"+strings.TrimPrefix(mia.Server.URL, "http://")).ID+"/authorize", nil, &rel)
	testenv.Eventually(t, 30*time.Second, "mia's Accept", func() bool { return len(testenv.ReceivedOfType(mia, "Accept")) == 1 })

	// relayOf waits for the group's Create of a relay note whose content has text.
	relayOf := func(typ, text string) map[string]any {
		t.Helper()
		var found map[string]any
		testenv.Eventually(t, 30*time.Second, "the group's "+typ+" carrying "+text+" at mia", func() bool {
			for _, act := range testenv.ReceivedOfType(mia, typ) {
				if act["actor"] == groupURL && strings.Contains(mustJSON(t, act), text) {
					found = act
					return true
				}
			}
			return false
		})
		return found
	}

	top := testenv.PostStatus(t, alice, url.Values{"status": {groupHandle + " zebra-three: milk bank opening hours?"}})
	create := relayOf("Create", "zebra-three")
	note := testenv.InnerOf(create)
	relayURI, _ := note["id"].(string)
	if note["attributedTo"] != groupURL || !strings.HasPrefix(relayURI, groupURL+"/statuses/") {
		t.Errorf("the relay note is %s attributed to %v; want a note of the group", relayURI, note["attributedTo"])
	}
	if to := refs(note["to"]); len(to) != 1 || to[0] != groupURL+"/followers" || note["cc"] != nil {
		t.Errorf("the relay note is to %v cc %v; want the group's followers only", note["to"], note["cc"])
	}
	if c, _ := note["content"].(string); !strings.Contains(c, "From") || !strings.Contains(c, a.BaseURL+"/users/alice") ||
		!strings.Contains(c, "@alice@"+a.Addr) || !strings.Contains(c, "zebra-three") {
		t.Errorf("the relay note does not credit alice and carry her words: %s", c)
	}
	if len(testenv.ReceivedOfType(mia, "Announce")) != 0 {
		t.Errorf("mia got an Announce (Mastodon drops boosts of followers-only posts): %v", testenv.ReceivedOfType(mia, "Announce"))
	}
	// Mia's server may fetch the relay; a stranger may not.
	if got := remoteFetch(t, mia, relayURI); got.Status != 200 || !strings.Contains(got.Body, "zebra-three") {
		t.Errorf("the Mastodon member's signed fetch of the relay note: %d %s", got.Status, got.Body)
	}
	if got := remoteFetch(t, stranger, relayURI); got.Status != 404 {
		t.Errorf("a stranger's signed fetch of the relay note: %d, want 404", got.Status)
	}

	// A reply in the thread: its relay threads under the first relay.
	reply := testenv.PostStatus(t, alice, url.Values{"status": {"zebra-four: 8 to 8 on weekdays"}, "in_reply_to_id": {top.ID}})
	if reply.Group == nil || reply.Group.ID != group.ID {
		t.Fatalf("alice's reply is not in the group: %+v", reply)
	}
	if n := testenv.InnerOf(relayOf("Create", "zebra-four")); n["inReplyTo"] != relayURI {
		t.Errorf("the reply's relay answers %v, want the first relay %s", n["inReplyTo"], relayURI)
	}

	// Mia answers the relay note, as Mastodon does (followers-only, mentioning the group).
	miaNote := mia.ActorID + "/statuses/1"
	body := testenv.Activity(t, map[string]any{"id": miaNote + "/activity", "type": "Create", "actor": mia.ActorID,
		"to": []string{mia.ActorID + "/followers"}, "cc": []string{groupURL},
		"object": map[string]any{"id": miaNote, "type": "Note", "attributedTo": mia.ActorID, "inReplyTo": relayURI,
			"content": "<p>zebra-five: thanks!</p>", "to": []string{mia.ActorID + "/followers"}, "cc": []string{groupURL},
			"tag": []any{map[string]any{"type": "Mention", "href": groupURL, "name": groupHandle}}}})
	if code := mia.Post(a.BaseURL+"/groups/nicu/inbox", body, time.Now()); code != 202 {
		t.Fatalf("mia's reply to the relay note: %d", code)
	}
	var thread struct {
		Descendants []testenv.Status `json:"descendants"`
	}
	alice.Get("/api/v1/statuses/"+top.ID+"/context", &thread)
	if s, _ := find(thread.Descendants, "zebra-five"); s == nil || s.InReplyToID == nil || *s.InReplyToID != top.ID {
		t.Errorf("mia's reply does not thread under alice's post: %+v", thread.Descendants)
	}
	if len(thread.Descendants) != 2 {
		t.Errorf("the thread has %d replies, want 2 (relay notes never show): %+v", len(thread.Descendants), thread.Descendants)
	}
	if n := testenv.InnerOf(relayOf("Create", "zebra-five")); n["inReplyTo"] != relayURI {
		t.Errorf("the relay of mia's reply answers %v, want %s", n["inReplyTo"], relayURI)
	}

	// Local timelines show the post and the group's share of it, never the relay.
	for _, who := range []*testenv.Client{alice, maria} {
		for _, path := range []string{"/api/v1/timelines/home", "/api/v1/accounts/" + group.ID + "/statuses"} {
			for _, s := range timeline(t, who, path) {
				if s.URI == relayURI || (s.Reblog != nil && s.Reblog.URI == relayURI) || strings.Contains(s.Content, "From") {
					t.Errorf("%s shows the group's relay note: %s %s", path, s.URI, s.Content)
				}
			}
		}
	}
	if s, _ := find(timeline(t, maria, "/api/v1/accounts/"+group.ID+"/statuses"), "zebra-three"); s == nil || s.URI != top.URI {
		t.Errorf("the group's statuses, as a member sees them, lack alice's post: %+v", s)
	}

	// Mia likes the relay note: the like counts for alice's post.
	like := testenv.Activity(t, map[string]any{"id": mia.ActorID + "/likes/1", "type": "Like", "actor": mia.ActorID, "object": relayURI})
	if code := mia.Post(a.BaseURL+"/groups/nicu/inbox", like, time.Now()); code != 202 {
		t.Fatalf("mia's like of the relay note: %d", code)
	}
	var liked testenv.Status
	alice.Get("/api/v1/statuses/"+top.ID, &liked)
	if liked.FavouritesCount != 1 {
		t.Errorf("alice's post has %d favourites after mia liked its relay, want 1", liked.FavouritesCount)
	}

	// Edit and delete follow to the relay.
	if code := alice.Do("PUT", "/api/v1/statuses/"+top.ID, url.Values{"status": {groupHandle + " zebra-six: milk bank hours, edited"}}, nil); code != 200 {
		t.Fatalf("edit: %d", code)
	}
	if n := testenv.InnerOf(relayOf("Update", "zebra-six")); n["id"] != relayURI {
		t.Errorf("the Update is of %v, want the relay %s", n["id"], relayURI)
	}
	if code := alice.Do("DELETE", "/api/v1/statuses/"+top.ID, nil, nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the relay's Delete at mia", func() bool {
		for _, d := range testenv.ReceivedOfType(mia, "Delete") {
			if d["actor"] == groupURL && testenv.ObjectID(d["object"]) == relayURI {
				return true
			}
		}
		return false
	})

	// Nothing mia got, nor anything the group or alice sent, names Public.
	for _, act := range mia.Received() {
		if act["type"] != "Accept" && hasPublic(act) {
			t.Errorf("mia received an activity naming Public: %s", mustJSON(t, act))
		}
	}
	bodies, public := sentAbout(t, a, "nicu")
	for i, b := range bodies {
		if public[i] || hasPublic(json.RawMessage(b)) {
			t.Errorf("a members-only activity is public (listed %v): %s", public[i], b)
		}
	}
}

// Only the group's moderators decide who joins, also from another server:
// a remote moderator's Accept or Reject is carried out by the group (which
// answers the requester itself and logs it); anyone else's is refused and
// leaves no trace.
func TestMembersOnlyJoinRequestsAnsweredByARemoteModerator(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrMembersA})
	f := testenv.StartFedify(t, addrMembersFedi2, "fedi")
	a.Admin("admin", "group", "create", "nicu", "--title", "NICU parents", "--private")
	alice := a.User("alice")
	rmod, other, applicant := testenv.NewRemote(t, "rmod"), testenv.NewRemote(t, "other"), testenv.NewRemote(t, "applicant")
	groupURL := a.BaseURL + "/groups/nicu"
	// A knows rmod and other; rmod is named moderator of the group.
	testenv.Resolve(t, alice, rmod.ActorID)
	testenv.Resolve(t, alice, other.ActorID)
	testenv.DBQuery(t, a, func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, `INSERT INTO group_moderators (group_id, actor_id)
			SELECT g.id, m.id FROM actors g, actors m WHERE g.username = 'nicu' AND g.domain IS NULL AND m.uri = $1`, rmod.ActorID)
		return err
	})

	followID := f.Follow("@nicu@" + a.Addr)
	applicantFollow := sendFollow(t, a, applicant, "nicu")
	followState := func(follower string) string {
		var state string
		testenv.DBQuery(t, a, func(ctx context.Context, conn *pgx.Conn) error {
			err := conn.QueryRow(ctx, `SELECT f.state FROM follows f JOIN actors a ON a.id = f.follower_id WHERE a.uri = $1`, follower).Scan(&state)
			if err == pgx.ErrNoRows {
				state, err = "none", nil
			}
			return err
		})
		return state
	}
	testenv.Eventually(t, 30*time.Second, "Fedify's request waiting", func() bool { return followState(f.ActorURL()) == "pending" })

	answer := func(r *testenv.Remote, typ, followID, follower string) int {
		t.Helper()
		body := testenv.Activity(t, map[string]any{"id": r.ActorID + "/answers/" + typ + "/" + url.PathEscape(follower),
			"type": typ, "actor": r.ActorID,
			"object": map[string]any{"id": followID, "type": "Follow", "actor": follower, "object": groupURL}})
		return r.Post(a.BaseURL+"/groups/nicu/inbox", body, time.Now())
	}

	// A member who is not a moderator cannot let anyone in.
	before := stored(t, a)
	if code := answer(other, "Accept", followID, f.ActorURL()); code != 403 {
		t.Errorf("a non-moderator's Accept: %d, want 403", code)
	}
	if code := answer(other, "Reject", applicantFollow, applicant.ActorID); code != 403 {
		t.Errorf("a non-moderator's Reject: %d, want 403", code)
	}
	if after := stored(t, a); after != before {
		t.Errorf("refused answers left a trace: before %s, after %s", before, after)
	}
	if s := followState(f.ActorURL()); s != "pending" {
		t.Errorf("after a non-moderator's Accept Fedify's request is %s, want pending", s)
	}
	if log := moderationLog(t, a, "nicu"); len(log) != 0 {
		t.Errorf("refused answers were logged: %v", log)
	}

	// The remote moderator's Accept: the group accepts, Fedify hears it from the group.
	if code := answer(rmod, "Accept", followID, f.ActorURL()); code != 202 {
		t.Fatalf("the remote moderator's Accept: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the group's Accept at Fedify", func() bool {
		for _, acc := range f.ReceivedOfType("Accept") {
			if acc["actor"] == groupURL && testenv.ObjectID(acc["object"]) == followID {
				return true
			}
		}
		return false
	})
	if s := followState(f.ActorURL()); s != "accepted" {
		t.Errorf("Fedify's membership is %s, want accepted", s)
	}
	// And the Reject: the applicant hears it from the group, and is not a member.
	if code := answer(rmod, "Reject", applicantFollow, applicant.ActorID); code != 202 {
		t.Fatalf("the remote moderator's Reject: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the group's Reject at the applicant", func() bool {
		for _, rej := range testenv.ReceivedOfType(applicant, "Reject") {
			if rej["actor"] == groupURL {
				return true
			}
		}
		return false
	})
	if s := followState(applicant.ActorID); s != "none" {
		t.Errorf("the rejected applicant's follow is %s, want none", s)
	}
	applicantHandle := "@applicant@" + strings.TrimPrefix(applicant.Server.URL, "http://")
	want := []string{"approve_member " + rmod.ActorID + " @fedi@" + f.Addr, "reject_member " + rmod.ActorID + " " + applicantHandle}
	if log := moderationLog(t, a, "nicu"); strings.Join(log, "\n") != strings.Join(want, "\n") {
		t.Errorf("the audit log:\n%s\nwant:\n%s", strings.Join(log, "\n"), strings.Join(want, "\n"))
	}
}
