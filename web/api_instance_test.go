package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

func TestTheInstanceDocumentSaysWhatVillageEnforces(t *testing.T) {
	t.Parallel()
	e, db, _, token := apiServer(t)
	ctx := context.Background()
	if err := models.SetInstance(ctx, db, models.InstanceInfo{Name: "Park Slope Village", Description: "Parents of Park Slope",
		ContactEmail: "admins@park.example"}, models.SignupApproval); err != nil {
		t.Fatal(err)
	}
	if err := models.SetInstancePublicSettings(ctx, db, models.PublicSettings{Rules: []string{"Be kind", "No ads"}, TimelinePreview: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "ada", Password: "password1", Admin: true}); err != nil {
		t.Fatal(err)
	}
	var v2 struct {
		Domain, Title, Version string
		Configuration          struct {
			URLs     map[string]any `json:"urls"`
			Statuses map[string]int `json:"statuses"`
			Media    map[string]any `json:"media_attachments"`
			Polls    map[string]int `json:"polls"`
			Accounts map[string]int `json:"accounts"`
		}
		Registrations struct {
			Enabled          bool `json:"enabled"`
			ApprovalRequired bool `json:"approval_required"`
		}
		Contact struct {
			Email   string
			Account *struct{ Username string }
		}
		Rules []struct{ ID, Text string }
	}
	rec := call(e, http.MethodGet, "/api/v2/instance", "")
	decodeInto(t, rec, &v2)
	if v2.Title != "Park Slope Village" || !strings.HasPrefix(v2.Version, "4.3.0 (compatible; Village ") || v2.Domain != "127.0.0.2:8080" {
		t.Errorf("v2: %+v", v2)
	}
	if s := v2.Configuration.Statuses; s["max_characters"] != models.MaxPostLength || s["max_media_attachments"] != models.MaxMediaAttachments ||
		s["characters_reserved_per_url"] != models.CharactersReservedPerURL {
		t.Errorf("configuration.statuses = %v", s)
	}
	if pins := v2.Configuration.Accounts["max_pinned_statuses"]; pins != models.MaxProfilePins {
		t.Errorf("max_pinned_statuses = %d, want the %d a person may pin (apps hide Pin at 0)", pins, models.MaxProfilePins)
	}
	if p := v2.Configuration.Polls; p["max_options"] != 4 || p["max_characters_per_option"] != 50 ||
		p["min_expiration"] != 300 || p["max_expiration"] != 2629746 {
		t.Errorf("configuration.polls = %v, want Mastodon's limits, which the API enforces", p)
	}
	wantMediaLimits(t, "v2", v2.Configuration.Media)
	if got := v2.Configuration.URLs["streaming"]; got != "ws://127.0.0.2:8080" {
		t.Errorf("configuration.urls.streaming = %v, want the WebSocket of this server", got)
	}
	if !v2.Registrations.Enabled || !v2.Registrations.ApprovalRequired || v2.Contact.Email != "admins@park.example" ||
		v2.Contact.Account == nil || v2.Contact.Account.Username != "ada" {
		t.Errorf("registrations %+v, contact %+v", v2.Registrations, v2.Contact)
	}
	if len(v2.Rules) != 2 || v2.Rules[0].ID != "1" || v2.Rules[1].Text != "No ads" {
		t.Errorf("rules %+v", v2.Rules)
	}
	var v1 struct {
		URI              string `json:"uri"`
		Registrations    bool   `json:"registrations"`
		ApprovalRequired bool   `json:"approval_required"`
		Stats            map[string]int
		ContactAccount   *struct{ Username string } `json:"contact_account"`
		Configuration    struct {
			Media map[string]any `json:"media_attachments"`
		}
	}
	decodeInto(t, call(e, http.MethodGet, "/api/v1/instance", ""), &v1)
	if v1.URI != "127.0.0.2:8080" || !v1.Registrations || !v1.ApprovalRequired || v1.Stats["user_count"] != 2 || v1.ContactAccount == nil {
		t.Errorf("v1: %+v", v1)
	}
	wantMediaLimits(t, "v1", v1.Configuration.Media)
	for path, want := range map[string]string{"/api/v1/custom_emojis": "[]", "/api/v1/instance/rules": `"text":"Be kind"`} {
		if rec := call(e, http.MethodGet, path, ""); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
	if rec := call(e, http.MethodGet, "/api/v1/preferences", token); rec.Code != http.StatusOK ||
		!strings.Contains(rec.Body.String(), `"posting:default:visibility":"public"`) {
		t.Errorf("preferences: %d %s", rec.Code, rec.Body)
	}

	// A link counts as many characters as the instance says, whatever its length.
	text := strings.Repeat("a", models.MaxPostLength-models.CharactersReservedPerURL-1) + " https://example.org/" + strings.Repeat("x", 200)
	if rec := postStatus(e, token, text); rec.Code != http.StatusOK {
		t.Errorf("a post whose long link counts %d characters: %d %s", models.CharactersReservedPerURL, rec.Code, rec.Body)
	}
	if rec := postStatus(e, token, text+" b"); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("two characters more: %d", rec.Code)
	}
}

