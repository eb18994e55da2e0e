package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web"
)

// maxPageBytes is the weight every page must stay under, before images.
const maxPageBytes = 100 << 10

// hostileHTML is remote content as a hostile server might send it; it is
// put into the database as it is, without the sanitizer that guards the
// inbox, to prove that pages do not trust what is stored.
const hostileHTML = `<p>Hello neighbours<script>alert("xss")</script>` +
	`<a href="javascript:alert(2)" onclick="steal()">click</a>` +
	`<img src="x" onerror="alert(3)"><iframe src="https://evil.example/"></iframe></p>`

// pubSite is an instance at apBase with groups in several places, a local
// person, a cached remote person, and posts.
type pubSite struct {
	e  *echo.Echo
	db *pgxpool.Pool

	// Posts by name: "meetup" (Alice, top-level in Brooklyn Moms), "hostile"
	// (Bob's remote reply to it), "cw" (Alice, with a content warning),
	// "answer" (Alice's reply to Bob), "secret" (Alice, in the members-only
	// Park Slope Parents), "remote" (Bob's top-level post in Brooklyn Moms).
	posts map[string]*models.Post
}

func ptr[T any](v T) *T { return &v }

// loopbackFetcher reaches test servers on 127.0.0.0/8, as
// VILLAGE_ALLOW_PRIVATE=127.0.0.0/8 lets an instance do.
func loopbackFetcher() *fetch.Client {
	return fetch.New(fetch.Options{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 5 * time.Second})
}

func newPubSite(t *testing.T) pubSite {
	t.Helper()
	ctx := context.Background()
	db := testenv.DB(t)
	s := pubSite{db: db, posts: map[string]*models.Post{}}
	if _, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "alice", Password: "correct horse",
		DisplayName: "Alice <Park>"}); err != nil {
		t.Fatal(err)
	}
	groups := []models.NewGroup{
		{Name: "brooklyn_moms", Title: "Brooklyn Moms <3", Summary: "Parents of Brooklyn & friends.\n\nBe kind.",
			Location: "Park Slope, Brooklyn", Latitude: ptr(40.6710), Longitude: ptr(-73.9814)},
		{Name: "park_slope", Title: "Park Slope Parents", Location: "Park Slope, Brooklyn",
			Latitude: ptr(40.6720), Longitude: ptr(-73.9770), MembersOnly: true},
		{Name: "leeds_nicu", Title: "NICU parents of Leeds", Location: "Leeds, UK", Latitude: ptr(53.8008), Longitude: ptr(-1.5491)},
		{Name: "austin_40", Title: "Over-40 moms, Austin", Location: "Austin, TX", Latitude: ptr(30.2672), Longitude: ptr(-97.7431)},
		{Name: "online_only", Title: "Night Feeds Club", Summary: "Wherever you are at 3 am."},
	}
	for _, g := range groups {
		if _, err := models.CreateGroup(ctx, db, g); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(ctx, `UPDATE groups SET rules = 'No selling.' || chr(10) || chr(10) || 'Be kind <always>.'
		WHERE actor_id = (SELECT id FROM actors WHERE username = 'brooklyn_moms')`); err != nil {
		t.Fatal(err)
	}
	if err := models.AddModerator(ctx, db, "brooklyn_moms", "alice"); err != nil {
		t.Fatal(err)
	}
	bob, err := models.UpsertRemoteActor(ctx, db, &models.Actor{Type: models.ActorPerson, Username: "bob",
		Domain: "remote.example", URI: "https://remote.example/users/bob", URL: "https://remote.example/@bob",
		DisplayName: "Bob Remote", Summary: `<p>Dad of two<script>alert("bio")</script></p><p onclick="x()">Leeds</p>`,
		InboxURL: "https://remote.example/users/bob/inbox", PublicKeyPEM: "k"})
	if err != nil {
		t.Fatal(err)
	}
	alice := localActor(t, db, "alice")
	brooklyn := localActor(t, db, "brooklyn_moms")
	parkSlope := localActor(t, db, "park_slope")
	if _, err := models.PutFollow(ctx, db, bob.ID, brooklyn.ID, "https://remote.example/follows/1", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}

	s.posts["meetup"] = s.localPost(t, alice, &models.Post{Content: "<p>Playground meetup on Saturday</p>", GroupID: &brooklyn.ID})
	s.posts["hostile"] = s.remotePost(t, bob, "hostile", &models.Post{Content: hostileHTML, GroupID: &brooklyn.ID,
		InReplyToURI: s.posts["meetup"].URI})
	s.posts["cw"] = s.localPost(t, alice, &models.Post{Content: "<p>Who else is up at 4 am?</p>", Summary: "Sleep <talk>",
		GroupID: &brooklyn.ID})
	s.posts["answer"] = s.localPost(t, alice, &models.Post{Content: "<p>Thanks Bob, see you there</p>",
		InReplyToURI: s.posts["hostile"].URI, GroupID: &brooklyn.ID})
	s.posts["secret"] = s.localPost(t, alice, &models.Post{Content: "<p>SECRET-MEMBERS-POST</p>", GroupID: &parkSlope.ID})
	s.posts["remote"] = s.remotePost(t, bob, "remote", &models.Post{Content: hostileHTML + "<p>Top-level from Bob</p>",
		GroupID: &brooklyn.ID})

	s.e = web.New(web.Options{DB: db, URLs: federation.NewURLs(apBase), Version: "test", Fetcher: loopbackFetcher()})
	return s
}

