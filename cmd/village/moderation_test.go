package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// The instances and Fedify peers of the group moderation tests, on the
// loopback addresses kept for them (ports picked at start).
const (
	addrModA       = "127.0.0.21:0"
	addrModB       = "127.0.0.22:0"
	addrModFedify  = "127.0.0.23:0"
	addrModA2      = "127.0.0.24:0"
	addrModB2      = "127.0.0.25:0"
	addrModFedify2 = "127.0.0.26:0"
	addrModB3      = "127.0.0.27:0"
)

// joinFromFedify makes the Fedify peer join a group and waits for the Accept.
func joinFromFedify(t *testing.T, f *testenv.Fedify, handle, groupURL string) {
	t.Helper()
	followID := f.Follow(handle)
	testenv.Eventually(t, 30*time.Second, "the group's Accept at the Fedify peer", func() bool {
		for _, a := range f.ReceivedOfType("Accept") {
			if a["actor"] == groupURL && testenv.ObjectID(a["object"]) == followID {
				return true
			}
		}
		return false
	})
}

// execSQL changes an instance's database (to move a ban's end into the past).
func execSQL(t *testing.T, v *testenv.Village, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn := v.DB()
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// remoteActivity is a signed activity of a testenv.Remote.
func remoteActivity(t *testing.T, r *testenv.Remote, id, typ string, fields map[string]any) []byte {
	m := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": r.ActorID + "/" + id, "type": typ, "actor": r.ActorID}
	for k, v := range fields {
		m[k] = v
	}
	return testenv.Activity(t, m)
}

// moderatedGroup is the scene of the moderation tests: the group moms on
// a, owned by olga; alice (on a), bob (on b), the Fedify peer and mia (a
// Mastodon-shaped peer) are members.
type moderatedGroup struct {
	a, b                  *testenv.Village
	f                     *testenv.Fedify
	alice, bob            *testenv.Client
	mia                   *testenv.Remote
	groupURL, groupHandle string
	moms, momsOnB         testenv.Account // the group as alice's and bob's servers know it
}

func startModeratedGroup(t *testing.T, addrA, addrB, addrFedify string) moderatedGroup {
	t.Helper()
	m := moderatedGroup{a: testenv.StartVillage(t, testenv.VillageOptions{Addr: addrA}),
		b: testenv.StartVillage(t, testenv.VillageOptions{Addr: addrB})}
	m.f = testenv.StartFedify(t, addrFedify, "fedi")
	m.a.Admin("admin", "group", "create", "moms", "--title", "Moms")
	m.a.User("olga")
	m.a.Admin("admin", "group", "moderator", "add", "moms", "olga", "--owner")
	m.alice, m.bob = m.a.User("alice"), m.b.User("bob")
	m.groupURL, m.groupHandle = m.a.BaseURL+"/groups/moms", "@moms@"+m.a.Addr
	m.moms = testenv.JoinFromVillage(t, m.alice, "moms")
	m.momsOnB = testenv.JoinFromVillage(t, m.bob, m.groupHandle)
	joinFromFedify(t, m.f, m.groupHandle, m.groupURL)
	m.mia = testenv.NewRemote(t, "mia")
	m.mia.Software = "mastodon"
	return m
}

// A group's moderators act, and the fediverse sees it: a remote moderator,
// named by the owner on the manage page, removes a Fedify member's post by
// sending Delete to the group; the group applies it and announces it
// (Fedify gets Announce{Delete}, a Mastodon member the boost undone, and
// members on another Village drop their copy). The same Delete sent
// straight to that other Village, not announced by the group, changes
// nothing there; Delete, Block and Lock from a member who is no moderator
// are refused and announced to nobody. A local moderator's removal takes a
// post away from every local page and API.
func TestGroupModeratorsRemovePostsEverywhere(t *testing.T) {
	t.Parallel()
	m := startModeratedGroup(t, addrModA, addrModB, addrModFedify)
	a, b, f, alice, bob, mia := m.a, m.b, m.f, m.alice, m.bob, m.mia
	groupURL, groupHandle, moms, momsOnB := m.groupURL, m.groupHandle, m.moms, m.momsOnB
	testenv.JoinGroup(t, a, mia, "moms")
	rita := testenv.NewRemote(t, "rita") // a moderator on another server

	// The owner names rita a moderator by her actor's address: the
	// moderators collection lists her, and the group announces Add.
	olga := a.SignIn("olga")
	olga.MustSubmit("/groups/moms/moderators", url.Values{"handle": {rita.ActorID}})
	var mods struct {
		OrderedItems []string `json:"orderedItems"`
	}
	if code := testenv.GetActivity(t, groupURL+"/moderators", &mods); code != 200 || !strings.Contains(strings.Join(mods.OrderedItems, " "), rita.ActorID) {
		t.Fatalf("moderators collection: %d %v, want rita listed", code, mods.OrderedItems)
	}
	testenv.Eventually(t, 30*time.Second, "Announce{Add rita to moderators} at the Fedify peer", func() bool {
		for _, add := range testenv.AnnouncedOfType(f.Received(), groupURL, "Add") {
			if add["object"] == rita.ActorID && add["target"] == groupURL+"/moderators" {
				return true
			}
		}
		return false
	})

	// Fedify's member posts into the group; everyone gets it.
	noteID := f.Note(testenv.FedifyNote{To: []string{groupHandle}, Content: "selling my stroller, cheap"})
	testenv.Eventually(t, 30*time.Second, "the post in the group on A, on B and boosted to Mastodon", func() bool {
		onA, _ := find(timeline(t, alice, "/api/v1/accounts/"+moms.ID+"/statuses"), "stroller")
		onB, _ := find(timeline(t, bob, "/api/v1/accounts/"+momsOnB.ID+"/statuses"), "stroller")
		return onA != nil && onB != nil && len(testenv.ReceivedOfType(mia, "Announce")) == 1
	})
	boostID := testenv.ReceivedOfType(mia, "Announce")[0]["id"]

	// A member who is no moderator cannot remove, ban or lock.
	for i, act := range []struct {
		typ    string
		fields map[string]any
	}{
		{"Delete", map[string]any{"object": noteID, "summary": "I do not like it"}},
		{"Block", map[string]any{"object": f.ActorURL(), "target": groupURL, "summary": "go away"}},
		{"Lock", map[string]any{"object": noteID}},
	} {
		body := remoteActivity(t, mia, fmt.Sprintf("forged/%d", i), act.typ, act.fields)
		if code := mia.Post(groupURL+"/inbox", body, time.Now()); code != http.StatusForbidden {
			t.Errorf("%s from a member who is no moderator: %d, want 403", act.typ, code)
		}
	}

	// Rita's Delete sent straight to B: B is only a member's server, and
	// the group did not announce it: nothing changes there.
	del := remoteActivity(t, rita, "remove/1", "Delete", map[string]any{"object": noteID, "summary": "no selling here",
		"audience": groupURL, "to": []string{"https://www.w3.org/ns/activitystreams#Public"}})
	if code := rita.Post(b.BaseURL+"/inbox", del, time.Now()); code != http.StatusForbidden {
		t.Errorf("a moderator's Delete sent straight to a member's server: %d, want 403", code)
	}
	time.Sleep(time.Second)
	if s, _ := find(timeline(t, bob, "/api/v1/accounts/"+momsOnB.ID+"/statuses"), "stroller"); s == nil {
		t.Fatalf("B dropped the post on a Delete the group never announced")
	}
	if s, _ := find(timeline(t, alice, "/api/v1/accounts/"+moms.ID+"/statuses"), "stroller"); s == nil {
		t.Fatalf("the post is gone from A after refused moderation activities")
	}
	if n := len(testenv.AnnouncedOfType(f.Received(), groupURL, "Delete")) + len(testenv.ReceivedOfType(mia, "Undo")); n != 0 {
		t.Errorf("refused moderation activities were passed on: %d", n)
	}

	// Rita sends it to the group: applied, and announced to every member.
	if code := rita.Post(groupURL+"/inbox", del, time.Now()); code != http.StatusAccepted {
		t.Fatalf("the moderator's Delete: %d, want 202", code)
	}
	testenv.Eventually(t, 30*time.Second, "the removal at Fedify (Announce{Delete}), at Mastodon (Undo{Announce}) and on B", func() bool {
		deletes := testenv.AnnouncedOfType(f.Received(), groupURL, "Delete")
		undos := testenv.ReceivedOfType(mia, "Undo")
		onB, _ := find(timeline(t, bob, "/api/v1/accounts/"+momsOnB.ID+"/statuses"), "stroller")
		return len(deletes) == 1 && deletes[0]["actor"] == rita.ActorID && testenv.ObjectID(deletes[0]["object"]) == noteID &&
			len(undos) == 1 && testenv.InnerOf(undos[0])["id"] == boostID && onB == nil
	})
	if s, _ := find(timeline(t, alice, "/api/v1/accounts/"+moms.ID+"/statuses"), "stroller"); s != nil {
		t.Errorf("the removed post is still in the group on A")
	}
	if s, _ := find(timeline(t, bob, "/api/v1/timelines/home"), "stroller"); s != nil {
		t.Errorf("the removed post is still in bob's home timeline on B")
	}

	// Rita removes bob's post, written on B: on B it leaves the group, and
	// stays bob's own.
	bobs := testenv.PostStatus(t, bob, url.Values{"status": {groupHandle + " free baby clothes, pick up today"}})
	// B lists bob's post in the group at once; the group's share of it must
	// have reached B too, or it could land after the removal and bring the
	// post back (B applies the two as they come).
	testenv.Eventually(t, 30*time.Second, "bob's post in the group on A and on B, and the group's share of it on B", func() bool {
		onA, _ := find(timeline(t, alice, "/api/v1/accounts/"+moms.ID+"/statuses"), "baby clothes")
		onB, _ := find(timeline(t, bob, "/api/v1/accounts/"+momsOnB.ID+"/statuses"), "baby clothes")
		return onA != nil && onB != nil && testenv.QueryCount(t, b, `SELECT count(*) FROM inbox_activities
			WHERE type = 'Announce' AND body->>'actor' = $1 AND strpos(body::text, $2) > 0`, groupURL, bobs.URI) > 0
	})
	delBobs := remoteActivity(t, rita, "remove/2", "Delete", map[string]any{"object": bobs.URI, "audience": groupURL})
	if code := rita.Post(groupURL+"/inbox", delBobs, time.Now()); code != http.StatusAccepted {
		t.Fatalf("the moderator's Delete of bob's post: %d, want 202", code)
	}
	testenv.Eventually(t, 30*time.Second, "bob's post out of the group on A and on B", func() bool {
		onA, _ := find(timeline(t, alice, "/api/v1/accounts/"+moms.ID+"/statuses"), "baby clothes")
		onB, _ := find(timeline(t, bob, "/api/v1/accounts/"+momsOnB.ID+"/statuses"), "baby clothes")
		return onA == nil && onB == nil
	})
	if code := testenv.StatusCode(bob, bobs.ID); code != http.StatusOK {
		t.Errorf("bob's own post on B after its removal from the group: %d, want 200 (it stays his)", code)
	}

	// Olga removes alice's post on the manage page, with a reason.
	mine := testenv.PostStatus(t, alice, url.Values{"status": {"@moms my neighbour is a terrible mother, here is her address"}})
	testenv.Eventually(t, 30*time.Second, "alice's post shared", func() bool {
		return len(testenv.ReceivedOfType(mia, "Announce")) == 3 && len(testenv.AnnouncedOfType(f.Received(), groupURL, "Create")) >= 3
	})
	if _, page := olga.Get("/groups/moms/manage"); !strings.Contains(page, "terrible mother") || !strings.Contains(page, `action="/groups/moms/remove"`) {
		t.Errorf("the manage page does not offer the post for removal")
	}
	olga.MustSubmit("/groups/moms/remove", url.Values{"post": {mine.ID}, "reason": {"shaming"}})
	if code := testenv.StatusCode(alice, mine.ID); code != http.StatusNotFound {
		t.Errorf("the removed post through the API: %d, want 404", code)
	}
	for _, path := range []string{"/api/v1/accounts/" + moms.ID + "/statuses", "/api/v1/timelines/home", "/api/v1/timelines/public"} {
		if s, _ := find(timeline(t, alice, path), "terrible mother"); s != nil {
			t.Errorf("%s still shows the removed post", path)
		}
	}
	aliceWeb := a.SignIn("alice")
	for _, page := range []string{"/groups/moms", "/home", "/posts/" + mine.ID, "/users/alice"} {
		if _, body := aliceWeb.Get(page); strings.Contains(body, "terrible mother") {
			t.Errorf("the page %s still shows the removed post", page)
		}
	}
	testenv.Eventually(t, 30*time.Second, "olga's removal at Fedify and at Mastodon", func() bool {
		deletes := testenv.AnnouncedOfType(f.Received(), groupURL, "Delete")
		last := len(deletes) - 1
		return len(deletes) == 3 && deletes[last]["actor"] == a.BaseURL+"/users/olga" && deletes[last]["summary"] == "shaming" &&
			testenv.ObjectID(deletes[last]["object"]) == mine.URI && len(testenv.ReceivedOfType(mia, "Undo")) == 3
	})

	// Removed by mistake: olga restores it. It is back here; the group
	// announces Undo{Delete}, and boosts it again for Mastodon.
	if _, page := olga.Get("/groups/moms/manage"); !strings.Contains(page, "terrible mother") || !strings.Contains(page, `action="/groups/moms/restore"`) {
		t.Errorf("the manage page does not offer the removed post for restoring")
	}
	olga.MustSubmit("/groups/moms/restore", url.Values{"post": {mine.ID}})
	var back testenv.Status
	if code := alice.Do(http.MethodGet, "/api/v1/statuses/"+mine.ID, nil, &back); code != http.StatusOK || !strings.Contains(back.Content, "terrible mother") {
		t.Errorf("the restored post through the API: %d %q", code, back.Content)
	}
	testenv.Eventually(t, 30*time.Second, "the restore at Fedify (Announce{Undo{Delete}}) and at Mastodon (a new boost)", func() bool {
		restored := false
		for _, undo := range testenv.AnnouncedOfType(f.Received(), groupURL, "Undo") {
			restored = restored || (testenv.InnerOf(undo)["type"] == "Delete" && testenv.InnerOf(undo)["object"] == mine.URI)
		}
		boosts := testenv.ReceivedOfType(mia, "Announce")
		return restored && len(boosts) == 4 && boosts[3]["object"] == mine.URI
	})

	// Rita bans mia through the group's inbox, then lifts the ban.
	block := remoteActivity(t, rita, "ban/1", "Block", map[string]any{"object": mia.ActorID, "target": groupURL, "summary": "spam",
		"endTime": time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)})
	if code := rita.Post(groupURL+"/inbox", block, time.Now()); code != http.StatusAccepted {
		t.Fatalf("the remote moderator's Block: %d", code)
	}
	// Her server is Mastodon's, which reads any Announce as a boost: since
	// issue 11 it is told with the Reject of her follow alone.
	testenv.Eventually(t, 30*time.Second, "mia told of her ban (Reject{Follow})", func() bool {
		return len(testenv.ReceivedOfType(mia, "Reject")) == 1
	})
	if blocks := testenv.AnnouncedOfType(mia.Received(), groupURL, "Block"); len(blocks) != 0 {
		t.Errorf("mia's Mastodon server got the group's Announce{Block}: %v", blocks)
	}
	spam := remoteActivity(t, mia, "statuses/9/activity", "Create", map[string]any{"object": map[string]any{
		"id": mia.ActorID + "/statuses/9", "type": "Note", "attributedTo": mia.ActorID, "content": "<p>buy now</p>",
		"to": []string{"https://www.w3.org/ns/activitystreams#Public", groupURL}, "published": time.Now().UTC().Format(time.RFC3339)}})
	if code := mia.Post(a.BaseURL+"/inbox", spam, time.Now()); code != http.StatusForbidden {
		t.Errorf("a banned member's post: %d, want 403", code)
	}
	unblock := remoteActivity(t, rita, "ban/1/undo", "Undo", map[string]any{"object": map[string]any{
		"id": rita.ActorID + "/ban/1", "type": "Block", "actor": rita.ActorID, "object": mia.ActorID, "target": groupURL}})
	if code := rita.Post(groupURL+"/inbox", unblock, time.Now()); code != http.StatusAccepted {
		t.Fatalf("the remote moderator's Undo{Block}: %d", code)
	}
	var banned int
	testenv.QueryOne(t, a, &banned, `SELECT count(*) FROM group_bans`)
	if banned != 0 {
		t.Errorf("%d bans left after Undo{Block}", banned)
	}

	// Rita pins a post through the group's inbox: the group tells its
	// members with Add{featured}. Only an owner names moderators.
	cake := testenv.PostStatus(t, alice, url.Values{"status": {"@moms cake sale on Sunday"}})
	pin := remoteActivity(t, rita, "pin/1", "Add", map[string]any{"object": cake.URI, "target": groupURL + "/featured"})
	if code := rita.Post(groupURL+"/inbox", pin, time.Now()); code != http.StatusAccepted {
		t.Fatalf("the remote moderator's Add{featured}: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the group's Add{featured} at the Fedify peer", func() bool {
		adds := receivedFrom(f.Received(), groupURL, "Add")
		return len(adds) == 1 && adds[0]["object"] == cake.URI && adds[0]["target"] == groupURL+"/featured"
	})
	promote := remoteActivity(t, rita, "mods/1", "Add", map[string]any{"object": mia.ActorID, "target": groupURL + "/moderators"})
	if code := rita.Post(groupURL+"/inbox", promote, time.Now()); code != http.StatusForbidden {
		t.Errorf("a moderator who is no owner naming a moderator: %d, want 403", code)
	}

	// The audit log names who did what, the remote moderator included.
	_, page := olga.Get("/groups/moms/log")
	for _, want := range []string{"added a moderator", "removed a post", "shaming", "no selling here", "restored a post", "banned", "lifted a ban", "pinned a post", "rita"} {
		if !strings.Contains(page, want) {
			t.Errorf("the audit log lacks %q", want)
		}
	}
}

// receivedFrom lists what a peer got of type typ from actor.
func receivedFrom(list []map[string]any, actor, typ string) []map[string]any {
	var out []map[string]any
	for _, a := range list {
		if a["type"] == typ && a["actor"] == actor {
			out = append(out, a)
		}
	}
	return out
}

// A ban, a lock, pins and the group's settings federate, and each lands in
// the audit log that only moderators see: the banned Fedify member leaves
// the group, its later posts are refused and reach no other member, a new
// Follow is rejected until the ban ends (by its end time, or lifted with
// Undo{Block}); a locked thread takes no reply from a local member (API and
// web), from a remote one, or from a member on another Village; pinning
// sends Add{featured}, saving the settings Update{Group}.
func TestGroupBansLocksPinsAndEditsFederate(t *testing.T) {
	t.Parallel()
	m := startModeratedGroup(t, addrModA2, addrModB2, addrModFedify2)
	a, b, f, alice, bob, mia := m.a, m.b, m.f, m.alice, m.bob, m.mia
	groupURL, groupHandle, moms, momsOnB := m.groupURL, m.groupHandle, m.moms, m.momsOnB
	leo := testenv.NewRemote(t, "leo")
	leo.Software = "lemmy"
	testenv.JoinGroup(t, a, mia, "moms")
	testenv.JoinGroup(t, a, leo, "moms")
	olga := a.SignIn("olga")
	memberAccts := func() string {
		var accts []string
		for _, m := range followers(t, alice, moms.ID) {
			accts = append(accts, m.Acct)
		}
		return strings.Join(accts, " ")
	}
	fediAcct := strings.TrimPrefix(f.Handle(), "@")

	// 1. Olga bans the Fedify member for 30 days.
	olga.MustSubmit("/groups/moms/bans", url.Values{"handle": {f.Handle()}, "reason": {"harassment"}, "days": {"30"}})
	testenv.Eventually(t, 30*time.Second, "Reject{Follow} and Announce{Block} at the Fedify peer", func() bool {
		blocks := testenv.AnnouncedOfType(f.Received(), groupURL, "Block")
		return len(receivedFrom(f.Received(), groupURL, "Reject")) == 1 && len(blocks) == 1 &&
			blocks[0]["object"] == f.ActorURL() && blocks[0]["target"] == groupURL && blocks[0]["summary"] == "harassment" &&
			blocks[0]["endTime"] != nil && blocks[0]["actor"] == a.BaseURL+"/users/olga"
	})
	if strings.Contains(memberAccts(), fediAcct) {
		t.Errorf("the banned member still follows the group: %s", memberAccts())
	}
	if _, page := olga.Get("/groups/moms/manage"); !strings.Contains(page, "harassment") || !strings.Contains(page, `action="/groups/moms/unban"`) {
		t.Errorf("the manage page does not list the ban with a way to lift it")
	}
	testenv.Eventually(t, 30*time.Second, "Announce{Block} at the Lemmy member", func() bool {
		return len(testenv.AnnouncedOfType(leo.Received(), groupURL, "Block")) == 1
	})

	// Its later posts are refused and reach nobody.
	leoBefore, miaBefore := len(testenv.ReceivedOfType(leo, "Announce")), len(testenv.ReceivedOfType(mia, "Announce"))
	if _, err := f.TryNote(testenv.FedifyNote{To: []string{groupHandle}, Content: "you cannot keep me out"}); err == nil {
		t.Errorf("a banned member's post was taken, want a refusal")
	}
	// The log comes through a pipe from the server's process: it may lag the answer.
	testenv.Eventually(t, 10*time.Second, "Village's log showing the refusal of the banned member's post", func() bool {
		return strings.Contains(a.Log(), f.ActorURL()+" is banned from "+groupURL)
	})
	var stored int
	testenv.QueryOne(t, a, &stored, `SELECT count(*) FROM posts WHERE content LIKE '%keep me out%'`)
	if stored != 0 {
		t.Errorf("a banned member's post was stored on A")
	}
	time.Sleep(2 * time.Second)
	if n, m := len(testenv.ReceivedOfType(leo, "Announce")), len(testenv.ReceivedOfType(mia, "Announce")); n != leoBefore || m != miaBefore {
		t.Errorf("members got %d and %d new Announces after a banned member's post, want none", n-leoBefore, m-miaBefore)
	}
	if s, _ := find(timeline(t, alice, "/api/v1/accounts/"+moms.ID+"/statuses"), "keep me out"); s != nil {
		t.Errorf("the banned member's post is in the group on A")
	}
	if s, _ := find(timeline(t, bob, "/api/v1/accounts/"+momsOnB.ID+"/statuses"), "keep me out"); s != nil {
		t.Errorf("the banned member's post reached B")
	}

	// A new Follow while banned is rejected; once the ban's end time is
	// past, it is accepted.
	followID := f.Follow(groupHandle)
	testenv.Eventually(t, 30*time.Second, "the Reject of a banned member's Follow", func() bool {
		for _, r := range receivedFrom(f.Received(), groupURL, "Reject") {
			if testenv.ObjectID(r["object"]) == followID {
				return true
			}
		}
		return false
	})
	if strings.Contains(memberAccts(), fediAcct) {
		t.Errorf("a banned member's new Follow made them a member")
	}
	execSQL(t, a, `UPDATE group_bans SET ends_at = now() - interval '1 minute'`)
	joinFromFedify(t, f, groupHandle, groupURL)

	// Banned again until lifted, then lifted: Undo{Block} reaches them.
	olga.MustSubmit("/groups/moms/bans", url.Values{"handle": {f.ActorURL()}, "reason": {"again"}})
	testenv.Eventually(t, 30*time.Second, "the second ban at the Fedify peer", func() bool {
		return len(testenv.AnnouncedOfType(f.Received(), groupURL, "Block")) == 2
	})
	var fediID int64
	testenv.QueryOne(t, a, &fediID, `SELECT actor_id FROM group_bans WHERE ends_at IS NULL`)
	olga.MustSubmit("/groups/moms/unban", url.Values{"actor": {fmt.Sprint(fediID)}})
	testenv.Eventually(t, 30*time.Second, "Announce{Undo{Block}} at the Fedify peer", func() bool {
		for _, undo := range testenv.AnnouncedOfType(f.Received(), groupURL, "Undo") {
			if testenv.InnerOf(undo)["type"] == "Block" && testenv.InnerOf(undo)["object"] == f.ActorURL() {
				return true
			}
		}
		return false
	})
	joinFromFedify(t, f, groupHandle, groupURL)

	// 2. A locked thread takes no replies.
	top := testenv.PostStatus(t, alice, url.Values{"status": {"@moms playground at 4?"}})
	var onB *testenv.Status
	testenv.Eventually(t, 30*time.Second, "the post on B", func() bool {
		onB, _ = find(timeline(t, bob, "/api/v1/accounts/"+momsOnB.ID+"/statuses"), "playground")
		return onB != nil
	})
	olga.MustSubmit("/groups/moms/lock", url.Values{"post": {top.ID}})
	testenv.Eventually(t, 30*time.Second, "Announce{Lock} at the Lemmy member and at the Fedify peer", func() bool {
		locks := testenv.AnnouncedOfType(leo.Received(), groupURL, "Lock")
		return len(locks) == 1 && locks[0]["object"] == top.URI && len(testenv.AnnouncedOfType(f.Received(), groupURL, "Lock")) == 1
	})
	if code := alice.Do(http.MethodPost, "/api/v1/statuses", url.Values{"status": {"me too"}, "in_reply_to_id": {top.ID}}, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("a reply in a locked thread through the API: %d, want 422", code)
	}
	aliceWeb := a.SignIn("alice")
	if code, page := aliceWeb.Submit("/posts", url.Values{"text": {"me too"}, "in_reply_to": {top.ID}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "locked") {
		t.Errorf("a reply in a locked thread through the web form: %d, want 422 with the reason", code)
	}
	if code, page := aliceWeb.Get("/posts/" + top.ID); code != http.StatusOK || !strings.Contains(page, "locked this thread") ||
		strings.Contains(page, `name="in_reply_to"`) {
		t.Errorf("the locked thread's page (%d) should say it is locked and offer no reply form", code)
	}
	reply := remoteActivity(t, mia, "statuses/1/activity", "Create", map[string]any{"object": map[string]any{
		"id": mia.ActorID + "/statuses/1", "type": "Note", "attributedTo": mia.ActorID, "content": "<p>count me in</p>",
		"inReplyTo": top.URI, "to": []string{"https://www.w3.org/ns/activitystreams#Public"}, "cc": []string{groupURL},
		"published": time.Now().UTC().Format(time.RFC3339)}})
	if code := mia.Post(a.BaseURL+"/inbox", reply, time.Now()); code != http.StatusForbidden {
		t.Errorf("a remote reply in a locked thread: %d, want 403", code)
	}
	testenv.Eventually(t, 30*time.Second, "the lock applied on B", func() bool {
		var locked bool
		testenv.QueryOne(t, b, &locked, `SELECT locked_at IS NOT NULL FROM posts WHERE uri = $1`, top.URI)
		return locked
	})
	if code := bob.Do(http.MethodPost, "/api/v1/statuses", url.Values{"status": {"me too"}, "in_reply_to_id": {onB.ID}}, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("a reply on B in a thread the group locked: %d, want 422", code)
	}
	var ctx struct {
		Descendants []testenv.Status `json:"descendants"`
	}
	alice.Get("/api/v1/statuses/"+top.ID+"/context", &ctx)
	if len(ctx.Descendants) != 0 {
		t.Errorf("the locked thread got %d replies", len(ctx.Descendants))
	}
	olga.MustSubmit("/groups/moms/unlock", url.Values{"post": {top.ID}})
	if _, page := aliceWeb.Get("/posts/" + top.ID); strings.Contains(page, "locked this thread") || !strings.Contains(page, `name="in_reply_to"`) {
		t.Error("the unlocked thread's page should offer the reply form again")
	}
	testenv.Eventually(t, 30*time.Second, "Announce{Undo{Lock}} at the Lemmy member", func() bool {
		for _, undo := range testenv.AnnouncedOfType(leo.Received(), groupURL, "Undo") {
			if testenv.InnerOf(undo)["type"] == "Lock" && testenv.InnerOf(undo)["object"] == top.URI {
				return true
			}
		}
		return false
	})
	testenv.PostStatus(t, alice, url.Values{"status": {"me too"}, "in_reply_to_id": {top.ID}})

	// 3. Pins: Add and Remove on the featured collection, from the group.
	olga.MustSubmit("/groups/moms/pins", url.Values{"post": {top.ID}})
	olga.MustSubmit("/groups/moms/unpin", url.Values{"post": {top.ID}})
	for _, peer := range []*testenv.Remote{mia, leo} {
		testenv.Eventually(t, 30*time.Second, "Add and Remove of featured at "+peer.Username, func() bool {
			adds, removes := receivedFrom(peer.Received(), groupURL, "Add"), receivedFrom(peer.Received(), groupURL, "Remove")
			return len(adds) == 1 && adds[0]["object"] == top.URI && adds[0]["target"] == groupURL+"/featured" &&
				len(removes) == 1 && removes[0]["object"] == top.URI
		})
	}

	// 4. The group's settings: Update{Group} with the new document.
	olga.MustSubmit("/groups/moms/settings", url.Values{"title": {"Moms of Park Slope"}, "summary": {"Parents helping parents."}})
	testenv.Eventually(t, 30*time.Second, "Update{Group} at the members' servers", func() bool {
		for _, peer := range []*testenv.Remote{mia, leo} {
			updates := receivedFrom(peer.Received(), groupURL, "Update")
			if len(updates) != 1 || testenv.InnerOf(updates[0])["type"] != "Group" || testenv.InnerOf(updates[0])["name"] != "Moms of Park Slope" {
				return false
			}
		}
		return true
	})

	// 5. The audit log lists it all, for moderators only.
	code, page := olga.Get("/groups/moms/log")
	if code != http.StatusOK {
		t.Fatalf("the audit log for its moderator: %d", code)
	}
	for _, want := range []string{"banned", "harassment", "lifted a ban", "locked a thread", "unlocked a thread", "pinned a post",
		"unpinned a post", "edited the group", "fedi"} {
		if !strings.Contains(page, want) {
			t.Errorf("the audit log lacks %q", want)
		}
	}
	if n := strings.Count(page, `class="log-entry"`); n != 9 {
		t.Errorf("the audit log has %d entries, want 9 (olga named by the command line, 2 bans, unban, lock, unlock, pin, unpin, edit)", n)
	}
	if code, _ := aliceWeb.Get("/groups/moms/log"); code != http.StatusNotFound {
		t.Errorf("the audit log for a member: %d, want 404", code)
	}
	req, _ := http.NewRequest(http.MethodGet, a.BaseURL+"/groups/moms/log", nil)
	if code := testenv.Send(t, req); code != http.StatusNotFound {
		t.Errorf("the audit log signed out: %d, want 404", code)
	}
}

// A Village whose members follow a remote group takes the group's word for
// what its moderators did, and only that: a moderator's Delete, Lock or
// Block counts when the group announces it and its actor is in the
// collection the group's document names as its moderators. The same
// activities by someone not listed, announced by someone who is not the
// group, or sent straight by the moderator, change nothing.
func TestMembersOfARemoteGroupHeedOnlyItsModeratorsThroughIt(t *testing.T) {
	t.Parallel()
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrModB3})
	club, ann, rita, nina := testenv.NewRemote(t, "club"), testenv.NewRemote(t, "ann"), testenv.NewRemote(t, "rita"), testenv.NewRemote(t, "nina")
	clubDoc := club.ActorDocument()
	clubDoc["type"] = "Group"
	clubDoc["moderators"] = club.ActorID + "/moderators"
	clubDoc["attributedTo"] = club.ActorID + "/moderators"
	club.Serve("/users/club", clubDoc)
	club.Serve("/users/club/moderators", map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": club.ActorID + "/moderators", "type": "OrderedCollection", "totalItems": 1, "orderedItems": []string{rita.ActorID}})
	public := "https://www.w3.org/ns/activitystreams#Public"
	noteID := ann.ActorID + "/statuses/1"
	note := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": noteID, "type": "Note", "attributedTo": ann.ActorID,
		"content": "<p>who has a spare car seat?</p>", "to": []string{public, club.ActorID}, "audience": club.ActorID,
		"published": time.Now().UTC().Format(time.RFC3339)}
	ann.Serve("/users/ann/statuses/1", note)

	n := 0
	announce := func(by *testenv.Remote, inner map[string]any) int {
		n++
		return by.Post(b.BaseURL+"/inbox", remoteActivity(t, by, fmt.Sprintf("announces/%d", n), "Announce",
			map[string]any{"object": inner, "to": []string{public}, "cc": []string{club.ActorID + "/followers"}}), time.Now())
	}
	act := func(by *testenv.Remote, id, typ string, fields map[string]any) map[string]any {
		m := map[string]any{"id": by.ActorID + "/" + id, "type": typ, "actor": by.ActorID, "audience": club.ActorID}
		for k, v := range fields {
			m[k] = v
		}
		return m
	}
	postState := func() (deleted, locked bool) {
		testenv.QueryOne(t, b, &deleted, `SELECT deleted_at IS NOT NULL FROM posts WHERE uri = $1`, noteID)
		testenv.QueryOne(t, b, &locked, `SELECT locked_at IS NOT NULL FROM posts WHERE uri = $1`, noteID)
		return
	}
	bans := func() int {
		var count int
		testenv.QueryOne(t, b, &count, `SELECT count(*) FROM group_bans`)
		return count
	}

	// The group shares ann's post: B keeps it in the group.
	if code := announce(club, act(ann, "statuses/1/activity", "Create", map[string]any{"object": note})); code != http.StatusAccepted {
		t.Fatalf("the group's share: %d", code)
	}
	var inGroup bool
	testenv.QueryOne(t, b, &inGroup, `SELECT p.group_id = a.id FROM posts p, actors a WHERE p.uri = $1 AND a.uri = $2`, noteID, club.ActorID)
	if !inGroup {
		t.Fatalf("the shared post is not in the group on B")
	}

	// Nothing of this counts.
	ignored := []struct {
		what string
		send func() int
		want int
	}{
		{"Delete by someone not a moderator, announced by the group", func() int {
			return announce(club, act(nina, "d/1", "Delete", map[string]any{"object": noteID}))
		}, http.StatusAccepted},
		{"Lock by someone not a moderator, announced by the group", func() int {
			return announce(club, act(nina, "l/1", "Lock", map[string]any{"object": noteID}))
		}, http.StatusAccepted},
		{"Block by someone not a moderator, announced by the group", func() int {
			return announce(club, act(nina, "b/1", "Block", map[string]any{"object": ann.ActorID, "target": club.ActorID}))
		}, http.StatusAccepted},
		{"a moderator's Delete announced by someone who is not the group", func() int {
			return announce(nina, act(rita, "d/1", "Delete", map[string]any{"object": noteID}))
		}, http.StatusAccepted},
		{"a moderator's Delete sent straight, not announced", func() int {
			return rita.Post(b.BaseURL+"/inbox", testenv.Activity(t, act(rita, "d/2", "Delete", map[string]any{"object": noteID})), time.Now())
		}, http.StatusForbidden},
		{"a moderator's Lock sent straight, not announced", func() int {
			return rita.Post(b.BaseURL+"/inbox", testenv.Activity(t, act(rita, "l/2", "Lock", map[string]any{"object": noteID})), time.Now())
		}, http.StatusAccepted},
	}
	for _, tc := range ignored {
		if code := tc.send(); code != tc.want {
			t.Errorf("%s: %d, want %d", tc.what, code, tc.want)
		}
		if deleted, locked := postState(); deleted || locked || bans() != 0 {
			t.Errorf("%s changed B: deleted %v, locked %v, bans %d", tc.what, deleted, locked, bans())
		}
	}

	// The group announces its moderator's Lock, Block, Undo{Lock}, Delete.
	steps := []struct {
		what            string
		inner           map[string]any
		deleted, locked bool
		bans            int
	}{
		{"Lock", act(rita, "l/3", "Lock", map[string]any{"object": noteID}), false, true, 0},
		{"Block", act(rita, "b/3", "Block", map[string]any{"object": ann.ActorID, "target": club.ActorID, "summary": "spam"}), false, true, 1},
		{"Undo{Lock}", act(rita, "u/3", "Undo", map[string]any{"object": map[string]any{"type": "Lock", "actor": rita.ActorID, "object": noteID}}), false, false, 1},
		{"Delete", act(rita, "d/3", "Delete", map[string]any{"object": noteID, "summary": "no selling"}), true, false, 1},
		{"Undo{Delete}", act(rita, "u/4", "Undo", map[string]any{"object": map[string]any{"id": rita.ActorID + "/d/3", "type": "Delete", "object": noteID}}), false, false, 1},
	}
	for _, s := range steps {
		if code := announce(club, s.inner); code != http.StatusAccepted {
			t.Fatalf("the group's Announce{%s}: %d", s.what, code)
		}
		if deleted, locked := postState(); deleted != s.deleted || locked != s.locked || bans() != s.bans {
			t.Errorf("after the group's Announce{%s}: deleted %v, locked %v, bans %d; want %v, %v, %d",
				s.what, deleted, locked, bans(), s.deleted, s.locked, s.bans)
		}
	}
	var content string
	testenv.QueryOne(t, b, &content, `SELECT content FROM posts WHERE uri = $1`, noteID)
	if !strings.Contains(content, "spare car seat") {
		t.Errorf("the restored post says %q, want what its origin serves", content)
	}

	// A ban that removes the member's content (Lemmy sends no Delete per
	// post then) takes ann's copies out of the group here.
	if code := announce(club, act(rita, "b/4", "Block", map[string]any{"object": ann.ActorID, "target": club.ActorID, "removeData": true})); code != http.StatusAccepted {
		t.Fatalf("the group's Announce{Block removeData}: %d", code)
	}
	if deleted, _ := postState(); !deleted {
		t.Errorf("ann's post stayed after the group announced her ban with removeData")
	}
}
