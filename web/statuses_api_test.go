package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
)

// statusSite is an instance's HTTP layer, everyone local, with API tokens
// for alice, bea and carol.
type statusSite struct {
	t     *testing.T
	e     *echo.Echo
	db    models.DB
	users map[string]*apiUser
}

// apiUser calls the client API with one person's token.
type apiUser struct {
	s     *statusSite
	token string
	actor *models.Actor
}

func newStatusSite(t *testing.T) *statusSite {
	t.Helper()
	pool := testenv.DB(t)
	urls := federation.NewURLs("http://127.0.0.2:8080")
	s := &statusSite{t: t, db: pool, users: map[string]*apiUser{},
		e: web.New(web.Options{DB: pool, URLs: urls, Outbox: outbox.New(pool, urls, nil, nil)})}
	for _, name := range []string{"alice", "bea", "carol"} {
		acc, err := models.CreateAccount(context.Background(), pool, models.NewAccount{Username: name, Password: "password1"})
		if err != nil {
			t.Fatal(err)
		}
		token, err := models.CreateToken(context.Background(), pool, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		s.users[name] = &apiUser{s: s, token: token, actor: acc.Actor}
	}
	return s
}

// send calls the API with a body of the given type ("" sends none).
func (u *apiUser) send(method, path, contentType, body string) *httptest.ResponseRecorder {
	u.s.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+u.token)
	rec := httptest.NewRecorder()
	u.s.e.ServeHTTP(rec, req)
	return rec
}

// form posts a form and decodes the 200 answer into out (when not nil).
func (u *apiUser) form(path string, values url.Values, out any) {
	u.s.t.Helper()
	rec := u.send(http.MethodPost, path, "application/x-www-form-urlencoded", values.Encode())
	if rec.Code != http.StatusOK {
		u.s.t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			u.s.t.Fatal(err)
		}
	}
}

// status posts a status and returns its id.
func (u *apiUser) status(text, visibility string) string {
	u.s.t.Helper()
	var st struct{ ID string }
	u.form("/api/v1/statuses", url.Values{"status": {text}, "visibility": {visibility}}, &st)
	return st.ID
}

// wantRefused checks a refusal: its status, Mastodon's {"error": …} shape,
// and that the tables it could have written to did not change.
func (s *statusSite) wantRefused(what string, rec *httptest.ResponseRecorder, code int, tables []string, before map[string]int) {
	s.t.Helper()
	if rec.Code != code {
		s.t.Errorf("%s: %d, want %d: %s", what, rec.Code, code, rec.Body)
	}
	var body struct{ Error string }
	if json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error == "" {
		s.t.Errorf("%s: not Mastodon's error shape: %s", what, rec.Body)
	}
	for _, table := range tables {
		if n := count(s.t, s.db, table); n != before[table] {
			s.t.Errorf("%s: %s went from %d to %d rows", what, table, before[table], n)
		}
	}
}

