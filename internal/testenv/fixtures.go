package testenv

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
)

// Fixtures for package tests (inbox, outbox): named local and remote
// actors stored in a test's own database, in the manner of GoToSocial's
// testrig, and remote servers on loopback httptest servers that serve
// their actors' documents. No Village is started: the code under test
// runs in the test's process, and its deliveries stay in River's table,
// where QueuedSince reads them.

// FixturesBase is the base URL of the Village the fixtures belong to.
// Nothing serves it and nothing dials it: local ids are recognised by
// their prefix, never fetched.
const FixturesBase = "https://village.example"

// Fixtures are the named things of one test's database. Each named
// fixture is made on first use and the same one is returned after. They
// are for one goroutine: subtests that use them run one after another.
type Fixtures struct {
	DB   *pgxpool.Pool
	URLs federation.URLs

	made map[string]any // named fixtures made so far
	seq  int            // numbers remote ids
}

// NewFixtures gives a test a fresh database and the fixtures to fill it.
func NewFixtures(t testing.TB) *Fixtures {
	t.Helper()
	return &Fixtures{DB: DB(t), URLs: federation.NewURLs(FixturesBase), made: map[string]any{}}
}

// named returns the fixture called name, made by build on first use.
func named[T any](f *Fixtures, name string, build func() T) T {
	if v, ok := f.made[name]; ok {
		return v.(T)
	}
	v := build()
	f.made[name] = v
	return v
}

// BrooklynMoms is a public local group: anyone may join at once.
func (f *Fixtures) BrooklynMoms(t testing.TB) *models.Actor {
	return named(f, "group brooklyn_moms", func() *models.Actor { return f.Group(t, "brooklyn_moms", false) })
}

// NICUParents is a members-only local group: its moderators approve who joins.
func (f *Fixtures) NICUParents(t testing.TB) *models.Actor {
	return named(f, "group nicu_parents", func() *models.Actor { return f.Group(t, "nicu_parents", true) })
}

// Alice is a local person.
func (f *Fixtures) Alice(t testing.TB) *models.Actor {
	return named(f, "person alice", func() *models.Actor { return f.Person(t, "alice") })
}

// Mastodon is a server of the Mastodon family (shared inbox, /users/NAME).
func (f *Fixtures) Mastodon(t testing.TB) *RemoteServer {
	return named(f, "server mastodon", func() *RemoteServer { return f.NewServer(t, MastodonShape) })
}

// Lemmy is a server of the Lemmy family (shared inbox, /u/NAME), which
// reads a group's shares as FEP-1b12 Announce{Create}.
func (f *Fixtures) Lemmy(t testing.TB) *RemoteServer {
	return named(f, "server lemmy", func() *RemoteServer { return f.NewServer(t, LemmyShape) })
}

// Maria is a person on the Mastodon server.
func (f *Fixtures) Maria(t testing.TB) *models.Actor { return f.Mastodon(t).Person(t, "maria") }

// Lou is a person on the Lemmy server.
func (f *Fixtures) Lou(t testing.TB) *models.Actor { return f.Lemmy(t).Person(t, "lou") }

// Group creates a local group (its actor has an RSA key of its own).
func (f *Fixtures) Group(t testing.TB, name string, membersOnly bool) *models.Actor {
	t.Helper()
	g, err := models.CreateGroup(context.Background(), f.DB, models.NewGroup{Name: name, Title: "Group " + name,
		Location: "Brooklyn", MembersOnly: membersOnly})
	if err != nil {
		t.Fatalf("fixtures: group %s: %v", name, err)
	}
	return g.Actor
}

// Person creates a local person with an account.
func (f *Fixtures) Person(t testing.TB, name string) *models.Actor {
	t.Helper()
	acc, err := models.CreateAccount(context.Background(), f.DB, models.NewAccount{Username: name, Password: "correct horse"})
	if err != nil {
		t.Fatalf("fixtures: person %s: %v", name, err)
	}
	return acc.Actor
}

