package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// Instance moderation end to end: domain blocks (suspend and silence),
// suspensions of local people, and people's blocks and mutes, between a
// Village and minimal remote peers.

// domainBlockDelay covers the inbox's one-second copy of the domain
// blocks, for blocks made with the command line (another process).
const domainBlockDelay = 1100 * time.Millisecond

// hostOf is a URL's host:port.
func hostOf(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.Host
}

// postStored reports whether an instance keeps a post with this id.
func postStored(t *testing.T, v *testenv.Village, uri string) bool {
	t.Helper()
	return testenv.QueryCount(t, v, `SELECT count(*) FROM posts WHERE uri = $1`, uri) > 0
}

// pageText loads a public page as a browser would and returns its HTML.
func okPageText(t *testing.T, u string) string {
	t.Helper()
	code, body := pageText(t, u)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d", u, code)
	}
	return body
}

// remoteNote is a public Note by a peer, mentioning whom it names.
func remoteNote(r *testenv.Remote, n int, text string, mentions ...string) map[string]any {
	to := []any{"https://www.w3.org/ns/activitystreams#Public"}
	var tags []any
	for _, m := range mentions {
		to = append(to, m)
		tags = append(tags, map[string]any{"type": "Mention", "href": m})
	}
	return map[string]any{"id": fmt.Sprintf("%s/statuses/%d", r.ActorID, n), "type": "Note", "attributedTo": r.ActorID,
		"content": "<p>" + text + "</p>", "to": to, "cc": []any{r.ActorID + "/followers"}, "tag": tags,
		"published": time.Now().UTC().Format(time.RFC3339)}
}

// createBy wraps a note in its author's Create.
func createBy(r *testenv.Remote, note map[string]any) map[string]any {
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": note["id"].(string) + "/activity",
		"type": "Create", "actor": r.ActorID, "to": note["to"], "cc": note["cc"], "object": note}
}

// followedBy has a peer follow a local person and waits for the Accept.
func followedBy(t *testing.T, v *testenv.Village, r *testenv.Remote, user string) {
	t.Helper()
	n := len(testenv.ReceivedOfType(r, "Accept"))
	follow := map[string]any{"id": r.ActorID + "/follows/" + user + fmt.Sprint(n), "type": "Follow", "actor": r.ActorID,
		"object": v.BaseURL + "/users/" + user}
	if code := testenv.PostToInbox(t, v, r, follow); code != http.StatusAccepted {
		t.Fatalf("%s follows %s: %d", r.Username, user, code)
	}
	testenv.Eventually(t, 30*time.Second, r.Username+"'s Accept", func() bool { return len(testenv.ReceivedOfType(r, "Accept")) > n })
}

// follows has a local person follow a peer, which accepts.
func follows(t *testing.T, v *testenv.Village, c *testenv.Client, r *testenv.Remote) testenv.Account {
	t.Helper()
	acc := testenv.Resolve(t, c, r.ActorID)
	n := len(testenv.ReceivedOfType(r, "Follow"))
	c.Post("/api/v1/accounts/"+acc.ID+"/follow", nil, nil)
	testenv.Eventually(t, 30*time.Second, "the Follow at "+r.Username, func() bool { return len(testenv.ReceivedOfType(r, "Follow")) > n })
	follow := testenv.ReceivedOfType(r, "Follow")[n]
	accept := map[string]any{"id": r.ActorID + "/accepts/" + fmt.Sprint(n), "type": "Accept", "actor": r.ActorID, "object": follow}
	if code := testenv.PostToInbox(t, v, r, accept); code != http.StatusAccepted {
		t.Fatalf("%s accepts: %d", r.Username, code)
	}
	if rel := testenv.RelationshipOf(t, c, acc.ID); !rel.Following {
		t.Fatalf("following %s: %+v", r.Username, rel)
	}
	return acc
}

