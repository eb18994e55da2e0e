package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web"
)

const (
	apBase      = "http://127.0.0.2:8080"
	apHost      = "127.0.0.2:8080"
	asJSON      = "application/activity+json"
	asLDJSON    = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
	mastodonGET = `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams", text/html;q=0.1`
	browserGET  = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
)

// apServer is an instance at apBase on a fresh database, with Alice (a
// person), Brooklyn Moms (a public group, Alice moderates it) and Park
// Slope Parents (a members-only group).
type apServer struct {
	e  *echo.Echo
	db *pgxpool.Pool
}

func newAPServer(t *testing.T) apServer {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t)
	if _, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "alice", Password: "correct horse", DisplayName: "Alice <Park>"}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "brooklyn_moms", Title: "Brooklyn Moms <3",
		Summary: "Parents of Brooklyn & friends.\n\nBe kind.", Location: "Brooklyn, NY"}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "park_slope", Title: "Park Slope Parents", MembersOnly: true}); err != nil {
		t.Fatal(err)
	}
	if err := models.AddModerator(ctx, db, "brooklyn_moms", "alice"); err != nil {
		t.Fatal(err)
	}
	e := web.New(web.Options{DB: db, URLs: federation.NewURLs(apBase), Version: "test"})
	return apServer{e: e, db: db}
}

// get fetches path (relative, or an absolute URL of apBase) with an Accept header.
func (s apServer) get(t *testing.T, path, accept string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, strings.TrimPrefix(path, apBase), nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	return rec
}

// getDoc fetches an ActivityStreams document and decodes it, failing the
// test unless it is a 200 of the right type.
func (s apServer) getDoc(t *testing.T, path string) map[string]any {
	t.Helper()
	rec := s.get(t, path, asJSON)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/activity+json; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	return decodeJSON(t, rec)
}

func decodeJSON(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, rec.Body.String())
	}
	return m
}

