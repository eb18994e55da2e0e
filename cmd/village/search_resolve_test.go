package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	mastodon "github.com/mattn/go-mastodon"

	"github.com/village-social/village/internal/testenv"
)

const (
	addrSearchA      = "127.0.0.173:0"
	addrSearchB      = "127.0.0.174:0"
	addrSearchPage   = "127.0.0.175:0"
	addrFeaturedTags = "127.0.0.176:0"
)

// Search across two Villages, through a Mastodon client library: a
// member of A pastes the address of a post on B (its id, or a web page
// naming it as its ActivityPub alternate) with resolve=true and gets the
// status, stored once (with B gone, the same search still finds it), and
// in the web app's search box lands on the post;
// without resolve nothing is fetched, and an actor's address is no post.
// Full-text search on A finds an indexable author's public post from B,
// not a non-indexable one's, and never a members-only group's posts but
// for its members.
func TestSearchResolvesPastedPostsAndHonoursIndexable(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrSearchA})
	b := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrSearchB})
	alice, bob := a.User("alice"), a.User("bob")
	carol, dave := b.User("carol"), b.User("dave")
	ac, ctx := mastodonClient(t, alice)
	bc, _ := mastodonClient(t, bob)

	// carol opts in before A first reads her actor; dave does not.
	var me struct{ Indexable bool }
	if code := carol.Do(http.MethodPatch, "/api/v1/accounts/update_credentials", url.Values{"indexable": {"true"}}, &me); code != http.StatusOK || !me.Indexable {
		t.Fatalf("carol's update_credentials indexable=true: %d, indexable %v", code, me.Indexable)
	}
	cc, _ := mastodonClient(t, carol)
	dc, _ := mastodonClient(t, dave)
	post := func(c *mastodon.Client, text string) *mastodon.Status {
		t.Helper()
		return must[*mastodon.Status](t, "posting "+text)(c.PostStatus(ctx, &mastodon.Toot{Status: text, Visibility: "public"}))
	}
	carols := post(cc, "Lost a teddy bear near the duck pond")
	carolsOther := post(cc, "Found: a blue scooter at the library")
	daves := post(dc, "My teddy bear collection for swap")

	search := func(c *mastodon.Client, q string, resolve bool) *mastodon.Results {
		t.Helper()
		return must[*mastodon.Results](t, "searching "+q)(c.Search(ctx, q, resolve))
	}
	if got := search(ac, carols.URI, false); len(got.Statuses) != 0 {
		t.Errorf("without resolve, a post only B knows was found: %+v", got.Statuses)
	}
	got := search(ac, carols.URI, true)
	if len(got.Statuses) != 1 || got.Statuses[0].URI != carols.URI || !strings.Contains(got.Statuses[0].Content, "teddy bear") {
		t.Fatalf("pasting carol's post's id with resolve=true: %+v", got.Statuses)
	}
	if acct := got.Statuses[0].Account.Acct; acct != "carol@"+hostOf(t, b.BaseURL) {
		t.Errorf("the resolved status's account is %q", acct)
	}
	if got := search(ac, daves.URI, true); len(got.Statuses) != 1 {
		t.Fatalf("pasting dave's post: %+v", got.Statuses)
	}

	// A web page that names carol's other post as its alternate, as a
	// post's page does when its url is not its id.
	page := servePage(t, addrSearchPage, fmt.Sprintf(`<!doctype html><html><head><title>Scooter</title>
<link rel="alternate" type="application/activity+json" href="%s"></head><body><p>A scooter</p></body></html>`, carolsOther.URI))
	if got := search(ac, page+"/found/scooter", true); len(got.Statuses) != 1 || got.Statuses[0].URI != carolsOther.URI {
		t.Fatalf("pasting a page of carol's other post: %+v", got.Statuses)
	}
	// The web app's search box: a member pasting an address lands on the post.
	carolsThird := post(cc, "Swimming lessons start in June")
	web := a.SignIn("alice").Following()
	if code, body := web.Get("/search?q=" + url.QueryEscape(carolsThird.URI)); code != http.StatusOK || !strings.Contains(body, "Swimming lessons") {
		t.Errorf("pasting carol's third post into the web app's search box: %d\n%s", code, body)
	}
	if got := search(ac, b.BaseURL+"/users/carol", true); len(got.Statuses) != 0 || len(got.Accounts) != 1 {
		t.Errorf("an actor's address: %d statuses, %d accounts; want it as an account only", len(got.Statuses), len(got.Accounts))
	}
	if got := search(ac, b.BaseURL+"/users/carol/statuses/999999999", true); len(got.Statuses) != 0 {
		t.Errorf("an address B does not answer: %+v", got.Statuses)
	}

	// Stored once; with B gone, the same searches find them, from here.
	var stored int
	testenv.QueryOne(t, a, &stored, `SELECT count(*) FROM posts WHERE uri = ANY($1)`, []string{carols.URI, carolsOther.URI, daves.URI, carolsThird.URI})
	if stored != 4 {
		t.Fatalf("A stored %d of the four pasted posts", stored)
	}
	b.Stop()
	if got := search(ac, carols.URI, true); len(got.Statuses) != 1 {
		t.Errorf("pasting carol's post again, with B gone: %+v", got.Statuses)
	}
	testenv.QueryOne(t, a, &stored, `SELECT count(*) FROM posts WHERE uri = ANY($1)`, []string{carols.URI, carolsOther.URI, daves.URI, carolsThird.URI})
	if stored != 4 {
		t.Errorf("after searching again A has %d rows for the four posts", stored)
	}

	// Full text: bob finds carol's public post (she is indexable), not
	// dave's; nobody but the group's members finds its members-only post,
	// though alice, its author, is indexable too.
	a.Admin("admin", "group", "create", "nicu", "--title", "NICU parents", "--private")
	a.Admin("admin", "group", "moderator", "add", "nicu", "alice")
	alice.Do(http.MethodPatch, "/api/v1/accounts/update_credentials", url.Values{"indexable": {"true"}}, nil)
	alice.Post("/api/v1/statuses", url.Values{"status": {"@nicu our teddy bear club meets Friday"}, "visibility": {"public"}}, nil)
	uris := func(r *mastodon.Results) map[string]bool {
		out := map[string]bool{}
		for _, s := range r.Statuses {
			out[s.URI] = true
		}
		return out
	}
	found := uris(search(bc, "teddy bear", false))
	if !found[carols.URI] || found[daves.URI] || len(found) != 1 {
		t.Errorf("bob's full-text search: %v; want carol's post only (dave is not indexable, the group's post is members-only)", found)
	}
	found = uris(search(ac, "teddy bear", false))
	if len(found) != 2 || !found[carols.URI] {
		t.Errorf("alice's full-text search: %v; want carol's post and her group's", found)
	}
	var typed struct{ Statuses []struct{ URI string } }
	alice.Get("/api/v2/search?q=teddy&type=statuses&account_id="+string(got.Statuses[0].Account.ID), &typed)
	if len(typed.Statuses) != 1 || typed.Statuses[0].URI != carols.URI {
		t.Errorf("alice's search with carol's account_id: %+v", typed.Statuses)
	}
}