func TestDomainSuspendRefusesItsActivitiesAlsoInsideAnAnnounce(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.30:0"})
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	alice := v.User("alice")
	alice.Post("/api/v1/accounts/"+testenv.Lookup(t, alice, "moms").ID+"/follow", nil, nil)
	bad := testenv.NewRemote(t, "bad")   // its domain gets blocked
	gina := testenv.NewRemote(t, "gina") // an allowed server that passes things on
	olga := testenv.NewRemote(t, "olga") // an allowed author: the control
	testenv.JoinGroup(t, v, bad, "moms")
	testenv.JoinGroup(t, v, olga, "moms")
	badNote := remoteNote(bad, 1, "from the blocked domain")
	bad.Serve("/users/bad/statuses/1", badNote)
	olgaNote := remoteNote(olga, 1, "from an allowed domain")
	olga.Serve("/users/olga/statuses/1", olgaNote)
	badHost := hostOf(t, bad.ActorID)

	out := v.Admin("admin", "domain", "block", badHost, "--reason", "spam waves")
	if !strings.Contains(out, "Blocked "+badHost+" (suspend)") {
		t.Errorf("block said %q", out)
	}
	if list := v.Admin("admin", "domain", "list"); !strings.Contains(list, badHost) || !strings.Contains(list, "spam waves") {
		t.Errorf("domain list: %q", list)
	}
	if n := testenv.QueryCount(t, v, `SELECT count(*) FROM follows f JOIN actors a ON a.id = f.follower_id WHERE a.uri = $1`, bad.ActorID); n != 0 {
		t.Errorf("the blocked domain's follow of the group is still there (%d)", n)
	}
	if n := testenv.QueryCount(t, v, `SELECT count(*) FROM moderation_log WHERE action = 'block_domain' AND group_id IS NULL AND target_text LIKE $1`, badHost+"%"); n != 1 {
		t.Errorf("moderation log rows for the block: %d", n)
	}
	time.Sleep(domainBlockDelay)

	// Its own Create: 403, nothing stored, nothing fetched from it.
	before, hits := stored(t, v), bad.Hits()
	second := remoteNote(bad, 2, "posting into the group while blocked", v.BaseURL+"/groups/moms")
	if code := testenv.PostToInbox(t, v, bad, createBy(bad, second)); code != http.StatusForbidden {
		t.Errorf("the blocked domain's Create: %d, want 403", code)
	}
	if after := stored(t, v); after != before || postStored(t, v, second["id"].(string)) {
		t.Errorf("something was stored: %s, then %s", before, after)
	}

	// Passed on by an allowed server: a boost of its post, and a group's
	// share of its Create, are dropped; the same boost of an allowed
	// author's post is kept.
	announces := []map[string]any{
		{"id": gina.ActorID + "/announces/1", "type": "Announce", "actor": gina.ActorID, "object": badNote["id"],
			"to": []any{"https://www.w3.org/ns/activitystreams#Public"}},
		{"id": gina.ActorID + "/announces/2", "type": "Announce", "actor": gina.ActorID, "object": createBy(bad, badNote),
			"to": []any{"https://www.w3.org/ns/activitystreams#Public"}},
		{"id": gina.ActorID + "/announces/3", "type": "Announce", "actor": gina.ActorID, "object": olgaNote["id"],
			"to": []any{"https://www.w3.org/ns/activitystreams#Public"}},
	}
	for i, a := range announces {
		if code := testenv.PostToInbox(t, v, gina, a); code != http.StatusAccepted {
			t.Fatalf("announce %d: %d", i+1, code)
		}
	}
	if !postStored(t, v, olgaNote["id"].(string)) {
		t.Fatal("the allowed author's boosted post was not stored: the control failed")
	}
	if postStored(t, v, badNote["id"].(string)) {
		t.Error("the blocked domain's post was stored from inside an Announce")
	}
	if bad.Hits() != hits {
		t.Errorf("the blocked domain was reached %d times", bad.Hits()-hits)
	}
	if _, by := find(timeline(t, alice, "/api/v1/timelines/public"), "from the blocked domain"); by != "" {
		t.Error("the blocked domain's post shows in the public timeline")
	}

	// Nothing goes to it: a post into the group reaches olga, not bad.
	testenv.PostStatus(t, alice, url.Values{"status": {"@moms playground at four?"}})
	testenv.Eventually(t, 30*time.Second, "the group's share at olga", func() bool { return len(testenv.ReceivedOfType(olga, "Announce")) > 0 })
	time.Sleep(500 * time.Millisecond)
	if n := len(testenv.ReceivedOfType(bad, "Announce")); n != 0 {
		t.Errorf("the blocked domain got %d shares", n)
	}

	// Lifted: it is heard again.
	v.Admin("admin", "domain", "unblock", badHost)
	time.Sleep(domainBlockDelay)
	testenv.JoinGroup(t, v, bad, "moms")
}