func TestStatusRefusalsAnswerMastodonsErrorAndStoreNothing(t *testing.T) {
	t.Parallel()
	s := newStatusSite(t)
	alice, bea, carol := s.users["alice"], s.users["bea"], s.users["carol"]
	secret := bea.status("@carol a secret between us", models.VisibilityDirect)
	mine := alice.status("my own words", models.VisibilityPublicPost)
	mineDirect := alice.status("@bea just for you", models.VisibilityDirect)
	beas := bea.status("bea's public words", models.VisibilityPublicPost)
	for i := range models.MaxProfilePins {
		alice.form("/api/v1/statuses/"+alice.status("pin me "+string(rune('a'+i)), models.VisibilityPublicPost)+"/pin", nil, nil)
	}
	_ = carol

	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        string
		code        int
		tables      []string
	}{
		{"bookmarking a status one may not see", "POST", "/api/v1/statuses/" + secret + "/bookmark", "", "", 404, []string{"bookmarks"}},
		{"bookmarking a status that does not exist", "POST", "/api/v1/statuses/999999/bookmark", "", "", 404, []string{"bookmarks"}},
		{"pinning someone else's post", "POST", "/api/v1/statuses/" + beas + "/pin", "", "", 422, []string{"pins", "activities"}},
		{"pinning a direct post", "POST", "/api/v1/statuses/" + mineDirect + "/pin", "", "", 422, []string{"pins", "activities"}},
		{"a sixth pin", "POST", "/api/v1/statuses/" + mine + "/pin", "", "", 422, []string{"pins", "activities"}},
		{"pinning a status one may not see", "POST", "/api/v1/statuses/" + secret + "/pin", "", "", 404, []string{"pins"}},
		{"markers without a timeline", "POST", "/api/v1/markers", "application/json", `{}`, 422, []string{"markers"}},
		{"markers of an unknown timeline", "POST", "/api/v1/markers", "application/x-www-form-urlencoded", "public[last_read_id]=5", 422, []string{"markers"}},
		{"markers with a broken JSON body", "POST", "/api/v1/markers", "application/json", `{"home": {"last_read_id": `, 400, []string{"markers"}},
		{"a marker that is no id", "POST", "/api/v1/markers", "application/x-www-form-urlencoded", "home[last_read_id]=abc&notifications[last_read_id]=7", 422, []string{"markers"}},
		{"a JSON marker that is no id", "POST", "/api/v1/markers", "application/json", `{"home": {"last_read_id": "-3"}}`, 422, []string{"markers"}},
		{"the history of a status one may not see", "GET", "/api/v1/statuses/" + secret + "/history", "", "", 404, nil},
		{"the source of a status one may not see", "GET", "/api/v1/statuses/" + secret + "/source", "", "", 404, nil},
		{"who liked a status one may not see", "GET", "/api/v1/statuses/" + secret + "/favourited_by", "", "", 404, nil},
		{"muting a thread one may not see", "POST", "/api/v1/statuses/" + secret + "/mute", "", "", 404, []string{"conversation_mutes"}},
		{"a status in no ISO 639-1 language", "POST", "/api/v1/statuses", "application/x-www-form-urlencoded", "status=hello&language=english", 422, []string{"posts"}},
		{"a direct message sent anonymously", "POST", "/api/v1/statuses", "application/x-www-form-urlencoded", "status=%40bea+hi&visibility=direct&anonymous=true", 422, []string{"posts", "conversations"}},
		{"reading another's conversation", "POST", "/api/v1/conversations/999999/read", "", "", 404, nil},
		{"removing a conversation that does not exist", "DELETE", "/api/v1/conversations/999999", "", "", 404, []string{"conversations"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := map[string]int{}
			for _, table := range tt.tables {
				before[table] = count(t, s.db, table)
			}
			s.wantRefused(tt.name, alice.send(tt.method, tt.path, tt.contentType, tt.body), tt.code, tt.tables, before)
		})
	}

	// Carol's conversation is hers: alice cannot read or remove it.
	var convs []struct{ ID string }
	if rec := carol.send("GET", "/api/v1/conversations", "", ""); rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &convs) != nil || len(convs) != 1 {
		t.Fatalf("carol's conversations: %d %s", rec.Code, rec.Body)
	}
	before := map[string]int{"conversations": count(t, s.db, "conversations")}
	s.wantRefused("removing another's conversation", alice.send("DELETE", "/api/v1/conversations/"+convs[0].ID, "", ""), 404, []string{"conversations"}, before)
	s.wantRefused("reading another's conversation", alice.send("POST", "/api/v1/conversations/"+convs[0].ID+"/read", "", ""), 404, nil, nil)
}

// get calls GET and decodes the 200 answer into out.
func (u *apiUser) get(path string, out any) *httptest.ResponseRecorder {
	u.s.t.Helper()
	rec := u.send(http.MethodGet, path, "", "")
	if rec.Code != http.StatusOK {
		u.s.t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			u.s.t.Fatal(err)
		}
	}
	return rec
}

func (u *apiUser) mentions() int {
	u.s.t.Helper()
	var list []struct{ Type string }
	u.get("/api/v1/notifications?types[]=mention", &list)
	return len(list)
}

func TestAMutedThreadNotifiesNothingUntilUnmuted(t *testing.T) {
	t.Parallel()
	s := newStatusSite(t)
	alice, bea := s.users["alice"], s.users["bea"]
	top := alice.status("who is coming to the park?", models.VisibilityPublicPost)
	reply := func(text string) {
		bea.form("/api/v1/statuses", url.Values{"status": {"@alice " + text}, "in_reply_to_id": {top}}, nil)
	}
	var st struct{ Muted bool }
	alice.form("/api/v1/statuses/"+top+"/mute", nil, &st)
	if !st.Muted {
		t.Errorf("muted is false after /mute")
	}
	reply("me! at ten")
	if n := alice.mentions(); n != 0 {
		t.Errorf("a reply in a muted thread made %d notifications", n)
	}
	alice.form("/api/v1/statuses/"+top+"/unmute", nil, &st)
	if st.Muted {
		t.Errorf("muted is true after /unmute")
	}
	reply("and my sister")
	if n := alice.mentions(); n != 1 {
		t.Errorf("after unmuting, a reply made %d notifications, want 1", n)
	}
}

