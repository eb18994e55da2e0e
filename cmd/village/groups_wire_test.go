package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

func TestGroupSharesWithMastodonAsBoostsAndWithOthersAsFEP1b12(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.63:0"})
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	alice := v.User("alice")
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+testenv.Lookup(t, alice, "moms").ID+"/follow", nil, &rel)
	masto := testenv.NewRemote(t, "mia")
	masto.Software = "mastodon"
	lemmy := testenv.NewRemote(t, "leo")
	lemmy.Software = "lemmy"
	testenv.JoinGroup(t, v, masto, "moms")
	testenv.JoinGroup(t, v, lemmy, "moms")

	top := testenv.PostStatus(t, alice, url.Values{"status": {"@moms who is up for the playground at 4?"}})
	testenv.Eventually(t, 30*time.Second, "the group's shares", func() bool {
		return len(testenv.ReceivedOfType(masto, "Announce")) == 1 && len(testenv.ReceivedOfType(lemmy, "Announce")) == 1
	})
	boost := testenv.ReceivedOfType(masto, "Announce")[0]
	if boost["object"] != top.URI || boost["actor"] != v.BaseURL+"/groups/moms" {
		t.Errorf("Mastodon got %v, want Announce{%s} by the group", boost, top.URI)
	}
	create := testenv.InnerOf(testenv.ReceivedOfType(lemmy, "Announce")[0])
	if create["type"] != "Create" || testenv.InnerOf(create)["id"] != top.URI || create["actor"] != v.BaseURL+"/users/alice" {
		t.Errorf("Lemmy got Announce{%v}, want Announce{Create{Note %s}} by alice", create, top.URI)
	}
	if testenv.InnerOf(create)["audience"] != v.BaseURL+"/groups/moms" {
		t.Errorf("the Note's audience is %v, want the group", testenv.InnerOf(create)["audience"])
	}

	// The group's outbox lists its share.
	var outbox struct {
		OrderedItems []map[string]any `json:"orderedItems"`
	}
	if code := testenv.GetActivity(t, v.BaseURL+"/groups/moms/outbox?page=true", &outbox); code != 200 || len(outbox.OrderedItems) == 0 ||
		outbox.OrderedItems[0]["type"] != "Announce" || testenv.InnerOf(testenv.InnerOf(outbox.OrderedItems[0]))["id"] != top.URI {
		t.Errorf("the group's outbox: %d %v, want its Announce of the post", code, outbox.OrderedItems)
	}

	// A comment in the thread: Lemmy gets it, Mastodon gets no boost of it.
	testenv.PostStatus(t, alice, url.Values{"status": {"bringing snacks"}, "in_reply_to_id": {top.ID}})
	testenv.Eventually(t, 30*time.Second, "the comment shared with Lemmy", func() bool { return len(testenv.ReceivedOfType(lemmy, "Announce")) == 2 })
	time.Sleep(time.Second)
	if n := len(testenv.ReceivedOfType(masto, "Announce")); n != 1 {
		t.Errorf("Mastodon got %d Announces, want 1 (comments are not boosted)", n)
	}

	// Deleting the post: Lemmy gets Announce{Delete}, Mastodon the boost undone.
	if code := alice.Do("DELETE", "/api/v1/statuses/"+top.ID, nil, nil); code != 200 {
		t.Fatalf("delete: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the delete shared", func() bool {
		undos := testenv.ReceivedOfType(masto, "Undo")
		return len(testenv.ReceivedOfType(lemmy, "Announce")) == 3 && len(undos) == 1 && testenv.InnerOf(undos[0])["id"] == boost["id"]
	})
	if d := testenv.InnerOf(testenv.ReceivedOfType(lemmy, "Announce")[2]); d["type"] != "Delete" {
		t.Errorf("Lemmy's third Announce carries %v, want Delete", d["type"])
	}
}