// localPost stores a public post by a local actor, as the outbox would.
func (s pubSite) localPost(t *testing.T, author *models.Actor, p *models.Post) *models.Post {
	t.Helper()
	ctx := context.Background()
	id, err := models.NextPostID(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	p.ID, p.AuthorID, p.Local, p.Type = id, author.ID, true, "Note"
	p.URI = apBase + "/users/" + author.Username + "/statuses/" + strconv.FormatInt(id, 10)
	p.URL = p.URI
	if p.Visibility == "" {
		p.Visibility = models.VisibilityPublicPost
	}
	if _, err := models.InsertPost(ctx, s.db, p); err != nil {
		t.Fatal(err)
	}
	// The Create the outbox would have stored: the post's ActivityPub document.
	body, err := json.Marshal(map[string]any{"id": p.URI + "/activity", "type": "Create", "actor": apBase + "/users/" + author.Username,
		"object": map[string]any{"id": p.URI, "type": "Note", "content": p.Content, "attributedTo": apBase + "/users/" + author.Username}})
	if err != nil {
		t.Fatal(err)
	}
	if err := models.InsertActivity(ctx, s.db, &models.Activity{URI: p.URI + "/activity", ActorID: author.ID, Type: "Create",
		ObjectURI: p.URI, Public: true, Body: body}); err != nil {
		t.Fatal(err)
	}
	return p
}

// remotePost stores a remote actor's public post, content as given.
func (s pubSite) remotePost(t *testing.T, author *models.Actor, slug string, p *models.Post) *models.Post {
	t.Helper()
	p.AuthorID, p.Type, p.Visibility = author.ID, "Note", models.VisibilityPublicPost
	p.URI = author.URI + "/statuses/" + slug
	p.URL = "https://remote.example/@bob/" + slug
	if _, err := models.InsertPost(context.Background(), s.db, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// page fetches path as a browser.
func (s pubSite) page(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", browserGET)
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	return rec
}

// postPath is the path of a local post's page.
func postPath(p *models.Post) string { return strings.TrimPrefix(p.URI, apBase) }

// checkPage fails unless a page is a 200 HTML page under the weight limit
// that carries no active content.
func checkPage(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
	body := rec.Body.String()
	if len(body) > maxPageBytes {
		t.Errorf("page weighs %d bytes, limit %d", len(body), maxPageBytes)
	}
	checkInert(t, body)
	return body
}

// checkInert fails if HTML carries scripts, event handlers, frames or
// javascript: links (Village's pages have none of their own).
func checkInert(t *testing.T, body string) {
	t.Helper()
	lower := strings.ToLower(body)
	for _, bad := range []string{"<script", "onclick", "onerror", "javascript:", "<iframe", "<img", "alert("} {
		if strings.Contains(lower, bad) {
			i := strings.Index(lower, bad)
			t.Errorf("page contains %q: …%s…", bad, body[max(0, i-80):min(len(body), i+80)])
		}
	}
}

func TestPublicPagesShowTheirContent(t *testing.T) {
	t.Parallel()
	s := newPubSite(t)
	tests := []struct {
		name    string
		path    string
		want    []string
		notWant []string
	}{
		{"home", "/", []string{
			"<h1", apHost, "Brooklyn Moms &lt;3", "Park Slope, Brooklyn", "NICU parents of Leeds", "Members only",
			`href="/groups"`, `href="/signup"`, "Join from your own server",
		}, []string{"SECRET-MEMBERS-POST"}},
		{"directory", "/groups", []string{
			"<h1>Groups</h1>", `<label for="q">`, `<label for="near">`, "Brooklyn Moms &lt;3", "Park Slope Parents",
			"Over-40 moms, Austin", "Night Feeds Club", "Latest:",
		}, []string{"SECRET-MEMBERS-POST"}},
		{"public group", "/groups/brooklyn_moms", []string{
			`<link rel="alternate" type="application/activity+json" href="` + apBase + `/groups/brooklyn_moms">`,
			`type="application/rss+xml"`, "<h1>Brooklyn Moms &lt;3</h1>", "@brooklyn_moms@" + apHost,
			"Parents of Brooklyn &amp; friends.", "Be kind.", "No selling.", "Be kind &lt;always&gt;.",
			"Park Slope, Brooklyn", "1 member", "Moderators", "Alice &lt;Park&gt;",
			"Playground meetup on Saturday", "Top-level from Bob", "Hello neighbours", "Sleep &lt;talk&gt;",
			`action="/join"`, `<label for="join-handle">`, `value="` + apBase + `/groups/brooklyn_moms"`,
		}, []string{"Thanks Bob", "SECRET-MEMBERS-POST"}},
		{"members-only group", "/groups/park_slope", []string{
			"<h1>Park Slope Parents</h1>", "Members only", "for its members only", `action="/join"`,
		}, []string{"SECRET-MEMBERS-POST", "application/rss+xml", "member</span>", "members</span>"}},
		{"local profile", "/users/alice", []string{
			`href="` + apBase + `/users/alice"`, "<h1>Alice &lt;Park&gt;</h1>", "@alice@" + apHost,
			"Playground meetup on Saturday", "Thanks Bob", `<details class="cw"><summary>Content warning: Sleep &lt;talk&gt;</summary>`,
			`href="/users/alice/feed.atom"`,
		}, []string{"SECRET-MEMBERS-POST"}},
		{"remote profile", "/@bob@remote.example", []string{
			"<h1>Bob Remote</h1>", "@bob@remote.example", "Dad of two", `href="https://remote.example/@bob"`,
			"Top-level from Bob", "Hello neighbours",
		}, []string{"x()"}},
		{"thread from the top", postPath(s.posts["meetup"]), []string{
			`<link rel="alternate" type="application/activity+json" href="` + s.posts["meetup"].URI + `">`,
			"<h1>Post by Alice &lt;Park&gt;</h1>", "Playground meetup on Saturday", "Hello neighbours", "Thanks Bob",
			"Brooklyn Moms &lt;3", `class="post current"`, "Reply from your own server",
		}, nil},
		{"thread from a reply", postPath(s.posts["answer"]), []string{
			"Earlier in the thread", "Playground meetup on Saturday", "Hello neighbours", "Thanks Bob", "No replies yet.",
		}, nil},
		{"content warning", postPath(s.posts["cw"]), []string{
			`<details class="cw"><summary>Content warning: Sleep &lt;talk&gt;</summary>`, "Who else is up at 4 am?",
		}, nil},
		{"join form", "/join?uri=" + url.QueryEscape(apBase+"/groups/brooklyn_moms"), []string{
			"<h1>Join from your own server</h1>", "Brooklyn Moms &lt;3", `<label for="join-handle">`,
		}, nil},
		{"instance actor", "/actor", []string{`href="` + apBase + `/actor"`, "@127.0.0.2@" + apHost}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := checkPage(t, s.page(t, tt.path))
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%s", w, body)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("page shows %q", w)
				}
			}
			if strings.Contains(body, "<Park>") || strings.Contains(body, "Moms <3") {
				t.Error("page shows unescaped text")
			}
		})
	}
}