func TestFavouritedByAndRebloggedByPageWithLinks(t *testing.T) {
	t.Parallel()
	s := newStatusSite(t)
	alice, bea, carol := s.users["alice"], s.users["bea"], s.users["carol"]
	top := alice.status("lost a blue mitten at the playground", models.VisibilityPublicPost)
	for _, u := range []*apiUser{bea, carol} {
		u.form("/api/v1/statuses/"+top+"/favourite", nil, nil)
		u.form("/api/v1/statuses/"+top+"/reblog", nil, nil)
	}
	for _, list := range []string{"favourited_by", "reblogged_by"} {
		t.Run(list, func(t *testing.T) {
			var page []struct{ Username string }
			rec := alice.get("/api/v1/statuses/"+top+"/"+list+"?limit=1", &page)
			if len(page) != 1 || page[0].Username != "carol" {
				t.Fatalf("first page %v, want carol (the latest)", page)
			}
			link := rec.Header().Get("Link")
			next, _, ok := strings.Cut(strings.TrimPrefix(link, "<"), ">")
			if !ok || !strings.Contains(link, `rel="next"`) {
				t.Fatalf("Link %q, want a next page", link)
			}
			u, _ := url.Parse(next)
			alice.get(u.RequestURI(), &page)
			if len(page) != 1 || page[0].Username != "bea" {
				t.Errorf("second page %v, want bea", page)
			}
		})
	}
}

func TestADirectPostShowsToItsParticipantsOnly(t *testing.T) {
	t.Parallel()
	s := newStatusSite(t)
	alice, bea, carol := s.users["alice"], s.users["bea"], s.users["carol"]
	top := alice.status("anyone seen the ducks today?", models.VisibilityPublicPost)
	var dm struct{ ID string }
	bea.form("/api/v1/statuses", url.Values{"status": {"@alice they were by the bridge, and I need to tell you something"},
		"in_reply_to_id": {top}, "visibility": {"direct"}}, &dm)
	for _, tt := range []struct {
		who  *apiUser
		sees bool
	}{{alice, true}, {bea, true}, {carol, false}} {
		name := tt.who.actor.Username
		if code := tt.who.send("GET", "/api/v1/statuses/"+dm.ID, "", "").Code; (code == 200) != tt.sees {
			t.Errorf("%s reading the direct post: %d", name, code)
		}
		var ctx struct{ Descendants []struct{ ID string } }
		tt.who.get("/api/v1/statuses/"+top+"/context", &ctx)
		if (len(ctx.Descendants) == 1) != tt.sees {
			t.Errorf("%s sees %d replies in the thread's context", name, len(ctx.Descendants))
		}
		for _, path := range []string{"/api/v1/timelines/public", "/api/v1/timelines/home", "/api/v1/accounts/" + itoa(bea.actor.ID) + "/statuses"} {
			if body := tt.who.get(path, nil).Body.String(); strings.Contains(body, "tell you something") {
				t.Errorf("%s finds the direct post in %s", name, path)
			}
		}
	}
	var convs []struct {
		Unread     bool
		Accounts   []struct{ Username string }
		LastStatus struct{ ID string } `json:"last_status"`
	}
	alice.get("/api/v1/conversations", &convs)
	if len(convs) != 1 || !convs[0].Unread || convs[0].LastStatus.ID != dm.ID || len(convs[0].Accounts) != 1 || convs[0].Accounts[0].Username != "bea" {
		t.Errorf("alice's conversations: %+v", convs)
	}
	carol.get("/api/v1/conversations", &convs)
	if len(convs) != 0 {
		t.Errorf("carol has %d conversations, want none", len(convs))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestAFollowersOnlyPostShowsToFollowersOnly: through the API as on the
// pages, a followers-only post exists for the author and her followers
// alone, whether asked for by id, in a thread or in a list.
func TestAFollowersOnlyPostShowsToFollowersOnly(t *testing.T) {
	t.Parallel()
	s := newStatusSite(t)
	alice, bea, carol := s.users["alice"], s.users["bea"], s.users["carol"]
	bea.form("/api/v1/accounts/"+itoa(alice.actor.ID)+"/follow", url.Values{}, nil)
	top := alice.status("picnic at noon, everyone welcome", models.VisibilityPublicPost)
	var reply struct{ ID string }
	alice.form("/api/v1/statuses", url.Values{"status": {"our address is 12 Elm Street"}, "in_reply_to_id": {top},
		"visibility": {"private"}}, &reply)
	for _, tt := range []struct {
		who  *apiUser
		sees bool
	}{{alice, true}, {bea, true}, {carol, false}} {
		name := tt.who.actor.Username
		if code := tt.who.send("GET", "/api/v1/statuses/"+reply.ID, "", "").Code; (code == 200) != tt.sees {
			t.Errorf("%s reading the followers-only post: %d", name, code)
		}
		var ctx struct{ Descendants []struct{ ID string } }
		tt.who.get("/api/v1/statuses/"+top+"/context", &ctx)
		if (len(ctx.Descendants) == 1) != tt.sees {
			t.Errorf("%s sees %d replies in the thread's context", name, len(ctx.Descendants))
		}
		for _, path := range []string{"/api/v1/timelines/public", "/api/v1/timelines/home", "/api/v1/accounts/" + itoa(alice.actor.ID) + "/statuses"} {
			if body := tt.who.get(path, nil).Body.String(); !tt.sees && strings.Contains(body, "12 Elm Street") {
				t.Errorf("%s finds the followers-only post in %s", name, path)
			}
		}
	}
}
