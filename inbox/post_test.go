package inbox_test

import (
	"context"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// TestCreateIntoAGroupIsSharedAsEachMembersServerReadsIt: a member's post
// is stored in the group, and the group passes it on (FEP-1b12): the
// member's Create, rebuilt from the stored post, inside an Announce for servers that read
// it (Lemmy and the rest), and a boost of the post by id for the Mastodon
// family, which knows no other share, as the stored NodeInfo says.
func TestCreateIntoAGroupIsSharedAsEachMembersServerReadsIt(t *testing.T) {
	t.Parallel()
	e, moms, maria, lou := newGroupEnv(t)
	nicu := e.NICUParents(t)
	mastodon, lemmy := e.Mastodon(t), e.Lemmy(t)
	sam := e.NewServer(t, testenv.SmallShape).Person(t, "sam") // no shared inbox
	for _, member := range []*models.Actor{maria, lou, sam} {
		e.Follow(t, member, nicu)
	}
	e.Follow(t, sam, moms)
	fep := []string{"Announce{Create}"}
	momsURI, nicuURI := e.URLs.Actor(moms), e.URLs.Actor(nicu)

	tests := []struct {
		name   string
		author *models.Actor
		group  *models.Actor
		post   func(t *testing.T) map[string]any // the object of the Create
		want   map[string][]string
		// address is how the group's Announce{Create} is addressed.
		address    testenv.Address
		visibility string // of the stored post
	}{
		{
			name: "a Mastodon member's note", author: maria, group: moms,
			post:       func(*testing.T) map[string]any { return e.note(maria, "Playdate Saturday?", moms) },
			want:       map[string][]string{lemmy.SharedInbox(): fep, sam.InboxURL: fep, mastodon.SharedInbox(): {"Announce{id}"}},
			address:    testenv.Addressed([]string{federation.Public}, []string{momsURI + "/followers"}, momsURI),
			visibility: models.VisibilityPublicPost,
		},
		{
			name: "a Lemmy member's page", author: lou, group: moms,
			post: func(*testing.T) map[string]any {
				id := e.RemoteID(lou, "post")
				return map[string]any{"id": id, "type": "Page", "attributedTo": lou.URI, "name": "Swim lessons",
					"content": "<p>Which pool?</p>", "to": []any{momsURI, federation.Public}, "audience": momsURI}
			},
			want:       map[string][]string{lemmy.SharedInbox(): fep, sam.InboxURL: fep, mastodon.SharedInbox(): {"Announce{id}"}},
			address:    testenv.Addressed([]string{federation.Public}, []string{momsURI + "/followers"}, momsURI),
			visibility: models.VisibilityPublicPost,
		},
		{
			name: "a reply in the group's thread, which Mastodon servers are not sent", author: lou, group: moms,
			post: func(t *testing.T) map[string]any {
				_, parent := e.posted(t, maria, moms)
				return e.reply(lou, "The one on 5th Street.", parent.URI)
			},
			want:       map[string][]string{lemmy.SharedInbox(): fep, sam.InboxURL: fep},
			address:    testenv.Addressed([]string{federation.Public}, []string{momsURI + "/followers"}, momsURI),
			visibility: models.VisibilityPublicPost,
		},
		{
			name: "a note into a members-only group, which Mastodon servers get as the group's own copy", author: maria, group: nicu,
			post:       func(*testing.T) map[string]any { return e.note(maria, "Discharge day!", nicu) },
			want:       map[string][]string{lemmy.SharedInbox(): fep, sam.InboxURL: fep, mastodon.SharedInbox(): {"Create{Note}"}},
			address:    testenv.Addressed([]string{nicuURI + "/followers"}, []string{nicuURI}, nicuURI),
			visibility: models.VisibilityPrivate,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			object := tt.post(t)
			activity := create(tt.author, object)
			mark := e.QueueMark(t)
			e.accept(t, tt.author, activity)

			post := e.post(t, object["id"].(string))
			if post == nil {
				t.Fatal("the post was not stored")
			}
			if post.GroupID == nil || *post.GroupID != tt.group.ID || post.Visibility != tt.visibility {
				t.Errorf("stored in group %v with visibility %q, want %d and %q", post.GroupID, post.Visibility, tt.group.ID, tt.visibility)
			}
			q := e.WantQueued(t, mark, tt.want)
			for _, d := range q.Of("Announce{Create}") {
				// The member's Create as stored: its id, actor and post,
				// with the content Village keeps (issue 11: never the bytes received).
				got := d.Doc.Embedded("object")
				inner := got.Embedded("object")
				if got.ID() != activity["id"] || got.Ref("actor") != tt.author.URI || got.Type() != "Create" ||
					inner == nil || inner.ID() != post.URI || inner.Type() != object["type"] ||
					inner.Ref("attributedTo") != tt.author.URI || inner.String("content") != post.Content {
					t.Errorf("the group's Announce carries %v, want the member's Create of the stored post", got)
				}
				if inner != nil && tt.visibility == models.VisibilityPrivate && federation.IsPublic(append(inner.Refs("to"), inner.Refs("cc")...)) {
					t.Errorf("a post kept with the members is announced as public: %v", inner)
				}
				if got := testenv.AddressOf(d.Doc); !reflect.DeepEqual(got, tt.address) {
					t.Errorf("the group's Announce is addressed %+v, want %+v", got, tt.address)
				}
				if d.Doc.Ref("actor") != e.URLs.Actor(tt.group) {
					t.Errorf("the Announce comes from %s", d.Doc.Ref("actor"))
				}
			}
			for _, d := range q.Of("Announce{id}") {
				if d.Doc.Ref("object") != post.URI {
					t.Errorf("the group boosts %s, want %s", d.Doc.Ref("object"), post.URI)
				}
			}
			for _, d := range q.Of("Create{Note}") {
				copied := d.Doc.Embedded("object")
				if copied.Ref("attributedTo") != nicuURI || !strings.Contains(copied.String("content"), "Discharge day!") ||
					!reflect.DeepEqual(testenv.AddressOf(copied), testenv.Addressed([]string{nicuURI + "/followers"}, nil, nicuURI)) {
					t.Errorf("the group's copy for Mastodon is %s", d.Activity.Body)
				}
			}
			// Local members see the group's share as its boost.
			if boost, err := models.BoostURI(context.Background(), e.DB, tt.group.ID, post.ID); err != nil || boost == "" {
				t.Errorf("no boost of the post by the group (%v)", err)
			}
		})
	}
}