func TestPublicPagesKeepActivityJSONForActivityPubClients(t *testing.T) {
	t.Parallel()
	s := newPubSite(t)
	tests := []struct {
		path   string
		wantID string
	}{
		{"/groups/brooklyn_moms", apBase + "/groups/brooklyn_moms"},
		{"/users/alice", apBase + "/users/alice"},
		{postPath(s.posts["meetup"]), s.posts["meetup"].URI},
	}
	for _, tt := range tests {
		for _, accept := range []string{asJSON, asLDJSON, mastodonGET} {
			t.Run(tt.path+" "+accept, func(t *testing.T) {
				req := httptest.NewRequest(http.MethodGet, tt.path, nil)
				req.Header.Set("Accept", accept)
				rec := httptest.NewRecorder()
				s.e.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/activity+json") {
					t.Fatalf("%d %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
				}
				if id := decodeJSON(t, rec)["id"]; id != tt.wantID {
					t.Errorf("id = %v, want %s", id, tt.wantID)
				}
			})
		}
	}
	// A remote profile sends ActivityPub clients to the actor itself.
	req := httptest.NewRequest(http.MethodGet, "/@bob@remote.example", nil)
	req.Header.Set("Accept", asJSON)
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusFound || rec.Header().Get("Location") != "https://remote.example/users/bob" {
		t.Errorf("remote profile for ActivityPub: %d Location %q", rec.Code, rec.Header().Get("Location"))
	}
}

