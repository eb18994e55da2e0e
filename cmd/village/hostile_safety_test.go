package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/internal/testenv"
)

// Hostile peers against the safety features: moderation activities of odd
// shapes, from moderators and from others, must be refused with a 4xx or
// ignored, never answered with a 5xx, never half-applied, and never make
// the server fetch what they name.

const (
	addrHostile      = "127.0.0.70:0"
	addrHostileLinks = "127.0.0.71:0"
)

// moderationState sums up what moderation activities write on v.
func moderationState(t *testing.T, v *testenv.Village) string {
	t.Helper()
	var out string
	testenv.QueryOne(t, v, &out, `SELECT concat_ws(' ',
		'log', (SELECT count(*) FROM moderation_log),
		'bans', (SELECT count(*) FROM group_bans),
		'reports', (SELECT count(*) FROM reports),
		'deleted', (SELECT count(*) FROM posts WHERE deleted_at IS NOT NULL),
		'locked', (SELECT count(*) FROM posts WHERE locked_at IS NOT NULL),
		'mods', (SELECT count(*) FROM group_moderators),
		'pins', (SELECT count(*) FROM pins),
		'follows', (SELECT count(*) FROM follows))`)
	return out
}

func TestHostileModerationActivitiesAreRefusedOrIgnoredWithoutFetches(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrHostile})
	v.Admin("admin", "group", "create", "park", "--title", "Park")
	v.User("mona")
	v.Admin("admin", "group", "moderator", "add", "park", "mona", "--owner")
	v.User("sam")
	group := v.BaseURL + "/groups/park"
	groupInbox := group + "/inbox"

	remo := testenv.NewRemote(t, "remo") // a remote moderator of park
	rex := testenv.NewRemote(t, "rex")   // a remote member, no moderator
	bait := testenv.NewRemote(t, "bait") // named in activities: must never be fetched
	testenv.JoinGroup(t, v, remo, "park")
	testenv.JoinGroup(t, v, rex, "park")
	mona := v.SignIn("mona")
	if code, body := mona.Submit("/groups/park/moderators", url.Values{"handle": {remo.ActorID}}); code != 303 {
		t.Fatalf("remo named moderator: %d %.300s", code, body)
	}
	postURI := rex.ActorID + "/statuses/1"
	if resp, body := rex.Deliver(groupInbox, map[string]any{"id": postURI + "/activity", "type": "Create", "actor": rex.ActorID,
		"to": []any{group, "https://www.w3.org/ns/activitystreams#Public"}, "object": map[string]any{"id": postURI, "type": "Note",
			"attributedTo": rex.ActorID, "to": []any{group, "https://www.w3.org/ns/activitystreams#Public"}, "audience": group,
			"content": "<p>hello park</p>", "published": time.Now().UTC().Format(time.RFC3339)}}); resp.StatusCode >= 300 {
		t.Fatalf("rex's post: %d %s", resp.StatusCode, body)
	}

	// A signed-in stranger cannot make the server look someone up through
	// the ban and moderator forms (nor ban or name anyone).
	sam := v.SignIn("sam")
	before := moderationState(t, v)
	for _, path := range []string{"/groups/park/bans", "/groups/park/moderators"} {
		if code, _ := sam.Submit(path, url.Values{"handle": {bait.ActorID}}); code != 403 {
			t.Errorf("a stranger at %s: %d, want 403", path, code)
		}
	}

	n := 0
	id := func(r *testenv.Remote) string { n++; return fmt.Sprintf("%s/hostile/%d", r.ActorID, n) }
	manyObjects := []any{}
	for i := 0; i < 5000; i++ {
		manyObjects = append(manyObjects, fmt.Sprintf("%s/objects/%d", bait.Server.URL, i))
	}
	huge := bait.Server.URL + "/" + strings.Repeat("x", 200_000)
	type hostile struct {
		name     string
		from     *testenv.Remote
		activity func() map[string]any
		refused  bool // a 4xx; otherwise a 4xx or ignored (2xx) is fine
	}
	cases := []hostile{
		// Not a moderator: every moderation activity is refused.
		{"a member's ban", rex, func() map[string]any {
			return map[string]any{"id": id(rex), "type": "Block", "actor": rex.ActorID, "object": remo.ActorID, "target": group}
		}, true},
		{"a member's lock", rex, func() map[string]any {
			return map[string]any{"id": id(rex), "type": "Lock", "actor": rex.ActorID, "object": postURI}
		}, false},
		{"a member's pin", rex, func() map[string]any {
			return map[string]any{"id": id(rex), "type": "Add", "actor": rex.ActorID, "object": postURI, "target": group + "/featured"}
		}, true},
		{"a member removing a moderator", rex, func() map[string]any {
			return map[string]any{"id": id(rex), "type": "Remove", "actor": rex.ActorID, "object": remo.ActorID, "target": group + "/moderators"}
		}, true},
		{"a moderator removing a moderator", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Remove", "actor": remo.ActorID, "object": v.BaseURL + "/users/mona", "target": group + "/moderators"}
		}, true},
		// A moderator's activities of odd shapes.
		{"a ban of an array", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Block", "actor": remo.ActorID, "object": []any{rex.ActorID, bait.ActorID}, "target": group}
		}, true},
		{"a ban of a huge id", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Block", "actor": remo.ActorID, "object": huge, "target": group}
		}, true},
		{"a ban of someone unknown", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Block", "actor": remo.ActorID, "object": bait.ActorID, "target": group}
		}, true},
		{"a ban that ended in 1970", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Block", "actor": remo.ActorID, "object": rex.ActorID, "target": group, "endTime": "1970-01-01T00:00:00Z"}
		}, true},
		{"a ban until a word", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Block", "actor": remo.ActorID, "object": rex.ActorID, "target": group, "endTime": "forever"}
		}, true},
		{"a ban of an array of groups", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Block", "actor": remo.ActorID, "object": rex.ActorID, "target": []any{group, group}}
		}, true},
		{"a lock of an array", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Lock", "actor": remo.ActorID, "object": []any{postURI, postURI}}
		}, true},
		{"a lock of an unknown post", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Lock", "actor": remo.ActorID, "object": bait.Server.URL + "/notes/1"}
		}, false},
		{"a delete of a huge id", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Delete", "actor": remo.ActorID, "object": huge}
		}, false},
		{"a removal of an array", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Delete", "actor": remo.ActorID, "object": []any{postURI, bait.Server.URL + "/notes/3"}}
		}, true},
		{"a self-deletion in an array", rex, func() map[string]any {
			return map[string]any{"id": id(rex), "type": "Delete", "actor": rex.ActorID, "object": []any{rex.ActorID, postURI}}
		}, true},
		{"a pin of something not here", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Add", "actor": remo.ActorID, "object": bait.Server.URL + "/notes/2", "target": group + "/featured"}
		}, true},
		{"an add to another server's collection", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Add", "actor": remo.ActorID, "object": postURI, "target": bait.Server.URL + "/featured"}
		}, false},
		{"an add to the group itself", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Add", "actor": remo.ActorID, "object": postURI, "target": group}
		}, false},
		{"an undo of an undo of a ban", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Undo", "actor": remo.ActorID, "object": map[string]any{"id": id(remo), "type": "Undo",
				"actor": remo.ActorID, "object": map[string]any{"id": id(remo), "type": "Block", "actor": remo.ActorID, "object": rex.ActorID, "target": group}}}
		}, false},
		{"an undo of two things", rex, func() map[string]any {
			return map[string]any{"id": id(rex), "type": "Undo", "actor": rex.ActorID, "object": []any{
				map[string]any{"id": rex.ActorID + "/follows/park", "type": "Follow", "actor": rex.ActorID, "object": group},
				map[string]any{"id": id(rex), "type": "Like", "actor": rex.ActorID, "object": postURI}}}
		}, true},
		{"a member's announce of a ban", rex, func() map[string]any {
			return map[string]any{"id": id(rex), "type": "Announce", "actor": rex.ActorID, "object": map[string]any{"id": id(rex), "type": "Block",
				"actor": remo.ActorID, "object": remo.ActorID, "target": group}}
		}, false},
		{"an announce of an announce of a ban", remo, func() map[string]any {
			return map[string]any{"id": id(remo), "type": "Announce", "actor": remo.ActorID, "object": map[string]any{"id": id(remo), "type": "Announce",
				"actor": remo.ActorID, "object": map[string]any{"id": id(remo), "type": "Block", "actor": remo.ActorID, "object": rex.ActorID, "target": group}}}
		}, false},
		{"a flag of nothing here, of 5,000 objects", rex, func() map[string]any {
			return map[string]any{"id": id(rex), "type": "Flag", "actor": rex.ActorID, "object": manyObjects, "content": "x"}
		}, true},
		{"a flag of an object", rex, func() map[string]any {
			return map[string]any{"id": id(rex), "type": "Flag", "actor": rex.ActorID, "object": map[string]any{"a": []any{1, 2}}}
		}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := c.from.Deliver(groupInbox, c.activity())
			if resp.StatusCode >= 500 || (c.refused && resp.StatusCode < 400) {
				t.Errorf("status %d (refusal wanted: %v): %.300s", resp.StatusCode, c.refused, body)
			}
		})
	}
	if after := moderationState(t, v); after != before {
		t.Errorf("refused or ignored activities changed the database:\n before %s\n after  %s", before, after)
	}

	// A real report among 5,000 objects counts once, with its comment as
	// plain text; an over-long reason of a real ban is cut.
	flag := append([]any{postURI}, manyObjects...)
	if resp, body := remo.Deliver(groupInbox, map[string]any{"id": id(remo), "type": "Flag", "actor": remo.ActorID, "object": flag,
		"content": `<script>alert(1)</script>"><img src=x onerror=alert(2)>rude`}); resp.StatusCode >= 300 {
		t.Errorf("a real Flag among 5,000 objects: %d %s", resp.StatusCode, body)
	}
	var comment string
	testenv.QueryOne(t, v, &comment, `SELECT coalesce(string_agg(comment, '|'), '') FROM reports`)
	if strings.Contains(comment, "<script") || strings.Contains(comment, "<img") || !strings.Contains(comment, "rude") {
		t.Errorf("the report's comment: %q", comment)
	}
	if n := testenv.QueryCount(t, v, `SELECT count(*) FROM reports`); n != 1 {
		t.Errorf("%d reports, want 1", n)
	}
	if resp, body := remo.Deliver(groupInbox, map[string]any{"id": id(remo), "type": "Block", "actor": remo.ActorID, "object": rex.ActorID,
		"target": group, "summary": strings.Repeat("spam ", 100_000)}); resp.StatusCode >= 300 {
		t.Errorf("a real ban with a long summary: %d %s", resp.StatusCode, body)
	}
	if n := testenv.QueryCount(t, v, `SELECT coalesce(max(char_length(reason)), -1) FROM group_bans`); n < 1 || n > 5000 {
		t.Errorf("the ban's reason is %d characters long, want it cut to at most 5000", n)
	}
	if n := testenv.QueryCount(t, v, `SELECT coalesce(max(char_length(reason)), -1) FROM moderation_log`); n > 5000 {
		t.Errorf("the log's reason is %d characters long, want at most 5000", n)
	}
	if hits := bait.Hits(); hits != 0 {
		t.Errorf("activities naming the bait made %d requests to it, want none", hits)
	}
}