// Follow stores an accepted follow of followee by follower, as a Follow
// accepted earlier leaves it; following a group makes a member.
func (f *Fixtures) Follow(t testing.TB, follower, followee *models.Actor) *models.Follow {
	t.Helper()
	return f.putFollow(t, follower, followee, models.FollowAccepted)
}

// AskToFollow stores a follow still waiting for followee's decision (a
// request to join a members-only group).
func (f *Fixtures) AskToFollow(t testing.TB, follower, followee *models.Actor) *models.Follow {
	t.Helper()
	return f.putFollow(t, follower, followee, models.FollowPending)
}

func (f *Fixtures) putFollow(t testing.TB, follower, followee *models.Actor, state string) *models.Follow {
	t.Helper()
	id := f.URLs.NewActivityID()
	if !follower.IsLocal() {
		id = f.RemoteID(follower, "follows")
	}
	follow, err := models.PutFollow(context.Background(), f.DB, follower.ID, followee.ID, id, state)
	if err != nil {
		t.Fatalf("fixtures: follow: %v", err)
	}
	return follow
}

// RemoteID mints a new id on a remote actor's origin, below its own URI
// (a Mastodon status is ACTOR/statuses/N): what a remote server calls an
// activity or a post it makes.
func (f *Fixtures) RemoteID(a *models.Actor, kind string) string {
	f.seq++
	return a.URI + "/" + kind + "/" + strconv.Itoa(f.seq)
}

// Moderate makes who a moderator (role models.GroupModerator) or an owner
// (models.GroupOwner) of a local group.
func (f *Fixtures) Moderate(t testing.TB, who, group *models.Actor, role string) {
	t.Helper()
	if _, err := models.PutGroupModerator(context.Background(), f.DB, group.ID, who.ID, role); err != nil {
		t.Fatalf("fixtures: moderator: %v", err)
	}
}

// ServerShape is how a kind of fediverse server lays out its actors and
// what its NodeInfo says.
type ServerShape struct {
	Software    string // NodeInfo software.name; "" serves no NodeInfo
	PeoplePath  string // where its people live: "/users/" (Mastodon), "/u/" (Lemmy)
	SharedInbox bool   // its actors name a shared inbox (endpoints.sharedInbox)
	// Unknown leaves the server's software unstored, so that Village reads
	// its NodeInfo when it first needs it; otherwise it is stored as
	// that first read would have stored it.
	Unknown bool
}

// Shapes of the servers tests meet.
var (
	MastodonShape = ServerShape{Software: "mastodon", PeoplePath: "/users/", SharedInbox: true}
	LemmyShape    = ServerShape{Software: "lemmy", PeoplePath: "/u/", SharedInbox: true}
	// SmallShape is a server whose actors name no shared inbox: each
	// follower there gets a delivery of its own.
	SmallShape = ServerShape{Software: "smallserver", PeoplePath: "/users/"}
)

// RemoteServer is a remote fediverse server for package tests: a loopback
// httptest server that serves its actors' documents, its NodeInfo and
// whatever else a test gives it (404 for the rest), and notes every GET.
// Its people are stored in the database as fetching them would store
// them, so nothing needs fetching unless a test wants it to. (Remote, by
// contrast, is one actor that sends to a running Village.)
type RemoteServer struct {
	Shape ServerShape
	URL   string // http://127.0.0.1:PORT
	Host  string // 127.0.0.1:PORT, its actors' domain

	db     *pgxpool.Pool
	people map[string]*models.Actor

	mu   sync.Mutex
	docs map[string]any
	gets []string
}

