package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
)

// manageSite is a site with an outbox whose deliveries are recorded, for
// the moderators' and admins' pages.
type manageSite struct {
	*site
	urls federation.URLs
	out  *outbox.Outbox

	mu         sync.Mutex
	deliveries []manageDelivery
}

// manageDelivery is one queued delivery: the activity's type and the inboxes.
type manageDelivery struct {
	Type    string
	Inboxes []string
}

func newManageSite(t *testing.T, mode models.SignupMode) *manageSite {
	t.Helper()
	pool := testenv.DB(t)
	if err := models.SetSignupMode(context.Background(), pool, mode); err != nil {
		t.Fatal(err)
	}
	s := &manageSite{urls: federation.NewURLs(siteBase)}
	s.out = outbox.New(pool, s.urls, func(ctx context.Context, tx pgx.Tx, activityID int64, inboxes []string) error {
		act, _, err := models.ActivityForDelivery(ctx, tx, activityID)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.deliveries = append(s.deliveries, manageDelivery{Type: act.Type, Inboxes: inboxes})
		s.mu.Unlock()
		return nil
	}, nil)
	clock := &testClock{now: time.Now()}
	logger := slog.New(slog.NewTextHandler(manageTestLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	e := web.New(web.Options{DB: pool, URLs: s.urls, Outbox: s.out, Clock: clock.Now, Logger: logger})
	s.site = &site{t: t, e: e, db: pool, clock: clock}
	return s
}

// manageTestLog writes a server's log into the test's, shown when it fails.
type manageTestLog struct{ t *testing.T }

func (l manageTestLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// delivered reports whether an activity of type typ was queued for inbox.
func (s *manageSite) delivered(typ, inbox string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.deliveries {
		for _, in := range d.Inboxes {
			if d.Type == typ && in == inbox {
				return true
			}
		}
	}
	return false
}

// signedIn is a browser with a session of acc, made as a log-in makes it.
func (s *manageSite) signedIn(acc *models.Account) *browser {
	s.t.Helper()
	token, _, err := models.CreateSession(context.Background(), s.db, acc.ID, s.clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	b := s.browser()
	b.cookies["village_session"] = &http.Cookie{Name: "village_session", Value: token}
	return b
}

// user makes a ready account with a bio.
func (s *manageSite) user(name, bio string, admin bool) *models.Account {
	s.t.Helper()
	ctx := context.Background()
	acc, err := models.CreateAccount(ctx, s.db, models.NewAccount{Username: name, Password: "password-" + name,
		Email: name + "@example.org", DisplayName: strings.ToUpper(name[:1]) + name[1:], Admin: admin})
	if err != nil {
		s.t.Fatal(err)
	}
	if bio != "" {
		if err := models.UpdateProfile(ctx, s.db, acc.Actor.ID, models.ProfileEdit{DisplayName: acc.Actor.DisplayName, Bio: bio}); err != nil {
			s.t.Fatal(err)
		}
	}
	return acc
}

// group makes a group moderated by mod.
func (s *manageSite) group(n models.NewGroup, mod string) *models.Group {
	s.t.Helper()
	ctx := context.Background()
	g, err := models.CreateGroup(ctx, s.db, n)
	if err != nil {
		s.t.Fatal(err)
	}
	if mod != "" {
		if err := models.AddModerator(ctx, s.db, n.Name, mod); err != nil {
			s.t.Fatal(err)
		}
	}
	return g
}

// loadGroup reads a group as stored now.
func (s *manageSite) loadGroup(name string) *models.Group {
	s.t.Helper()
	g, err := models.GroupByName(context.Background(), s.db, name)
	if err != nil {
		s.t.Fatal(err)
	}
	return g
}

// remote caches a remote person.
func (s *manageSite) remote(name, bio string) *models.Actor {
	s.t.Helper()
	a, err := models.UpsertRemoteActor(context.Background(), s.db, &models.Actor{Type: models.ActorPerson, Username: name,
		Domain: "social.example", URI: "https://social.example/users/" + name, URL: "https://social.example/@" + name,
		DisplayName: strings.ToUpper(name[:1]) + name[1:] + " Remote", Summary: bio,
		InboxURL: "https://social.example/users/" + name + "/inbox", PublicKeyPEM: "k"})
	if err != nil {
		s.t.Fatal(err)
	}
	return a
}

// request records follower's pending request to join g, with answers.
func (s *manageSite) request(follower *models.Actor, g *models.Group, answers string) *models.Follow {
	s.t.Helper()
	ctx := context.Background()
	uri := s.urls.NewActivityID()
	if !follower.IsLocal() {
		uri = follower.URI + "/follows/" + g.Actor.Username
	}
	f, err := models.PutFollow(ctx, s.db, follower.ID, g.Actor.ID, uri, models.FollowPending)
	if err != nil {
		s.t.Fatal(err)
	}
	if answers != "" {
		if err := models.SetJoinAnswers(ctx, s.db, f.ID, answers); err != nil {
			s.t.Fatal(err)
		}
	}
	return f
}

// followState is the state of a follow, or "" when there is none.
func (s *manageSite) followState(id int64) string {
	s.t.Helper()
	f, err := models.FollowByID(context.Background(), s.db, id)
	if errors.Is(err, models.ErrNotFound) {
		return ""
	}
	if err != nil {
		s.t.Fatal(err)
	}
	return f.State
}

// post stores a local post as the outbox does, with its Create.
func (s *manageSite) post(author *models.Actor, group *models.Group, text string) *models.Post {
	s.t.Helper()
	ctx := context.Background()
	id, err := models.NextPostID(ctx, s.db)
	if err != nil {
		s.t.Fatal(err)
	}
	p := &models.Post{ID: id, AuthorID: author.ID, Local: true, Type: "Note", Content: "<p>" + text + "</p>",
		Visibility: models.VisibilityPublicPost}
	if group != nil {
		p.GroupID = &group.Actor.ID
	}
	p.URI = siteBase + "/users/" + author.Username + "/statuses/" + strconv.FormatInt(id, 10)
	p.URL = p.URI
	if _, err := models.InsertPost(ctx, s.db, p); err != nil {
		s.t.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{"id": p.URI + "/activity", "type": "Create", "actor": siteBase + "/users/" + author.Username,
		"object": map[string]any{"id": p.URI, "type": "Note", "content": p.Content, "attributedTo": siteBase + "/users/" + author.Username}})
	if err != nil {
		s.t.Fatal(err)
	}
	if err := models.InsertActivity(ctx, s.db, &models.Activity{URI: p.URI + "/activity", ActorID: author.ID, Type: "Create",
		ObjectURI: p.URI, Public: true, Body: body}); err != nil {
		s.t.Fatal(err)
	}
	return p
}

// activityDoc gets a document as an ActivityPub client.
func (s *manageSite) activityDoc(path string) map[string]any {
	s.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", asJSON)
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		s.t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		s.t.Fatal(err)
	}
	return doc
}

// featuredIDs are the ids of the posts a group's featured collection lists.
func (s *manageSite) featuredIDs(group string) []string {
	s.t.Helper()
	doc := s.activityDoc("/groups/" + group + "/featured")
	items, _ := doc["orderedItems"].([]any)
	var ids []string
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			ids = append(ids, m["id"].(string))
		}
	}
	return ids
}

func manageHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestManagePagesAreOnlyForTheGroupsModeratorsAndAdmins(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	s.user("mona", "", false)
	nina := s.user("nina", "", false)
	root := s.user("ada", "", true)
	other := s.user("olga", "", false)
	g := s.group(models.NewGroup{Name: "park", Title: "Park Parents", MembersOnly: true}, "mona")
	s.group(models.NewGroup{Name: "elsewhere", Title: "Elsewhere"}, "olga")
	f := s.request(nina.Actor, g, "")

	t.Run("signed out goes to log in, and back", func(t *testing.T) {
		b := s.browser()
		for _, path := range []string{"/groups/park/manage", "/groups/park/settings"} {
			rec := b.get(path)
			wantStatus(t, "GET "+path, rec, http.StatusSeeOther)
			if loc := rec.Header().Get("Location"); loc != "/login?next="+url.QueryEscape(path) {
				t.Errorf("GET %s sends to %q", path, loc)
			}
		}
	})
	t.Run("members and other groups' moderators get 403", func(t *testing.T) {
		for _, acc := range []*models.Account{nina, other} {
			b := s.signedIn(acc)
			for _, path := range []string{"/groups/park/manage", "/groups/park/settings"} {
				rec := b.get(path)
				wantStatus(t, acc.Actor.Username+" GET "+path, rec, http.StatusForbidden)
				if !strings.Contains(rec.Body.String(), "moderators of this group") || strings.Contains(rec.Body.String(), "Waiting to join") {
					t.Errorf("%s GET %s: %s", acc.Actor.Username, path, rec.Body)
				}
			}
			token := b.csrf("/settings")
			for _, action := range []string{"/groups/park/requests/" + strconv.FormatInt(f.ID, 10) + "/approve",
				"/groups/park/settings", "/groups/park/pins", "/groups/park/unpin"} {
				rec := b.post(action, url.Values{"csrf": {token}, "title": {"Taken over"}, "post": {"1"}})
				wantStatus(t, acc.Actor.Username+" POST "+action, rec, http.StatusForbidden)
			}
		}
		if s.followState(f.ID) != models.FollowPending || s.loadGroup("park").Title != "Park Parents" {
			t.Error("a refused request changed something")
		}
	})
	t.Run("moderators and admins get in", func(t *testing.T) {
		for _, acc := range []*models.Account{s.user("mod2", "", false), root} {
			if acc.Actor.Username == "mod2" {
				if err := models.AddModerator(context.Background(), s.db, "park", "mod2"); err != nil {
					t.Fatal(err)
				}
			}
			b := s.signedIn(acc)
			for _, path := range []string{"/groups/park/manage", "/groups/park/settings"} {
				rec := b.get(path)
				wantStatus(t, acc.Actor.Username+" GET "+path, rec, http.StatusOK)
				if len(rec.Body.Bytes()) > maxPageBytes {
					t.Errorf("%s weighs %d bytes", path, len(rec.Body.Bytes()))
				}
			}
		}
	})
	t.Run("an unknown group is not found", func(t *testing.T) {
		wantStatus(t, "GET", s.signedIn(root).get("/groups/nobody/manage"), http.StatusNotFound)
	})
}

func TestModeratorsSeeJoinRequestsWithProfilesAndAnswersAndDecide(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	mona := s.user("mona", "", false)
	nina := s.user("nina", "Mum of twins <3\n\nNew in <b>Park Slope</b>", false)
	g := s.group(models.NewGroup{Name: "park", Title: "Park Parents", MembersOnly: true}, "mona")
	other := s.group(models.NewGroup{Name: "other", Title: "Other", MembersOnly: true}, "")
	if _, err := models.UpdateGroupSettings(context.Background(), s.db, g.Actor.ID, models.GroupSettings{Title: "Park Parents",
		MembersOnly: true, JoinQuestions: "Which neighbourhood do you live in?\nHow old are your kids?"}); err != nil {
		t.Fatal(err)
	}
	rita := s.remote("rita", `<p>Dad in Leeds<script>alert("x")</script></p><p onclick="x()">Hi</p>`)
	remy := s.remote("remy", "")
	fNina := s.request(nina.Actor, g, "Which neighbourhood do you live in?\nPark Slope, near 5th Ave <script>\n\nHow old are your kids?\nTwins, 2")
	fRita := s.request(rita, g, "")
	fRemy := s.request(remy, g, "Leeds")
	fOther := s.request(nina.Actor, other, "")

	b := s.signedIn(mona)
	rec := b.get("/groups/park/manage")
	wantStatus(t, "manage page", rec, http.StatusOK)
	body := rec.Body.String()
	for _, want := range []string{
		"Nina", "@nina@127.0.0.2:8080", "Mum of twins &lt;3", "New in &lt;b&gt;Park Slope&lt;/b&gt;", // local bio, plain text
		"Park Slope, near 5th Ave &lt;script&gt;", "Twins, 2", // answers, escaped
		"Rita Remote", "@rita@social.example", "social.example", "Dad in Leeds", // remote profile
		"Which neighbourhood do you live in?", // the questions
		`action="/groups/park/requests/` + strconv.FormatInt(fNina.ID, 10) + `/approve"`,
		`action="/groups/park/requests/` + strconv.FormatInt(fRita.ID, 10) + `/reject"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the manage page does not show %q", want)
		}
	}
	for _, bad := range []string{"<script", "onclick", `alert("x")`} {
		if strings.Contains(body, bad) {
			t.Errorf("the manage page carries %q", bad)
		}
	}
	if strings.Contains(body, "/requests/"+strconv.FormatInt(fOther.ID, 10)+"/") {
		t.Error("the manage page lists another group's request")
	}

	decide := func(f *models.Follow, how string) *httptest.ResponseRecorder {
		t.Helper()
		return b.submit("/groups/park/manage", "/groups/park/requests/"+strconv.FormatInt(f.ID, 10)+"/"+how, url.Values{})
	}
	rec = decide(fNina, "approve")
	wantStatus(t, "approve", rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/groups/park/manage?done=approved" {
		t.Errorf("approve sends to %q", loc)
	}
	if st := s.followState(fNina.ID); st != models.FollowAccepted {
		t.Errorf("nina's follow is %q after approval, want accepted", st)
	}
	if member, _ := models.IsMember(context.Background(), s.db, g.Actor.ID, nina.Actor.ID); !member {
		t.Error("nina is not a member after approval")
	}

	wantStatus(t, "reject", decide(fRita, "reject"), http.StatusSeeOther)
	if st := s.followState(fRita.ID); st != "" {
		t.Errorf("rita's follow is %q after rejection, want none", st)
	}
	if !s.delivered("Reject", rita.InboxURL) {
		t.Errorf("no Reject queued for rita's inbox: %+v", s.deliveries)
	}
	wantStatus(t, "approve remote", decide(fRemy, "approve"), http.StatusSeeOther)
	if st := s.followState(fRemy.ID); st != models.FollowAccepted || !s.delivered("Accept", remy.InboxURL) {
		t.Errorf("remy's follow is %q, Accept queued: %v", st, s.delivered("Accept", remy.InboxURL))
	}

	// Deciding again, or another group's request through this group, changes nothing.
	rec = decide(fNina, "reject")
	if loc := rec.Header().Get("Location"); loc != "/groups/park/manage?done=gone" || s.followState(fNina.ID) != models.FollowAccepted {
		t.Errorf("a second decision: %q, follow %q", loc, s.followState(fNina.ID))
	}
	rec = decide(fOther, "approve")
	if loc := rec.Header().Get("Location"); loc != "/groups/park/manage?done=gone" || s.followState(fOther.ID) != models.FollowPending {
		t.Errorf("another group's request: %q, follow %q", loc, s.followState(fOther.ID))
	}
	after := b.get("/groups/park/manage?done=gone").Body.String()
	if strings.Contains(after, "Rita Remote") || strings.Contains(after, "Mum of twins") || !strings.Contains(after, "Nobody is waiting") ||
		!strings.Contains(after, "already decided") {
		t.Errorf("after deciding, the page still lists requests or says nothing:\n%s", after)
	}
}

// groupSettingsForm is a whole group settings form; an empty value leaves the field out.
func groupSettingsForm(kv ...string) url.Values {
	f := url.Values{"title": {"Park Parents"}, "summary": {""}, "rules": {""}, "location": {""},
		"latitude": {""}, "longitude": {""}, "join_questions": {""}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			f.Del(kv[i])
		} else {
			f.Set(kv[i], kv[i+1])
		}
	}
	return f
}

func TestGroupSettingsAreValidatedAndSaved(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	mona := s.user("mona", "", false)
	s.group(models.NewGroup{Name: "park", Title: "Park Parents", Location: "Park Slope",
		Latitude: ptr(40.67), Longitude: ptr(-73.98)}, "mona")
	b := s.signedIn(mona)

	page := b.get("/groups/park/settings").Body.String()
	for _, want := range []string{`value="Park Parents"`, `value="Park Slope"`, `value="40.67"`, `value="-73.98"`, `name="members_only"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the settings form does not show %s", want)
		}
	}

	bad := []struct {
		name  string
		form  url.Values
		field string
	}{
		{"latitude out of range", groupSettingsForm("latitude", "95", "longitude", "10", "title", "Renamed"), "latitude"},
		{"latitude not a number", groupSettingsForm("latitude", "north", "longitude", "10", "title", "Renamed"), "latitude"},
		{"latitude NaN", groupSettingsForm("latitude", "NaN", "longitude", "10", "title", "Renamed"), "latitude"},
		{"longitude without latitude", groupSettingsForm("longitude", "10", "title", "Renamed"), "latitude"},
		{"longitude out of range", groupSettingsForm("latitude", "10", "longitude", "-181", "title", "Renamed"), "longitude"},
		{"no title", groupSettingsForm("title", " ", "location", "Elsewhere"), "title"},
		{"title too long", groupSettingsForm("title", strings.Repeat("x", 101)), "title"},
		{"too many questions", groupSettingsForm("join_questions", strings.Repeat("Why?\n", 11), "title", "Renamed"), "join_questions"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			rec := b.submit("/groups/park/settings", "/groups/park/settings", tt.form)
			wantStatus(t, "save", rec, http.StatusUnprocessableEntity)
			body := rec.Body.String()
			if !strings.Contains(body, `id="`+tt.field+`-error"`) || !strings.Contains(body, `aria-describedby="`) ||
				!strings.Contains(body, "Nothing was saved") {
				t.Errorf("no error beside %s:\n%s", tt.field, body)
			}
			if !strings.Contains(body, `value="`+tt.form.Get("latitude")+`"`) {
				t.Errorf("the form lost what was typed")
			}
			g := s.loadGroup("park")
			if g.Title != "Park Parents" || g.Location != "Park Slope" || *g.Latitude != 40.67 {
				t.Errorf("a refused form saved something: %+v", g)
			}
		})
	}

	rec := b.submit("/groups/park/settings", "/groups/park/settings", groupSettingsForm(
		"title", "  Park Slope Parents ", "summary", "Swaps and playdates.\r\n\r\nBe kind.", "rules", "No selling.\r\nNo shaming.",
		"location", "Park Slope, Brooklyn", "latitude", "40,671", "longitude", "-73.9814",
		"join_questions", "  Where do you live?\r\n\r\nHow old are your kids?  \r\n"))
	wantStatus(t, "save", rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/groups/park/settings?saved=1" {
		t.Errorf("saving sends to %q", loc)
	}
	g := s.loadGroup("park")
	if g.Title != "Park Slope Parents" || g.Summary != "Swaps and playdates.\n\nBe kind." || g.Rules != "No selling.\nNo shaming." ||
		g.Location != "Park Slope, Brooklyn" || g.Latitude == nil || *g.Latitude != 40.671 || *g.Longitude != -73.9814 ||
		g.JoinQuestions != "Where do you live?\nHow old are your kids?" || g.MembersOnly() {
		t.Errorf("saved group = %+v", g)
	}
	if g.Actor.DisplayName != "Park Slope Parents" || g.Actor.Summary != g.Summary {
		t.Errorf("the actor keeps %q / %q", g.Actor.DisplayName, g.Actor.Summary)
	}
	if page := b.get("/groups/park/settings?saved=1").Body.String(); !strings.Contains(page, "settings are saved") {
		t.Error("no word that the settings are saved")
	}
	if doc := s.activityDoc("/groups/park"); doc["name"] != "Park Slope Parents" {
		t.Errorf("the actor document's name is %v", doc["name"])
	}
	// Coordinates can be removed again.
	wantStatus(t, "clear the place", b.submit("/groups/park/settings", "/groups/park/settings",
		groupSettingsForm("title", "Park Slope Parents")), http.StatusSeeOther)
	if g := s.loadGroup("park"); g.Latitude != nil || g.Longitude != nil || g.Location != "" {
		t.Errorf("the place was not cleared: %+v", g)
	}
}