// TestHostileRelayNoteEscapesTheAuthorsName: a members-only group's relay
// note credits the author by name and link; a remote author whose name
// and handle are HTML must come out as text, and a javascript: address
// never as a link.
func TestHostileRelayNoteEscapesTheAuthorsName(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrHostileLinks})
	v.Admin("admin", "group", "create", "nicu", "--title", "NICU", "--private")
	v.User("mona")
	v.Admin("admin", "group", "moderator", "add", "nicu", "mona", "--owner")
	mia := testenv.NewRemote(t, "mia")
	mia.Software = "mastodon"
	evil := testenv.NewRemote(t, "evil")
	doc := evil.ActorDocument()
	doc["name"] = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`
	doc["url"] = "javascript:alert(4)"
	evil.Serve("/users/evil", doc)
	group := v.BaseURL + "/groups/nicu"
	mona := v.SignIn("mona")
	for _, r := range []*testenv.Remote{mia, evil} {
		body := testenv.Activity(t, map[string]any{"id": r.ActorID + "/follows/nicu", "type": "Follow", "actor": r.ActorID, "object": group})
		if code := r.Post(v.BaseURL+"/inbox", body, time.Now()); code != 202 {
			t.Fatalf("%s asks to join: %d", r.Username, code)
		}
	}
	testenv.Eventually(t, 30*time.Second, "two join requests", func() bool {
		return testenv.QueryCount(t, v, `SELECT count(*) FROM follows WHERE state = 'pending'`) == 2
	})
	var ids []int64
	testenv.DBQuery(t, v, func(ctx context.Context, conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, `SELECT id FROM follows WHERE state = 'pending' ORDER BY id`)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	for _, fid := range ids {
		if code, body := mona.Submit(fmt.Sprintf("/groups/nicu/requests/%d/approve", fid), url.Values{}); code != 303 {
			t.Fatalf("approve: %d %.300s", code, body)
		}
	}
	testenv.Eventually(t, 30*time.Second, "mia's Accept", func() bool { return len(testenv.ReceivedOfType(mia, "Accept")) > 0 })
	postURI := evil.ActorID + "/statuses/1"
	if resp, body := evil.Deliver(group+"/inbox", map[string]any{"id": postURI + "/activity", "type": "Create", "actor": evil.ActorID,
		"to": []any{group}, "object": map[string]any{"id": postURI, "type": "Note", "attributedTo": evil.ActorID, "to": []any{group},
			"audience": group, "content": "<p>hello nicu</p>", "published": time.Now().UTC().Format(time.RFC3339)}}); resp.StatusCode >= 300 {
		t.Fatalf("evil's post: %d %s", resp.StatusCode, body)
	}
	var relay map[string]any
	testenv.Eventually(t, 30*time.Second, "the relay note at mia", func() bool {
		for _, a := range testenv.ReceivedOfType(mia, "Create") {
			if a["actor"] == group {
				relay = testenv.InnerOf(a)
				return true
			}
		}
		return false
	})
	content, _ := relay["content"].(string)
	if !strings.Contains(content, "hello nicu") {
		t.Fatalf("the relay note: %q", content)
	}
	for _, bad := range []string{"<script", "<img", "javascript:", `"><`} {
		if strings.Contains(content, bad) {
			t.Errorf("the relay note carries %q: %s", bad, content)
		}
	}
}