// remoteFollowers makes n remote people follow the local actor named, with
// follows in the given state, and returns their ids in follow order.
func remoteFollowers(t *testing.T, db *pgxpool.Pool, followee *models.Actor, n int, state string) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for i := range n {
		uri := fmt.Sprintf("https://remote.example/users/%s_%s_%d", followee.Username, state, i)
		r, err := models.UpsertRemoteActor(ctx, db, &models.Actor{Type: models.ActorPerson,
			Username: fmt.Sprintf("%s_%s_%d", followee.Username, state, i), Domain: "remote.example", URI: uri,
			InboxURL: uri + "/inbox", PublicKeyPEM: "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.PutFollow(ctx, db, r.ID, followee.ID, uri+"/follows/1", state); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, uri)
	}
	return ids
}

func localActor(t *testing.T, db *pgxpool.Pool, name string) *models.Actor {
	t.Helper()
	a, err := models.LocalActorByName(context.Background(), db, name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func contextValue(t *testing.T) any {
	t.Helper()
	b, err := json.Marshal(federation.Context())
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestActorDocumentsHaveTheFieldsPeersRead(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	tests := []struct {
		name   string
		path   string
		want   map[string]any
		absent []string
	}{
		{
			name: "person", path: "/users/alice",
			want: map[string]any{"type": "Person", "preferredUsername": "alice", "name": "Alice <Park>",
				"url": apBase + "/@alice", "manuallyApprovesFollowers": false, "discoverable": true,
				"featured": apBase + "/users/alice/featured"},
			absent: []string{"attributedTo", "moderators", "postingRestrictedToMods", "icon"},
		},
		{
			name: "public group", path: "/groups/brooklyn_moms",
			want: map[string]any{"type": "Group", "preferredUsername": "brooklyn_moms", "name": "Brooklyn Moms <3",
				"summary": "<p>Parents of Brooklyn &amp; friends.</p><p>Be kind.</p>",
				"url":     apBase + "/groups/brooklyn_moms", "manuallyApprovesFollowers": false, "discoverable": true,
				"featured":                apBase + "/groups/brooklyn_moms/featured",
				"attributedTo":            apBase + "/groups/brooklyn_moms/moderators",
				"moderators":              apBase + "/groups/brooklyn_moms/moderators",
				"postingRestrictedToMods": false},
		},
		{
			name: "members-only group", path: "/groups/park_slope",
			want: map[string]any{"type": "Group", "preferredUsername": "park_slope", "name": "Park Slope Parents",
				"manuallyApprovesFollowers": true},
		},
		{
			name: "instance actor", path: "/actor",
			want: map[string]any{"type": "Application", "preferredUsername": "127.0.0.2", "discoverable": false,
				"manuallyApprovesFollowers": true},
			absent: []string{"featured", "moderators"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := s.get(t, tt.path, asJSON)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/activity+json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if v := rec.Header().Get("Vary"); !strings.Contains(v, "Accept") {
				t.Errorf("Vary %q, want Accept", v)
			}
			doc := decodeJSON(t, rec)
			id := apBase + tt.path
			want := map[string]any{
				"id": id, "inbox": id + "/inbox", "outbox": id + "/outbox",
				"followers": id + "/followers", "following": id + "/following",
				"endpoints": map[string]any{"sharedInbox": apBase + "/inbox"},
				"@context":  contextValue(t),
			}
			for k, v := range tt.want {
				want[k] = v
			}
			for k, v := range want {
				if !reflect.DeepEqual(doc[k], v) {
					t.Errorf("%s = %#v, want %#v", k, doc[k], v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := doc[k]; ok {
					t.Errorf("%s present, want absent", k)
				}
			}
			key, _ := doc["publicKey"].(map[string]any)
			if key["id"] != id+"#main-key" || key["owner"] != id || !strings.HasPrefix(fmt.Sprint(key["publicKeyPem"]), "-----BEGIN PUBLIC KEY-----") {
				t.Errorf("publicKey = %v", doc["publicKey"])
			}
			published, err := time.Parse(time.RFC3339, fmt.Sprint(doc["published"]))
			if err != nil || time.Since(published) > time.Hour || !strings.HasSuffix(fmt.Sprint(doc["published"]), "Z") {
				t.Errorf("published = %v (%v), want a recent RFC 3339 UTC time", doc["published"], err)
			}
			if strings.Contains(rec.Body.String(), `"http://joinmastodon.org/ns"`) {
				t.Error("document names the dead context http://joinmastodon.org/ns")
			}
		})
	}
}

func TestActorURLNegotiatesBetweenActivityJSONAndHTML(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	tests := []struct {
		name     string
		accept   string
		wantJSON bool
	}{
		{"activity+json", asJSON, true},
		{"ld+json with the AS profile", asLDJSON, true},
		{"ld+json without a profile", "application/ld+json", true},
		{"what Mastodon sends", mastodonGET, true},
		{"what a browser sends", browserGET, false},
		{"no Accept at all", "", false},
		{"HTML preferred over AS", "text/html, application/activity+json;q=0.5", false},
		{"AS refused with q=0", "application/activity+json;q=0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := s.get(t, "/groups/brooklyn_moms", tt.accept)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
			if v := rec.Header().Get("Vary"); !strings.Contains(v, "Accept") {
				t.Errorf("Vary %q, want Accept", v)
			}
			ct := rec.Header().Get("Content-Type")
			if got := strings.HasPrefix(ct, "application/activity+json"); got != tt.wantJSON {
				t.Fatalf("Content-Type %q, want JSON %v", ct, tt.wantJSON)
			}
			if !tt.wantJSON && !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q, want text/html", ct)
			}
		})
	}
}

func TestActorPageForBrowsersIsEscapedAndLinksTheDocument(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	tests := []struct {
		path string
		want []string
	}{
		{"/groups/brooklyn_moms", []string{
			`<link rel="alternate" type="application/activity+json" href="` + apBase + `/groups/brooklyn_moms">`,
			"<h1>Brooklyn Moms &lt;3</h1>", "@brooklyn_moms@" + apHost, "Parents of Brooklyn &amp; friends.", "Be kind.", "Brooklyn, NY",
		}},
		{"/users/alice", []string{
			`href="` + apBase + `/users/alice"`, "<h1>Alice &lt;Park&gt;</h1>", "@alice@" + apHost,
		}},
		{"/groups/park_slope", []string{"Members only", "@park_slope@" + apHost}},
		{"/actor", []string{`href="` + apBase + `/actor"`, "@127.0.0.2@" + apHost}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := s.get(t, tt.path, browserGET)
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
			body := rec.Body.String()
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			if strings.Contains(body, "<Park>") || strings.Contains(body, "Moms <3") {
				t.Errorf("page shows unescaped text:\n%s", body)
			}
		})
	}
}

func TestActorURLsAnswerOnlyForTheirKind(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	tests := []struct {
		name string
		path string
	}{
		{"a group under /users", "/users/brooklyn_moms"},
		{"a person under /groups", "/groups/alice"},
		{"the instance actor under /users", "/users/instance"},
		{"an unknown person", "/users/nobody"},
		{"an unknown group", "/groups/nobody"},
		{"collections of an unknown actor", "/users/nobody/followers"},
		{"a person's moderators", "/groups/alice/moderators"},
	}
	for _, tt := range tests {
		for _, client := range []struct{ name, accept string }{{"ActivityPub", asJSON}, {"browser", browserGET}} {
			t.Run(tt.name+" to "+client.name, func(t *testing.T) {
				rec := s.get(t, tt.path, client.accept)
				if rec.Code != http.StatusNotFound {
					t.Fatalf("%d %s, want 404", rec.Code, rec.Body.String())
				}
				if client.accept == browserGET { // browsers get the web app's 404 page
					if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
						t.Errorf("404 for a browser is not a page: %s", rec.Body.String())
					}
					return
				}
				if msg, _ := decodeJSON(t, rec)["error"].(string); msg == "" {
					t.Errorf("404 without a JSON error: %s", rec.Body.String())
				}
			})
		}
	}
}

func TestProfileURLRedirectsToTheActor(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	tests := []struct {
		path, want string
		status     int
	}{
		{"/@alice", apBase + "/users/alice", http.StatusFound},
		{"/@brooklyn_moms", apBase + "/groups/brooklyn_moms", http.StatusFound},
		{"/@instance", apBase + "/actor", http.StatusFound},
		{"/@nobody", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := s.get(t, tt.path, browserGET)
			if rec.Code != tt.status || rec.Header().Get("Location") != tt.want {
				t.Errorf("%d Location %q, want %d %q", rec.Code, rec.Header().Get("Location"), tt.status, tt.want)
			}
		})
	}
}

func TestFollowersCollectionPagesTwentyAtATime(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	group := localActor(t, s.db, "brooklyn_moms")
	ids := remoteFollowers(t, s.db, group, 25, models.FollowAccepted)
	remoteFollowers(t, s.db, group, 2, models.FollowPending) // not followers yet
	coll := apBase + "/groups/brooklyn_moms/followers"

	root := s.getDoc(t, "/groups/brooklyn_moms/followers")
	if root["type"] != "OrderedCollection" || root["id"] != coll || root["totalItems"] != float64(25) || root["first"] != coll+"?page=true" {
		t.Errorf("root = %v", root)
	}
	if _, ok := root["orderedItems"]; ok {
		t.Error("root embeds items; they belong in pages")
	}

	var got []any
	pages := 0
	for next := root["first"]; next != nil; pages++ {
		if pages > 3 {
			t.Fatal("pages never end")
		}
		page := s.getDoc(t, next.(string))
		if page["type"] != "OrderedCollectionPage" || page["partOf"] != coll || page["id"] != next {
			t.Errorf("page = %v", page)
		}
		items, _ := page["orderedItems"].([]any)
		if wantLen := []int{20, 5}[min(pages, 1)]; len(items) != wantLen {
			t.Errorf("page %d has %d items, want %d", pages+1, len(items), wantLen)
		}
		got = append(got, items...)
		next = page["next"]
	}
	if pages != 2 {
		t.Errorf("%d pages, want 2", pages)
	}
	var want []any
	for i := len(ids) - 1; i >= 0; i-- { // newest first
		want = append(want, ids[i])
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items over all pages:\n got %v\nwant %v", got, want)
	}
}

func TestFollowingCollectionNamesLocalAndRemoteActors(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	ctx := context.Background()
	alice := localActor(t, s.db, "alice")
	group := localActor(t, s.db, "brooklyn_moms")
	bob, err := models.UpsertRemoteActor(ctx, s.db, &models.Actor{Type: models.ActorPerson, Username: "bob",
		Domain: "mastodon.example", URI: "https://mastodon.example/users/bob", PublicKeyPEM: "k"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []*models.Actor{bob, group} {
		if _, err := models.PutFollow(ctx, s.db, alice.ID, f.ID, apBase+"/follows/"+f.Username, models.FollowAccepted); err != nil {
			t.Fatal(err)
		}
	}
	root := s.getDoc(t, "/users/alice/following")
	if root["totalItems"] != float64(2) {
		t.Errorf("totalItems = %v, want 2", root["totalItems"])
	}
	page := s.getDoc(t, "/users/alice/following?page=true")
	want := []any{apBase + "/groups/brooklyn_moms", "https://mastodon.example/users/bob"}
	if !reflect.DeepEqual(page["orderedItems"], want) {
		t.Errorf("orderedItems = %v, want %v", page["orderedItems"], want)
	}
	if _, ok := page["next"]; ok {
		t.Errorf("next = %v on the only page", page["next"])
	}
	if empty := s.getDoc(t, "/users/alice/followers"); empty["totalItems"] != float64(0) {
		t.Errorf("followers totalItems = %v, want 0", empty["totalItems"])
	}
}

func TestMembersOnlyGroupShowsOnlyHowManyMembers(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	group := localActor(t, s.db, "park_slope")
	remoteFollowers(t, s.db, group, 3, models.FollowAccepted)
	root := s.getDoc(t, "/groups/park_slope/followers")
	if root["totalItems"] != float64(3) {
		t.Errorf("totalItems = %v, want 3", root["totalItems"])
	}
	for _, k := range []string{"first", "orderedItems", "items"} {
		if _, ok := root[k]; ok {
			t.Errorf("%s present in a members-only group's followers: %v", k, root)
		}
	}
	for _, path := range []string{"/groups/park_slope/followers?page=true", "/groups/park_slope/followers?max_id=99"} {
		if rec := s.get(t, path, asJSON); rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "remote.example") {
			t.Errorf("GET %s: %d %s, want 403 without members", path, rec.Code, rec.Body.String())
		}
	}
	if root := s.getDoc(t, "/groups/park_slope/following"); root["totalItems"] != float64(0) || root["first"] != nil {
		t.Errorf("following = %v", root)
	}
}

func TestCollectionRefusesABadCursor(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	for _, q := range []string{"max_id=abc", "max_id=-1", "max_id=0"} {
		if rec := s.get(t, "/users/alice/followers?"+q, asJSON); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", q, rec.Code, rec.Body.String())
		}
	}
}

// storeActivity stores an activity alice sent, as the outbox would.
func storeActivity(t *testing.T, db *pgxpool.Pool, actor *models.Actor, public bool) string {
	t.Helper()
	u := federation.NewURLs(apBase)
	id := u.NewActivityID()
	f, err := federation.NewFollow(id, u.Actor(actor), "https://mastodon.example/users/bob")
	if err != nil {
		t.Fatal(err)
	}
	body, err := federation.Marshal(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := models.InsertActivity(context.Background(), db, &models.Activity{URI: id, ActorID: actor.ID, Type: "Follow",
		ObjectURI: "https://mastodon.example/users/bob", Public: public, Body: body}); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestOutboxEmbedsPublicActivitiesOnly(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	alice := localActor(t, s.db, "alice")
	public := storeActivity(t, s.db, alice, true)
	storeActivity(t, s.db, alice, false)

	root := s.getDoc(t, "/users/alice/outbox")
	if root["totalItems"] != float64(1) || root["first"] != apBase+"/users/alice/outbox?page=true" {
		t.Errorf("root = %v", root)
	}
	page := s.getDoc(t, "/users/alice/outbox?page=true")
	items, _ := page["orderedItems"].([]any)
	if len(items) != 1 {
		t.Fatalf("orderedItems = %v, want the one public activity", page["orderedItems"])
	}
	item, _ := items[0].(map[string]any)
	if item["id"] != public || item["type"] != "Follow" || item["actor"] != apBase+"/users/alice" {
		t.Errorf("item = %v", item)
	}
	if _, ok := item["@context"]; ok {
		t.Error("embedded activity keeps its own @context")
	}
	if empty := s.getDoc(t, "/groups/brooklyn_moms/outbox?page=true"); !reflect.DeepEqual(empty["orderedItems"], []any{}) {
		t.Errorf("empty outbox page orderedItems = %v, want []", empty["orderedItems"])
	}
}

func TestActivityIsServedOnlyWhenPublic(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	alice := localActor(t, s.db, "alice")
	public := storeActivity(t, s.db, alice, true)
	private := storeActivity(t, s.db, alice, false)
	tests := []struct {
		name   string
		url    string
		status int
	}{
		{"public", public, http.StatusOK},
		{"not public", private, http.StatusNotFound},
		{"unknown", apBase + "/activities/00000000-0000-0000-0000-000000000000", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := s.get(t, tt.url, asJSON)
			if rec.Code != tt.status {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body.String(), tt.status)
			}
			if tt.status != http.StatusOK {
				if strings.Contains(rec.Body.String(), "Follow") {
					t.Errorf("404 shows the activity: %s", rec.Body.String())
				}
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/activity+json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			doc := decodeJSON(t, rec)
			if doc["id"] != tt.url || doc["type"] != "Follow" || !reflect.DeepEqual(doc["@context"], contextValue(t)) {
				t.Errorf("document = %v", doc)
			}
		})
	}
}

func TestGroupModeratorsAndFeaturedCollections(t *testing.T) {
	t.Parallel()
	s := newAPServer(t)
	mods := s.getDoc(t, "/groups/brooklyn_moms/moderators")
	want := map[string]any{"type": "OrderedCollection", "id": apBase + "/groups/brooklyn_moms/moderators",
		"totalItems": float64(1), "orderedItems": []any{apBase + "/users/alice"}}
	for k, v := range want {
		if !reflect.DeepEqual(mods[k], v) {
			t.Errorf("moderators %s = %v, want %v", k, mods[k], v)
		}
	}
	if none := s.getDoc(t, "/groups/park_slope/moderators"); none["totalItems"] != float64(0) || !reflect.DeepEqual(none["orderedItems"], []any{}) {
		t.Errorf("moderators of a group without any = %v", none)
	}
	featured := s.getDoc(t, "/groups/brooklyn_moms/featured")
	want = map[string]any{"type": "OrderedCollection", "id": apBase + "/groups/brooklyn_moms/featured",
		"totalItems": float64(0), "orderedItems": []any{}}
	for k, v := range want {
		if !reflect.DeepEqual(featured[k], v) {
			t.Errorf("featured %s = %v, want %v", k, featured[k], v)
		}
	}
}