// TestCreateIntoAGroupAgainstItsRulesIsRefusedAndLeavesNoTrace: what the
// group refuses is neither stored, nor recorded (a retry is weighed
// again), nor shared; the same post within the rules is taken.
func TestCreateIntoAGroupAgainstItsRulesIsRefusedAndLeavesNoTrace(t *testing.T) {
	t.Parallel()
	e, moms, maria, lou := newGroupEnv(t)
	ctx := context.Background()
	bob, ben, bea := e.Mastodon(t).Person(t, "bob"), e.Mastodon(t).Person(t, "ben"), e.Mastodon(t).Person(t, "bea")
	e.Follow(t, ben, moms) // banned below, his follow kept: the ban alone must refuse him
	e.Follow(t, bea, moms) // a member on maria's server
	if err := models.PutBan(ctx, e.DB, models.GroupBan{GroupID: moms.ID, ActorID: ben.ID, Reason: "shaming"}); err != nil {
		t.Fatal(err)
	}
	// Six groups, maria a member of the first five.
	var groups []*models.Actor
	for _, name := range []string{"park_slope", "bay_ridge", "red_hook", "dumbo", "bushwick", "flatbush"} {
		g := e.Group(t, name, false)
		if len(groups) < 5 {
			e.Follow(t, maria, g)
		}
		groups = append(groups, g)
	}
	loss := e.Group(t, "after_loss", false)
	e.Follow(t, maria, loss)
	topics, err := models.ParseTopics("loss: miscarriage, stillbirth")
	if err != nil {
		t.Fatal(err)
	}
	if err := models.SetSpeaking(ctx, e.DB, loss.ID, models.Speaking{Topics: topics}); err != nil {
		t.Fatal(err)
	}
	// A locked thread: a post, a reply below it, then the lock.
	_, locked := e.posted(t, maria, moms)
	below := e.reply(maria, "Following.", locked.URI)
	e.accept(t, maria, create(maria, below))
	if _, err := models.SetThreadLocked(ctx, e.DB, locked.ID, true); err != nil {
		t.Fatal(err)
	}
	_, open := e.posted(t, maria, moms)

	tests := []struct {
		name   string
		author *models.Actor
		post   func() map[string]any
		status int // 0: taken
	}{
		{"from someone who is not a member", bob,
			func() map[string]any { return e.note(bob, "Buy my course!", moms) }, http.StatusForbidden},
		{"from a banned member", ben,
			func() map[string]any { return e.note(ben, "Still here.", moms) }, http.StatusForbidden},
		{"naming six groups", maria,
			func() map[string]any { return e.note(maria, "Hello all!", groups...) }, http.StatusBadRequest},
		{"naming five groups", maria,
			func() map[string]any { return e.note(maria, "Hello all!", groups[:5]...) }, 0},
		{"about a sensitive topic without a content warning", maria,
			func() map[string]any { return e.note(maria, "We had a Miscarriage in May.", loss) }, http.StatusForbidden},
		{"about a sensitive topic with a content warning", maria,
			func() map[string]any {
				n := e.note(maria, "We had a Miscarriage in May.", loss)
				n["summary"] = "pregnancy loss"
				return n
			}, 0},
		{"answering a locked post", lou,
			func() map[string]any { return e.reply(lou, "But why?", locked.URI) }, http.StatusForbidden},
		{"answering further down a locked thread", lou,
			func() map[string]any { return e.reply(lou, "But why?", below["id"].(string)) }, http.StatusForbidden},
		{"answering in an open thread", lou,
			func() map[string]any { return e.reply(lou, "Same here.", open.URI) }, 0},
		{"attributed to someone else", bea,
			func() map[string]any {
				n := e.note(bea, "I am maria.", moms)
				n["attributedTo"] = maria.URI
				return n
			}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			object := tt.post()
			activity := create(tt.author, object)
			mark := e.QueueMark(t)
			wantStatus(t, e.process(t, tt.author, activity), tt.status)

			stored := e.post(t, object["id"].(string))
			switch {
			case tt.status == 0 && (stored == nil || stored.GroupID == nil):
				t.Errorf("the post was not stored in a group: %+v", stored)
			case tt.status != 0 && stored != nil:
				t.Errorf("a refused post was stored: %+v", stored)
			case tt.status != 0:
				e.wantNoTrace(t, mark, activity)
			}
		})
	}
}