func TestDomainSilenceKeepsPostsOffPublicPagesButFollowersStillSeeThem(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.31:0"})
	alice := v.User("alice")
	sil := testenv.NewRemote(t, "sil") // alice follows her
	str := testenv.NewRemote(t, "str") // a stranger
	follows(t, v, alice, sil)
	aliceURL := v.BaseURL + "/users/alice"
	for _, n := range []struct {
		r    *testenv.Remote
		note map[string]any
	}{
		{sil, remoteNote(sil, 1, "followed and public")},
		{str, remoteNote(str, 1, "a stranger says hello", aliceURL)},
	} {
		if code := testenv.PostToInbox(t, v, n.r, createBy(n.r, n.note)); code != http.StatusAccepted {
			t.Fatalf("create: %d", code)
		}
	}
	public := timeline(t, alice, "/api/v1/timelines/public")
	if s, _ := find(public, "followed and public"); s == nil {
		t.Fatal("before the silence, the post is not public: the control failed")
	}

	// Every test peer serves from 127.0.0.1: silencing that host silences both.
	v.Admin("admin", "domain", "block", "127.0.0.1", "--severity", "silence")
	public = timeline(t, alice, "/api/v1/timelines/public")
	for _, text := range []string{"followed and public", "a stranger says hello"} {
		if s, _ := find(public, text); s != nil {
			t.Errorf("%q still in the public timeline", text)
		}
	}
	for _, page := range []string{"/@sil@" + hostOf(t, sil.ActorID), "/@str@" + hostOf(t, str.ActorID)} {
		body := okPageText(t, v.BaseURL+page)
		if strings.Contains(body, "followed and public") || strings.Contains(body, "a stranger says hello") {
			t.Errorf("%s shows a silenced post", page)
		}
	}
	if s, _ := find(timeline(t, alice, "/api/v1/timelines/home"), "followed and public"); s == nil {
		t.Error("alice, who follows her, no longer sees her post at home")
	}

	// Mentions: from the stranger, no notification; from whom alice follows, one.
	testenv.PostToInbox(t, v, str, createBy(str, remoteNote(str, 2, "hey alice, look", aliceURL)))
	testenv.PostToInbox(t, v, sil, createBy(sil, remoteNote(sil, 2, "hi alice", aliceURL)))
	var ns []notification
	alice.Get("/api/v1/notifications", &ns)
	var fromStranger, fromFollowed int
	for _, n := range ns {
		if n.Status != nil && strings.Contains(n.Status.Content, "hey alice, look") {
			fromStranger++
		}
		if n.Status != nil && strings.Contains(n.Status.Content, "hi alice") {
			fromFollowed++
		}
	}
	if fromStranger != 0 || fromFollowed != 1 {
		t.Errorf("notifications: %d from the silenced stranger (want 0), %d from the followed (want 1)", fromStranger, fromFollowed)
	}
}