func TestRemoteMembersPostIntoAGroup(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.63:0"})
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	alice := v.User("alice")
	moms := testenv.Lookup(t, alice, "moms")
	mia := testenv.NewRemote(t, "mia")
	mia.Software = "mastodon"
	leo := testenv.NewRemote(t, "leo")
	testenv.JoinGroup(t, v, mia, "moms")
	testenv.JoinGroup(t, v, leo, "moms")
	groupURL := v.BaseURL + "/groups/moms"
	note := func(r *testenv.Remote, n int, html string, extra map[string]any) map[string]any {
		m := map[string]any{"id": fmt.Sprintf("%s/statuses/%d", r.ActorID, n), "type": "Note", "attributedTo": r.ActorID,
			"content": html, "to": []any{"https://www.w3.org/ns/activitystreams#Public", groupURL},
			"cc": r.ActorID + "/followers", "published": time.Now().UTC().Format(time.RFC3339),
			"tag": []any{map[string]any{"type": "Mention", "href": groupURL, "name": "@moms@" + strings.TrimPrefix(v.BaseURL, "http://")}}}
		for k, val := range extra {
			m[k] = val
		}
		return m
	}
	createOf := func(r *testenv.Remote, n int, obj map[string]any) []byte {
		return testenv.Activity(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": fmt.Sprintf("%s/statuses/%d/activity", r.ActorID, n), "type": "Create", "actor": r.ActorID,
			"to": obj["to"], "cc": obj["cc"], "object": obj})
	}
	groupPosts := func() []testenv.Status { return timeline(t, alice, "/api/v1/accounts/"+moms.ID+"/statuses") }

	// Hostile HTML is stored without its hostile parts; the same Create twice is one post.
	hostile := `<p>Hi <script>alert(1)</script><a href="javascript:alert(2)" onclick="steal()">click</a>` +
		`<iframe src="https://evil.example"></iframe><img src=x onerror="alert(3)"> <span class="h-card"><a href="` + groupURL +
		`" class="u-url mention">@<span>moms</span></a></span> nap tips?</p>`
	body := createOf(mia, 1, note(mia, 1, hostile, nil))
	for i := 0; i < 2; i++ {
		if code := mia.Post(v.BaseURL+"/inbox", body, time.Now()); code != 202 {
			t.Fatalf("create %d: %d", i, code)
		}
	}
	posts := groupPosts()
	if len(posts) != 1 {
		t.Fatalf("group has %d posts, want 1", len(posts))
	}
	for _, bad := range []string{"<script", "alert(1)", "javascript:", "onclick", "<iframe", "onerror", "<img"} {
		if strings.Contains(posts[0].Content, bad) {
			t.Errorf("stored content keeps %q: %s", bad, posts[0].Content)
		}
	}
	if !strings.Contains(posts[0].Content, "nap tips?") || !strings.Contains(posts[0].Content, `class="u-url mention"`) {
		t.Errorf("stored content lost its text or mention: %s", posts[0].Content)
	}
	testenv.Eventually(t, 30*time.Second, "the share to Leo", func() bool { return len(testenv.ReceivedOfType(leo, "Announce")) == 1 })
	time.Sleep(500 * time.Millisecond)
	if n := len(testenv.ReceivedOfType(leo, "Announce")); n != 1 {
		t.Errorf("Leo got %d Announces of one post delivered twice, want 1", n)
	}
	if got := testenv.InnerOf(testenv.ReceivedOfType(leo, "Announce")[0]); got["id"] != fmt.Sprintf("%s/statuses/1/activity", mia.ActorID) {
		t.Errorf("the share does not carry mia's activity unchanged: %v", got["id"])
	}

	// Refusals leave nothing behind.
	nina := testenv.NewRemote(t, "nina")
	if code := nina.Post(v.BaseURL+"/inbox", createOf(nina, 1, note(nina, 1, "<p>spam</p>", nil)), time.Now()); code != 403 {
		t.Errorf("a non-member's post: %d, want 403", code)
	}
	var tags []any
	var to []any
	for i := range 6 {
		name := fmt.Sprintf("group%d", i)
		v.Admin("admin", "group", "create", name, "--title", name)
		testenv.JoinGroup(t, v, leo, name)
		tags = append(tags, map[string]any{"type": "Mention", "href": v.BaseURL + "/groups/" + name})
		to = append(to, v.BaseURL+"/groups/"+name)
	}
	if code := leo.Post(v.BaseURL+"/inbox", createOf(leo, 9, note(leo, 9, "<p>everyone!</p>", map[string]any{"to": to, "tag": tags})), time.Now()); code != 400 {
		t.Errorf("a post into 6 groups: %d, want 400", code)
	}
	forged := testenv.Activity(t, map[string]any{"id": leo.ActorID + "/u/1", "type": "Update", "actor": leo.ActorID,
		"object": note(mia, 1, "<p>forged</p>", nil)})
	if code := leo.Post(v.BaseURL+"/inbox", forged, time.Now()); code != 400 && code != 403 {
		t.Errorf("an Update of someone else's post: %d, want 400 or 403", code)
	}
	forgedDelete := testenv.Activity(t, map[string]any{"id": leo.ActorID + "/d/1", "type": "Delete", "actor": leo.ActorID,
		"object": fmt.Sprintf("%s/statuses/1", mia.ActorID)})
	if code := leo.Post(v.BaseURL+"/inbox", forgedDelete, time.Now()); code != 403 {
		t.Errorf("a Delete of someone else's post: %d, want 403", code)
	}
	if posts := groupPosts(); len(posts) != 1 || strings.Contains(posts[0].Content, "forged") {
		t.Errorf("group posts after refusals: %d", len(posts))
	}

	// The author's own edit and delete apply.
	update := testenv.Activity(t, map[string]any{"id": mia.ActorID + "/u/1", "type": "Update", "actor": mia.ActorID,
		"object": note(mia, 1, "<p>nap tips? (twins!)</p>", nil)})
	if code := mia.Post(v.BaseURL+"/inbox", update, time.Now()); code != 202 {
		t.Fatalf("update: %d", code)
	}
	if posts := groupPosts(); len(posts) != 1 || !strings.Contains(posts[0].Content, "twins") {
		t.Errorf("after the author's edit: %+v", posts)
	}
	del := testenv.Activity(t, map[string]any{"id": mia.ActorID + "/d/1", "type": "Delete", "actor": mia.ActorID,
		"object": map[string]any{"id": fmt.Sprintf("%s/statuses/1", mia.ActorID), "type": "Tombstone"}})
	if code := mia.Post(v.BaseURL+"/inbox", del, time.Now()); code != 202 {
		t.Fatalf("delete: %d", code)
	}
	if posts := groupPosts(); len(posts) != 0 {
		t.Errorf("after the author's delete the group still shows %d posts", len(posts))
	}
	testenv.Eventually(t, 30*time.Second, "the delete shared with Leo", func() bool {
		for _, a := range testenv.ReceivedOfType(leo, "Announce") {
			if testenv.InnerOf(a)["type"] == "Delete" {
				return true
			}
		}
		return false
	})
}