func postStatus(e http.Handler, token, text string) *httptest.ResponseRecorder {
	return postStatusForm(e, token, url.Values{"status": {text}})
}

func postStatusForm(e http.Handler, token string, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/api/v1/statuses", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestVisitorsReadPublicPostsButNeverFollowersOnlyNorMembersOnly(t *testing.T) {
	t.Parallel()
	e, db, alice, token := apiServer(t)
	ctx := context.Background()
	idOf := func(rec *httptest.ResponseRecorder) string {
		var s struct{ ID string }
		decodeInto(t, rec, &s)
		return s.ID
	}
	public := idOf(postStatus(e, token, "A public post"))
	private := idOf(postStatusForm(e, token, url.Values{"status": {"For my followers"}, "visibility": {"private"}}))
	group, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "nicu", Title: "NICU parents", MembersOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	inGroup := &models.Post{URI: "http://127.0.0.2:8080/users/alice/statuses/999", AuthorID: alice.Actor.ID, GroupID: &group.Actor.ID,
		Type: "Note", Content: "<p>Members only</p>", Visibility: models.VisibilityPublicPost, Local: true}
	if _, err := models.InsertPost(ctx, db, inGroup); err != nil {
		t.Fatal(err)
	}
	reply := idOf(postStatusForm(e, token, url.Values{"status": {"A reply for followers"}, "visibility": {"private"}, "in_reply_to_id": {public}}))

	for _, tt := range []struct {
		path string
		code int
	}{
		{"/api/v1/statuses/" + public, 200},
		{"/api/v1/statuses/" + private, 404},
		{"/api/v1/statuses/" + private + "/context", 404},
		{"/api/v1/statuses/" + reply, 404},
		{fmt.Sprintf("/api/v1/statuses/%d", inGroup.ID), 404},
		{fmt.Sprintf("/api/v1/accounts/%d", alice.Actor.ID), 200},
	} {
		if rec := call(e, http.MethodGet, tt.path, ""); rec.Code != tt.code {
			t.Errorf("a visitor reading %s: %d, want %d", tt.path, rec.Code, tt.code)
		}
	}
	for _, path := range []string{"/api/v1/timelines/public", "/api/v1/timelines/public?local=true",
		fmt.Sprintf("/api/v1/accounts/%d/statuses", alice.Actor.ID), "/api/v1/statuses/" + public + "/context"} {
		rec := call(e, http.MethodGet, path, "")
		body := rec.Body.String()
		if rec.Code != http.StatusOK || strings.Contains(body, "For my followers") || strings.Contains(body, "reply for followers") || strings.Contains(body, "Members only") {
			t.Errorf("a visitor reading %s: %d %s", path, rec.Code, body)
		}
	}
	if body := call(e, http.MethodGet, "/api/v1/timelines/public", "").Body.String(); !strings.Contains(body, "A public post") {
		t.Errorf("the public timeline lacks the public post: %s", body)
	}

	// With the timelines closed to visitors, only members read them.
	if err := models.SetInstancePublicSettings(ctx, db, models.PublicSettings{TimelinePreview: false}); err != nil {
		t.Fatal(err)
	}
	if rec := call(e, http.MethodGet, "/api/v1/timelines/public", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("closed public timeline, a visitor: %d", rec.Code)
	}
	if rec := call(e, http.MethodGet, "/api/v1/timelines/public", token); rec.Code != http.StatusOK {
		t.Errorf("closed public timeline, a member: %d", rec.Code)
	}
}