func TestSuspendedUserCannotLogInUseTheAPIOrBeFetched(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.32:0"})
	bob, carol := v.User("bob"), v.User("carol")
	fan := testenv.NewRemote(t, "fan")
	followedBy(t, v, fan, "bob")
	testenv.PostStatus(t, bob, url.Values{"status": {"bob was here"}})
	bobShown := func() bool {
		s, _ := find(timeline(t, carol, "/api/v1/timelines/public"), "bob was here")
		return s != nil
	}
	if !bobShown() {
		t.Fatal("bob's post is not public before the suspension: the control failed")
	}
	actorURL := v.BaseURL + "/users/bob"
	webfinger := v.BaseURL + "/.well-known/webfinger?resource=acct:bob@" + v.Addr
	if code := bob.Do(http.MethodGet, "/api/v1/accounts/verify_credentials", nil, nil); code != http.StatusOK {
		t.Fatalf("before: %d", code)
	}

	// Servers fetched his actor just now: the running server keeps its
	// document in memory, and the command's suspension must reach it.
	for range 2 {
		if code := testenv.GetActivity(t, actorURL, nil); code != http.StatusOK {
			t.Fatalf("bob's actor before: %d", code)
		}
	}
	if out := v.Admin("admin", "user", "suspend", "bob", "--reason", "spam"); !strings.Contains(out, "Suspended bob") {
		t.Errorf("suspend said %q", out)
	}
	// The server hears of the command through PostgreSQL (LISTEN/NOTIFY),
	// a moment after it commits.
	testenv.Eventually(t, 5*time.Second, "bob's actor answering 410", func() bool {
		return testenv.GetActivity(t, actorURL, nil) == http.StatusGone
	})
	if code := bob.Do(http.MethodGet, "/api/v1/accounts/verify_credentials", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("the API with bob's token: %d, want 401", code)
	}
	if code := bob.Do(http.MethodPost, "/api/v1/statuses", url.Values{"status": {"still here"}}, nil); code != http.StatusUnauthorized {
		t.Errorf("posting with bob's token: %d, want 401", code)
	}
	if resp, err := http.Get(webfinger); err != nil || resp.StatusCode != http.StatusGone {
		t.Errorf("WebFinger of bob: %v %v, want 410", resp.StatusCode, err)
	}
	testenv.Eventually(t, 30*time.Second, "Delete{bob} at his follower's server", func() bool {
		for _, d := range testenv.ReceivedOfType(fan, "Delete") {
			if d["actor"] == actorURL && d["object"] == actorURL {
				return true
			}
		}
		return false
	})
	if _, stderr, err := v.Command("admin", "user", "suspend", "bob"); err == nil || !strings.Contains(stderr, "suspended already") {
		t.Errorf("suspending twice: %v %q", err, stderr)
	}
	newFan := testenv.NewRemote(t, "newfan")
	if code := testenv.PostToInbox(t, v, newFan, map[string]any{"id": newFan.ActorID + "/follows/1", "type": "Follow", "actor": newFan.ActorID,
		"object": actorURL}); code != http.StatusGone {
		t.Errorf("a new Follow of suspended bob: %d, want 410", code)
	}
	if n := testenv.QueryCount(t, v, `SELECT count(*) FROM moderation_log WHERE action = 'suspend_user' AND group_id IS NULL AND reason = 'spam'`); n != 1 {
		t.Errorf("moderation log rows: %d", n)
	}
	if bobShown() {
		t.Error("a suspended account's post is still in the public timeline")
	}

	v.Admin("admin", "user", "unsuspend", "bob")
	if code := bob.Do(http.MethodGet, "/api/v1/accounts/verify_credentials", nil, nil); code != http.StatusOK {
		t.Errorf("after unsuspending, the API: %d", code)
	}
	if code := testenv.GetActivity(t, actorURL, nil); code != http.StatusOK {
		t.Errorf("after unsuspending, bob's actor: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "Update{bob} at his follower's server", func() bool { return len(testenv.ReceivedOfType(fan, "Update")) > 0 })
	if !bobShown() {
		t.Error("after unsuspending, bob's post is not public again")
	}
}

func TestInstanceRolesFromTheCommandLine(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.32:0"})
	v.User("bea")
	if out := v.Admin("admin", "user", "role", "bea", "moderator"); !strings.Contains(out, "bea is now moderator") {
		t.Errorf("role said %q", out)
	}
	if list := v.Admin("admin", "user", "list"); !strings.Contains(list, "moderator") {
		t.Errorf("user list shows no role: %q", list)
	}
	if n := testenv.QueryCount(t, v, `SELECT count(*) FROM accounts WHERE is_moderator AND NOT is_admin`); n != 1 {
		t.Errorf("moderators stored: %d", n)
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"admin", "user", "role", "bea", "boss"}, "admin, moderator or user"},
		{[]string{"admin", "user", "role", "nobody", "admin"}, "not found"},
		{[]string{"admin", "user", "role", "bea"}, "expects 2 argument"},
		{[]string{"admin", "domain", "block", "https://", "--severity", "suspend"}, "domain"},
		{[]string{"admin", "domain", "block", "bad.example", "--severity", "loud"}, "suspend or silence"},
	} {
		if _, stderr, err := v.Command(bad.args...); err == nil || !strings.Contains(stderr, bad.want) {
			t.Errorf("%v: %v %q, want an error saying %q", bad.args, err, stderr, bad.want)
		}
	}
	if n := testenv.QueryCount(t, v, `SELECT count(*) FROM domain_blocks`); n != 0 {
		t.Errorf("a refused block was stored (%d)", n)
	}
}

