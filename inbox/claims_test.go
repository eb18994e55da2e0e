package inbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// forgedWords are what a forged copy says; they must show nowhere.
const forgedWords = "Forged words"

// forgedAnywhere counts what of the forged copy was kept: posts and their
// earlier versions that say it, and activities stored to be served or
// delivered (a group's outbox) that carry it.
func (e *env) forgedAnywhere(t *testing.T) int {
	t.Helper()
	var n int
	err := e.DB.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM posts WHERE content LIKE '%'||$1||'%' OR summary LIKE '%'||$1||'%' OR name LIKE '%'||$1||'%')
		+ (SELECT count(*) FROM post_versions WHERE content LIKE '%'||$1||'%')
		+ (SELECT count(*) FROM activities WHERE body::text LIKE '%'||$1||'%')`, forgedWords).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAnEmbeddedObjectOfAnotherOriginIsAClaim: a server speaks only for
// the objects of its own origin. A note embedded in an Announce, a
// Create or an Update (also inside a remote group's Announce) whose id is
// on a third server is read from that server, and kept as it serves it,
// or not at all; one on the signer's origin attributed to a third server
// is forged, and dropped; an origin that answers with another object (a
// redirect elsewhere, another type) is no answer. The forged words are
// stored nowhere and queued for no one.
func TestAnEmbeddedObjectOfAnotherOriginIsAClaim(t *testing.T) {
	t.Parallel()
	e, moms, _, lou := newGroupEnv(t)
	lemmy := e.Lemmy(t)
	third := e.NewServer(t, testenv.SmallShape)
	tess := third.Person(t, "tess")
	community, err := models.UpsertRemoteActor(context.Background(), e.DB, &models.Actor{Type: models.ActorGroup,
		Username: "parents", Domain: lemmy.Host, URI: lemmy.URL + "/c/parents", InboxURL: lemmy.URL + "/c/parents/inbox",
		FollowersURL: lemmy.URL + "/c/parents/followers", PublicKeyID: lemmy.URL + "/c/parents#main-key",
		PublicKeyPEM: lou.PublicKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	// elsewhere answers every GET with a redirect to tess's server.
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, third.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(elsewhere.Close)

	// tessNote is a note of tess's: what her server serves (real) and a
	// forged copy with the same id.
	tessNote := func() (real, forged map[string]any) {
		real = e.note(tess, "The real words.", moms)
		forged = e.note(tess, forgedWords+".", moms)
		forged["id"], forged["url"] = real["id"], real["id"]
		return real, forged
	}
	serve := func(s *testenv.RemoteServer, doc map[string]any) {
		s.Serve(strings.TrimPrefix(doc["id"].(string), s.URL), doc)
	}

	tests := []struct {
		name string
		// send makes the activity and serves what the origins serve; it
		// returns the signer, the activity, and the id of the note.
		send   func(t *testing.T) (signer *models.Actor, activity map[string]any, note string)
		status int    // the refusal wanted; 0: accepted
		stored string // words the stored note says; "": no note stored
		group  *models.Actor
		// boostOnly: the note is stored in no group (a remote group's boost).
		boostOnly bool
	}{
		{
			name: "a person's Announce of a third server's note its origin does not serve",
			send: func(*testing.T) (*models.Actor, map[string]any, string) {
				_, forged := tessNote()
				return lou, e.activity(lou, "Announce", forged), forged["id"].(string)
			},
		},
		{
			name: "a person's Announce of a third server's note is kept as its origin serves it",
			send: func(*testing.T) (*models.Actor, map[string]any, string) {
				real, forged := tessNote()
				serve(third, real)
				return lou, e.activity(lou, "Announce", forged), forged["id"].(string)
			},
			stored: "The real words.",
		},
		{
			name: "a remote group's Announce{Create} of a third server's note its origin does not serve",
			send: func(*testing.T) (*models.Actor, map[string]any, string) {
				_, forged := tessNote()
				return community, e.activity(community, "Announce", create(tess, forged)), forged["id"].(string)
			},
		},
		{
			name: "a remote group's Announce{Create} of a third server's note is kept as its origin serves it, in the group",
			send: func(*testing.T) (*models.Actor, map[string]any, string) {
				real, forged := tessNote()
				real["audience"] = community.URI
				serve(third, real)
				return community, e.activity(community, "Announce", create(tess, forged)), forged["id"].(string)
			},
			stored: "The real words.", group: community,
		},
		{
			name: "a remote group's Announce{Create} of a note that does not name the group is a boost, not the group's post",
			send: func(*testing.T) (*models.Actor, map[string]any, string) {
				real, forged := tessNote()
				forged["audience"] = community.URI // the copy claims it; the origin does not
				serve(third, real)
				return community, e.activity(community, "Announce", create(tess, forged)), forged["id"].(string)
			},
			stored: "The real words.", boostOnly: true,
		},
		{
			name: "an Announce of a note on the signer's origin attributed to a third server",
			send: func(*testing.T) (*models.Actor, map[string]any, string) {
				forged := e.note(tess, forgedWords+".", moms)
				forged["id"] = e.RemoteID(lou, "post")
				serve(lemmy, forged)
				return lou, e.activity(lou, "Announce", forged), forged["id"].(string)
			},
		},
		{
			name: "an Announce whose note's origin answers with a redirect to another server's note",
			send: func(*testing.T) (*models.Actor, map[string]any, string) {
				real, forged := tessNote()
				serve(third, real)
				path := strings.TrimPrefix(real["id"].(string), third.URL)
				forged["id"] = elsewhere.URL + path
				return lou, e.activity(lou, "Announce", forged), real["id"].(string)
			},
		},
		{
			name: "an Announce whose note's origin serves another type than the copy claims",
			send: func(*testing.T) (*models.Actor, map[string]any, string) {
				real, forged := tessNote()
				real["type"] = "Question"
				serve(third, real)
				return lou, e.activity(lou, "Announce", forged), forged["id"].(string)
			},
		},
		{
			name: "a member's Create of a third server's note into the group, its origin silent",
			send: func(*testing.T) (*models.Actor, map[string]any, string) {
				_, forged := tessNote()
				c := create(lou, forged)
				c["id"] = e.RemoteID(lou, "create")
				return lou, c, forged["id"].(string)
			},
			status: http.StatusBadRequest,
		},
		{
			name: "a member's Create of a third server's note into the group, served by its origin",
			send: func(*testing.T) (*models.Actor, map[string]any, string) {
				real, forged := tessNote()
				serve(third, real)
				c := create(lou, forged)
				c["id"] = e.RemoteID(lou, "create")
				return lou, c, forged["id"].(string)
			},
			status: http.StatusForbidden,
		},
		{
			name: "a member's Create of a note on her origin attributed to a third server",
			send: func(*testing.T) (*models.Actor, map[string]any, string) {
				forged := e.note(tess, forgedWords+".", moms)
				forged["id"] = e.RemoteID(lou, "post")
				return lou, create(lou, forged), forged["id"].(string)
			},
			status: http.StatusBadRequest,
		},
		{
			name: "a member's Create naming two notes, hers and a forged one",
			send: func(*testing.T) (*models.Actor, map[string]any, string) {
				_, forged := tessNote()
				hers := e.note(lou, "My own words.", moms)
				c := create(lou, hers)
				c["object"] = []any{hers, forged}
				return lou, c, hers["id"].(string)
			},
			status: http.StatusBadRequest,
		},
		{
			name: "a member's Update of a third server's note known here keeps what its origin said",
			send: func(t *testing.T) (*models.Actor, map[string]any, string) {
				real, forged := tessNote()
				serve(third, real)
				e.accept(t, lou, e.activity(lou, "Announce", real["id"]))
				return lou, e.activity(lou, "Update", forged), forged["id"].(string)
			},
			status: http.StatusForbidden, stored: "The real words.",
		},
		{
			name: "a member's Update of a note on her origin attributed to a third server",
			send: func(*testing.T) (*models.Actor, map[string]any, string) {
				forged := e.note(tess, forgedWords+".", moms)
				forged["id"] = e.RemoteID(lou, "post")
				return lou, e.activity(lou, "Update", forged), forged["id"].(string)
			},
			status: http.StatusBadRequest,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signer, activity, note := tt.send(t)
			mark := e.QueueMark(t)
			wantStatus(t, e.process(t, signer, activity), tt.status)
			if tt.status != 0 {
				e.wantNoTrace(t, mark, activity)
			}
			post := e.post(t, note)
			switch {
			case tt.stored == "" && post != nil:
				t.Errorf("stored %s saying %q", post.URI, post.Content)
			case tt.stored != "" && (post == nil || !strings.Contains(post.Content, tt.stored)):
				t.Errorf("stored %+v, want a note saying %q", post, tt.stored)
			case tt.group != nil && (post.GroupID == nil || *post.GroupID != tt.group.ID):
				t.Errorf("the note is in group %v, want %d", post.GroupID, tt.group.ID)
			case tt.boostOnly && post.GroupID != nil:
				t.Errorf("the note is in group %d, want none", *post.GroupID)
			}
			if n := e.forgedAnywhere(t); n != 0 {
				t.Errorf("the forged words are kept in %d places", n)
			}
		})
	}
}

// TestUndoTakesBackOnlyTheSignersOwnActivity: an Undo whose embedded
// activity is another actor's, or has its id on another origin, is
// refused and leaves the like in place.
func TestUndoTakesBackOnlyTheSignersOwnActivity(t *testing.T) {
	t.Parallel()
	e, moms, maria, lou := newGroupEnv(t)
	_, post := e.posted(t, maria, moms)
	like := e.activity(lou, "Like", post.URI)
	e.accept(t, lou, like)
	likes := func(t *testing.T) string {
		var n int
		if err := e.DB.QueryRow(context.Background(), `SELECT count(*) FROM likes WHERE post_id = $1`, post.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return strings.Repeat("like ", n)
	}
	tests := []struct {
		name string
		undo map[string]any
	}{
		{"an Undo of someone else's Like", e.activity(lou, "Undo", map[string]any{"id": like["id"], "type": "Like",
			"actor": maria.URI, "object": post.URI})},
		{"an Undo of a Like whose id is on another origin", e.activity(lou, "Undo", map[string]any{"id": maria.URI + "/likes/1",
			"type": "Like", "actor": lou.URI, "object": post.URI})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.wantRefused(t, lou, tt.undo, http.StatusForbidden, likes)
		})
	}
}

// TestAGroupPassesOnLikesAndDeletesByID: what a group announces of a
// member's Like, Undo{Like} or Delete names the post by id: a copy the
// member's server embedded (here a forged one) is not passed on under the
// group's name.
func TestAGroupPassesOnLikesAndDeletesByID(t *testing.T) {
	t.Parallel()
	e, moms, maria, lou := newGroupEnv(t)
	_, post := e.posted(t, maria, moms)
	forgedCopy := e.note(maria, forgedWords+".", moms)
	forgedCopy["id"] = post.URI
	like := e.activity(lou, "Like", forgedCopy)
	tests := []struct {
		name     string
		signer   *models.Actor
		activity map[string]any
		inner    func(map[string]any) any // where the post is named in what the group announces
	}{
		{"a Like", lou, like, func(a map[string]any) any { return a["object"] }},
		{"an Undo of the Like", lou, e.activity(lou, "Undo", like),
			func(a map[string]any) any { u, _ := a["object"].(map[string]any); return u["object"] }},
		{"the author's Delete", maria, e.activity(maria, "Delete", forgedCopy), func(a map[string]any) any { return a["object"] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := e.QueueMark(t)
			e.accept(t, tt.signer, tt.activity)
			announces := e.QueuedSince(t, mark).Of("Announce{" + tt.activity["type"].(string) + "}")
			if len(announces) == 0 {
				t.Fatalf("the group announced nothing: %v", e.QueuedSince(t, mark).ByInbox())
			}
			for _, d := range announces {
				shared, _ := d.Doc["object"].(map[string]any)
				if got := tt.inner(shared); got != post.URI {
					t.Errorf("the group's Announce names the post as %v, want its id %s", got, post.URI)
				}
			}
			if n := e.forgedAnywhere(t); n != 0 {
				t.Errorf("the forged words are kept in %d places", n)
			}
		})
	}
}

// TestAnAnnouncedDeleteCountsOnlyFromThePostsServerOrGroup: an Announce
// of a Delete takes a post down here only when the announcer is on the
// post's origin or is the group the post is in, and the origin confirms
// it (a Tombstone): another server may not take down a post that its
// origin merely hides from us.
func TestAnAnnouncedDeleteCountsOnlyFromThePostsServerOrGroup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lou := e.Lou(t)
	lemmy := e.Lemmy(t)
	third := e.NewServer(t, testenv.SmallShape)
	tess, tom := third.Person(t, "tess"), third.Person(t, "tom")
	community, err := models.UpsertRemoteActor(context.Background(), e.DB, &models.Actor{Type: models.ActorGroup,
		Username: "parents", Domain: lemmy.Host, URI: lemmy.URL + "/c/parents", InboxURL: lemmy.URL + "/c/parents/inbox",
		PublicKeyID: lemmy.URL + "/c/parents#main-key", PublicKeyPEM: lou.PublicKeyPEM})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		signer  *models.Actor
		deleted bool
	}{
		{"a person of another server", lou, false},
		{"a person of the post's server", tom, true},
		{"the group the post is in", community, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := e.note(tess, "Still here.")
			n["audience"] = community.URI
			id := n["id"].(string)
			path := strings.TrimPrefix(id, third.URL)
			third.Serve(path, n)
			e.accept(t, community, e.activity(community, "Announce", create(tess, n)))
			if p := e.post(t, id); p == nil || p.GroupID == nil || *p.GroupID != community.ID {
				t.Fatalf("the group's post was not stored in it: %+v", p)
			}
			third.Serve(path, map[string]any{"id": id, "type": "Tombstone"})
			del := map[string]any{"id": tess.URI + "/deletes/" + path, "type": "Delete", "actor": tess.URI, "object": id}
			e.accept(t, tt.signer, e.activity(tt.signer, "Announce", del))
			if deleted := e.post(t, id).DeletedAt != nil; deleted != tt.deleted {
				t.Errorf("deleted: %v, want %v", deleted, tt.deleted)
			}
		})
	}
}
