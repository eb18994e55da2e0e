package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// Speaking safely, end to end: content warnings a group asks for by topic,
// anonymous posts written by the group, and members' keyword filters.

const (
	speakA = "127.0.0.50:0"
	speakB = "127.0.0.51:0"
)

// setSpeaking saves a group's speaking settings on its moderators' page.
func setSpeaking(t *testing.T, mod *testenv.WebSession, group, topics string, anonymous bool) {
	t.Helper()
	form := url.Values{"topics": {topics}}
	if anonymous {
		form.Set("allow_anonymous", "1")
	}
	if code, body := mod.Submit("/groups/"+group+"/settings/speaking", form); code != 200 || !strings.Contains(body, "settings are saved") {
		t.Fatalf("saving %s's speaking settings: %d\n%s", group, code, body)
	}
}

// rawGet fetches u with an Accept header, unsigned, returning status and body.
func rawGet(t *testing.T, u, accept string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// apiRaw calls the client API and returns the raw body.
func apiRaw(t *testing.T, c *testenv.Client, method, path string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.BaseURL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// signedPost posts an activity signed by a remote peer, returning status and body.
func signedPost(t *testing.T, r *testenv.Remote, inbox string, activity map[string]any) (int, string) {
	t.Helper()
	resp, body := r.Deliver(inbox, activity)
	return resp.StatusCode, body
}

func TestAGroupRequiresAContentWarningOnItsTopics(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: speakA})
	v.Admin("admin", "group", "create", "after_loss", "--title", "After loss")
	mod := v.User("maria")
	v.Admin("admin", "group", "moderator", "add", "after_loss", "maria")
	alice := v.User("alice")
	group := testenv.Lookup(t, alice, "after_loss")
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	mia := testenv.NewRemote(t, "mia")
	testenv.JoinGroup(t, v, mia, "after_loss")
	_ = mod
	modWeb := v.SignIn("maria").Following()
	setSpeaking(t, modWeb, "after_loss", "loss: miscarriage, stillbirth, loss\nfertility: IVF, fertility, trying to conceive", false)

	// Members see the topics before they write: on the group page and its
	// form, and on the home form, which names the group asking.
	aliceWeb := v.SignIn("alice").Following()
	if _, page := aliceWeb.Get("/groups/after_loss"); !strings.Contains(page, "miscarriage, stillbirth, loss") ||
		!strings.Contains(page, "trying to conceive") {
		t.Errorf("the group page does not list its topics")
	}
	if _, page := aliceWeb.Get("/home"); !strings.Contains(page, "After loss asks for a content warning on posts about:") ||
		!strings.Contains(page, "miscarriage, stillbirth, loss") {
		t.Errorf("the home form does not list the group's topics")
	}

	groupPosts := func() []testenv.Status { return timeline(t, alice, "/api/v1/accounts/"+group.ID+"/statuses") }

	// API: refused with the reason, nothing stored; the same text with a warning goes.
	code, body := apiRaw(t, alice, "POST", "/api/v1/statuses", url.Values{"status": {"@after_loss We are Trying To Conceive again, scared."}})
	if code != 422 || !strings.Contains(body, "fertility") || !strings.Contains(body, "content warning") {
		t.Errorf("API post about a topic without a warning: %d %s, want 422 naming the topic", code, body)
	}
	// Whole words only: "glossy" is not about loss.
	testenv.PostStatus(t, alice, url.Values{"status": {"@after_loss the glossy leaflet from the clinic is out of date"}})
	cw := testenv.PostStatus(t, alice, url.Values{"status": {"@after_loss We are trying to conceive again, scared."}, "spoiler_text": {"fertility"}})
	if cw.SpoilerText != "fertility" {
		t.Errorf("the post with a warning: %+v", cw)
	}
	if list := groupPosts(); len(list) != 2 {
		t.Errorf("the group holds %d posts, want 2 (the refused one is not stored)", len(list))
	}

	// Web: the form comes back with the text kept and the topic named.
	code, page := aliceWeb.Submit("/posts", url.Values{"text": {"Our stillbirth story, a year on."}, "group": {"@after_loss@" + v.Addr}})
	if code != 422 || !strings.Contains(page, "“loss”") || !strings.Contains(page, "Our stillbirth story, a year on.") {
		t.Errorf("web post without a warning: %d, want 422 naming the topic and keeping the text", code)
	}
	if code, _ := aliceWeb.Submit("/posts", url.Values{"text": {"Our stillbirth story, a year on."}, "summary": {"loss"},
		"group": {"@after_loss@" + v.Addr}}); code != 200 {
		t.Errorf("web post with a warning: %d", code)
	}
	if list := groupPosts(); len(list) != 3 {
		t.Errorf("the group holds %d posts, want 3", len(list))
	}

	// A remote member: 403 with the reason, not stored, not shared.
	groupURL := v.BaseURL + "/groups/after_loss"
	note := func(n string, html, summary string) map[string]any {
		obj := map[string]any{"id": mia.ActorID + "/statuses/" + n, "type": "Note", "attributedTo": mia.ActorID,
			"content": html, "to": []any{"https://www.w3.org/ns/activitystreams#Public", groupURL},
			"published": time.Now().UTC().Format(time.RFC3339)}
		if summary != "" {
			obj["summary"], obj["sensitive"] = summary, true
		}
		return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": mia.ActorID + "/statuses/" + n + "/activity",
			"type": "Create", "actor": mia.ActorID, "to": obj["to"], "object": obj}
	}
	announcesBefore := len(testenv.ReceivedOfType(mia, "Announce"))
	code, body = signedPost(t, mia, v.BaseURL+"/inbox", note("1", "<p>After the <b>miscarriage</b> I could not sleep</p>", ""))
	if code != 403 || !strings.Contains(body, "content warning") || !strings.Contains(body, "loss") {
		t.Errorf("remote post without a warning: %d %s, want 403 with the reason", code, body)
	}
	if code, body := signedPost(t, mia, v.BaseURL+"/inbox", note("2", "<p>After the miscarriage I could not sleep</p>", "loss")); code != 202 {
		t.Errorf("remote post with a warning: %d %s", code, body)
	}
	// Matching reads the text, not the markup: a word only in a link's address or title is no topic.
	if code, body := signedPost(t, mia, v.BaseURL+"/inbox", note("3", `<p>see you <a href="https://x.example/stillbirth" title="loss">at the park</a></p>`, "")); code != 202 {
		t.Errorf("remote post with the word only in markup: %d %s, want accepted", code, body)
	}
	testenv.Eventually(t, 30*time.Second, "the warned post shared", func() bool { return len(testenv.ReceivedOfType(mia, "Announce")) > announcesBefore })
	time.Sleep(500 * time.Millisecond)
	for _, a := range testenv.ReceivedOfType(mia, "Announce") {
		if strings.Contains(mustJSON(t, a), mia.ActorID+"/statuses/1") {
			t.Errorf("the group shared the refused post: %v", a)
		}
	}
	if list := groupPosts(); len(list) != 5 {
		t.Errorf("the group holds %d posts, want 5 (the refused remote post is not stored)", len(list))
	}

	// An edit may not take the warning away, from here or from there.
	if code, body := apiRaw(t, alice, "PUT", "/api/v1/statuses/"+cw.ID, url.Values{"status": {"We are trying to conceive again"}}); code != 422 ||
		!strings.Contains(body, "fertility") {
		t.Errorf("API edit dropping the warning: %d %s, want 422", code, body)
	}
	update := note("2", "<p>After the miscarriage I could not sleep</p>", "")
	update["type"], update["id"] = "Update", mia.ActorID+"/statuses/2/edit"
	if code, body := signedPost(t, mia, v.BaseURL+"/inbox", update); code != 403 || !strings.Contains(body, "content warning") {
		t.Errorf("remote edit dropping the warning: %d %s, want 403", code, body)
	}
	if s, _ := find(groupPosts(), "could not sleep"); s == nil || s.SpoilerText != "loss" {
		t.Errorf("the remote post after the refused edit: %+v, want its warning kept", s)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAnAnonymousPostNeverRevealsItsAuthor: a member of a group on A posts
// anonymously; the group publishes it as its own. Nothing a non-moderator
// can fetch, here, on B, or as a remote member, names her.
func TestAnAnonymousPostNeverRevealsItsAuthor(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: speakA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: speakB})
	a.Admin("admin", "group", "create", "moms", "--title", "Moms")
	a.Admin("admin", "group", "create", "closed", "--title", "Closed")
	a.Admin("admin", "group", "create", "nicu", "--title", "NICU parents", "--private")
	a.User("maria")
	for _, g := range []string{"moms", "closed", "nicu"} {
		a.Admin("admin", "group", "moderator", "add", g, "maria")
	}
	writer := a.User("zelda_q")
	other := a.User("otto")
	bob := b.User("bob")
	modWeb := a.SignIn("maria").Following()
	setSpeaking(t, modWeb, "moms", "", true)
	setSpeaking(t, modWeb, "nicu", "", true)
	writerWeb := a.SignIn("zelda_q").Following()
	const displayName = "Zelda Quixotica"
	if code, _ := writerWeb.Submit("/settings/profile", url.Values{"display_name": {displayName}, "bio": {""}}); code != 200 {
		t.Fatalf("display name: %d", code)
	}
	writerURI := a.BaseURL + "/users/zelda_q"
	secrets := []string{"zelda_q", writerURI, displayName, "Quixotica"}
	leaks := func(where, body string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s reveals the author (%q):\n%s", where, s, body)
			}
		}
	}

	moms := testenv.Lookup(t, writer, "moms")
	var rel testenv.Relationship
	writer.Post("/api/v1/accounts/"+moms.ID+"/follow", nil, &rel)
	other.Post("/api/v1/accounts/"+moms.ID+"/follow", nil, &rel)
	writer.Post("/api/v1/accounts/"+testenv.Lookup(t, writer, "closed").ID+"/follow", nil, &rel)
	momsOnB := testenv.Resolve(t, bob, "@moms@"+a.Addr)
	bob.Post("/api/v1/accounts/"+momsOnB.ID+"/follow", nil, &rel)
	testenv.Eventually(t, 30*time.Second, "bob in moms", func() bool { return testenv.RelationshipOf(t, bob, momsOnB.ID).Following })
	// zelda's own follower elsewhere must get nothing of it.
	fan := testenv.NewRemote(t, "fan")
	if code := fan.Post(a.BaseURL+"/inbox", testenv.Activity(t, map[string]any{"id": fan.ActorID + "/follows/1", "type": "Follow",
		"actor": fan.ActorID, "object": writerURI}), time.Now()); code != 202 {
		t.Fatalf("fan follows zelda: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the fan's Accept", func() bool { return len(testenv.ReceivedOfType(fan, "Accept")) > 0 })
	mia := testenv.NewRemote(t, "mia")
	mia.Software = "mastodon"
	testenv.JoinGroup(t, a, mia, "moms")

	// A group that does not allow it refuses, on the API and the web.
	if code, body := apiRaw(t, writer, "POST", "/api/v1/statuses", url.Values{"status": {"@closed hello"}, "anonymous": {"true"}}); code != 422 ||
		!strings.Contains(body, "anonymous") {
		t.Errorf("anonymous post into a group that does not allow it: %d %s", code, body)
	}
	if code, _ := writerWeb.Submit("/posts", url.Values{"text": {"hello"}, "group": {"@closed@" + a.Addr}, "anonymous": {"1"}}); code != 422 {
		t.Errorf("web anonymous post into a group that does not allow it: %d, want 422", code)
	}

	// The compose form offers it where the group allows it; the home form,
	// which posts into any of her groups, says which groups take it.
	if _, page := writerWeb.Get("/groups/moms"); !strings.Contains(page, `name="anonymous"`) {
		t.Errorf("the group's form offers no anonymous box")
	}
	if _, page := writerWeb.Get("/home"); !strings.Contains(page, `name="anonymous"`) || !strings.Contains(page, "Only into a group that allows it: Moms.") {
		t.Errorf("the home form does not offer the anonymous box naming the groups that take it")
	}
	nell := a.User("nell") // in the closed group only
	nell.Post("/api/v1/accounts/"+testenv.Lookup(t, nell, "closed").ID+"/follow", nil, &rel)
	if _, page := a.SignIn("nell").Get("/home"); !strings.Contains(page, `name="group"`) || strings.Contains(page, `name="anonymous"`) {
		t.Errorf("the home form of a member of no group taking anonymous posts offers the anonymous box (or no group choice)")
	}
	if code, _ := writerWeb.Submit("/posts", url.Values{"text": {"posted from home without my name"}, "group": {"@moms@" + a.Addr},
		"anonymous": {"1"}, "next": {"/home"}}); code != 200 {
		t.Errorf("anonymous post from the home form: %d", code)
	}
	if s, _ := find(timeline(t, other, "/api/v1/accounts/"+moms.ID+"/statuses"), "posted from home without my name"); s == nil || s.Account.ID != moms.ID {
		t.Errorf("the anonymous post from the home form is not the group's: %+v", s)
	}

	// The anonymous post, through the API, mentioning otto.
	const text = "I feel I am failing at breastfeeding and cannot say it under my name"
	var anon testenv.Status
	otto := "@otto"
	anon = testenv.PostStatus(t, writer, url.Values{"status": {"@moms " + text + " " + otto}, "anonymous": {"true"}})
	if anon.Account.Acct != "moms" || !strings.HasPrefix(anon.URI, a.BaseURL+"/groups/moms/statuses/") {
		t.Fatalf("the anonymous post: account %q uri %q, want the group's", anon.Account.Acct, anon.URI)
	}
	if !strings.Contains(anon.Content, "From a member") {
		t.Errorf("no visible marker in %q", anon.Content)
	}
	leaks("the API answer to the writer", mustJSON(t, anon))
	// And a reply through the web, anonymously, in the same thread.
	if code, _ := writerWeb.Submit("/posts", url.Values{"text": {"thank you all, truly"}, "in_reply_to": {anon.ID}, "anonymous": {"1"}}); code != 200 {
		t.Fatalf("anonymous web reply: %d", code)
	}

	// The Mastodon-like member and bob's instance get the group's Create; the fan nothing.
	testenv.Eventually(t, 30*time.Second, "the group's Creates at mia", func() bool { return len(testenv.ReceivedOfType(mia, "Create")) >= 2 })
	for _, c := range testenv.ReceivedOfType(mia, "Create") {
		if c["actor"] != a.BaseURL+"/groups/moms" || testenv.InnerOf(c)["attributedTo"] != a.BaseURL+"/groups/moms" {
			t.Errorf("Create at mia: actor %v attributedTo %v, want the group", c["actor"], testenv.InnerOf(c)["attributedTo"])
		}
	}
	testenv.Eventually(t, 30*time.Second, "the post on B", func() bool {
		s, _ := find(timeline(t, bob, "/api/v1/timelines/home"), "breastfeeding")
		return s != nil
	})
	time.Sleep(time.Second) // anything else in flight lands
	for _, c := range fan.Received() {
		if c["type"] != "Accept" {
			t.Errorf("zelda's follower got %v of an anonymous post", c["type"])
		}
	}
	for _, c := range mia.Received() {
		leaks("a delivery to a remote member", mustJSON(t, c))
	}

	// Likes and replies reach the writer, from the people who made them.
	var liked testenv.Status
	other.Post("/api/v1/statuses/"+anon.ID+"/favourite", nil, &liked)
	testenv.PostStatus(t, other, url.Values{"status": {"sending you love"}, "in_reply_to_id": {anon.ID}})
	var ns []notification
	testenv.Eventually(t, 30*time.Second, "the writer's notifications", func() bool {
		writer.Get("/api/v1/notifications", &ns)
		return hasNotification(ns, "favourite", "otto") && hasNotification(ns, "mention", "otto")
	})
	// otto, mentioned in it, is told by the group.
	var ottoNs []notification
	other.Get("/api/v1/notifications", &ottoNs)
	if !hasNotification(ottoNs, "mention", "moms") {
		t.Errorf("otto's notifications: %+v, want a mention from the group", ottoNs)
	}
	code, body := apiRaw(t, other, "GET", "/api/v1/notifications", nil)
	leaks("otto's notifications", body)
	_ = code

	// Everything a non-moderator can fetch.
	groupPath := "/groups/moms"
	fetches := []struct{ where, url, accept string }{
		{"the Note", anon.URI, "application/activity+json"},
		{"the post's page", anon.URI, "text/html"},
		{"the group's outbox", a.BaseURL + groupPath + "/outbox?page=true", "application/activity+json"},
		{"the group's page", a.BaseURL + groupPath, "text/html"},
		{"the group's RSS", a.BaseURL + groupPath + "/feed.rss", ""},
		{"the group's Atom", a.BaseURL + groupPath + "/feed.atom", ""},
		{"the writer's outbox", writerURI + "/outbox?page=true", "application/activity+json"},
		{"the writer's RSS", writerURI + "/feed.rss", ""},
	}
	for _, f := range fetches {
		code, body := rawGet(t, f.url, f.accept)
		if code != 200 {
			t.Errorf("%s: %d", f.where, code)
		}
		if f.where != "the writer's outbox" && f.where != "the writer's RSS" {
			if !strings.Contains(body, "breastfeeding") && !strings.Contains(body, "/statuses/") {
				t.Errorf("%s does not show the post", f.where)
			}
			leaks(f.where+" (unsigned)", body)
		} else if strings.Contains(body, "breastfeeding") || strings.Contains(body, anon.URI) {
			t.Errorf("%s lists the anonymous post", f.where)
		}
	}
	// The writer's profile, page and statuses do not list it.
	if _, page := rawGet(t, writerURI, "text/html"); strings.Contains(page, "breastfeeding") {
		t.Errorf("the writer's profile lists the anonymous post")
	}
	if list := timeline(t, other, "/api/v1/accounts/"+testenv.Lookup(t, other, "zelda_q").ID+"/statuses"); len(list) != 0 {
		t.Errorf("the writer's statuses list %d posts, want none", len(list))
	}
	// Another member, on the API and the web.
	for _, p := range []string{"/api/v1/statuses/" + anon.ID, "/api/v1/statuses/" + anon.ID + "/context",
		"/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/accounts/" + moms.ID + "/statuses"} {
		code, body := apiRaw(t, other, "GET", p, nil)
		if code != 200 {
			t.Errorf("otto GET %s: %d", p, code)
		}
		leaks("otto's "+p, body)
	}
	ottoWeb := a.SignIn("otto").Following()
	for _, p := range []string{"/posts/" + anon.ID, "/home", "/groups/moms", "/notifications"} {
		code, page := ottoWeb.Get(p)
		if code != 200 {
			t.Errorf("otto's %s: %d", p, code)
		}
		leaks("otto's page "+p, page)
		if p == "/posts/"+anon.ID && strings.Contains(page, "/posts/"+anon.ID+"/delete") {
			t.Errorf("otto is offered to delete the anonymous post")
		}
	}
	// bob, on the other instance.
	s, _ := find(timeline(t, bob, "/api/v1/timelines/home"), "breastfeeding")
	if s.Account.Acct != "moms@"+a.Addr {
		t.Errorf("on B the post is by %q, want the group", s.Account.Acct)
	}
	for _, p := range []string{"/api/v1/timelines/home", "/api/v1/statuses/" + s.ID, "/api/v1/statuses/" + s.ID + "/context"} {
		_, body := apiRaw(t, bob, "GET", p, nil)
		leaks("bob's "+p+" on B", body)
	}
	bobWeb := b.SignIn("bob").Following()
	_, page := bobWeb.Get("/posts/" + s.ID)
	leaks("bob's thread page on B", page)

	// The moderator sees who wrote it; the writer sees it is hers and may delete it.
	_, page = modWeb.Get("/posts/" + anon.ID)
	if !strings.Contains(page, "Written by @zelda_q@"+a.Addr) {
		t.Errorf("the moderator's thread page does not say who wrote it")
	}
	if _, page := modWeb.Get("/groups/moms/settings/speaking"); !strings.Contains(page, "Written by @zelda_q@"+a.Addr) {
		t.Errorf("the moderators' page does not list who wrote the anonymous posts")
	}
	code, page = ottoWeb.Get("/groups/moms/settings/speaking")
	if code != 403 {
		t.Errorf("otto on the moderators' page: %d, want 403", code)
	}
	leaks("the moderators' page refused to otto", page)
	_, page = writerWeb.Get("/posts/" + anon.ID)
	if !strings.Contains(page, "/posts/"+anon.ID+"/delete") || strings.Contains(page, "/posts/"+anon.ID+"/edit") {
		t.Errorf("the writer's thread page: want a delete link and no edit link")
	}
	if code := other.Do("DELETE", "/api/v1/statuses/"+anon.ID, nil, nil); code != 403 {
		t.Errorf("otto deleting it: %d, want 403", code)
	}
	if code := writer.Do("DELETE", "/api/v1/statuses/"+anon.ID, nil, nil); code != 200 {
		t.Errorf("the writer deleting it: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "the group's Delete at mia", func() bool {
		for _, d := range testenv.ReceivedOfType(mia, "Delete") {
			if d["actor"] == a.BaseURL+"/groups/moms" && (d["object"] == anon.URI || testenv.InnerOf(d)["id"] == anon.URI) {
				leaks("the Delete", mustJSON(t, d))
				return true
			}
		}
		return false
	})
	if code, _ := rawGet(t, anon.URI, "application/activity+json"); code != 410 {
		t.Errorf("the deleted post: %d, want 410", code)
	}

	// A members-only group: to its followers only, never Public.
	var req []testenv.Account
	nicu := testenv.Lookup(t, writer, "nicu")
	writer.Post("/api/v1/accounts/"+nicu.ID+"/follow", nil, &rel)
	mod := a.ClientFor("maria")
	nina := testenv.NewRemote(t, "nina")
	nina.Software = "mastodon"
	if code := nina.Post(a.BaseURL+"/inbox", testenv.Activity(t, map[string]any{"id": nina.ActorID + "/follows/nicu", "type": "Follow",
		"actor": nina.ActorID, "object": a.BaseURL + "/groups/nicu"}), time.Now()); code != 202 {
		t.Fatalf("nina asks to join: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "two join requests", func() bool {
		mod.Get("/api/v1/follow_requests", &req)
		return len(req) == 2
	})
	for _, r := range req {
		mod.Post("/api/v1/follow_requests/"+r.ID+"/authorize", nil, &rel)
	}
	testenv.Eventually(t, 30*time.Second, "nina's Accept", func() bool { return len(testenv.ReceivedOfType(nina, "Accept")) > 0 })
	closed := testenv.PostStatus(t, writer, url.Values{"status": {"@nicu our twins came home today"}, "anonymous": {"true"}})
	testenv.Eventually(t, 30*time.Second, "the members-only Create at nina", func() bool { return len(testenv.ReceivedOfType(nina, "Create")) == 1 })
	c := testenv.ReceivedOfType(nina, "Create")[0]
	if got := mustJSON(t, c["to"]) + mustJSON(t, c["cc"]) + mustJSON(t, testenv.InnerOf(c)["to"]) + mustJSON(t, testenv.InnerOf(c)["cc"]); strings.Contains(got, "#Public") ||
		!strings.Contains(got, a.BaseURL+"/groups/nicu/followers") {
		t.Errorf("members-only anonymous post addressed %s, want the group's followers only", got)
	}
	leaks("a members-only delivery", mustJSON(t, c))
	if code, _ := rawGet(t, closed.URI, "application/activity+json"); code != 404 {
		t.Errorf("unsigned fetch of a members-only anonymous post: %d, want 404", code)
	}
}

