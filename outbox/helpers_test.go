package outbox_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

func TestMain(m *testing.M) { testenv.Run(m) }

// env is an outbox wired as `village serve` wires it (deliveries queued
// on River through delivery.Enqueue), on the test's own database. No
// queue runs: the deliveries stay in River's table for the test to read.
type env struct {
	*testenv.Fixtures
	outbox *outbox.Outbox
}

func newEnv(t *testing.T) *env {
	t.Helper()
	f := testenv.NewFixtures(t)
	return &env{Fixtures: f, outbox: outbox.New(f.DB, f.URLs, delivery.Enqueue, testenv.Logger(t))}
}

// newGroupEnv is where most tests start: an env with alice, a local
// person, and the public group brooklyn_moms, whose members are alice,
// maria (on a Mastodon server; she follows alice too) and lou (on a
// Lemmy server).
func newGroupEnv(t *testing.T) (e *env, moms, alice, maria, lou *models.Actor) {
	t.Helper()
	e = newEnv(t)
	moms, alice, maria, lou = e.BrooklynMoms(t), e.Alice(t), e.Maria(t), e.Lou(t)
	for _, member := range []*models.Actor{alice, maria, lou} {
		e.Follow(t, member, moms)
	}
	e.Follow(t, maria, alice)
	return e, moms, alice, maria, lou
}

// publication is what the web app and the API hand the outbox: a post
// with its HTML, a Mention tag of each actor it mentions (a group among
// them puts it into the group), and the post it answers.
func (e *env) publication(t *testing.T, author *models.Actor, html, visibility string, parent *models.Post, mentions ...*models.Actor) outbox.Publication {
	pub := outbox.Publication{Author: author, Mentions: mentions,
		Post: &models.Post{Content: html, Visibility: visibility}}
	for _, m := range mentions {
		pub.Post.Tags = append(pub.Post.Tags, models.Tag{Type: "Mention", Href: e.URLs.Actor(m), Name: "@" + m.Username})
	}
	if parent != nil {
		by, err := models.ActorByID(context.Background(), e.DB, parent.AuthorID)
		if err != nil {
			t.Fatal(err)
		}
		pub.Parent, pub.ParentBy = parent, by
	}
	return pub
}

// publish publishes a post that must be taken, and returns it with the
// Create it was sent in (stored, whether or not any inbox gets it).
func (e *env) publish(t *testing.T, pub outbox.Publication) (*models.Post, federation.Object) {
	t.Helper()
	post, err := e.outbox.Publish(context.Background(), pub)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return post, e.sent(t, post.URI+"/activity")
}

// sent is the stored outgoing activity with this id.
func (e *env) sent(t *testing.T, id string) federation.Object {
	t.Helper()
	act, err := models.ActivityByURI(context.Background(), e.DB, id)
	if err != nil {
		t.Fatalf("activity %s: %v", id, err)
	}
	doc, err := federation.ParseObject(act.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// remotePost stores a post of a remote author, as the inbox stores one
// it takes, in group when there is one (members-only: followers-only).
func (e *env) remotePost(t *testing.T, author, group *models.Actor, visibility string) *models.Post {
	t.Helper()
	uri := e.RemoteID(author, "statuses")
	p := &models.Post{URI: uri, URL: uri, AuthorID: author.ID, Type: "Note", Content: "<p>Who else is up at 3am?</p>",
		Visibility: visibility}
	if group != nil {
		p.GroupID = &group.ID
	}
	if _, err := models.InsertPost(context.Background(), e.DB, p); err != nil {
		t.Fatal(err)
	}
	stored, err := models.PostByURI(context.Background(), e.DB, uri)
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

// activity is a remote actor's activity of typ about object, as received.
func (e *env) activity(actor *models.Actor, typ, object string) map[string]any {
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": e.RemoteID(actor, "activities"),
		"type": typ, "actor": actor.URI, "object": object}
}

// wantAddress checks a document's addressing.
func wantAddress(t *testing.T, what string, doc federation.Object, want testenv.Address) {
	t.Helper()
	if got := testenv.AddressOf(doc); !reflect.DeepEqual(got, want) {
		t.Errorf("%s is addressed\n got %+v\nwant %+v", what, got, want)
	}
}

// wantMentions checks that a Note's Mention tags name exactly these actors.
func wantMentions(t *testing.T, note federation.Object, want ...string) {
	t.Helper()
	var got []string
	if tags, ok := note["tag"].([]any); ok {
		for _, tag := range tags {
			if m, ok := tag.(map[string]any); ok && m["type"] == "Mention" {
				got = append(got, m["href"].(string))
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("the note mentions %v, want %v", got, want)
	}
}

// neverPublic checks that no queued delivery names the Public collection.
func neverPublic(t *testing.T, q testenv.Queue) {
	t.Helper()
	for _, d := range q {
		if body := string(d.Activity.Body); strings.Contains(body, federation.Public) || strings.Contains(body, `"as:Public"`) {
			t.Errorf("%s to %s is public: %s", d.Kind(), d.Inbox, body)
		}
	}
}

// postsBy counts an author's stored posts.
func (e *env) postsBy(t *testing.T, author *models.Actor) int {
	t.Helper()
	var n int
	if err := e.DB.QueryRow(context.Background(), `SELECT count(*) FROM posts WHERE author_id = $1`, author.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