func TestMembersOnlyToggleFlipsManuallyApprovesFollowers(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	mona := s.user("mona", "", false)
	g := s.group(models.NewGroup{Name: "park", Title: "Park Parents"}, "mona")
	rita := s.remote("rita", "")
	if _, err := models.PutFollow(context.Background(), s.db, rita.ID, g.Actor.ID, rita.URI+"/follows/1", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	member := s.user("maya", "", false)
	pinned := s.post(member.Actor, g, "A member's tip")
	if err := models.PinGroupPost(context.Background(), s.db, g, pinned.ID); err != nil {
		t.Fatal(err)
	}
	b := s.signedIn(mona)

	if doc := s.activityDoc("/groups/park"); doc["manuallyApprovesFollowers"] != false {
		t.Fatalf("a public group's manuallyApprovesFollowers = %v", doc["manuallyApprovesFollowers"])
	}
	rec := b.submit("/groups/park/settings", "/groups/park/settings", groupSettingsForm("members_only", "1"))
	wantStatus(t, "close", rec, http.StatusSeeOther)
	if doc := s.activityDoc("/groups/park"); doc["manuallyApprovesFollowers"] != true {
		t.Errorf("after members-only on, manuallyApprovesFollowers = %v", doc["manuallyApprovesFollowers"])
	}
	closed := s.loadGroup("park")
	if !closed.MembersOnly() || !closed.Actor.ManuallyApprovesFollowers {
		t.Errorf("stored: visibility %s, manually approves %v", closed.Visibility, closed.Actor.ManuallyApprovesFollowers)
	}
	if !s.delivered("Update", rita.InboxURL) {
		t.Errorf("no Update{Group} queued for the remote member: %+v", s.deliveries)
	}
	// The pin stays, for the members: strangers no longer see it.
	if manageHas(s.featuredIDs("park"), pinned.URI) {
		t.Error("a member's pinned post still shows to strangers once the group is members-only")
	}
	still, err := models.PinnedGroupPosts(context.Background(), s.db, g.Actor.ID)
	if err != nil {
		t.Fatal(err)
	}
	kept := false
	for _, p := range still {
		kept = kept || p.ID == pinned.ID
	}
	if !kept {
		t.Error("closing the group unpinned the member's post")
	}

	// A follow now waits; opening the group lets the waiting in.
	nina := s.user("nina", "", false)
	f, err := s.out.Follow(context.Background(), nina.Actor, closed.Actor)
	if err != nil {
		t.Fatal(err)
	}
	if f.State != models.FollowPending {
		t.Fatalf("a follow of the members-only group is %s", f.State)
	}
	rec = b.submit("/groups/park/settings", "/groups/park/settings", groupSettingsForm("members_only", ""))
	wantStatus(t, "open", rec, http.StatusSeeOther)
	if doc := s.activityDoc("/groups/park"); doc["manuallyApprovesFollowers"] != false {
		t.Errorf("after members-only off, manuallyApprovesFollowers = %v", doc["manuallyApprovesFollowers"])
	}
	if st := s.followState(f.ID); st != models.FollowAccepted {
		t.Errorf("the waiting request is %q after the group opened", st)
	}
	if g := s.loadGroup("park"); g.MembersOnly() || g.Actor.ManuallyApprovesFollowers {
		t.Errorf("stored after opening: %s, %v", g.Visibility, g.Actor.ManuallyApprovesFollowers)
	}
}

func TestOpeningAGroupLeavesRequestsFromSilencedServersWaiting(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	mona := s.user("mona", "", false)
	g := s.group(models.NewGroup{Name: "park", Title: "Park Parents", MembersOnly: true}, "mona")
	nina := s.user("nina", "", false)
	waiting := s.request(nina.Actor, g, "")
	limited := s.request(s.remote("rita", ""), g, "")
	if _, err := models.PutDomainBlock(context.Background(), s.db,
		models.DomainBlock{Domain: "social.example", Severity: models.BlockSilence}, &mona.Actor.ID); err != nil {
		t.Fatal(err)
	}
	b := s.signedIn(mona)
	if page := b.get("/groups/park/manage").Body.String(); strings.Count(page, "Limited server") != 1 {
		t.Errorf("the manage page should mark rita's request alone as from a limited server")
	}
	rec := b.submit("/groups/park/settings", "/groups/park/settings", groupSettingsForm("members_only", ""))
	wantStatus(t, "open", rec, http.StatusSeeOther)
	if st := s.followState(waiting.ID); st != models.FollowAccepted {
		t.Errorf("nina's request is %q after the group opened, want accepted", st)
	}
	if st := s.followState(limited.ID); st != models.FollowPending {
		t.Errorf("the silenced server's request is %q after the group opened, want still pending", st)
	}
	if s.delivered("Accept", "https://social.example/users/rita/inbox") {
		t.Error("opening the group sent an Accept to the silenced server")
	}
}

func TestModeratorsPinAndUnpinGroupPostsInTheFeaturedCollection(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	mona := s.user("mona", "", false)
	maya := s.user("maya", "", false)
	g := s.group(models.NewGroup{Name: "park", Title: "Park Parents"}, "mona")
	other := s.group(models.NewGroup{Name: "other", Title: "Other"}, "")
	tip := s.post(maya.Actor, g, "Best playground: Harmony")
	elsewhere := s.post(maya.Actor, other, "Not in park")
	personal := s.post(maya.Actor, nil, "Just mine")
	b := s.signedIn(mona)

	page := b.get("/groups/park/manage").Body.String()
	if !strings.Contains(page, "Best playground: Harmony") || !strings.Contains(page, `name="post" value="`+strconv.FormatInt(tip.ID, 10)+`"`) {
		t.Fatalf("the manage page offers no pin of the group's post:\n%s", page)
	}
	if strings.Contains(page, "Not in park") || strings.Contains(page, "Just mine") {
		t.Error("the manage page offers posts of elsewhere")
	}
	pin := func(action string, p *models.Post) *httptest.ResponseRecorder {
		t.Helper()
		return b.submit("/groups/park/manage", "/groups/park/"+action, url.Values{"post": {strconv.FormatInt(p.ID, 10)}})
	}
	// The group's own welcome note is pinned when the collection is first asked for.
	welcome := s.featuredIDs("park")
	if len(welcome) != 1 {
		t.Fatalf("featured = %v, want the welcome note", welcome)
	}
	wantStatus(t, "pin", pin("pins", tip), http.StatusSeeOther)
	if ids := s.featuredIDs("park"); !manageHas(ids, tip.URI) || len(ids) != 2 {
		t.Errorf("featured = %v, want the pinned post and the welcome note", ids)
	}
	if page := b.get("/groups/park/manage?done=pinned").Body.String(); !strings.Contains(page, `action="/groups/park/unpin"`) ||
		!strings.Contains(page, "Pinned: the post is featured") {
		t.Error("the pinned post has no Unpin, or no word that it was pinned")
	}
	wantStatus(t, "pin again", pin("pins", tip), http.StatusSeeOther)
	if ids := s.featuredIDs("park"); len(ids) != 2 {
		t.Errorf("pinning twice: featured = %v", ids)
	}

	for _, p := range []*models.Post{elsewhere, personal} {
		rec := pin("pins", p)
		wantStatus(t, "pin a post of elsewhere", rec, http.StatusUnprocessableEntity)
		if !strings.Contains(rec.Body.String(), "Only posts of this group") {
			t.Errorf("no reason given: %s", rec.Body)
		}
	}
	if ids := s.featuredIDs("park"); len(ids) != 2 || manageHas(ids, elsewhere.URI) || manageHas(ids, personal.URI) {
		t.Errorf("featured = %v after refused pins", ids)
	}
	wantStatus(t, "unpin", pin("unpin", tip), http.StatusSeeOther)
	if ids := s.featuredIDs("park"); manageHas(ids, tip.URI) || len(ids) != 1 {
		t.Errorf("featured = %v after unpinning", ids)
	}

	// At most MaxPins, the welcome note included.
	for i := 1; i < models.MaxPins; i++ {
		wantStatus(t, "pin", pin("pins", s.post(maya.Actor, g, "tip "+strconv.Itoa(i))), http.StatusSeeOther)
	}
	rec := pin("pins", tip)
	wantStatus(t, "one pin too many", rec, http.StatusUnprocessableEntity)
	if !strings.Contains(rec.Body.String(), "Unpin one first") {
		t.Errorf("no reason given: %s", rec.Body)
	}
	if ids := s.featuredIDs("park"); len(ids) != models.MaxPins {
		t.Errorf("featured lists %d posts, want %d", len(ids), models.MaxPins)
	}
}

func TestManageFormsWithoutTheCSRFTokenAreRefused(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	mona := s.user("mona", "", false)
	nina := s.user("nina", "", false)
	g := s.group(models.NewGroup{Name: "park", Title: "Park Parents", MembersOnly: true}, "mona")
	f := s.request(nina.Actor, g, "")
	tip := s.post(mona.Actor, g, "tip")
	b := s.signedIn(mona)
	for _, tt := range []struct{ action, csrf string }{
		{"/groups/park/requests/" + strconv.FormatInt(f.ID, 10) + "/approve", ""},
		{"/groups/park/requests/" + strconv.FormatInt(f.ID, 10) + "/reject", "forged"},
		{"/groups/park/settings", ""},
		{"/groups/park/pins", ""},
	} {
		form := url.Values{"title": {"Forged"}, "post": {strconv.FormatInt(tip.ID, 10)}}
		if tt.csrf != "" {
			form.Set("csrf", tt.csrf)
		}
		rec := b.post(tt.action, form)
		wantStatus(t, "POST "+tt.action, rec, http.StatusForbidden)
		if !strings.Contains(rec.Body.String(), "This form has expired") {
			t.Errorf("POST %s: not the CSRF page: %s", tt.action, rec.Body)
		}
	}
	if s.followState(f.ID) != models.FollowPending || s.loadGroup("park").Title != "Park Parents" || manageHas(s.featuredIDs("park"), tip.URI) {
		t.Error("a forged form changed something")
	}
}

// A members-only group's pins are news for its members: the Add and Remove
// the group sends name no Public and stay out of its public outbox, while
// a public group's are public.
func TestPinsOfAMembersOnlyGroupAreNotPublic(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	mona := s.user("mona", "", false)
	maya := s.user("maya", "", false)
	for _, c := range []struct {
		group      models.NewGroup
		wantPublic bool
	}{
		{models.NewGroup{Name: "open_park", Title: "Open Park"}, true},
		{models.NewGroup{Name: "closed_park", Title: "Closed Park", MembersOnly: true}, false},
	} {
		t.Run(c.group.Name, func(t *testing.T) {
			g := s.group(c.group, "mona")
			author := maya.Actor
			if c.group.MembersOnly {
				author = g.Actor // a members-only group pins only what it wrote itself
			}
			p := s.post(author, g, "A tip for "+c.group.Title)
			b := s.signedIn(mona)
			for _, action := range []string{"pins", "unpin"} {
				wantStatus(t, action, b.submit("/groups/"+c.group.Name+"/manage", "/groups/"+c.group.Name+"/"+action,
					url.Values{"post": {strconv.FormatInt(p.ID, 10)}}), http.StatusSeeOther)
			}
			rows, err := s.db.Query(context.Background(), `SELECT type, public, body::text FROM activities
				WHERE actor_id = $1 AND type IN ('Add', 'Remove')`, g.Actor.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			seen := 0
			for rows.Next() {
				var typ, body string
				var public bool
				if err := rows.Scan(&typ, &public, &body); err != nil {
					t.Fatal(err)
				}
				seen++
				if public != c.wantPublic || strings.Contains(body, "https://www.w3.org/ns/activitystreams#Public") != c.wantPublic {
					t.Errorf("%s: listed publicly %v, addressed to Public %v; want %v", typ, public,
						strings.Contains(body, "#Public"), c.wantPublic)
				}
			}
			if seen != 2 {
				t.Errorf("the group sent %d Add/Remove activities, want 2", seen)
			}
		})
	}
}
