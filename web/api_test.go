package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
)

// apiServer is an instance's HTTP layer over a fresh database, with a user
// alice and her token.
func apiServer(t *testing.T) (e *echo.Echo, db models.DB, alice *models.Account, token string) {
	t.Helper()
	ctx := context.Background()
	pool := testenv.DB(t)
	urls := federation.NewURLs("http://127.0.0.2:8080")
	out := outbox.New(pool, urls, nil, nil) // local follows only: nothing to deliver
	e = web.New(web.Options{DB: pool, URLs: urls, Outbox: out})
	alice, err := models.CreateAccount(ctx, pool, models.NewAccount{Username: "alice", Password: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	token, err = models.CreateToken(ctx, pool, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	return e, pool, alice, token
}

func call(e *echo.Echo, method, path, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestAPIRequiresAValidToken(t *testing.T) {
	t.Parallel()
	e, _, _, token := apiServer(t)
	for _, tt := range []struct {
		name, token string
		want        int
	}{
		{"no token", "", 401},
		{"wrong token", token + "x", 401},
		{"valid token", token, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := call(e, http.MethodGet, "/api/v1/accounts/verify_credentials", tt.token)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			if tt.want == 401 && !strings.Contains(rec.Body.String(), `"error"`) {
				t.Errorf("401 without Mastodon's error shape: %s", rec.Body)
			}
		})
	}
}

func TestAPIAccountsAndFollowersPageWithLinkHeaders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, db, alice, token := apiServer(t)
	g, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "moms", Title: "Moms"})
	if err != nil {
		t.Fatal(err)
	}
	// Three local followers of the group.
	for i := range 3 {
		acc, err := models.CreateAccount(ctx, db, models.NewAccount{Username: fmt.Sprintf("parent%d", i), Password: "password1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.PutFollow(ctx, db, acc.Actor.ID, g.Actor.ID, fmt.Sprintf("urn:f:%d", i), models.FollowAccepted); err != nil {
			t.Fatal(err)
		}
	}
	var acc struct {
		ID             string `json:"id"`
		Acct           string `json:"acct"`
		Group          bool   `json:"group"`
		FollowersCount int    `json:"followers_count"`
	}
	rec := call(e, http.MethodGet, fmt.Sprintf("/api/v1/accounts/%d", g.Actor.ID), token)
	if err := json.Unmarshal(rec.Body.Bytes(), &acc); err != nil || !acc.Group || acc.Acct != "moms" || acc.FollowersCount != 3 {
		t.Fatalf("group account: %d %s", rec.Code, rec.Body)
	}
	rec = call(e, http.MethodGet, "/api/v1/accounts/lookup?acct=moms@127.0.0.2:8080", token)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), fmt.Sprintf(`"id":"%d"`, g.Actor.ID)) {
		t.Errorf("lookup with our own host: %d %s", rec.Code, rec.Body)
	}
	for _, missing := range []string{"/api/v1/accounts/999999", "/api/v1/accounts/abc", "/api/v1/accounts/lookup?acct=nobody"} {
		if rec := call(e, http.MethodGet, missing, token); rec.Code != 404 || !strings.Contains(rec.Body.String(), "Record not found") {
			t.Errorf("%s: %d %s", missing, rec.Code, rec.Body)
		}
	}

	// Pages of two, linked by Link: rel="next".
	path := fmt.Sprintf("/api/v1/accounts/%d/followers?limit=2", g.Actor.ID)
	var seen []string
	for pages := 0; path != "" && pages < 5; pages++ {
		rec := call(e, http.MethodGet, path, token)
		var list []struct {
			Username string `json:"username"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
			t.Fatalf("%s: %s", path, rec.Body)
		}
		for _, a := range list {
			seen = append(seen, a.Username)
		}
		path = ""
		if link := rec.Header().Get("Link"); link != "" {
			next := strings.TrimPrefix(strings.SplitN(link, ">", 2)[0], "<")
			path = strings.TrimPrefix(next, "http://127.0.0.2:8080")
		}
	}
	if strings.Join(seen, ",") != "parent2,parent1,parent0" {
		t.Errorf("followers across pages = %v, want newest first, each once", seen)
	}

	// Following a local public group takes effect at once.
	rec = call(e, http.MethodPost, fmt.Sprintf("/api/v1/accounts/%d/follow", g.Actor.ID), token)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"following":true`) {
		t.Errorf("follow: %d %s", rec.Code, rec.Body)
	}
	rec = call(e, http.MethodGet, fmt.Sprintf("/api/v1/accounts/relationships?id[]=%d", g.Actor.ID), token)
	if !strings.Contains(rec.Body.String(), `"following":true`) {
		t.Errorf("relationships: %s", rec.Body)
	}
	if rec := call(e, http.MethodPost, fmt.Sprintf("/api/v1/accounts/%d/follow", alice.Actor.ID), token); rec.Code != 403 {
		t.Errorf("following oneself: %d", rec.Code)
	}
}

// openToEveryone are the API routes Mastodon answers without looking at
// scopes: what apps read before log-in, and app registration.
var openToEveryone = map[string]bool{
	"POST /api/v1/apps":                   true,
	"GET /api/v1/apps/verify_credentials": true, // any live token, whatever its scopes
	"GET /api/v1/instance":                true,
	"GET /api/v2/instance":                true,
	"GET /api/v1/instance/rules":          true,
	"GET /api/v1/custom_emojis":           true,
}

