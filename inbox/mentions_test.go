package inbox_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/village-social/village/inbox"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// TestAPostNamingManyOthersIsSharedByNoGroup: a post that names more than
// inbox.MaxOthersNamedInShare actors besides its author and the group
// (in Mention tags or in to and cc), whether they exist or not and
// whatever they are, is taken into no group and queued for no one; it is
// kept only for whom it concerns otherwise (a follower of its author).
// Up to the limit it is shared, and a reply may name again whom its
// thread named. An edit that makes a group's post name too many is
// refused.
func TestAPostNamingManyOthersIsSharedByNoGroup(t *testing.T) {
	t.Parallel()
	if inbox.MaxOthersNamedInShare != 5 {
		t.Fatalf("the cases are written for a limit of 5, not %d", inbox.MaxOthersNamedInShare)
	}
	e, moms, maria, lou := newGroupEnv(t)
	alice := e.Alice(t)
	e.Follow(t, alice, maria) // maria's posts concern alice, whatever the group does
	nowhere := e.NewServer(t, testenv.SmallShape)
	lemmy, mastodon := e.Lemmy(t).SharedInbox(), e.Mastodon(t).SharedInbox()
	// ghosts are actors that exist nowhere: their server answers 404.
	ghosts := func(n int, kind string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s/%s/ghost%d", nowhere.URL, kind, i)
		}
		return out
	}
	mentioning := func(n map[string]any, refs ...string) map[string]any {
		tags, _ := n["tag"].([]any)
		cc, _ := n["cc"].([]any)
		for _, r := range refs {
			tags = append(tags, map[string]any{"type": "Mention", "href": r})
			cc = append(cc, r)
		}
		n["tag"], n["cc"] = tags, cc
		return n
	}
	addressing := func(n map[string]any, refs ...string) map[string]any {
		cc, _ := n["cc"].([]any)
		for _, r := range refs {
			cc = append(cc, r)
		}
		n["cc"] = cc
		return n
	}
	shared := map[string][]string{mastodon: {"Announce{id}"}, lemmy: {"Announce{Create}"}}
	sharedReply := map[string][]string{lemmy: {"Announce{Create}"}}

	tests := []struct {
		name    string
		author  *models.Actor
		note    func(t *testing.T) map[string]any
		want    map[string][]string // deliveries queued
		inGroup bool
		stored  bool
	}{
		{
			name: "a post mentioning five actors that do not exist besides the group is shared", author: lou,
			note:    func(*testing.T) map[string]any { return mentioning(e.note(lou, "Hi all", moms), ghosts(5, "users")...) },
			want:    shared,
			inGroup: true, stored: true,
		},
		{
			name:   "a post mentioning six actors that do not exist besides the group is not shared",
			author: lou,
			note: func(*testing.T) map[string]any {
				return mentioning(e.note(lou, "Buy now", moms), ghosts(6, "users")...)
			},
		},
		{
			name: "a post mentioning six groups of other servers that do not exist is not shared", author: lou,
			note: func(*testing.T) map[string]any { return mentioning(e.note(lou, "Buy now", moms), ghosts(6, "c")...) },
		},
		{
			name: "a post addressed, without Mentions, to six actors that do not exist is not shared", author: lou,
			note: func(*testing.T) map[string]any { return addressing(e.note(lou, "Buy now", moms), ghosts(6, "u")...) },
		},
		{
			name: "a post naming three unknown actors and three known people is not shared", author: lou,
			note: func(t *testing.T) map[string]any {
				known := []string{maria.URI, e.Mastodon(t).Person(t, "bea").URI, nowhere.Person(t, "cy").URI}
				return mentioning(e.note(lou, "Buy now", moms), append(ghosts(3, "users"), known...)...)
			},
		},
		{
			name: "a post naming many, by someone a person here follows, is kept for her but in no group", author: maria,
			note: func(*testing.T) map[string]any {
				return mentioning(e.note(maria, "Hello friends", moms), ghosts(20, "users")...)
			},
			stored: true,
		},
		{
			name: "a reply naming again the six its thread named (the parent's author and whom it mentions) is shared", author: lou,
			note: func(t *testing.T) map[string]any {
				parent := mentioning(e.note(maria, "Who is in?", moms), ghosts(5, "users")...)
				e.accept(t, maria, create(maria, parent))
				return mentioning(e.reply(lou, "Me!", parent["id"].(string)), append(ghosts(5, "users"), maria.URI)...)
			},
			want: sharedReply, inGroup: true, stored: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.note(t)
			mark := e.QueueMark(t)
			e.accept(t, tt.author, create(tt.author, n))
			e.WantQueued(t, mark, tt.want)
			post := e.post(t, n["id"].(string))
			switch {
			case !tt.stored && post != nil:
				t.Errorf("stored %s (group %v)", post.URI, post.GroupID)
			case tt.stored && post == nil:
				t.Fatal("not stored")
			case tt.stored && tt.inGroup != (post.GroupID != nil):
				t.Errorf("in a group: %v, want %v", post.GroupID != nil, tt.inGroup)
			}
		})
	}
	for _, p := range nowhere.Fetched() {
		t.Errorf("a named actor was fetched: %s", p)
	}

	t.Run("an edit that makes a group's post name too many is refused", func(t *testing.T) {
		n, post := e.posted(t, lou, moms)
		edit := e.activity(lou, "Update", mentioning(n, ghosts(6, "users")...))
		e.wantRefused(t, lou, edit, http.StatusUnprocessableEntity, func(t *testing.T) string { return e.post(t, post.URI).Content })
	})
}