// order returns the positions of names in body, failing if one is absent.
func order(t *testing.T, body string, names ...string) []int {
	t.Helper()
	var at []int
	for _, n := range names {
		i := strings.Index(body, n)
		if i < 0 {
			t.Fatalf("page lacks %q", n)
		}
		at = append(at, i)
	}
	return at
}

func TestDirectorySearchesByNameAndPlaceAndSortsNearestFirst(t *testing.T) {
	t.Parallel()
	s := newPubSite(t)
	const (
		brooklyn = "Brooklyn Moms &lt;3"
		slope    = "Park Slope Parents"
		leeds    = "NICU parents of Leeds"
		austin   = "Over-40 moms, Austin"
		online   = "Night Feeds Club"
	)
	all := []string{brooklyn, slope, leeds, austin, online}
	tests := []struct {
		name    string
		query   string
		inOrder []string // found, in this order
	}{
		{"by name", "q=leeds", []string{leeds}},
		{"by title, any case", "q=OVER-40", []string{austin}},
		{"by place", "near=park+slope", nil}, // both Park Slope groups, order checked below
		{"by place, another case", "near=AUSTIN", []string{austin}},
		{"by name and place", "q=parents&near=brooklyn", []string{slope}},
		{"nearest first from coordinates near Leeds", "lat=53.79&lon=-1.75", []string{leeds, brooklyn, austin}},
		{"nearest first from coordinates near Austin", "lat=30.5&lon=-97.8", []string{austin, brooklyn, leeds}},
		{"nearest first from a place with coordinates", "near=leeds", []string{leeds}},
		{"no match", "q=zzz", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := checkPage(t, s.page(t, "/groups?"+tt.query))
			if tt.inOrder != nil {
				at := order(t, body, tt.inOrder...)
				for i := 1; i < len(at); i++ {
					if at[i-1] > at[i] {
						t.Errorf("%q listed after %q", tt.inOrder[i-1], tt.inOrder[i])
					}
				}
			}
			if strings.Contains(tt.query, "lat=") {
				if !strings.Contains(body, "Nearest first.") || !strings.Contains(body, "km away") {
					t.Error("a search by position does not say nearest first, or how far")
				}
				if at := order(t, body, online, austin); at[0] < at[1] {
					t.Error("a group without coordinates is listed before one with")
				}
				return
			}
			found := map[string]bool{}
			for _, n := range all {
				found[n] = strings.Contains(body, n)
			}
			want := map[string]bool{}
			for _, n := range tt.inOrder {
				want[n] = true
			}
			if tt.query == "near=park+slope" {
				want[brooklyn], want[slope] = true, true
			}
			for _, n := range all {
				if found[n] != want[n] {
					t.Errorf("%q found %v, want %v", n, found[n], want[n])
				}
			}
			if len(want) == 0 && !strings.Contains(body, "No group matches") {
				t.Error("an empty result says nothing")
			}
		})
	}
	// The members-only group is listed, marked, and shows no post.
	body := checkPage(t, s.page(t, "/groups?q=park+slope"))
	if !strings.Contains(body, "Members only") || strings.Contains(body, "SECRET-MEMBERS-POST") {
		t.Errorf("members-only listing: %s", body)
	}
}

