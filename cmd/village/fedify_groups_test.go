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
	"github.com/village-social/village/outbox"
)

// The Fedify peers and the Village of the group tests, on addresses no
// other test uses (their ports are picked at start).
const (
	addrFedifyMember   = "127.0.0.5:0"
	addrFedifyStranger = "127.0.0.6:0"
	addrFedifyGroups   = "127.0.0.56:0" // the Village
)

// A Fedify server, code that is not ours, takes part in a Village group as
// a Mastodon user would: it joins, posts into the group by mentioning it,
// gets the group's shares, answers a local member, likes, edits and deletes;
// a Fedify user who has not joined is refused. Each step is checked on both
// sides: in Village's API and in what Fedify's inbox accepted after
// verifying it.
func TestFedifyPeerPostsIntoAVillageGroup(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrFedifyGroups})
	v.Admin("admin", "group", "create", "park_slope", "--title", "Park Slope Parents", "--location", "Park Slope, Brooklyn")
	alice := v.User("alice")
	f := testenv.StartFedify(t, addrFedifyMember, "fedi")
	groupHandle := "@park_slope@" + v.Addr
	groupURL := v.BaseURL + "/groups/park_slope"
	aliceURL := v.BaseURL + "/users/alice"
	fediAcct := strings.TrimPrefix(f.Handle(), "@")
	group := testenv.Lookup(t, alice, "park_slope")
	var rel testenv.Relationship
	alice.Post("/api/v1/accounts/"+group.ID+"/follow", nil, &rel)
	groupPosts := func() []testenv.Status { return timeline(t, alice, "/api/v1/accounts/"+group.ID+"/statuses") }

	// waitShare waits for the group's Announce (verified by Fedify) whose
	// object is an activity matching match, and returns that activity.
	waitShare := func(what string, match func(inner map[string]any) bool) map[string]any {
		t.Helper()
		var found map[string]any
		testenv.Eventually(t, 15*time.Second, what+" at the Fedify peer", func() bool {
			for _, a := range f.ReceivedOfType("Announce") {
				if a["actor"] == groupURL && match(testenv.InnerOf(a)) {
					found = testenv.InnerOf(a)
					return true
				}
			}
			return false
		})
		return found
	}

	// 1. Fedify joins the group: Village accepts, Fedify verifies the Accept.
	followID := f.Follow(groupHandle)
	testenv.Eventually(t, 15*time.Second, "the group's Accept at the Fedify peer", func() bool {
		for _, a := range f.ReceivedOfType("Accept") {
			if a["actor"] == groupURL && testenv.ObjectID(a["object"]) == followID {
				return true
			}
		}
		return false
	})
	testenv.Eventually(t, 15*time.Second, "alice and Fedify among the group's members", func() bool {
		var accts []string
		for _, a := range followers(t, alice, group.ID) {
			accts = append(accts, a.Acct)
		}
		return testenv.RelationshipOf(t, alice, group.ID).Following && len(accts) == 2 &&
			strings.Contains(strings.Join(accts, " "), fediAcct)
	})

	// What Fedify's NodeInfo says decides the form of the group's shares.
	software := instanceSoftware(t, v, f.Addr)
	if software != "fedify-peer" {
		t.Errorf("Village recorded the Fedify peer's software as %q, want %q (its NodeInfo)", software, "fedify-peer")
	}
	if outbox.IsMastodonFamily(software) {
		t.Fatalf("software %q counts as Mastodon-family: this test expects FEP-1b12 shares (Announce{activity})", software)
	}

	// 2. Fedify posts into the group as Mastodon does: a public Note to
	// Public and the group, with a Mention of it.
	noteID := f.Note(testenv.FedifyNote{To: []string{groupHandle}, Content: "anyone know a pediatrician near Prospect Park?"})
	var question *testenv.Status
	testenv.Eventually(t, 15*time.Second, "Fedify's post in the group", func() bool {
		question, _ = find(groupPosts(), "pediatrician")
		return question != nil
	})
	if question.URI != noteID || question.Account.Acct != fediAcct {
		t.Errorf("the group's post is %s by %s, want %s by %s", question.URI, question.Account.Acct, noteID, fediAcct)
	}
	if question.Group == nil || question.Group.ID != group.ID {
		t.Errorf("the post's group is %+v, want park_slope", question.Group)
	}
	if s, by := find(timeline(t, alice, "/api/v1/timelines/home"), "pediatrician"); s == nil || by != "park_slope" {
		t.Errorf("alice's home timeline: found %v, shared by %q; want the group's share", s != nil, by)
	}
	// Fedify gets its own activity back, unchanged, announced by the group.
	create := waitShare("the group's Announce{Create} of Fedify's Note", func(in map[string]any) bool {
		return in["type"] == "Create" && testenv.ObjectID(in["object"]) == noteID
	})
	if create["id"] != noteID+"/activity" || create["actor"] != f.ActorURL() {
		t.Errorf("the group's share carries %v by %v, want Fedify's Create %s/activity", create["id"], create["actor"], noteID)
	}
	for _, a := range f.ReceivedOfType("Announce") {
		if a["object"] == noteID {
			t.Errorf("the group boosted the Note by id to a non-Mastodon server: %v", a)
		}
	}

	// 3. Alice answers in the thread: Fedify gets her reply as the parent's
	// author and as the group's share.
	reply := testenv.PostStatus(t, alice, url.Values{"status": {"Dr. Rivera on 7th Ave is lovely"}, "in_reply_to_id": {question.ID}})
	if reply.InReplyToID == nil || *reply.InReplyToID != question.ID || reply.Group == nil || reply.Group.ID != group.ID {
		t.Errorf("alice's reply: in_reply_to_id %v, group %+v; want %s in park_slope", reply.InReplyToID, reply.Group, question.ID)
	}
	var direct map[string]any
	testenv.Eventually(t, 15*time.Second, "alice's reply at the Fedify peer", func() bool {
		for _, a := range f.ReceivedOfType("Create") {
			if a["actor"] == aliceURL && testenv.ObjectID(a["object"]) == reply.URI {
				direct = a
				return true
			}
		}
		return false
	})
	if n := testenv.InnerOf(direct); n["inReplyTo"] != noteID || n["audience"] != groupURL {
		t.Errorf("alice's reply: inReplyTo %v, audience %v; want %s, %s", n["inReplyTo"], n["audience"], noteID, groupURL)
	} else if cc := fmt.Sprint(n["cc"]); !strings.Contains(cc, groupURL) || !strings.Contains(cc, f.ActorURL()) {
		t.Errorf("alice's reply is cc %v, want the group and the parent's author", n["cc"])
	} else if tags := fmt.Sprint(n["tag"]); !strings.Contains(tags, groupURL) || !strings.Contains(tags, f.ActorURL()) {
		t.Errorf("alice's reply tags %v, want Mentions of the group and the parent's author", n["tag"])
	}
	shared := waitShare("the group's Announce of alice's reply", func(in map[string]any) bool {
		return in["type"] == "Create" && testenv.ObjectID(in["object"]) == reply.URI
	})
	if shared["id"] != direct["id"] {
		t.Errorf("the group shared %v, want alice's activity %v unchanged", shared["id"], direct["id"])
	}

	// 4. Fedify answers alice, mentioning her and the group: Village threads it.
	answerID := f.Note(testenv.FedifyNote{To: []string{"@alice@" + v.Addr, groupHandle},
		Content: "thanks! does she take walk-ins?", InReplyTo: reply.URI})
	testenv.Eventually(t, 15*time.Second, "Fedify's answer in the thread", func() bool {
		var ctx struct {
			Descendants []testenv.Status `json:"descendants"`
		}
		alice.Get("/api/v1/statuses/"+question.ID+"/context", &ctx)
		r, _ := find(ctx.Descendants, "Dr. Rivera")
		a, _ := find(ctx.Descendants, "walk-ins")
		return r != nil && a != nil && a.URI == answerID && a.InReplyToID != nil && *a.InReplyToID == reply.ID &&
			a.Account.Acct == fediAcct
	})
	var replyCtx struct {
		Ancestors []testenv.Status `json:"ancestors"`
	}
	alice.Get("/api/v1/statuses/"+reply.ID+"/context", &replyCtx)
	if q, _ := find(replyCtx.Ancestors, "pediatrician"); q == nil {
		t.Errorf("Fedify's question is not an ancestor of alice's reply")
	}
	if s, _ := find(groupPosts(), "walk-ins"); s == nil {
		t.Errorf("Fedify's answer is not in the group")
	}
	waitShare("the group's Announce of Fedify's answer", func(in map[string]any) bool {
		return in["type"] == "Create" && testenv.ObjectID(in["object"]) == answerID
	})

	// 5. Fedify likes alice's reply: Village counts it, the group shares it.
	likeID := f.Like(reply.URI)
	testenv.Eventually(t, 15*time.Second, "Fedify's like of alice's reply", func() bool {
		var s testenv.Status
		alice.Get("/api/v1/statuses/"+reply.ID, &s)
		return s.FavouritesCount == 1
	})
	waitShare("the group's Announce{Like}", func(in map[string]any) bool {
		return in["type"] == "Like" && in["id"] == likeID
	})

	// 6. Fedify edits its question: Village shows the new text, the group shares the Update.
	updateID := f.Update(noteID, "anyone know a Spanish-speaking pediatrician near Prospect Park?")
	testenv.Eventually(t, 15*time.Second, "Fedify's edit in Village", func() bool {
		var s testenv.Status
		alice.Get("/api/v1/statuses/"+question.ID, &s)
		return strings.Contains(s.Content, "Spanish-speaking")
	})
	if s, _ := find(groupPosts(), "Spanish-speaking"); s == nil || s.ID != question.ID {
		t.Errorf("the group does not list the edited post")
	}
	waitShare("the group's Announce{Update}", func(in map[string]any) bool {
		return in["type"] == "Update" && in["id"] == updateID
	})

	// 7. Fedify deletes its question: gone from Village, the group shares the Delete.
	deleteID := f.Delete(noteID)
	testenv.Eventually(t, 15*time.Second, "Fedify's delete in Village", func() bool {
		return alice.Do(http.MethodGet, "/api/v1/statuses/"+question.ID, nil, nil) == http.StatusNotFound
	})
	if s, _ := find(groupPosts(), "pediatrician"); s != nil {
		t.Errorf("the group still lists the deleted post: %+v", s)
	}
	if s, _ := find(timeline(t, alice, "/api/v1/timelines/home"), "pediatrician"); s != nil {
		t.Errorf("alice's home timeline still shows the deleted post")
	}
	del := waitShare("the group's Announce{Delete}", func(in map[string]any) bool {
		return in["type"] == "Delete" && in["id"] == deleteID
	})
	if testenv.ObjectID(del["object"]) != noteID {
		t.Errorf("the shared Delete is of %v, want %s", del["object"], noteID)
	}
	for _, a := range f.ReceivedOfType("Undo") {
		if a["actor"] == groupURL {
			t.Errorf("the group undid a boost at a non-Mastodon server: %v", a)
		}
	}

	// 8. A Fedify user who has not joined posts into the group: refused.
	stranger := testenv.StartFedify(t, addrFedifyStranger, "stranger")
	if _, err := stranger.TryNote(testenv.FedifyNote{To: []string{groupHandle}, Content: "buy cheap watches"}); err == nil {
		t.Errorf("Village accepted a non-member's post into the group")
	} else if !strings.Contains(err.Error(), "403") {
		t.Errorf("the non-member's post failed with %v, want Village's 403", err)
	}
	// The log comes through a pipe from the server's process: it may lag the answer.
	testenv.Eventually(t, 10*time.Second, "the refusal of the non-member's post in Village's log", func() bool {
		return strings.Contains(v.Log(), stranger.ActorURL()+" is not a member of "+groupURL)
	})
	time.Sleep(time.Second) // anything wrongly queued would go out now
	if s, _ := find(groupPosts(), "cheap watches"); s != nil {
		t.Errorf("the non-member's post is in the group")
	}
	if s, _ := find(timeline(t, alice, "/api/v1/timelines/home"), "cheap watches"); s != nil {
		t.Errorf("the non-member's post was shared to alice")
	}
	for _, a := range f.Received() {
		if strings.Contains(fmt.Sprint(a), stranger.BaseURL) {
			t.Errorf("the group passed the non-member's post on: %v", a)
		}
	}

	if r := f.Refused(); len(r) != 0 {
		t.Errorf("Fedify refused Village's activities: %v", r)
	}
}

// instanceSoftware is the NodeInfo software name Village stored for host.
func instanceSoftware(t *testing.T, v *testenv.Village, host string) string {
	t.Helper()
	ctx := context.Background()
	conn := v.DB()
	var software string
	if err := conn.QueryRow(ctx, `SELECT software FROM instances WHERE host = $1`, host).Scan(&software); err != nil {
		t.Fatalf("the software of %s: %v", host, err)
	}
	return software
}
