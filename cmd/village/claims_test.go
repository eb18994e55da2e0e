package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// addrClaims is the Village of the claims test.
const addrClaims = "127.0.0.110:0"

// TestAForgedEmbeddedNoteShowsNowhereAndTheOriginsNoteDoes: a member
// (mia) and a remote group (club) send, signed, activities that embed
// notes attributed to a third server (tess's) with forged words: in an
// Announce, a Create, an Update, a Like, a Create of two objects, and
// inside the group's Announce{Create}. The forged words show nowhere a
// post shows (the client API's timelines and status lookups, the group's
// page, its outbox, its RSS and Atom feeds), while the note tess's server
// really serves is shown as it serves it.
func TestAForgedEmbeddedNoteShowsNowhereAndTheOriginsNoteDoes(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrClaims})
	v.Admin("admin", "group", "create", "moms", "--title", "Moms")
	alice := v.User("alice")
	moms := testenv.Lookup(t, alice, "moms")
	alice.Post("/api/v1/accounts/"+moms.ID+"/follow", nil, nil)
	group := v.BaseURL + "/groups/moms"
	const public = "https://www.w3.org/ns/activitystreams#Public"

	mia := testenv.NewRemote(t, "mia")
	testenv.JoinGroup(t, v, mia, "moms")
	miaAcct := testenv.Lookup(t, alice, "mia@"+strings.TrimPrefix(mia.Server.URL, "http://"))
	alice.Post("/api/v1/accounts/"+miaAcct.ID+"/follow", nil, nil)
	accept := testenv.Activity(t, map[string]any{"id": mia.ActorID + "/accepts/1", "type": "Accept", "actor": mia.ActorID,
		"object": map[string]any{"type": "Follow", "actor": v.BaseURL + "/users/alice", "object": mia.ActorID}})
	if code := mia.Post(v.BaseURL+"/inbox", accept, time.Now()); code != 202 {
		t.Fatalf("mia accepts alice: %d", code)
	}
	club := testenv.NewRemote(t, "club") // a group on another server
	clubDoc := club.ActorDocument()
	clubDoc["type"] = "Group"
	club.Serve("/users/club", clubDoc)

	tess := testenv.NewRemote(t, "tess") // the third server
	note := func(id, author, text string) map[string]any {
		return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Note",
			"attributedTo": author, "content": "<p>" + text + "</p>", "to": []any{public}, "cc": []any{group},
			"tag": []any{map[string]any{"type": "Mention", "href": group}}, "published": time.Now().UTC().Format(time.RFC3339)}
	}
	tessNote := func(n int) string { return fmt.Sprintf("%s/notes/%d", tess.Server.URL, n) }
	tess.Serve("/notes/1", note(tessNote(1), tess.ActorID, "real words of tess"))
	forged := func(id string, n int) map[string]any {
		return note(id, tess.ActorID, fmt.Sprintf("forged words %d", n))
	}
	// mia's own post in the group, whose copies are forged below.
	miasPost := mia.ActorID + "/statuses/1"
	send := func(r *testenv.Remote, typ, id string, object any) int {
		return r.Post(v.BaseURL+"/inbox", testenv.Activity(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": id, "type": typ, "actor": r.ActorID, "to": []any{public}, "cc": []any{group}, "object": object}), time.Now())
	}
	if code := send(mia, "Create", miasPost+"/activity", note(miasPost, mia.ActorID, "mia's own words")); code != 202 {
		t.Fatalf("mia's post: %d", code)
	}
	copyOfMias := forged(miasPost, 0)

	steps := []struct {
		name string
		by   *testenv.Remote
		typ  string
		id   string
		obj  any
		want []int // the statuses that may answer
	}{
		{"an Announce of a third server's note it does not serve", mia, "Announce", mia.ActorID + "/a/1", forged(tessNote(2), 1), []int{202}},
		{"an Announce of a forged copy of a third server's note", mia, "Announce", mia.ActorID + "/a/2", forged(tessNote(1), 2), []int{202}},
		{"a Create of a third server's note", mia, "Create", mia.ActorID + "/c/3", forged(tessNote(3), 3), []int{400, 403}},
		{"a Create of a note of hers attributed to a third server", mia, "Create", mia.ActorID + "/c/4", forged(mia.ActorID+"/statuses/4", 4), []int{400}},
		{"an Update of a third server's note", mia, "Update", mia.ActorID + "/u/5", forged(tessNote(1), 5), []int{400, 403}},
		{"an Update of her post attributed to a third server", mia, "Update", mia.ActorID + "/u/6", forged(miasPost, 6), []int{400}},
		{"a Like carrying a forged copy of the liked post", mia, "Like", mia.ActorID + "/l/7", copyOfMias, []int{202}},
		{"a Create of two notes, the second forged", mia, "Create", mia.ActorID + "/c/8",
			[]any{note(mia.ActorID+"/statuses/8", mia.ActorID, "mia again"), forged(tessNote(8), 8)}, []int{400}},
		{"a group's Announce{Create} of a third server's note it does not serve", club, "Announce", club.ActorID + "/a/9",
			map[string]any{"id": tess.ActorID + "/c/9", "type": "Create", "actor": tess.ActorID, "object": forged(tessNote(9), 9)}, []int{202}},
		{"a group's Announce{Create} of a forged copy of a third server's note", club, "Announce", club.ActorID + "/a/10",
			map[string]any{"id": tess.ActorID + "/c/10", "type": "Create", "actor": tess.ActorID, "object": forged(tessNote(1), 10)}, []int{202}},
	}
	for _, s := range steps {
		code := send(s.by, s.typ, s.id, s.obj)
		ok := false
		for _, w := range s.want {
			ok = ok || code == w
		}
		if !ok {
			t.Errorf("%s: %d, want one of %v", s.name, code, s.want)
		}
	}

	// Every surface that shows posts, and every status found there.
	var ids []string
	surfaces := map[string]string{}
	for _, path := range []string{"/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/timelines/public?remote=true",
		"/api/v1/accounts/" + moms.ID + "/statuses", "/api/v1/accounts/" + miaAcct.ID + "/statuses"} {
		list := timeline(t, alice, path)
		for _, s := range list {
			ids = append(ids, s.ID)
			if s.Reblog != nil {
				ids = append(ids, s.Reblog.ID)
			}
		}
		surfaces[path] = fmt.Sprint(list)
	}
	for _, id := range ids {
		var full, thread map[string]any // a boost's own id may answer 404
		alice.Do(http.MethodGet, "/api/v1/statuses/"+id, nil, &full)
		alice.Do(http.MethodGet, "/api/v1/statuses/"+id+"/context", nil, &thread)
		surfaces["/api/v1/statuses/"+id] = fmt.Sprint(full, thread)
	}
	for path, accept := range map[string]string{"/groups/moms": "text/html", "/groups/moms/outbox?page=true": "application/activity+json",
		"/groups/moms/feed.rss": "application/rss+xml", "/groups/moms/feed.atom": "application/atom+xml",
		"/users/alice": "text/html"} {
		code, body := fetchText(t, v.BaseURL+path, accept, nil)
		if code != http.StatusOK {
			t.Errorf("GET %s: %d", path, code)
		}
		surfaces[path] = body
	}
	for path, shown := range surfaces {
		if strings.Contains(shown, "forged words") {
			t.Errorf("%s shows forged words:\n%s", path, shown)
		}
	}
	if !strings.Contains(surfaces["/groups/moms/outbox?page=true"], "Like") {
		t.Errorf("the group's outbox does not share mia's Like:\n%s", surfaces["/groups/moms/outbox?page=true"])
	}

	// What tess's server really serves is shown, as it serves it, boosted by mia.
	s, by := find(timeline(t, alice, "/api/v1/timelines/home"), "real words of tess")
	if s == nil || by != miaAcct.Acct || s.URI != tessNote(1) {
		t.Fatalf("tess's note is not in alice's home timeline as mia's boost (%+v, by %q)", s, by)
	}
	var full testenv.Status
	alice.Get("/api/v1/statuses/"+s.ID, &full)
	if !strings.Contains(full.Content, "real words of tess") {
		t.Errorf("tess's note by id says %q, want what her server serves", full.Content)
	}
}