func TestDirectoryQueriesAreBoundedAndEscaped(t *testing.T) {
	t.Parallel()
	s := newPubSite(t)
	for _, q := range []string{
		"q=" + url.QueryEscape(`"><script>x()</script>`),
		"q=%25&near=_",
		"near=" + strings.Repeat("x", 5000),
		"lat=NaN&lon=1", "lat=91&lon=0", "lat=abc&lon=",
	} {
		t.Run(q[:min(len(q), 30)], func(t *testing.T) {
			body := checkPage(t, s.page(t, "/groups?"+q))
			if strings.HasPrefix(q, "q=%25") && !strings.Contains(body, "No group matches") {
				t.Error("% and _ are wildcards in the search")
			}
		})
	}
}

func TestPagesEscapeAndSanitizeRemoteContent(t *testing.T) {
	t.Parallel()
	s := newPubSite(t)
	for _, path := range []string{"/", "/groups", "/groups/brooklyn_moms", "/@bob@remote.example", "/users/alice",
		postPath(s.posts["meetup"]), postPath(s.posts["answer"])} {
		t.Run(path, func(t *testing.T) {
			body := checkPage(t, s.page(t, path)) // checks for scripts, handlers, frames, javascript: links
			if path != "/" && path != "/users/alice" && path != "/groups" && !strings.Contains(body, "Hello neighbours") {
				t.Error("the remote post's harmless text is gone too")
			}
		})
	}
}

func TestMembersOnlyGroupPostsStayPrivate(t *testing.T) {
	t.Parallel()
	s := newPubSite(t)
	for _, path := range []string{"/", "/groups", "/groups?q=park", "/groups/park_slope", "/users/alice",
		"/users/alice/feed.rss", "/users/alice/feed.atom"} {
		rec := s.page(t, path)
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "SECRET-MEMBERS-POST") {
			t.Errorf("%s: %d, shows the members' post: %v", path, rec.Code, strings.Contains(rec.Body.String(), "SECRET-MEMBERS-POST"))
		}
	}
	// Its post's own page is not public either, for browsers.
	if rec := s.page(t, postPath(s.posts["secret"])); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "SECRET") {
		t.Errorf("the members-only post's page: %d", rec.Code)
	}
}

func TestErrorPagesAreHTMLForBrowsersAndJSONForOthers(t *testing.T) {
	t.Parallel()
	s := newPubSite(t)
	tests := []struct {
		name, path, accept string
		status             int
		html               bool
	}{
		{"unknown route, browser", "/no/such/page", browserGET, 404, true},
		{"unknown group, browser", "/groups/nobody", browserGET, 404, true},
		{"unknown remote profile, browser", "/@nobody@remote.example", browserGET, 404, true},
		{"unknown group, ActivityPub", "/groups/nobody", asJSON, 404, false},
		{"unknown route, no Accept", "/no/such/page", "", 404, false},
		{"API, browser Accept", "/api/v1/accounts/verify_credentials", browserGET, 401, false},
		{"members-only group feed", "/groups/park_slope/feed.rss", browserGET, 404, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			rec := httptest.NewRecorder()
			s.e.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("%d, want %d", rec.Code, tt.status)
			}
			ct := rec.Header().Get("Content-Type")
			if tt.html {
				if !strings.HasPrefix(ct, "text/html") || !strings.Contains(rec.Body.String(), "<h1>Page not found</h1>") {
					t.Errorf("%s: %s", ct, rec.Body.String())
				}
				return
			}
			if msg, _ := decodeJSON(t, rec)["error"].(string); msg == "" {
				t.Errorf("no JSON error: %s", rec.Body.String())
			}
		})
	}
}

