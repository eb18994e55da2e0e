package inbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

func TestMain(m *testing.M) { testenv.Run(m) }

// env is an inbox processor wired as `village serve` wires it, on the
// test's own database, with the fixtures that fill it. Deliveries it
// queues stay in River's table: no queue runs.
type env struct {
	*testenv.Fixtures
	inbox  *inbox.Processor
	outbox *outbox.Outbox
}

func newEnv(t *testing.T) *env {
	t.Helper()
	f := testenv.NewFixtures(t)
	logger := testenv.Logger(t)
	// The fixtures' remote servers listen on 127.0.0.1; nothing else may be reached.
	client := fetch.New(fetch.Options{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		UserAgent: "Village/inbox-test", Timeout: 5 * time.Second})
	t.Cleanup(client.CloseIdleConnections)
	resolver := federation.NewResolver(f.DB, f.URLs, client, federation.ResolverOptions{Scheme: "http", Logger: logger})
	out := outbox.New(f.DB, f.URLs, delivery.Enqueue, logger)
	auth := federation.NewAuthenticator(resolver)
	return &env{Fixtures: f, inbox: inbox.New(f.DB, f.URLs, resolver, out, auth, logger), outbox: out}
}

// newGroupEnv is where most tests start: an env with the public group
// brooklyn_moms, whose members include maria (on a Mastodon server) and
// lou (on a Lemmy server).
func newGroupEnv(t *testing.T) (e *env, moms, maria, lou *models.Actor) {
	t.Helper()
	e = newEnv(t)
	moms, maria, lou = e.BrooklynMoms(t), e.Maria(t), e.Lou(t)
	e.Follow(t, maria, moms)
	e.Follow(t, lou, moms)
	return e, moms, maria, lou
}

// process hands the inbox an activity whose HTTP signature by signer has
// been checked already (the authenticator's work, not this package's).
func (e *env) process(t *testing.T, signer *models.Actor, activity map[string]any) error {
	t.Helper()
	body, err := json.Marshal(activity)
	if err != nil {
		t.Fatal(err)
	}
	return e.inbox.Process(context.Background(), signer, body)
}

// accept processes an activity that must be applied.
func (e *env) accept(t *testing.T, signer *models.Actor, activity map[string]any) {
	t.Helper()
	if err := e.process(t, signer, activity); err != nil {
		t.Fatalf("%s %s: %v", activity["type"], activity["id"], err)
	}
}

// wantStatus checks the outcome of Process: nil for status 0, else the
// inbox's refusal with that HTTP status.
func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var refusal *inbox.Error
	switch {
	case status == 0 && err != nil:
		t.Fatalf("refused, want applied: %v", err)
	case status == 0:
	case !errors.As(err, &refusal):
		t.Fatalf("got %v, want a refusal with status %d", err, status)
	case refusal.Status != status:
		t.Fatalf("refused with %d (%s), want %d", refusal.Status, refusal.Reason, status)
	}
}

// wantNoTrace checks that a refused activity left nothing: not recorded
// (a retry is considered anew) and nothing queued.
func (e *env) wantNoTrace(t *testing.T, mark int64, activity map[string]any) {
	t.Helper()
	id, _ := activity["id"].(string)
	if seen, err := models.InboxActivitySeen(context.Background(), e.DB, id); err != nil || seen {
		t.Errorf("refused activity %s recorded (%v)", id, err)
	}
	e.WantQueued(t, mark, nil)
}

// wantRefused processes an activity that must be refused with status,
// and checks that it changed nothing state shows and left no trace.
func (e *env) wantRefused(t *testing.T, signer *models.Actor, activity map[string]any, status int, state func(*testing.T) string) {
	t.Helper()
	before, mark := state(t), e.QueueMark(t)
	wantStatus(t, e.process(t, signer, activity), status)
	if after := state(t); after != before {
		t.Errorf("a refused activity changed\n%s\ninto\n%s", before, after)
	}
	e.wantNoTrace(t, mark, activity)
}

// post loads a stored post by id; nil when there is none.
func (e *env) post(t *testing.T, uri string) *models.Post {
	t.Helper()
	p, err := models.PostByURI(context.Background(), e.DB, uri)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// note is a public Note by author addressed as Mastodon addresses a post
// that mentions groups: to Public, cc the author's followers and each
// group, with a Mention tag of each group.
func (e *env) note(author *models.Actor, text string, groups ...*models.Actor) map[string]any {
	id := e.RemoteID(author, "statuses")
	cc := []any{author.FollowersURL}
	var tags []any
	for _, g := range groups {
		uri := e.URLs.Actor(g)
		cc = append(cc, uri)
		tags = append(tags, map[string]any{"type": "Mention", "href": uri, "name": "@" + g.Username + "@" + e.URLs.Host()})
	}
	return map[string]any{"id": id, "type": "Note", "attributedTo": author.URI, "url": id,
		"published": time.Now().UTC().Format(time.RFC3339), "content": "<p>" + text + "</p>",
		"to": []any{federation.Public}, "cc": cc, "tag": tags}
}

// reply is a note answering parent (a post's id), in the parent's thread.
func (e *env) reply(author *models.Actor, text, parent string) map[string]any {
	n := e.note(author, text)
	n["inReplyTo"] = parent
	return n
}

// create is author's Create of object, as Mastodon sends it (id OBJECT/activity).
func create(author *models.Actor, object map[string]any) map[string]any {
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": object["id"].(string) + "/activity",
		"type": "Create", "actor": author.URI, "to": object["to"], "cc": object["cc"], "object": object}
}

// activity is actor's activity of typ about object (an id or a document).
func (e *env) activity(actor *models.Actor, typ string, object any) map[string]any {
	return map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": e.RemoteID(actor, strings.ToLower(typ)),
		"type": typ, "actor": actor.URI, "object": object}
}

// posted has author post a new note into group through the inbox, and
// returns the note and the stored post.
func (e *env) posted(t *testing.T, author, group *models.Actor) (map[string]any, *models.Post) {
	t.Helper()
	n := e.note(author, "Anyone know a pediatrician near Prospect Park?", group)
	e.accept(t, author, create(author, n))
	return n, e.post(t, n["id"].(string))
}

// localPost stores a post the group wrote itself (as its welcome note),
// the kind of post moderators pin.
func (e *env) localPost(t *testing.T, group *models.Actor) *models.Post {
	t.Helper()
	ctx := context.Background()
	id, err := models.NextPostID(ctx, e.DB)
	if err != nil {
		t.Fatal(err)
	}
	uri := e.URLs.Actor(group) + "/statuses/" + strconv.FormatInt(id, 10)
	p := &models.Post{ID: id, URI: uri, URL: uri, AuthorID: group.ID, GroupID: &group.ID, Type: "Note", Local: true,
		Content: "<p>Welcome! Be kind.</p>", Visibility: models.VisibilityPublicPost}
	if _, err := models.InsertPost(ctx, e.DB, p); err != nil {
		t.Fatal(err)
	}
	return e.post(t, uri)
}

// fetches counts the GETs of path a remote server answered.
func fetches(s *testenv.RemoteServer, path string) int {
	n := 0
	for _, p := range s.Fetched() {
		if p == path {
			n++
		}
	}
	return n
}

// must returns v when err is nil and fails the test otherwise:
// must(models.IsBanned(ctx, db, group, actor))(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