// TestOnlyItsAuthorEditsOrDeletesAPost: an Update or a Delete of a post
// by anyone else changes nothing and shares nothing, even when it embeds
// the author's post: a post from another origin is read from its origin.
func TestOnlyItsAuthorEditsOrDeletesAPost(t *testing.T) {
	t.Parallel()
	e, moms, maria, lou := newGroupEnv(t)
	mastodon, lemmy := e.Mastodon(t), e.Lemmy(t)
	bob := mastodon.Person(t, "bob") // on maria's server, so his ids share her origin
	e.Follow(t, bob, moms)
	// edit is by's Update of the note with new words.
	edit := func(by *models.Actor, note map[string]any) map[string]any {
		changed := maps.Clone(note)
		changed["content"] = "<p>Edited: never mind.</p>"
		return e.activity(by, "Update", changed)
	}
	del := func(by *models.Actor, note map[string]any) map[string]any {
		return e.activity(by, "Delete", note["id"])
	}

	tests := []struct {
		name    string
		by      *models.Actor
		act     func(by *models.Actor, note map[string]any) map[string]any
		status  int
		edited  bool
		deleted bool
		// fetched: the post was read from the author's server, not from
		// the activity that carried it.
		fetched bool
		want    map[string][]string
	}{
		// Since issue 11, Mastodon-family members, which hold the post through
		// the group's boost, get the author's Update forwarded by the group.
		{name: "an Update by the author changes the post and the group shares it", by: maria, act: edit,
			edited: true, want: map[string][]string{lemmy.SharedInbox(): {"Announce{Update}"}, mastodon.SharedInbox(): {"Update{Note}"}}},
		{name: "an Update by another person of the author's server is refused", by: bob, act: edit,
			status: http.StatusForbidden},
		{name: "an Update by someone elsewhere is refused after reading the post from its origin", by: lou, act: edit,
			status: http.StatusForbidden, fetched: true},
		{name: "a Delete by the author makes a tombstone, shared as Delete and as the boost undone", by: maria, act: del,
			deleted: true, want: map[string][]string{lemmy.SharedInbox(): {"Announce{Delete}"}, mastodon.SharedInbox(): {"Undo{Announce}"}}},
		{name: "a Delete by another person of the author's server is refused", by: bob, act: del,
			status: http.StatusForbidden},
		{name: "a Delete by someone elsewhere is refused", by: lou, act: del,
			status: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			note, _ := e.posted(t, maria, moms)
			noteID := note["id"].(string)
			mastodon.Serve(strings.TrimPrefix(noteID, mastodon.URL), note) // its origin serves it as it was posted
			mark := e.QueueMark(t)
			activity := tt.act(tt.by, note)
			wantStatus(t, e.process(t, tt.by, activity), tt.status)

			path := strings.TrimPrefix(noteID, mastodon.URL)
			if fetched := slices.Contains(mastodon.Fetched(), path); fetched != tt.fetched {
				t.Errorf("the author's server was asked for the post: %v, want %v", fetched, tt.fetched)
			}
			post := e.post(t, noteID)
			if edited := strings.Contains(post.Content, "never mind"); edited != tt.edited {
				t.Errorf("content %q, edited %v, want %v", post.Content, edited, tt.edited)
			}
			if deleted := post.DeletedAt != nil; deleted != tt.deleted {
				t.Errorf("deleted %v, want %v", deleted, tt.deleted)
			}
			if tt.status != 0 {
				e.wantNoTrace(t, mark, activity)
				return
			}
			e.WantQueued(t, mark, tt.want)
		})
	}
}