// NewServer starts a remote server of a shape, on 127.0.0.1.
func (f *Fixtures) NewServer(t testing.TB, shape ServerShape) *RemoteServer {
	t.Helper()
	s := &RemoteServer{Shape: shape, db: f.DB, people: map[string]*models.Actor{}, docs: map[string]any{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL, s.Host = srv.URL, strings.TrimPrefix(srv.URL, "http://")
	if shape.Software == "" {
		return s
	}
	s.Serve("/.well-known/nodeinfo", map[string]any{"links": []any{
		map[string]any{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": s.URL + "/nodeinfo/2.1"}}})
	s.Serve("/nodeinfo/2.1", map[string]any{"version": "2.1", "protocols": []string{"activitypub"},
		"software": map[string]any{"name": shape.Software, "version": "1.0"}})
	if !shape.Unknown {
		if err := models.PutInstance(context.Background(), f.DB, s.Host, shape.Software, "1.0"); err != nil {
			t.Fatalf("fixtures: server software: %v", err)
		}
	}
	return s
}

// SharedInbox is the server's shared inbox (every shape answers there,
// whether its actors name it or not).
func (s *RemoteServer) SharedInbox() string { return s.URL + "/inbox" }

// Serve makes the server answer GET path with doc as activity+json.
func (s *RemoteServer) Serve(path string, doc any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[path] = doc
}

// Fetched lists the paths of the GETs the server answered, in order.
func (s *RemoteServer) Fetched() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.gets)
}

func (s *RemoteServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	doc, ok := s.docs[r.URL.Path]
	if r.Method == http.MethodGet {
		s.gets = append(s.gets, r.URL.Path)
	}
	s.mu.Unlock()
	if !ok || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/activity+json")
	json.NewEncoder(w).Encode(doc)
}

// Person is a person of the server called name, stored in the database
// with its key as fetching its document stores it; the server serves
// that document.
func (s *RemoteServer) Person(t testing.TB, name string) *models.Actor {
	t.Helper()
	if a, ok := s.people[name]; ok {
		return a
	}
	uri := s.URL + s.Shape.PeoplePath + name
	a := &models.Actor{Type: models.ActorPerson, Username: name, Domain: s.Host, URI: uri, URL: uri,
		DisplayName: strings.ToUpper(name[:1]) + name[1:], InboxURL: uri + "/inbox", OutboxURL: uri + "/outbox",
		FollowersURL: uri + "/followers", PublicKeyID: uri + "#main-key", PublicKeyPEM: remotePublicKey(t)}
	if s.Shape.SharedInbox {
		a.SharedInboxURL = s.SharedInbox()
	}
	stored, err := models.UpsertRemoteActor(context.Background(), s.db, a)
	if err != nil {
		t.Fatalf("fixtures: remote person %s: %v", name, err)
	}
	s.Serve(s.Shape.PeoplePath+name, personDocument(stored))
	s.people[name] = stored
	return stored
}

// personDocument is a remote person's actor document, from its stored row.
func personDocument(a *models.Actor) map[string]any {
	doc := map[string]any{"@context": []any{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
		"id": a.URI, "type": a.Type, "preferredUsername": a.Username, "name": a.DisplayName, "url": a.URL,
		"inbox": a.InboxURL, "outbox": a.OutboxURL, "followers": a.FollowersURL,
		"publicKey": map[string]any{"id": a.PublicKeyID, "owner": a.URI, "publicKeyPem": a.PublicKeyPEM}}
	if a.SharedInboxURL != "" {
		doc["endpoints"] = map[string]any{"sharedInbox": a.SharedInboxURL}
	}
	return doc
}

// remoteKey is the one public key every remote fixture person shows:
// package tests hand activities to the inbox already authenticated, so
// no signature is made with it, and an RSA key made per person would
// only cost time. It is made once per test binary.
var remoteKey struct {
	once sync.Once
	pem  string
	err  error
}

func remotePublicKey(t testing.TB) string {
	t.Helper()
	remoteKey.once.Do(func() { remoteKey.pem, _, remoteKey.err = models.NewKeyPair() })
	if remoteKey.err != nil {
		t.Fatalf("fixtures: remote key: %v", remoteKey.err)
	}
	return remoteKey.pem
}

// Queued is one delivery waiting in River's table: the inbox it goes to
// and the stored activity it carries.
type Queued struct {
	Inbox    string
	Activity *models.Activity
	Doc      federation.Object // the activity as it will be POSTed
}

// Kind says what a delivery carries, as tests name it: the activity's
// type and what it wraps ("Accept{Follow}", "Announce{Create}",
// "Create{Note}"), or "{id}" for an object named by id only (a boost,
// "Announce{id}").
func (q Queued) Kind() string {
	if inner := q.Doc.Embedded("object"); inner != nil {
		return q.Doc.Type() + "{" + inner.Type() + "}"
	}
	if q.Doc.Ref("object") != "" {
		return q.Doc.Type() + "{id}"
	}
	return q.Doc.Type()
}

// Queue is a list of queued deliveries.
type Queue []Queued

// ByInbox is what each inbox gets, by Kind, sorted: the shape tests
// compare whole.
func (q Queue) ByInbox() map[string][]string {
	out := map[string][]string{}
	for _, d := range q {
		out[d.Inbox] = append(out[d.Inbox], d.Kind())
	}
	for _, kinds := range out {
		slices.Sort(kinds)
	}
	return out
}

// Of keeps the deliveries of one kind.
func (q Queue) Of(kind string) Queue {
	var out Queue
	for _, d := range q {
		if d.Kind() == kind {
			out = append(out, d)
		}
	}
	return out
}

// QueueMark is how far River's table has gone; QueuedSince reads what
// was queued after it.
func (f *Fixtures) QueueMark(t testing.TB) int64 {
	t.Helper()
	var mark int64
	if err := f.DB.QueryRow(context.Background(), `SELECT coalesce(max(id), 0) FROM river_job`).Scan(&mark); err != nil {
		t.Fatalf("fixtures: queue mark: %v", err)
	}
	return mark
}

// QueuedSince reads the delivery jobs queued after mark, in the order they
// were queued, each with the activity it carries.
func (f *Fixtures) QueuedSince(t testing.TB, mark int64) Queue {
	t.Helper()
	ctx := context.Background()
	rows, err := f.DB.Query(ctx, `SELECT args->>'inbox', (args->>'activity_id')::bigint FROM river_job
		WHERE kind = 'deliver' AND id > $1 ORDER BY id`, mark)
	if err != nil {
		t.Fatalf("fixtures: queued deliveries: %v", err)
	}
	type job struct {
		inbox      string
		activityID int64
	}
	var jobs []job
	for rows.Next() {
		var j job
		if err := rows.Scan(&j.inbox, &j.activityID); err != nil {
			t.Fatalf("fixtures: queued deliveries: %v", err)
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("fixtures: queued deliveries: %v", err)
	}
	out := make(Queue, 0, len(jobs))
	for _, j := range jobs {
		act, err := models.ActivityByID(ctx, f.DB, j.activityID)
		if err != nil {
			t.Fatalf("fixtures: activity %d of a delivery: %v", j.activityID, err)
		}
		doc, err := federation.ParseObject(act.Body)
		if err != nil {
			t.Fatalf("fixtures: activity %s: %v", act.URI, err)
		}
		out = append(out, Queued{Inbox: j.inbox, Activity: act, Doc: doc})
	}
	return out
}

// WantQueued checks what each inbox got since mark, whole (nil: nothing
// at all), and returns the deliveries for closer looks.
func (f *Fixtures) WantQueued(t testing.TB, mark int64, want map[string][]string) Queue {
	t.Helper()
	q := f.QueuedSince(t, mark)
	if got := q.ByInbox(); !maps.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Errorf("queued deliveries:\n got %v\nwant %v", got, want)
	}
	return q
}

// Address is whom an activity or an object is addressed to, to and cc
// sorted, so that two compare whole whatever order they were written in.
type Address struct {
	To, Cc   []string
	Audience string
}

// Addressed makes an Address.
func Addressed(to, cc []string, audience string) Address {
	return Address{To: slices.Sorted(slices.Values(to)), Cc: slices.Sorted(slices.Values(cc)), Audience: audience}
}

// AddressOf reads a document's addressing (single values or lists).
func AddressOf(o federation.Object) Address {
	return Addressed(o.Refs("to"), o.Refs("cc"), o.Ref("audience"))
}
