package inbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// hostileMarkup is markup our sanitizer removes, one kind per entry, each
// with the mark it leaves if it gets through.
var hostileMarkup = []struct {
	name, html, mark string
}{
	{"a script", `<p>Nap tips?<script>alert(1)</script></p>`, "<script"},
	{"an event handler on an image", `<p>Nap tips?<img src="x" onerror="alert(1)"></p>`, "onerror"},
	{"an event handler on a paragraph", `<p onclick="alert(1)">Nap tips?</p>`, "onclick"},
	{"a javascript: link", `<p>Nap <a href="javascript:alert(1)">tips</a>?</p>`, "javascript:"},
	{"an iframe", `<p>Nap tips?</p><iframe src="https://evil.example/"></iframe>`, "<iframe"},
	{"a style attribute", `<p style="position:fixed;inset:0">Nap tips?</p>`, "style="},
	{"a style element", `<style>body{display:none}</style><p>Nap tips?</p>`, "<style"},
	{"a form", `<form action="https://evil.example/"><input name="password"></form><p>Nap tips?</p>`, "<form"},
	{"a data: URL", `<p>Nap <a href="data:text/html;base64,PHNjcmlwdD4=">tips</a>?</p>`, "data:text"},
}

// marksIn lists the hostile marks found in any string of a JSON document.
func marksIn(doc any) []string {
	var found []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			lower := strings.ToLower(x)
			for _, h := range hostileMarkup {
				if strings.Contains(lower, h.mark) {
					found = append(found, h.mark)
				}
			}
		case map[string]any:
			for k, e := range x {
				walk(k)
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	return found
}

// ldSigned adds a Linked Data signature as Mastodon puts on its public
// activities (its value is not checked here: Mastodon's receivers check it).
func ldSigned(activity map[string]any, by *models.Actor) map[string]any {
	signed := maps.Clone(activity)
	signed["signature"] = map[string]any{"type": "RsaSignature2017", "creator": by.URI + "#main-key",
		"created": time.Now().UTC().Format(time.RFC3339), "signatureValue": "c2lnbmVkIGJ5IHRoZSBhdXRob3I="}
	return signed
}

// edited is author's Update of note with new content, as Mastodon sends it.
func (e *env) edited(author *models.Actor, note map[string]any, html string) map[string]any {
	changed := maps.Clone(note)
	changed["content"] = html
	changed["updated"] = time.Now().UTC().Format(time.RFC3339)
	update := e.activity(author, "Update", changed)
	update["to"], update["cc"] = note["to"], note["cc"]
	return update
}

// TestTheGroupPassesOnTheStoredPostNeverTheMarkupReceived: whatever a
// member's activity carries, the group's Announce of it (queued for every
// member's server, and listed in its outbox) holds the post as stored,
// sanitized; so do the Create, Update, Like and Undo it wraps. Every
// Announce, a boost included, carries its published time.
func TestTheGroupPassesOnTheStoredPostNeverTheMarkupReceived(t *testing.T) {
	t.Parallel()
	e, moms, maria, lou := newGroupEnv(t)
	ctx := context.Background()
	gina := e.NewServer(t, testenv.ServerShape{Software: "gotosocial", PeoplePath: "/users/"}).Person(t, "gina")
	e.Follow(t, gina, moms)
	for _, h := range hostileMarkup {
		t.Run(h.name, func(t *testing.T) {
			mark := e.QueueMark(t)
			note := e.note(maria, "", moms)
			note["content"] = h.html
			note["summary"] = "naps"
			e.accept(t, maria, create(maria, note))
			e.accept(t, maria, ldSigned(e.edited(maria, note, h.html+`<p>Edited.</p>`), maria))
			postURI := note["id"].(string)
			like := e.activity(lou, "EmojiReact", postURI)
			like["content"] = h.html
			e.accept(t, lou, like)
			e.accept(t, lou, e.activity(lou, "Undo", like))

			post := e.post(t, postURI)
			if got := marksIn(post.Content); len(got) > 0 {
				t.Fatalf("stored content keeps %v: %s", got, post.Content)
			}
			q := e.QueuedSince(t, mark)
			kinds := map[string]bool{}
			for _, d := range q {
				kinds[d.Kind()] = true
				if _, err := time.Parse(time.RFC3339, d.Doc.String("published")); d.Doc.Type() == "Announce" && err != nil {
					t.Errorf("the group's %s has no published time (Mastodon logs it malformed): %s", d.Kind(), d.Activity.Body)
				}
				var doc any
				if err := json.Unmarshal(d.Activity.Body, &doc); err != nil {
					t.Fatal(err)
				}
				if got := marksIn(doc); len(got) > 0 {
					t.Errorf("%s to %s carries %v: %s", d.Kind(), d.Inbox, got, d.Activity.Body)
				}
			}
			for _, want := range []string{"Announce{Create}", "Announce{Update}", "Announce{Like}", "Announce{Undo}", "Announce{id}", "Update{Note}"} {
				if !kinds[want] {
					t.Errorf("nothing queued of kind %s (got %v)", want, kinds)
				}
			}
			outbox, err := models.PublicActivities(ctx, e.DB, moms.ID, models.Page{Limit: 40})
			if err != nil {
				t.Fatal(err)
			}
			for _, act := range outbox {
				var doc any
				if err := json.Unmarshal(act.Body, &doc); err != nil {
					t.Fatal(err)
				}
				if got := marksIn(doc); len(got) > 0 {
					t.Errorf("the group's outbox lists %s carrying %v", act.URI, got)
				}
			}
		})
	}
}

// TestAMembersEditReachesEveryMemberAsItsServerCanApplyIt: a remote
// member's edit of a post in a local group reaches every member's server
// in a form that server applies: FEP-1b12 servers (Lemmy) the group's
// Announce{Update}; Mastodon-family servers (Mastodon, GoToSocial), which
// hold a public top-level post through the group's boost, the author's
// Update forwarded by the group (as signed when it may travel so), and, in
// a members-only group, the group's Update of the copy it wrote for them.
func TestAMembersEditReachesEveryMemberAsItsServerCanApplyIt(t *testing.T) {
	t.Parallel()
	e, moms, maria, lou := newGroupEnv(t)
	nicu := e.NICUParents(t)
	mastodon, lemmy := e.Mastodon(t), e.Lemmy(t)
	gina := e.NewServer(t, testenv.ServerShape{Software: "gotosocial", PeoplePath: "/users/"}).Person(t, "gina")
	for _, member := range []*models.Actor{maria, lou, gina} {
		e.Follow(t, member, nicu)
	}
	e.Follow(t, gina, moms)
	const harmless = `<p>Edited: nap at 2. <a href="https://example.com/naps" rel="nofollow noopener" target="_blank">More</a></p>`
	const hostile = `<p>Edited<script>alert(1)</script><img src="x" onerror="alert(2)"></p>`

	tests := []struct {
		name   string
		group  *models.Actor
		author *models.Actor
		reply  bool // the edited post is a comment
		edit   func(note map[string]any) map[string]any
		want   map[string][]string
		// asSigned: Mastodon-family servers get the Update byte for byte as received.
		asSigned bool
	}{
		{name: "a Mastodon author's signed edit goes to Mastodon-family servers as she signed it", group: moms, author: maria,
			edit:     func(n map[string]any) map[string]any { return ldSigned(e.edited(maria, n, harmless), maria) },
			want:     map[string][]string{lemmy.SharedInbox(): {"Announce{Update}"}, mastodon.SharedInbox(): {"Update{Note}"}, gina.InboxURL: {"Update{Note}"}},
			asSigned: true},
		{name: "an unsigned edit goes to them as Village stored it", group: moms, author: maria,
			edit: func(n map[string]any) map[string]any { return e.edited(maria, n, harmless) },
			want: map[string][]string{lemmy.SharedInbox(): {"Announce{Update}"}, mastodon.SharedInbox(): {"Update{Note}"}, gina.InboxURL: {"Update{Note}"}}},
		{name: "a signed edit with markup our sanitizer removes goes to them as Village stored it", group: moms, author: maria,
			edit: func(n map[string]any) map[string]any { return ldSigned(e.edited(maria, n, hostile), maria) },
			want: map[string][]string{lemmy.SharedInbox(): {"Announce{Update}"}, mastodon.SharedInbox(): {"Update{Note}"}, gina.InboxURL: {"Update{Note}"}}},
		{name: "a Lemmy author's edit of a comment reaches the FEP-1b12 servers, which got the comment", group: moms, author: lou, reply: true,
			edit: func(n map[string]any) map[string]any { return e.edited(lou, n, harmless) },
			want: map[string][]string{lemmy.SharedInbox(): {"Announce{Update}"}}},
		{name: "an edit in a members-only group updates the copy the group wrote for Mastodon-family servers", group: nicu, author: maria,
			edit: func(n map[string]any) map[string]any { return ldSigned(e.edited(maria, n, harmless), maria) },
			want: map[string][]string{lemmy.SharedInbox(): {"Announce{Update}"}, mastodon.SharedInbox(): {"Update{Note}"}, gina.InboxURL: {"Update{Note}"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			note, _ := e.posted(t, maria, tt.group)
			if tt.reply {
				note = e.reply(tt.author, "Same here.", note["id"].(string))
				e.accept(t, tt.author, create(tt.author, note))
			}
			update := tt.edit(note)
			received, err := json.Marshal(update)
			if err != nil {
				t.Fatal(err)
			}
			mark := e.QueueMark(t)
			if err := e.inbox.Process(context.Background(), tt.author, received); err != nil {
				t.Fatalf("the edit: %v", err)
			}
			post := e.post(t, note["id"].(string))
			if !strings.Contains(post.Content, "Edited") {
				t.Fatalf("the post was not edited: %s", post.Content)
			}
			q := e.WantQueued(t, mark, tt.want)
			for _, d := range q {
				var doc any
				if err := json.Unmarshal(d.Activity.Body, &doc); err != nil {
					t.Fatal(err)
				}
				if got := marksIn(doc); len(got) > 0 {
					t.Errorf("%s to %s carries %v", d.Kind(), d.Inbox, got)
				}
				switch d.Kind() {
				case "Announce{Update}":
					inner := d.Doc.Embedded("object")
					if inner.ID() != update["id"] || inner.Embedded("object").String("content") != post.Content {
						t.Errorf("the group announces %s", d.Activity.Body)
					}
				case "Update{Note}":
					note := d.Doc.Embedded("object")
					switch {
					case tt.group.ID == nicu.ID:
						// The group's own copy, by the group, with the new words.
						if d.Doc.Ref("actor") != e.URLs.Actor(nicu) || note.Ref("attributedTo") != e.URLs.Actor(nicu) ||
							!strings.Contains(note.String("content"), "Edited") {
							t.Errorf("%s gets %s, want the group's Update of its copy", d.Inbox, d.Activity.Body)
						}
					case tt.asSigned:
						if !bytes.Equal(d.Activity.Body, received) {
							t.Errorf("%s gets\n%s\nwant the Update as received\n%s", d.Inbox, d.Activity.Body, received)
						}
					default:
						if d.Doc.ID() != update["id"] || d.Doc.Ref("actor") != maria.URI || note.String("content") != post.Content {
							t.Errorf("%s gets %s, want maria's Update of the stored post", d.Inbox, d.Activity.Body)
						}
					}
					if d.Activity.ActorID != tt.group.ID {
						t.Errorf("the Update to %s is signed by actor %d, want the group", d.Inbox, d.Activity.ActorID)
					}
				}
			}
		})
	}
}

// TestTheGroupAnnouncesAModeratorsActivityOnlyAsItReadIt: a remote
// moderator's Block, Lock and Delete of a member's post, whatever markup
// and fields they carry, are announced rebuilt from what moderation reads
// (the reason as plain text); Mastodon-family members never get an
// Announce of them, which they would read as a boost, but a removed
// post's boost undone.
func TestTheGroupAnnouncesAModeratorsActivityOnlyAsItReadIt(t *testing.T) {
	t.Parallel()
	s := newModScene(t)
	mastodon, lemmy := s.Mastodon(t), s.Lemmy(t)
	const reason = `<p onclick="alert(1)">Shaming<script>alert(2)</script><iframe src="https://evil.example/"></iframe></p>`
	hostile := func(a map[string]any) map[string]any {
		a["summary"] = reason
		a["content"] = `<form action="https://evil.example/"><style>body{}</style></form>`
		a["url"] = "javascript:alert(3)"
		return a
	}
	steps := []struct {
		name     string
		activity map[string]any
		want     map[string][]string
	}{
		{"a ban: the banned member's Mastodon server gets the Reject of her follow", hostile(s.block(s.mo, s.bea)),
			map[string][]string{lemmy.SharedInbox(): {"Announce{Block}"}, s.bea.InboxURL: {"Reject{Follow}"}}},
		{"a lock", hostile(s.lock(s.mo, s.post)),
			map[string][]string{lemmy.SharedInbox(): {"Announce{Lock}"}}},
		{"a removal of a member's post", hostile(s.remove(s.mo, s.removable)),
			map[string][]string{lemmy.SharedInbox(): {"Announce{Delete}"}, mastodon.SharedInbox(): {"Undo{Announce}"}}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			mark := s.QueueMark(t)
			s.accept(t, s.mo, st.activity)
			q := s.WantQueued(t, mark, st.want)
			for _, d := range q {
				var doc any
				if err := json.Unmarshal(d.Activity.Body, &doc); err != nil {
					t.Fatal(err)
				}
				if got := marksIn(doc); len(got) > 0 {
					t.Errorf("%s to %s carries %v: %s", d.Kind(), d.Inbox, got, d.Activity.Body)
				}
				if inner := d.Doc.Embedded("object"); inner != nil && d.Doc.Type() == "Announce" {
					if inner.ID() != st.activity["id"] || inner.Ref("actor") != s.mo.URI || inner.Ref("object") == "" ||
						!strings.Contains(inner.String("summary"), "Shaming") || inner["content"] != nil || inner["url"] != nil {
						t.Errorf("the group announces %s", d.Activity.Body)
					}
				}
			}
		})
	}
}
