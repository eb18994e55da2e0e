package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
	"github.com/village-social/village/web/ratelimit"
)

// /api/v2/search takes Mastodon's parameters as Mastodon does: offset
// only in a search of one type, limit, min_id and max_id, account_id,
// following for accounts, no full-text search of a lone #tag or handle,
// no hashtag search of a handle.
func TestSearchTakesMastodonsParameters(t *testing.T) {
	t.Parallel()
	s := newAvatarSite(t)
	ctx := context.Background()
	alice := s.mediaUser("alice")
	bob, bea := s.account("bobby", "correct horse"), s.account("bea", "correct horse")
	if _, err := models.PutFollow(ctx, s.db, alice.acc.Actor.ID, bea.Actor.ID, siteBase+"/follows/1", "accepted"); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i := range 3 {
		p := &models.Post{URI: fmt.Sprintf("%s/users/alice/statuses/p%d", siteBase, i), AuthorID: alice.acc.Actor.ID, Type: "Note",
			Content: "<p>sandpit morning #Sandpit</p>", Visibility: models.VisibilityPublicPost, Local: true,
			Tags: []models.Tag{{Type: "Hashtag", Name: "#Sandpit"}}}
		if _, err := models.InsertPost(ctx, s.db, p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	id := func(i int) string { return strconv.FormatInt(ids[i], 10) }
	tests := []struct {
		query                      string
		wantStatuses               []string // ids, newest first
		wantAccounts, wantHashtags int
	}{
		{query: "q=sandpit&offset=1", wantStatuses: []string{id(2), id(1), id(0)}, wantHashtags: 1},
		{query: "q=sandpit&type=statuses&offset=1", wantStatuses: []string{id(1), id(0)}},
		{query: "q=sandpit&type=statuses&limit=1", wantStatuses: []string{id(2)}},
		{query: "q=sandpit&type=statuses&min_id=" + id(0), wantStatuses: []string{id(2), id(1)}},
		{query: "q=sandpit&type=statuses&max_id=" + id(2), wantStatuses: []string{id(1), id(0)}},
		{query: "q=sandpit&type=statuses&account_id=" + strconv.FormatInt(bob.Actor.ID, 10)},
		{query: "q=%23sandpit", wantHashtags: 1},
		{query: "q=sandpit@elsewhere.example"},
		{query: "q=b&type=accounts", wantAccounts: 2},
		{query: "q=b&type=accounts&following=true", wantAccounts: 1},
		{query: "q=b&type=accounts&offset=1", wantAccounts: 1},
		{query: "q=sand&type=hashtags", wantHashtags: 1},
		{query: "q=sand&type=hashtags&offset=1"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rec := alice.send(http.MethodGet, "/api/v2/search?"+tt.query, nil, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			var got struct {
				Accounts []struct{ ID string }
				Statuses []struct{ ID string }
				Hashtags []struct{ Name string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			var statuses []string
			for _, st := range got.Statuses {
				statuses = append(statuses, st.ID)
			}
			if !slices.Equal(statuses, tt.wantStatuses) || len(got.Accounts) != tt.wantAccounts || len(got.Hashtags) != tt.wantHashtags {
				t.Errorf("statuses %v, %d accounts, %d hashtags; want %v, %d, %d", statuses, len(got.Accounts), len(got.Hashtags),
					tt.wantStatuses, tt.wantAccounts, tt.wantHashtags)
			}
		})
	}
}

// indexable is set by update_credentials, read back in the Account, and
// sent in the person's actor document; resolve=true for a visitor's
// address of this server fetches nothing.
func TestIndexableThroughUpdateCredentialsAndTheActor(t *testing.T) {
	t.Parallel()
	s := newAvatarSite(t)
	alice := s.mediaUser("alice")
	for _, tt := range []struct {
		send string
		want bool
	}{{"true", true}, {"false", false}} {
		rec := alice.send(http.MethodPatch, "/api/v1/accounts/update_credentials", url.Values{"indexable": {tt.send}}, "")
		var acc struct{ Indexable bool }
		if err := json.Unmarshal(rec.Body.Bytes(), &acc); err != nil || rec.Code != http.StatusOK || acc.Indexable != tt.want {
			t.Fatalf("indexable=%s: %d %s", tt.send, rec.Code, rec.Body)
		}
		r, _ := http.NewRequest(http.MethodGet, "/users/alice", nil)
		r.Header.Set("Accept", "application/activity+json")
		doc := httptest.NewRecorder()
		s.e.ServeHTTP(doc, r)
		var actor map[string]any
		if err := json.Unmarshal(doc.Body.Bytes(), &actor); err != nil {
			t.Fatalf("actor: %d %s", doc.Code, doc.Body)
		}
		if actor["indexable"] != tt.want {
			t.Errorf("after indexable=%s the actor says %v", tt.send, actor["indexable"])
		}
	}
	if rec := alice.send(http.MethodPatch, "/api/v1/accounts/update_credentials", url.Values{"indexable": {"maybe"}}, ""); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("indexable=maybe: %d", rec.Code)
	}
}

// The settings page offers indexable as a checkbox: ticked, the profile
// is saved indexable and the box shows ticked; unticked, it is not.
func TestSettingsPageSavesIndexable(t *testing.T) {
	t.Parallel()
	s := newSiteWith(t, models.SignupOpen, siteBase, nil)
	acc := s.account("sam", "correct horse battery")
	b := s.browser()
	wantStatus(t, "log in", b.logIn("sam", "correct horse battery"), http.StatusSeeOther)
	for _, tt := range []struct {
		form url.Values
		want bool
	}{
		{url.Values{"display_name": {"Sam"}, "indexable": {"1"}}, true},
		{url.Values{"display_name": {"Sam"}}, false},
	} {
		wantStatus(t, "profile", b.submit("/settings", "/settings/profile", tt.form), http.StatusSeeOther)
		a, err := models.ActorByID(context.Background(), s.db, acc.Actor.ID)
		if err != nil {
			t.Fatal(err)
		}
		page := b.get("/settings").Body.String()
		if a.Indexable != tt.want || strings.Contains(page, `name="indexable" type="checkbox" value="1" checked`) != tt.want {
			t.Errorf("form %v: saved indexable %v, page shows it ticked: %v; want %v", tt.form, a.Indexable,
				strings.Contains(page, `name="indexable" type="checkbox" value="1" checked`), tt.want)
		}
	}
}

// A member's searches may ask other servers for pasted addresses only so
// often: past the limit, resolve=true is refused with 429 and a wait.
// (The addresses here are refused by the address guard, quickly; each
// still counts as asked.)
func TestSearchResolveIsLimitedPerMember(t *testing.T) {
	t.Parallel()
	pool := testenv.DB(t)
	urls := federation.NewURLs(siteBase)
	resolver := federation.NewResolver(pool, urls, fetch.New(fetch.Options{Timeout: time.Second}), federation.ResolverOptions{})
	out := outbox.New(pool, urls, func(context.Context, pgx.Tx, int64, []string) error { return nil }, nil)
	e := web.New(web.Options{DB: pool, URLs: urls, Resolver: resolver, Outbox: out,
		Inbox: inbox.New(pool, urls, resolver, out, nil, nil)})
	acc, err := models.CreateAccount(context.Background(), pool, models.NewAccount{Username: "ruth", Password: "correct horse", Email: "ruth@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := models.CreateToken(context.Background(), pool, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	search := func(i int) *httptest.ResponseRecorder {
		q := url.Values{"q": {fmt.Sprintf("http://127.0.0.177:9/statuses/%d", i)}, "resolve": {"true"}, "type": {"statuses"}}
		r := httptest.NewRequest(http.MethodGet, "/api/v2/search?"+q.Encode(), nil)
		r.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, r)
		return rec
	}
	for i := range ratelimit.ResolvesPerAccount {
		if rec := search(i); rec.Code != http.StatusOK {
			t.Fatalf("search %d: %d %s", i+1, rec.Code, rec.Body)
		}
	}
	rec := search(ratelimit.ResolvesPerAccount)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), `"error"`) {
		t.Errorf("past the limit: %d %s (Retry-After %q)", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
}
