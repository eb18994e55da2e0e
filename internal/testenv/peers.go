package testenv

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// What the end-to-end tests send as a Remote peer, and read of what it got.

// ObjectID is the id of an activity's object, given inline or by id.
func ObjectID(o any) string {
	switch o := o.(type) {
	case string:
		return o
	case map[string]any:
		id, _ := o["id"].(string)
		return id
	}
	return ""
}

// InnerOf returns the object of an activity as a map ("" type when it is an IRI).
func InnerOf(a map[string]any) map[string]any {
	m, _ := a["object"].(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// ReceivedOfType lists what a peer got of one activity type.
func ReceivedOfType(r *Remote, typ string) []map[string]any {
	var out []map[string]any
	for _, a := range r.Received() {
		if a["type"] == typ {
			out = append(out, a)
		}
	}
	return out
}

// AnnouncedOfType lists the activities of type typ a group announced to a
// set of received activities.
func AnnouncedOfType(received []map[string]any, groupURL, typ string) []map[string]any {
	var out []map[string]any
	for _, a := range received {
		if a["type"] == "Announce" && a["actor"] == groupURL && InnerOf(a)["type"] == typ {
			out = append(out, InnerOf(a))
		}
	}
	return out
}

// PostToInbox posts an activity signed by r to v's shared inbox and returns the status.
func PostToInbox(t testing.TB, v *Village, r *Remote, activity map[string]any) int {
	t.Helper()
	return r.Post(v.BaseURL+"/inbox", Activity(t, activity), time.Now())
}

// JoinGroup has a remote peer follow a local group and waits for the Accept.
func JoinGroup(t testing.TB, v *Village, r *Remote, group string) {
	t.Helper()
	body := Activity(t, map[string]any{"id": r.ActorID + "/follows/" + group, "type": "Follow",
		"actor": r.ActorID, "object": v.BaseURL + "/groups/" + group})
	if code := r.Post(v.BaseURL+"/inbox", body, time.Now()); code != 202 {
		t.Fatalf("%s follows %s: %d", r.Username, group, code)
	}
	Eventually(t, 30*time.Second, r.Username+"'s Accept", func() bool { return len(ReceivedOfType(r, "Accept")) > 0 })
}

// GroupNote is a note a remote member writes into a group, served at its
// id by the member's server (the group's members fetch it from there).
func GroupNote(r *Remote, n int, groupURL, text string) map[string]any {
	id := fmt.Sprintf("%s/statuses/%d", r.ActorID, n)
	note := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Note", "attributedTo": r.ActorID,
		"content": "<p>" + text + "</p>", "to": []any{"https://www.w3.org/ns/activitystreams#Public", groupURL},
		"cc": []any{r.ActorID + "/followers"}, "audience": groupURL, "published": time.Now().UTC().Format(time.RFC3339)}
	r.Serve(strings.TrimPrefix(id, r.Server.URL), note)
	return note
}

// PostInto has a remote member post a note into a group; it returns the
// inbox's status.
func PostInto(t testing.TB, r *Remote, groupURL string, note map[string]any) int {
	t.Helper()
	resp, body := r.Deliver(groupURL+"/inbox", map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": note["id"].(string) + "/activity", "type": "Create", "actor": r.ActorID, "to": note["to"], "cc": note["cc"], "object": note})
	if resp.StatusCode >= 500 {
		t.Fatalf("post into %s: %d %s", groupURL, resp.StatusCode, body)
	}
	return resp.StatusCode
}

// MentioningCreate is author's Create{Note} number i, public, addressed to
// and mentioning the actor at target (a person or a group, named name), as
// Mastodon sends it: the activity the inbox benchmarks post.
func MentioningCreate(author, target, name string, i int) map[string]any {
	noteURI := fmt.Sprintf("%s/statuses/%d", author, i)
	published := time.Now().UTC().Format(time.RFC3339)
	to := []string{"https://www.w3.org/ns/activitystreams#Public"}
	cc := []string{author + "/followers", target}
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": noteURI + "/activity", "type": "Create", "actor": author, "published": published, "to": to, "cc": cc,
		"object": map[string]any{"id": noteURI, "type": "Note", "attributedTo": author, "published": published,
			"url": noteURI, "to": to, "cc": cc, "sensitive": false,
			"content": `<p><span class="h-card"><a href="` + target + `" class="u-url mention">@<span>` + name +
				`</span></a></span> anyone know a pediatrician near Prospect Park? Ours is retiring.</p>`,
			"tag": []any{map[string]any{"type": "Mention", "href": target, "name": "@" + name}}}}
}