func TestAdminsAnnounceAndMembersDismiss(t *testing.T) {
	t.Parallel()
	s := newOAuthSite(t)
	ctx := context.Background()
	if err := models.SetAccountRole(ctx, s.db, s.alice.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	token, err := models.CreateToken(ctx, s.db, s.alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := testenv.NewOAuthBrowser(t)
	b.LogIn(s.base, "alice", "password1")
	admin := b.Get(s.base + "/admin")
	form := admin.Form("/admin/announcements")
	if p := b.Post(s.base+"/admin/announcements", form); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("an empty announcement: %d", p.Status)
	}
	form.Set("text", "Meetup at the park on Saturday!")
	form.Set("ends_at", "2001-01-01T10:00")
	form.Set("starts_at", "2001-01-02T10:00")
	if p := b.Post(s.base+"/admin/announcements", form); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("an announcement ending before it starts: %d", p.Status)
	}
	if n := s.count("announcements"); n != 0 {
		t.Fatalf("%d announcements stored from refused forms", n)
	}
	form.Del("ends_at")
	form.Del("starts_at")
	if p := b.Post(s.base+"/admin/announcements", form); p.Status != http.StatusSeeOther {
		t.Fatalf("a draft: %d\n%s", p.Status, p.Body)
	}
	var list []struct {
		ID, Content string
		Read        bool
	}
	if s.get("/api/v1/announcements", token, &list); len(list) != 0 {
		t.Errorf("a draft is announced: %+v", list)
	}
	form.Set("publish", "1")
	if p := b.Post(s.base+"/admin/announcements", form); p.Status != http.StatusSeeOther {
		t.Fatalf("published: %d", p.Status)
	}
	if code, body := s.get("/api/v1/announcements", token, &list); code != http.StatusOK || len(list) != 1 ||
		!strings.Contains(list[0].Content, "Meetup at the park") || list[0].Read {
		t.Fatalf("announcements: %d %s", code, body)
	}
	req, _ := http.NewRequest(http.MethodPost, s.base+"/api/v1/announcements/"+list[0].ID+"/dismiss", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if code, body := s.send(req, nil); code != http.StatusOK {
		t.Fatalf("dismiss: %d %s", code, body)
	}
	if s.get("/api/v1/announcements", token, &list); len(list) != 1 || !list[0].Read {
		t.Errorf("after dismissing: %+v", list)
	}

	// The public timelines setting, from the same page.
	public := b.Get(s.base + "/admin").Form("/admin/settings/public")
	public.Set("rules", "Be kind\n\nNo ads")
	if p := b.Post(s.base+"/admin/settings/public", public); p.Status != http.StatusSeeOther {
		t.Fatalf("public settings: %d", p.Status)
	}
	if code, _ := s.get("/api/v1/timelines/public", "", nil); code != http.StatusUnauthorized {
		t.Errorf("timelines closed by the form (box unticked), a visitor: %d", code)
	}
	var rules []struct{ Text string }
	if s.get("/api/v1/instance/rules", "", &rules); len(rules) != 2 {
		t.Errorf("rules: %+v", rules)
	}
}

// decodeInto decodes a 200 JSON answer into out.
func decodeInto(t *testing.T, rec *httptest.ResponseRecorder, out any) {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
}

// wantMediaLimits checks an instance document's media_attachments against
// the limits the upload code enforces (models' media constants).
func wantMediaLimits(t *testing.T, what string, got map[string]any) {
	t.Helper()
	want := map[string]any{"image_size_limit": float64(models.MaxImageBytes), "image_matrix_limit": float64(models.MaxImagePixels),
		"description_limit": float64(models.MaxMediaDescription), "video_size_limit": float64(0)}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: media_attachments.%s = %v, want %v", what, k, got[k], v)
		}
	}
	types := fmt.Sprint(got["supported_mime_types"])
	for _, typ := range []string{"image/jpeg", "image/png", "image/webp", "image/gif"} {
		if !strings.Contains(types, typ) {
			t.Errorf("%s: supported_mime_types %s lacks %s", what, types, typ)
		}
	}
	if strings.Contains(types, "video") || strings.Contains(types, "svg") {
		t.Errorf("%s: supported_mime_types %s names what Village refuses", what, types)
	}
}