func TestUserBlockReachesTheRemoteServerAndUnblockSendsUndo(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.33:0"})
	alice := v.User("alice")
	rob := testenv.NewRemote(t, "rob")
	followedBy(t, v, rob, "alice")
	acc := follows(t, v, alice, rob)
	aliceURL := v.BaseURL + "/users/alice"

	var before []notification
	alice.Get("/api/v1/notifications", &before)
	if !hasNotification(before, "follow", "rob@"+hostOf(t, rob.ActorID)) {
		t.Fatalf("no follow notification from rob before the block: the control failed (%v)", before)
	}

	var rel testenv.BlockRelationship
	alice.Post("/api/v1/accounts/"+acc.ID+"/block", nil, &rel)
	if !rel.Blocking || rel.Following || rel.FollowedBy {
		t.Errorf("after the block: %+v, want blocking and no follows either way", rel)
	}
	testenv.Eventually(t, 30*time.Second, "the Block at rob's server", func() bool { return len(testenv.ReceivedOfType(rob, "Block")) == 1 })
	block := testenv.ReceivedOfType(rob, "Block")[0]
	if block["actor"] != aliceURL || block["object"] != rob.ActorID {
		t.Errorf("Block %v, want actor alice, object rob", block)
	}
	var blocked []testenv.Account
	alice.Get("/api/v1/blocks", &blocked)
	if len(blocked) != 1 || blocked[0].ID != acc.ID {
		t.Errorf("GET /api/v1/blocks: %v", blocked)
	}

	// What rob does now does not reach her: his Follow is rejected, his
	// mention makes no notification, his posts stay off her home.
	follow := map[string]any{"id": rob.ActorID + "/follows/again", "type": "Follow", "actor": rob.ActorID, "object": aliceURL}
	if code := testenv.PostToInbox(t, v, rob, follow); code != http.StatusAccepted {
		t.Fatalf("rob's Follow: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the Reject at rob's server", func() bool {
		for _, r := range testenv.ReceivedOfType(rob, "Reject") {
			if testenv.InnerOf(r)["id"] == follow["id"] {
				return true
			}
		}
		return false
	})
	if rel := testenv.BlockRelationshipOf(t, alice, acc.ID); rel.FollowedBy {
		t.Error("rob's Follow was kept")
	}
	testenv.PostToInbox(t, v, rob, createBy(rob, remoteNote(rob, 1, "alice, answer me", aliceURL)))
	var ns []notification
	alice.Get("/api/v1/notifications", &ns)
	for _, n := range ns {
		if strings.HasPrefix(n.Account.Acct, "rob@") {
			t.Errorf("a %s notification from rob shows after the block", n.Type) // his earlier follow's too
		}
	}
	if s, _ := find(timeline(t, alice, "/api/v1/timelines/home"), "alice, answer me"); s != nil {
		t.Error("rob's post shows on her home")
	}
	if s, _ := find(timeline(t, alice, "/api/v1/timelines/public"), "alice, answer me"); s != nil {
		t.Error("rob's post shows in her public timeline")
	}
	if s, _ := find(timeline(t, v.User("carol"), "/api/v1/timelines/public"), "alice, answer me"); s == nil {
		t.Error("rob's post is not public for others either: the control failed")
	}
	if code := alice.Do(http.MethodPost, "/api/v1/accounts/"+acc.ID+"/follow", url.Values{}, nil); code != http.StatusForbidden {
		t.Errorf("following someone she blocks: %d, want 403", code)
	}

	alice.Post("/api/v1/accounts/"+acc.ID+"/unblock", nil, &rel)
	if rel.Blocking {
		t.Error("still blocking after unblock")
	}
	testenv.Eventually(t, 30*time.Second, "the Undo{Block} at rob's server", func() bool {
		for _, u := range testenv.ReceivedOfType(rob, "Undo") {
			if o := testenv.InnerOf(u); o["type"] == "Block" && o["id"] == block["id"] && u["actor"] == aliceURL {
				return true
			}
		}
		return false
	})

	// A mute stays here: listed, nothing sent.
	sent := len(rob.Received())
	alice.Post("/api/v1/accounts/"+acc.ID+"/mute", nil, &rel)
	var muted []testenv.Account
	alice.Get("/api/v1/mutes", &muted)
	if !rel.Muting || len(muted) != 1 {
		t.Errorf("mute: %+v, mutes %v", rel, muted)
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(rob.Received()); n != sent {
		t.Errorf("a mute sent %d activities", n-sent)
	}
}

func TestRemoteBlockOfALocalUserEndsFollowsAndIsRecorded(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.34:0"})
	alice := v.User("alice")
	rob := testenv.NewRemote(t, "rob")
	followedBy(t, v, rob, "alice")
	acc := follows(t, v, alice, rob)
	aliceURL := v.BaseURL + "/users/alice"

	block := map[string]any{"id": rob.ActorID + "/blocks/1", "type": "Block", "actor": rob.ActorID, "object": aliceURL}
	if code := testenv.PostToInbox(t, v, rob, block); code != http.StatusAccepted {
		t.Fatalf("rob's Block: %d", code)
	}
	if rel := testenv.BlockRelationshipOf(t, alice, acc.ID); !rel.BlockedBy || rel.Following || rel.FollowedBy {
		t.Errorf("after rob's Block: %+v, want blocked_by and no follows", rel)
	}
	if code := alice.Do(http.MethodPost, "/api/v1/accounts/"+acc.ID+"/follow", url.Values{}, nil); code != http.StatusForbidden {
		t.Errorf("following someone who blocks her: %d, want 403", code)
	}

	undo := map[string]any{"id": rob.ActorID + "/blocks/1/undo", "type": "Undo", "actor": rob.ActorID, "object": block}
	if code := testenv.PostToInbox(t, v, rob, undo); code != http.StatusAccepted {
		t.Fatalf("rob's Undo{Block}: %d", code)
	}
	if rel := testenv.BlockRelationshipOf(t, alice, acc.ID); rel.BlockedBy {
		t.Error("still blocked_by after Undo{Block}")
	}
	if code := alice.Do(http.MethodPost, "/api/v1/accounts/"+acc.ID+"/follow", url.Values{}, nil); code != http.StatusOK {
		t.Errorf("following again: %d", code)
	}
}

func TestDomainSuspendBetweenVillagesDropsAGroupsShareOfTheBlockedVillagesPost(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.37:0"}) // blocks b
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.38:0"})
	c := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.39:0"}) // an allowed village with a group
	c.Admin("admin", "group", "create", "town", "--title", "Town")
	alice, bob, cara := a.User("alice"), b.User("bob"), c.User("cara")
	for _, m := range []*testenv.Client{alice, bob, cara} {
		town := testenv.Resolve(t, m, "@town@"+c.Addr)
		m.Post("/api/v1/accounts/"+town.ID+"/follow", nil, nil)
		testenv.Eventually(t, 30*time.Second, "membership of town", func() bool { return testenv.RelationshipOf(t, m, town.ID).Following })
	}
	announcesAtA := func() int {
		return testenv.QueryCount(t, a, `SELECT count(*) FROM inbox_activities WHERE type = 'Announce'`)
	}
	testenv.PostStatus(t, cara, url.Values{"status": {"@town control before the block"}})
	testenv.Eventually(t, 30*time.Second, "the control share at alice's", func() bool {
		s, _ := find(timeline(t, alice, "/api/v1/timelines/home"), "control before the block")
		return s != nil
	})

	a.Admin("admin", "domain", "block", "127.0.0.38") // b's host, whatever its port
	time.Sleep(domainBlockDelay)

	// bob's post into the town group: the group shares it with its members,
	// alice's village among them, which drops it.
	seen := announcesAtA()
	blocked := testenv.PostStatus(t, bob, url.Values{"status": {"@town@" + c.Addr + " from the blocked village"}})
	testenv.Eventually(t, 30*time.Second, "the group's share of bob's post at alice's village", func() bool { return announcesAtA() > seen })
	if postStored(t, a, blocked.URI) {
		t.Error("alice's village stored the blocked village's post from the group's share")
	}
	if s, _ := find(timeline(t, alice, "/api/v1/timelines/home"), "from the blocked village"); s != nil {
		t.Error("alice sees the blocked village's post")
	}
	// The same group's share of an allowed member's post still arrives.
	testenv.PostStatus(t, cara, url.Values{"status": {"@town control after the block"}})
	testenv.Eventually(t, 30*time.Second, "the control share after the block", func() bool {
		s, _ := find(timeline(t, alice, "/api/v1/timelines/home"), "control after the block")
		return s != nil
	})

	// bob's own Follow of alice is refused at the door: nothing is kept.
	aliceOnB := resolveOrNil(t, bob, "@alice@"+a.Addr)
	if aliceOnB != nil {
		bob.Post("/api/v1/accounts/"+aliceOnB.ID+"/follow", nil, nil)
		time.Sleep(2 * time.Second)
		if n := testenv.QueryCount(t, a, `SELECT count(*) FROM follows f JOIN actors x ON x.id = f.follower_id WHERE x.domain = $1`, b.Addr); n != 0 {
			t.Errorf("alice's village keeps %d follows from the blocked village", n)
		}
	}
}

// resolveOrNil is resolve for a handle that a block may keep from resolving.
func resolveOrNil(t *testing.T, c *testenv.Client, handle string) *testenv.Account {
	t.Helper()
	var res struct {
		Accounts []testenv.Account `json:"accounts"`
	}
	code := c.Do(http.MethodGet, "/api/v2/search?"+url.Values{"q": {handle}, "resolve": {"true"}, "type": {"accounts"}}.Encode(), nil, &res)
	if code != http.StatusOK || len(res.Accounts) != 1 {
		return nil
	}
	return &res.Accounts[0]
}

func TestDeliveriesQueuedBeforeADomainBlockAreDropped(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.38:0"})
	v.User("bob")
	fan, other := testenv.NewRemote(t, "fan"), testenv.NewRemote(t, "other")
	followedBy(t, v, fan, "bob")
	followedBy(t, v, other, "bob")
	// With the server stopped, bob's suspension queues Delete{bob} for both
	// followers' servers; then one of them is blocked.
	v.Stop()
	v.Admin("admin", "user", "suspend", "bob")
	v.Admin("admin", "domain", "block", hostOf(t, fan.ActorID))
	v.Start()
	testenv.Eventually(t, 30*time.Second, "the Delete at the allowed server", func() bool { return len(testenv.ReceivedOfType(other, "Delete")) == 1 })
	time.Sleep(time.Second)
	if n := len(testenv.ReceivedOfType(fan, "Delete")); n != 0 {
		t.Errorf("the blocked server got %d Deletes queued before its block", n)
	}
}