// TestLikeOfAGroupPost: a member's Like of a post in the group, and its
// Undo, count here and travel to the members' servers that read
// FEP-1b12; a Like of a post unknown here is recorded and changes nothing.
func TestLikeOfAGroupPost(t *testing.T) {
	t.Parallel()
	e, moms, maria, lou := newGroupEnv(t)
	ctx := context.Background()
	lemmy := e.Lemmy(t)
	_, post := e.posted(t, maria, moms)
	like := e.activity(lou, "Like", post.URI)

	steps := []struct {
		name     string
		activity map[string]any
		liked    bool
		// Mastodon servers are not told of likes through the group.
		want map[string][]string
	}{
		{"a member's Like is counted and shared with FEP-1b12 servers", like, true,
			map[string][]string{lemmy.SharedInbox(): {"Announce{Like}"}}},
		{"its Undo takes it back, shared the same way", e.activity(lou, "Undo", like), false,
			map[string][]string{lemmy.SharedInbox(): {"Announce{Undo}"}}},
		{"a Like of a post unknown here changes nothing", e.activity(lou, "Like", maria.URI+"/statuses/404"), false, nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			mark := e.QueueMark(t)
			e.accept(t, lou, s.activity)
			_, err := models.LikeBetween(ctx, e.DB, lou.ID, post.ID)
			if liked := err == nil; liked != s.liked {
				t.Errorf("liked %v, want %v (%v)", liked, s.liked, err)
			}
			e.WantQueued(t, mark, s.want)
		})
	}
}