func TestMissingAncestorsOfAReplyAreFetched(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.63:0"})
	alice := v.User("alice")
	mia := testenv.NewRemote(t, "mia")
	rob := testenv.NewRemote(t, "rob")
	// Alice follows mia, so mia's posts concern this instance.
	miaAcct := testenv.Resolve(t, alice, mia.ActorID)
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+miaAcct.ID+"/follow", nil, &rel)
	accept := testenv.Activity(t, map[string]any{"id": mia.ActorID + "/accepts/1", "type": "Accept", "actor": mia.ActorID,
		"object": map[string]any{"type": "Follow", "actor": v.BaseURL + "/users/alice", "object": mia.ActorID}})
	if code := mia.Post(v.BaseURL+"/inbox", accept, time.Now()); code != 202 {
		t.Fatalf("accept: %d", code)
	}
	// Rob's post, which this instance has never seen, and mia's reply to it.
	robsNote := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": rob.Server.URL + "/notes/1",
		"type": "Note", "attributedTo": rob.ActorID, "content": "<p>rob asks: sleep training?</p>",
		"to": "https://www.w3.org/ns/activitystreams#Public", "published": "2026-11-20T09:00:00Z"}
	rob.Serve("/notes/1", robsNote)
	reply := testenv.Activity(t, map[string]any{"id": mia.ActorID + "/statuses/5/activity", "type": "Create", "actor": mia.ActorID,
		"object": map[string]any{"id": mia.ActorID + "/statuses/5", "type": "Note", "attributedTo": mia.ActorID,
			"inReplyTo": rob.Server.URL + "/notes/1", "content": "<p>mia: it worked for us</p>",
			"to": "https://www.w3.org/ns/activitystreams#Public", "published": "2026-11-20T09:05:00Z"}})
	if code := mia.Post(v.BaseURL+"/inbox", reply, time.Now()); code != 202 {
		t.Fatalf("reply: %d", code)
	}
	s, _ := find(timeline(t, alice, "/api/v1/timelines/home"), "it worked for us")
	if s == nil {
		t.Fatal("mia's reply is not in alice's home timeline")
	}
	var ctx struct {
		Ancestors []testenv.Status `json:"ancestors"`
	}
	alice.Get("/api/v1/statuses/"+s.ID+"/context", &ctx)
	if len(ctx.Ancestors) != 1 || !strings.Contains(ctx.Ancestors[0].Content, "sleep training") ||
		ctx.Ancestors[0].Account.Username != "rob" {
		t.Errorf("ancestors = %+v, want rob's post fetched", ctx.Ancestors)
	}
}

func TestAGroupPinsAWelcomeNoteItWrote(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.63:0"})
	v.Admin("admin", "group", "create", "moms", "--title", "Park Slope Moms", "--location", "Park Slope")
	mia := testenv.NewRemote(t, "mia")
	mia.Software = "mastodon"
	testenv.JoinGroup(t, v, mia, "moms")
	featured := func() []map[string]any {
		var doc struct {
			TotalItems   int              `json:"totalItems"`
			OrderedItems []map[string]any `json:"orderedItems"`
		}
		if code := testenv.GetActivity(t, v.BaseURL+"/groups/moms/featured", &doc); code != 200 {
			t.Fatalf("featured: %d", code)
		}
		return doc.OrderedItems
	}
	items := featured()
	if len(items) != 1 || items[0]["attributedTo"] != v.BaseURL+"/groups/moms" ||
		!strings.Contains(fmt.Sprint(items[0]["content"]), "Welcome to Park Slope Moms") {
		t.Fatalf("featured = %v, want the group's own welcome note", items)
	}
	if again := featured(); len(again) != 1 || again[0]["id"] != items[0]["id"] {
		t.Errorf("a second look wrote another welcome note: %v", again)
	}
	testenv.Eventually(t, 30*time.Second, "the welcome note sent to the member", func() bool {
		for _, a := range testenv.ReceivedOfType(mia, "Create") {
			if testenv.InnerOf(a)["id"] == items[0]["id"] {
				return true
			}
		}
		return false
	})
	if code := testenv.GetActivity(t, fmt.Sprint(items[0]["id"]), nil); code != 200 {
		t.Errorf("the welcome note's id answers %d", code)
	}
}