// openToVisitors are the routes a request without a token may call, as on
// Mastodon (a token, when sent, must still hold the route's scope).
var openToVisitors = map[string]bool{
	"POST /api/v1/apps":                  true,
	"GET /api/v1/instance":               true,
	"GET /api/v2/instance":               true,
	"GET /api/v1/instance/rules":         true,
	"GET /api/v1/custom_emojis":          true,
	"GET /api/v1/accounts/lookup":        true,
	"GET /api/v1/accounts/:id":           true,
	"GET /api/v1/accounts/:id/statuses":  true,
	"GET /api/v1/statuses/:id":           true,
	"GET /api/v1/statuses/:id/context":   true,
	"GET /api/v1/polls/:id":              true,
	"GET /api/v1/timelines/public":       true,
	"GET /api/v1/timelines/tag/:hashtag": true,
	"GET /api/v1/tags/:name":             true,
	"GET /api/v1/trends":                 true,
	"GET /api/v1/trends/tags":            true,
	"GET /api/v1/trends/statuses":        true,

	// Featured tags: what a profile shows, to anyone.
	"GET /api/v1/accounts/:id/featured_tags": true,
}

// apiRoutesOf lists the client API's routes.
func apiRoutesOf(e *echo.Echo) []*echo.Route {
	var out []*echo.Route
	for _, r := range e.Routes() {
		// The streaming API checks tokens itself and answers as
		// Mastodon's streaming server does (streaming_test.go).
		if strings.HasPrefix(r.Path, "/api/v1/streaming") {
			continue
		}
		if strings.HasPrefix(r.Path, "/api/") && r.Method != echo.RouteNotFound {
			out = append(out, r)
		}
	}
	return out
}

// TestEveryAPIRouteNeedsAScope: a token granted no scope at all gets
// Mastodon's 403 from every route of the client API but those listed as
// open to everyone, so none was left without its scope.
func TestEveryAPIRouteNeedsAScope(t *testing.T) {
	t.Parallel()
	e, db, alice, _ := apiServer(t)
	none, err := models.CreateScopedToken(context.Background(), db, alice.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	routes := apiRoutesOf(e)
	for _, r := range routes {
		path := strings.NewReplacer(":id", "1", ":name", "alice").Replace(r.Path)
		rec := call(e, r.Method, path, none)
		refused := rec.Code == http.StatusForbidden && strings.Contains(rec.Body.String(), "outside the authorized scopes")
		if open := openToEveryone[r.Method+" "+r.Path]; refused == open {
			t.Errorf("%s %s with no scope: %d %s (open to everyone: %v)", r.Method, r.Path, rec.Code, rec.Body, open)
		}
	}
	if len(routes) < 50 {
		t.Errorf("only %d API routes seen", len(routes))
	}
}

// TestVisitorsCallOnlyTheRoutesMastodonOpensToThem: without a token every
// route but the listed ones answers 401, and a dead token is 401 on all.
func TestVisitorsCallOnlyTheRoutesMastodonOpensToThem(t *testing.T) {
	t.Parallel()
	e, _, _, token := apiServer(t)
	for _, r := range apiRoutesOf(e) {
		path := strings.NewReplacer(":id", "1", ":name", "alice").Replace(r.Path)
		rec := call(e, r.Method, path, "")
		open := openToVisitors[r.Method+" "+r.Path]
		if refused := rec.Code == http.StatusUnauthorized; refused == open {
			t.Errorf("%s %s without a token: %d %s (open to visitors: %v)", r.Method, r.Path, rec.Code, rec.Body, open)
		}
		if rec := call(e, r.Method, path, token+"x"); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `"error"`) {
			t.Errorf("%s %s with a dead token: %d %s", r.Method, r.Path, rec.Code, rec.Body)
		}
	}
}

func TestATokenDoesOnlyWhatItsScopesSay(t *testing.T) {
	t.Parallel()
	e, db, alice, _ := apiServer(t)
	ctx := context.Background()
	token := func(scopes ...string) string {
		tok, err := models.CreateScopedToken(ctx, db, alice.ID, scopes)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	post := func(tok string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/statuses", strings.NewReader("status=Hello"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}
	readOnly, writer, follower := token("read"), token("write:statuses"), token("follow")
	if rec := call(e, http.MethodGet, "/api/v1/timelines/home", readOnly); rec.Code != http.StatusOK {
		t.Errorf("read token reading the home timeline: %d %s", rec.Code, rec.Body)
	}
	if rec := post(readOnly); rec.Code != http.StatusForbidden {
		t.Errorf("read token posting: %d %s", rec.Code, rec.Body)
	}
	if rec := post(writer); rec.Code != http.StatusOK {
		t.Errorf("write:statuses token posting: %d %s", rec.Code, rec.Body)
	}
	if rec := call(e, http.MethodGet, "/api/v1/timelines/home", writer); rec.Code != http.StatusForbidden {
		t.Errorf("write:statuses token reading: %d %s", rec.Code, rec.Body)
	}
	if rec := call(e, http.MethodGet, "/api/v1/blocks", follower); rec.Code != http.StatusOK {
		t.Errorf("follow token listing blocks: %d %s", rec.Code, rec.Body)
	}
	if rec := call(e, http.MethodGet, "/api/v1/accounts/verify_credentials", token("profile")); rec.Code != http.StatusOK {
		t.Errorf("profile token verifying credentials: %d %s", rec.Code, rec.Body)
	}
}