func TestDeletedPostIsAGonePageForBrowsers(t *testing.T) {
	t.Parallel()
	s := newPubSite(t)
	if _, err := models.TombstonePost(context.Background(), s.db, s.posts["cw"].ID); err != nil {
		t.Fatal(err)
	}
	rec := s.page(t, postPath(s.posts["cw"]))
	if rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), "<h1>Deleted</h1>") {
		t.Errorf("%d %s", rec.Code, rec.Body.String())
	}
	req := httptest.NewRequest(http.MethodGet, postPath(s.posts["cw"]), nil)
	req.Header.Set("Accept", asJSON)
	rec = httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusGone || decodeJSON(t, rec)["type"] != "Tombstone" {
		t.Errorf("ActivityPub: %d %s", rec.Code, rec.Body.String())
	}
}

// webfingerServer is a fediverse server on 127.0.0.1 that knows one
// account and answers WebFinger for it (404 for anyone else), with a
// subscribe template when template is set.
func webfingerServer(t *testing.T, user string, template bool) (handle, base string) {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := strings.TrimPrefix(srv.URL, "http://")
		if r.URL.Path != "/.well-known/webfinger" || r.URL.Query().Get("resource") != "acct:"+user+"@"+host {
			http.NotFound(w, r)
			return
		}
		links := []any{map[string]any{"rel": "self", "type": "application/activity+json", "href": srv.URL + "/users/" + user}}
		if template {
			links = append(links, map[string]any{"rel": "http://ostatus.org/schema/1.0/subscribe",
				"template": srv.URL + "/authorize_interaction?uri={uri}"})
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		json.NewEncoder(w).Encode(map[string]any{"subject": "acct:" + user + "@" + host, "links": links})
	}))
	t.Cleanup(srv.Close)
	return "@" + user + "@" + strings.TrimPrefix(srv.URL, "http://"), srv.URL
}

func TestJoinFromYourOwnServerRedirectsToTheVisitorsServer(t *testing.T) {
	t.Parallel()
	s := newPubSite(t)
	group := apBase + "/groups/brooklyn_moms"
	post := s.posts["meetup"].URI
	withTemplate, templateBase := webfingerServer(t, "mia", true)
	withoutTemplate, plainBase := webfingerServer(t, "noor", false)
	unknownHere := "@ghost@" + strings.TrimPrefix(templateBase, "http://") // the server answers 404 for her
	tests := []struct {
		name, uri, handle string
		status            int
		location          string // for redirects
		want              string // in the page otherwise
	}{
		{"subscribe template", group, withTemplate, http.StatusSeeOther,
			templateBase + "/authorize_interaction?uri=" + url.QueryEscape(group), ""},
		{"a post, by template", post, withTemplate, http.StatusSeeOther,
			templateBase + "/authorize_interaction?uri=" + url.QueryEscape(post), ""},
		{"handle without @ first", group, strings.TrimPrefix(withTemplate, "@"), http.StatusSeeOther,
			templateBase + "/authorize_interaction?uri=" + url.QueryEscape(group), ""},
		{"no template: authorize_interaction", group, withoutTemplate, http.StatusSeeOther,
			plainBase + "/authorize_interaction?uri=" + url.QueryEscape(group), ""},
		{"a handle of this server", group, "@alice@" + apHost, http.StatusSeeOther, "/groups/brooklyn_moms", ""},
		{"not a handle", group, "<b>alice</b>", http.StatusUnprocessableEntity, "", "&lt;b&gt;alice&lt;/b&gt;"},
		{"no host", group, "@alice", http.StatusUnprocessableEntity, "", "Enter your handle as"},
		{"host with a path", group, "@alice@evil.example/x", http.StatusUnprocessableEntity, "", "Enter your handle as"},
		{"empty handle", group, "", http.StatusUnprocessableEntity, "", "Enter your handle as"},
		{"unknown on her server", group, unknownHere, http.StatusUnprocessableEntity, "", "does not know"},
		{"unknown target", apBase + "/groups/nobody", withTemplate, http.StatusNotFound, "", "could not find what you wanted"},
		{"the instance actor", apBase + "/actor", withTemplate, http.StatusNotFound, "", "could not find what you wanted"},
		{"members-only post", s.posts["secret"].URI, withTemplate, http.StatusNotFound, "", "could not find what you wanted"},
		{"another site", "https://evil.example/phish", withTemplate, http.StatusNotFound, "", "could not find what you wanted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := s.page(t, "/join?"+url.Values{"uri": {tt.uri}, "handle": {tt.handle}}.Encode())
			if rec.Code != tt.status {
				t.Fatalf("%d, want %d: %s", rec.Code, tt.status, rec.Body.String())
			}
			if tt.location != "" {
				if got := rec.Header().Get("Location"); got != tt.location {
					t.Errorf("Location %q, want %q", got, tt.location)
				}
				return
			}
			body := rec.Body.String()
			checkInert(t, body)
			if !strings.Contains(body, tt.want) {
				t.Errorf("page lacks %q:\n%s", tt.want, body)
			}
			if tt.status == http.StatusUnprocessableEntity && !strings.Contains(body, `aria-invalid="true"`) {
				t.Error("the form does not mark the handle invalid")
			}
		})
	}
}