func TestFiltersAPIv2AndWhatFiltersDo(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: speakA})
	alice, bob := v.User("alice"), v.User("bob")
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+testenv.Lookup(t, alice, "bob").ID+"/follow", nil, &rel)
	testenv.PostStatus(t, bob, url.Values{"status": {"Sleep training night three went well"}})
	testenv.PostStatus(t, bob, url.Values{"status": {"Anyone selling a Spoiler-free cot?"}})
	testenv.PostStatus(t, bob, url.Values{"status": {"The IVF clinic moved to Park Road"}})

	// Create with Rails-style keywords, read it back in Mastodon's shape.
	code, body := apiRaw(t, alice, "POST", "/api/v2/filters", url.Values{
		"title": {"Sleep"}, "context[]": {"home", "thread"}, "filter_action": {"warn"},
		"keywords_attributes[][keyword]": {"sleep training", "cot"}, "keywords_attributes[][whole_word]": {"true", "false"}})
	if code != 200 {
		t.Fatalf("create filter: %d %s", code, body)
	}
	var f struct {
		ID           string   `json:"id"`
		Title        string   `json:"title"`
		Context      []string `json:"context"`
		ExpiresAt    *string  `json:"expires_at"`
		FilterAction string   `json:"filter_action"`
		Keywords     []struct {
			ID        string `json:"id"`
			Keyword   string `json:"keyword"`
			WholeWord bool   `json:"whole_word"`
		} `json:"keywords"`
		Statuses []any `json:"statuses"`
	}
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		t.Fatal(err)
	}
	if f.Title != "Sleep" || strings.Join(f.Context, ",") != "home,thread" || f.FilterAction != "warn" || f.ExpiresAt != nil ||
		len(f.Keywords) != 2 || f.Keywords[0].Keyword != "sleep training" || !f.Keywords[0].WholeWord || f.Keywords[1].WholeWord || f.Statuses == nil {
		t.Errorf("the filter: %s", body)
	}
	for _, key := range []string{`"id"`, `"title"`, `"context"`, `"expires_at"`, `"filter_action"`, `"keywords"`, `"statuses"`} {
		if !strings.Contains(body, key) {
			t.Errorf("the Filter entity lacks %s: %s", key, body)
		}
	}

	// Warn: statuses carry filtered: [FilterResult] in the home timeline.
	var home []struct {
		Content  string `json:"content"`
		Filtered []struct {
			Filter struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"filter"`
			KeywordMatches []string `json:"keyword_matches"`
		} `json:"filtered"`
	}
	alice.Get("/api/v1/timelines/home", &home)
	warned := map[string][]string{}
	for _, s := range home {
		if len(s.Filtered) > 0 {
			if s.Filtered[0].Filter.ID != f.ID || s.Filtered[0].Filter.Title != "Sleep" {
				t.Errorf("FilterResult: %+v", s.Filtered)
			}
			warned[s.Content] = s.Filtered[0].KeywordMatches
		}
	}
	if len(warned) != 2 {
		t.Errorf("warned statuses: %v, want the sleep training one and the cot one (a part of a word when whole_word is off)", warned)
	}
	// Not in a context the filter does not name.
	var public []testenv.Status
	_, raw := apiRaw(t, alice, "GET", "/api/v1/timelines/public", nil)
	_ = json.Unmarshal([]byte(raw), &public)
	if strings.Contains(raw, `"keyword_matches"`) || len(public) != 3 {
		t.Errorf("the public timeline is filtered though the filter names home and thread only")
	}

	// Hide: a second filter, its keyword added through the keywords API.
	code, body = apiRaw(t, alice, "POST", "/api/v2/filters", url.Values{"title": {"Fertility"}, "context[]": {"home"}, "filter_action": {"hide"}})
	var hide struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal([]byte(body), &hide)
	if code != 200 {
		t.Fatalf("create hide filter: %d %s", code, body)
	}
	var kw struct {
		ID        string `json:"id"`
		Keyword   string `json:"keyword"`
		WholeWord bool   `json:"whole_word"`
	}
	alice.Post("/api/v2/filters/"+hide.ID+"/keywords", url.Values{"keyword": {"ivf"}, "whole_word": {"true"}}, &kw)
	if kw.Keyword != "ivf" || !kw.WholeWord || kw.ID == "" {
		t.Errorf("the keyword: %+v", kw)
	}
	alice.Get("/api/v1/timelines/home", &home)
	for _, s := range home {
		if strings.Contains(s.Content, "IVF") {
			t.Errorf("a hidden status is in the home timeline: %s", s.Content)
		}
	}
	if len(home) != 2 {
		t.Errorf("home has %d statuses, want 2", len(home))
	}
	// The web home feed: folded under the warn filter's title, the hidden one gone.
	web := v.SignIn("alice").Following()
	_, page := web.Get("/home")
	if strings.Contains(page, "IVF clinic") {
		t.Errorf("the web home shows a post a hide filter matches")
	}
	if !strings.Contains(page, "Filtered: Sleep") || !strings.Contains(page, "Sleep training night three") {
		t.Errorf("the web home does not fold the warned post under its filter")
	}

	// Keyword updates and deletes; the other account cannot see or touch them.
	var kws []map[string]any
	alice.Get("/api/v2/filters/"+hide.ID+"/keywords", &kws)
	if len(kws) != 1 {
		t.Errorf("keywords: %v", kws)
	}
	if code := alice.Do("PUT", "/api/v2/filter_keywords/"+kw.ID, url.Values{"keyword": {"clinic"}}, &kw); code != 200 || kw.Keyword != "clinic" {
		t.Errorf("PUT keyword: %d %+v", code, kw)
	}
	if code := bob.Do("GET", "/api/v2/filters/"+hide.ID, nil, nil); code != 404 {
		t.Errorf("another account reading the filter: %d, want 404", code)
	}
	if code := bob.Do("DELETE", "/api/v2/filter_keywords/"+kw.ID, nil, nil); code != 404 {
		t.Errorf("another account deleting a keyword: %d, want 404", code)
	}
	var others []any
	bob.Get("/api/v2/filters", &others)
	if len(others) != 0 {
		t.Errorf("bob sees %d filters", len(others))
	}
	if code := alice.Do("DELETE", "/api/v2/filter_keywords/"+kw.ID, nil, nil); code != 200 {
		t.Errorf("DELETE keyword: %d", code)
	}
	// PUT the filter: new title, a context, expiry; JSON bodies work too.
	req, _ := http.NewRequest("PUT", v.BaseURL+"/api/v2/filters/"+f.ID, bytes.NewReader([]byte(
		`{"title":"Sleep talk","context":["home","notifications"],"expires_in":3600,"keywords_attributes":[{"id":"`+f.Keywords[1].ID+`","_destroy":true}]}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+alice.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(b, &f); err != nil || resp.StatusCode != 200 || f.Title != "Sleep talk" || len(f.Context) != 2 ||
		f.ExpiresAt == nil || len(f.Keywords) != 1 {
		t.Errorf("PUT filter: %d %s", resp.StatusCode, b)
	}
	// Notifications now: the API marks the status, the web page folds its text.
	testenv.PostStatus(t, bob, url.Values{"status": {"@alice any sleep training tips for twins?"}})
	_, raw = apiRaw(t, alice, "GET", "/api/v1/notifications", nil)
	if !strings.Contains(raw, `"keyword_matches":["sleep training"]`) {
		t.Errorf("the mention's status is not marked filtered: %s", raw)
	}
	if _, page := web.Get("/notifications"); !strings.Contains(page, "Filtered: Sleep talk") || strings.Contains(page, "tips for twins") {
		t.Errorf("the notifications page does not fold the filtered post")
	}

	// Bad input: 422 with a reason, nothing stored.
	code, body = apiRaw(t, alice, "POST", "/api/v2/filters", url.Values{"title": {"x"}, "context[]": {"elsewhere"}})
	if code != 422 || !strings.Contains(body, "context") {
		t.Errorf("a filter with a bad context: %d %s", code, body)
	}
	var all []any
	alice.Get("/api/v2/filters", &all)
	if len(all) != 2 {
		t.Errorf("alice has %d filters, want 2", len(all))
	}
	if code := alice.Do("DELETE", "/api/v2/filters/"+hide.ID, nil, nil); code != 200 {
		t.Errorf("DELETE filter: %d", code)
	}
	alice.Get("/api/v1/timelines/home", &home)
	if len(home) != 4 {
		t.Errorf("after deleting the hide filter home has %d statuses, want 4 (with the mention)", len(home))
	}

	// The web page makes and lists filters.
	if code, page := web.Submit("/settings/filters", url.Values{"title": {"Cots"}, "keywords": {"cot, crib"}, "context": {"home"},
		"action": {"hide"}, "whole_word": {"1"}}); code != 200 || !strings.Contains(page, "Cots") || !strings.Contains(page, "cot, crib") {
		t.Errorf("the filters page: %d", code)
	}
	if _, page := web.Get("/home"); strings.Contains(page, "cot?") {
		t.Errorf("the web home shows a post the new hide filter matches")
	}
}