// servePage serves one HTML page at every path of a loopback address, as
// a blog that names a post's ActivityPub id would; it returns its base.
func servePage(t *testing.T, addr, body string) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, body)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return "http://" + ln.Addr().String()
}

// Featured tags: alice shows #Playdates on her profile through the API;
// her profile page lists it, any app reads it from her account, and her
// actor document names the collection other servers read it from.
func TestFeaturedTagsShowOnTheProfileAndTheActor(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrFeaturedTags})
	alice, bob := a.User("alice"), a.User("bob")
	alice.Post("/api/v1/statuses", url.Values{"status": {"Any #Playdates this week?"}, "visibility": {"public"}}, nil)

	var suggested []struct{ Name string }
	alice.Get("/api/v1/featured_tags/suggestions", &suggested)
	if len(suggested) != 1 || suggested[0].Name != "playdates" {
		t.Errorf("suggestions: %+v", suggested)
	}
	var ft struct {
		ID, Name, URL string
		Count         string  `json:"statuses_count"`
		Last          *string `json:"last_status_at"`
	}
	alice.Post("/api/v1/featured_tags", url.Values{"name": {"Playdates"}}, &ft)
	if ft.Name != "Playdates" || ft.Count != "1" || ft.Last == nil || ft.ID == "" {
		t.Errorf("the featured tag: %+v", ft)
	}
	var refusal struct{ Error string }
	if code := alice.Do(http.MethodPost, "/api/v1/featured_tags", url.Values{"name": {"two words"}}, &refusal); code != http.StatusUnprocessableEntity || refusal.Error == "" {
		t.Errorf("a bad name: %d %+v", code, refusal)
	}
	var list []struct{ Name string }
	bob.Get("/api/v1/accounts/"+alice.MeID()+"/featured_tags", &list)
	if len(list) != 1 || list[0].Name != "Playdates" {
		t.Errorf("alice's featured tags as bob reads them: %+v", list)
	}
	var tag struct{ Featuring bool }
	alice.Get("/api/v1/tags/playdates", &tag)
	if !tag.Featuring {
		t.Error("the Tag entity does not say alice features it")
	}

	resp, err := http.Get(a.BaseURL + "/users/alice")
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(html), `href="/tags/playdates">#Playdates</a>`) {
		t.Errorf("alice's profile page does not show #Playdates")
	}

	actor := activityJSON(t, a.BaseURL+"/users/alice")
	collection, _ := actor["featuredTags"].(string)
	if collection != a.BaseURL+"/users/alice/tags" {
		t.Fatalf("featuredTags = %v", actor["featuredTags"])
	}
	doc := activityJSON(t, collection)
	items, _ := doc["items"].([]any)
	if doc["type"] != "Collection" || len(items) != 1 {
		t.Fatalf("the featured tags collection: %v", doc)
	}
	if item, _ := items[0].(map[string]any); item["type"] != "Hashtag" || item["name"] != "#Playdates" || item["href"] != a.BaseURL+"/tags/playdates" {
		t.Errorf("the featured hashtag: %v", item)
	}

	if code := alice.Do(http.MethodDelete, "/api/v1/featured_tags/"+ft.ID, nil, nil); code != http.StatusOK {
		t.Errorf("removing: %d", code)
	}
	alice.Get("/api/v1/featured_tags", &list)
	if len(list) != 0 {
		t.Errorf("after removing: %+v", list)
	}
}

// activityJSON fetches an ActivityPub document.
func activityJSON(t *testing.T, u string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Accept", "application/activity+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return out
}
