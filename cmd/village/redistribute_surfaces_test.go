package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// hostilePayloads are markup our sanitizer removes, each carrying a token
// that shows if any of it gets through.
var hostilePayloads = []string{
	`<script>alert("x1")</script>`,
	`<img src="https://evil.example/x2.png" onerror="alert('x2')">`,
	`<span onclick="alert('x3')">tap</span>`,
	`<a href="javascript:alert('x4')">more</a>`,
	`<iframe src="https://evil.example/x5"></iframe>`,
	`<span style="position:fixed;inset:0;background:url(https://evil.example/x6)">over</span>`,
	`<style>body{background:url(https://evil.example/x7)}</style>`,
	`<form action="https://evil.example/x8"><input name="password"></form>`,
	`<a href="data:text/html;base64,PHNjcmlwdD54OTwvc2NyaXB0Pg==">x9</a>`,
}

// hostileTokens are what would show of hostilePayloads; none may appear in
// anything Village serves or sends. The first seven belong to the payloads
// alone; the tags after them count in JSON only.
var hostileTokens = []string{"alert(", "evil.example", "javascript:", "onerror", "onclick", "inset:0", "PHNjcmlwdD54OT", "<iframe", "<script", "<form", "<style"}

// hostileIn lists the tokens found in a text, JSON strings decoded. In
// HTML and feeds, whose own markup has forms and scripts of Village's, it
// looks for the payloads' own tokens only.
func hostileIn(text string) []string {
	var doc any
	tokens := hostileTokens[:7]
	if json.Unmarshal([]byte(text), &doc) == nil {
		tokens = hostileTokens
		if b, err := json.Marshal(doc); err == nil {
			// Undo JSON's \u003c escapes so that "<script" shows as such.
			text = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(b))
		}
	}
	var found []string
	lower := strings.ToLower(text)
	for _, tok := range tokens {
		if strings.Contains(lower, strings.ToLower(tok)) {
			found = append(found, tok)
		}
	}
	return found
}