func TestJoinSaysSoWhenTheServerCannotBeReached(t *testing.T) {
	t.Parallel()
	db := testenv.DB(t)
	if _, err := models.CreateGroup(context.Background(), db, models.NewGroup{Name: "moms", Title: "Moms"}); err != nil {
		t.Fatal(err)
	}
	handle, _ := webfingerServer(t, "mia", true)
	// Without an allow-list, loopback servers are out of reach, as on a public instance.
	e := web.New(web.Options{DB: db, URLs: federation.NewURLs(apBase)})
	req := httptest.NewRequest(http.MethodGet, "/join?"+url.Values{"uri": {apBase + "/groups/moms"}, "handle": {handle}}.Encode(), nil)
	req.Header.Set("Accept", browserGET)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "could not reach") {
		t.Errorf("%d %s", rec.Code, rec.Body.String())
	}
}

func TestPagesStayUnder100KBWithLongPostsAndThreads(t *testing.T) {
	t.Parallel()
	s := newPubSite(t)
	ctx := context.Background()
	bob, err := models.RemoteActorByURI(ctx, s.db, "https://remote.example/users/bob")
	if err != nil {
		t.Fatal(err)
	}
	alice := localActor(t, s.db, "alice")
	group := localActor(t, s.db, "online_only")
	long := "<p>" + strings.Repeat("A long story about sleep, teeth and daycare. ", 300) + "</p>" // about 14 KB
	medium := "<p>" + strings.Repeat("Ours did that too! ", 200) + "</p>"                         // about 4 KB
	label := strings.Repeat("Very long title ", 200)
	for i := range 30 {
		s.remotePost(t, bob, fmt.Sprintf("long-%d", i), &models.Post{Content: long, Name: label, Summary: label,
			GroupID: &group.ID})
	}
	root := s.localPost(t, alice, &models.Post{Content: long, GroupID: &group.ID})
	parent := root.URI
	for i := range 120 {
		p := s.remotePost(t, bob, fmt.Sprintf("reply-%d", i), &models.Post{Content: medium, GroupID: &group.ID, InReplyToURI: parent})
		if i%3 == 0 {
			parent = p.URI // some depth
		}
	}
	for _, path := range []string{"/groups/online_only", "/@bob@remote.example", postPath(root), "/groups", "/"} {
		t.Run(path, func(t *testing.T) {
			rec := s.page(t, path)
			body := checkPage(t, rec)
			t.Logf("%s: %d bytes", path, len(body))
		})
	}
	if body := s.page(t, postPath(root)).Body.String(); !strings.Contains(body, "more replies are not shown") {
		t.Error("a long thread does not say that replies are left out")
	}
}