// fetchText GETs u with an Accept header and returns status and body.
func fetchText(t *testing.T, u, accept string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestHostileMarkupInAMembersPostShowsNowhereVillageServesIt: a remote
// member posts into a group, then edits the post, each time with every
// kind of markup our sanitizer removes. What the group sends its members
// (Lemmy, GoToSocial and Mastodon servers), its outbox and the Announce
// documents in it, the client API (the status, its context, timelines),
// the group's page, the thread page and the group's feeds all show the
// post, and none of that markup.
func TestHostileMarkupInAMembersPostShowsNowhereVillageServesIt(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.141:0"})
	v.Admin("admin", "group", "create", "park", "--title", "Park")
	alice := v.User("alice")
	var rel testenv.Relationship
	park := testenv.Lookup(t, alice, "park")
	alice.Post("/api/v1/accounts/"+park.ID+"/follow", nil, &rel)
	groupURL := v.BaseURL + "/groups/park"

	rex := testenv.NewRemote(t, "rex") // the author, on Mastodon
	rex.Software = "mastodon"
	leo := testenv.NewRemote(t, "leo")
	leo.Software = "lemmy"
	gus := testenv.NewRemote(t, "gus")
	gus.Software = "gotosocial"
	for _, r := range []*testenv.Remote{rex, leo, gus} {
		testenv.JoinGroup(t, v, r, "park")
	}

	noteID := rex.ActorID + "/statuses/1"
	note := func(words string) map[string]any {
		return map[string]any{"id": noteID, "type": "Note", "attributedTo": rex.ActorID,
			"content": "<p>" + words + " " + strings.Join(hostilePayloads, " ") + "</p>",
			"to":      []any{"https://www.w3.org/ns/activitystreams#Public", groupURL}, "cc": []any{rex.ActorID + "/followers"},
			"audience": groupURL, "published": time.Now().UTC().Format(time.RFC3339),
			"url": "javascript:alert('x10')", "summary": "Nap tips",
			"tag": []any{map[string]any{"type": "Mention", "href": groupURL, "name": "@park"},
				map[string]any{"type": "Hashtag", "href": "javascript:alert('x11')", "name": "#naps"}},
			"attachment": []any{map[string]any{"type": "Document", "mediaType": "image/png", "url": "javascript:alert('x12')"}}}
	}
	for _, step := range []map[string]any{
		{"id": noteID + "/activity", "type": "Create", "actor": rex.ActorID, "to": note("")["to"], "cc": note("")["cc"], "object": note("Nap tips?")},
		{"id": noteID + "#updates/1", "type": "Update", "actor": rex.ActorID, "to": note("")["to"], "cc": note("")["cc"], "object": note("Nap tips, edited?"),
			"signature": map[string]any{"type": "RsaSignature2017", "creator": rex.KeyID, "created": time.Now().UTC().Format(time.RFC3339), "signatureValue": "c2ln"}},
	} {
		step["@context"] = "https://www.w3.org/ns/activitystreams"
		if resp, body := rex.Deliver(groupURL+"/inbox", step); resp.StatusCode >= 300 {
			t.Fatalf("%s: %d %s", step["type"], resp.StatusCode, body)
		}
	}
	testenv.Eventually(t, 30*time.Second, "the group's shares and the edit", func() bool {
		return len(testenv.ReceivedOfType(leo, "Announce")) >= 2 && len(testenv.ReceivedOfType(gus, "Update")) >= 1 && len(testenv.ReceivedOfType(gus, "Announce")) >= 1
	})

	var surfaces []struct{ what, body string }
	add := func(what, body string) { surfaces = append(surfaces, struct{ what, body string }{what, body}) }
	for _, r := range []*testenv.Remote{rex, leo, gus} {
		for _, d := range r.Deliveries() {
			add("a delivery to "+r.Username, string(d.Body))
		}
	}
	// The group's outbox, and each activity in it at its own address.
	var outbox struct {
		OrderedItems []map[string]any `json:"orderedItems"`
	}
	if code := testenv.GetActivity(t, groupURL+"/outbox?page=true", &outbox); code != 200 || len(outbox.OrderedItems) == 0 {
		t.Fatalf("the group's outbox: %d, %d items", code, len(outbox.OrderedItems))
	}
	raw, err := json.Marshal(outbox)
	if err != nil {
		t.Fatal(err)
	}
	add("the group's outbox", string(raw))
	for _, item := range outbox.OrderedItems {
		id, _ := item["id"].(string)
		code, body := fetchText(t, id, "application/activity+json", nil)
		if code != 200 {
			t.Errorf("%s: %d", id, code)
		}
		add(id, body)
	}
	// The client API and the pages, with the post's local id.
	postID := postIDOn(t, v, noteID)
	token := http.Header{"Authorization": {"Bearer " + alice.Token}}
	for _, path := range []string{"/api/v1/statuses/" + postID, "/api/v1/statuses/" + postID + "/context",
		"/api/v1/statuses/" + postID + "/history", "/api/v1/timelines/home", "/api/v1/timelines/public",
		"/api/v1/accounts/" + park.ID + "/statuses"} {
		code, body := fetchText(t, v.BaseURL+path, "application/json", token)
		if code != 200 {
			t.Errorf("%s: %d", path, code)
		}
		add(path, body)
	}
	for _, path := range []string{"/groups/park/feed.rss", "/groups/park/feed.atom"} {
		code, body := fetchText(t, v.BaseURL+path, "*/*", nil)
		if code != 200 {
			t.Errorf("%s: %d", path, code)
		}
		add(path, body)
	}
	code, body := fetchText(t, groupURL, "text/html", nil)
	if code != 200 {
		t.Errorf("the group's page: %d", code)
	}
	add("the group's page", body)
	code, body = v.SignIn("alice").Get("/posts/" + postID)
	if code != 200 {
		t.Errorf("the thread page: %d", code)
	}
	add("the thread page", body)

	for _, s := range surfaces {
		if !strings.Contains(s.body, "Nap tips") && !strings.Contains(s.what, "delivery") && !strings.Contains(s.what, "/activities/") &&
			!strings.HasSuffix(s.what, "/context") {
			t.Errorf("%s does not show the post", s.what)
		}
		if found := hostileIn(s.body); len(found) > 0 {
			i := strings.Index(strings.ToLower(s.body), strings.ToLower(found[0]))
			t.Errorf("%s carries %v: …%s…", s.what, found, s.body[max(0, i-150):min(len(s.body), i+100)])
		}
	}
	if len(surfaces) < 15 {
		t.Errorf("only %d surfaces read", len(surfaces))
	}
}
