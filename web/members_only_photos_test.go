package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

// A photo posted into a members-only group is shown to those who may see
// the post only: its member gets the bytes on the web (/photos/ID, checked
// on every request) and in the API; a signed-in stranger and a signed-out
// visitor get the 404 of a photo that does not exist, on the web and in
// the API, and no page they can load names the photo's file. Once the
// post is deleted, nobody gets it.
func TestMembersOnlyPhotosAreServedOnlyToThoseWhoMaySeeThePost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newAvatarSite(t)
	group, err := models.CreateGroup(ctx, s.db, models.NewGroup{Name: "nicu", Title: "NICU parents", MembersOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	alice := s.mediaUser("alice")
	if _, err := models.PutFollow(ctx, s.db, alice.acc.Actor.ID, group.Actor.ID, "http://127.0.0.2:8080/follows/1", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	_, member := s.member("alice")
	strangerAcc, stranger := s.member("sam")
	visitor := s.browser()
	strangerAPI := &mediaUser{s: s, acc: strangerAcc, token: tokenFor(t, s, strangerAcc)}

	var up mediaJSON
	decodeInto(t, alice.upload(testenv.PhotoWithMetadata(t, 300, 200, 1), map[string]string{"description": "Our ward"}), &up)
	var st struct {
		ID    string      `json:"id"`
		Media []mediaJSON `json:"media_attachments"`
	}
	decodeInto(t, alice.send(http.MethodPost, "/api/v1/statuses",
		url.Values{"status": {"@nicu first cuddle"}, "media_ids[]": {up.ID}}, ""), &st)
	if p := s.postByAPIID(st.ID); p.GroupID == nil || *p.GroupID != group.Actor.ID {
		t.Fatalf("the post is not in the group: %+v", p)
	}
	photo, preview := "/photos/"+up.ID, "/photos/"+up.ID+"/preview"
	fileKey := strings.TrimPrefix(up.URL, siteBase+"/media/")

	postPage := "/posts/" + st.ID
	rec := member.get(postPage) // not page(): checkInert refuses every <img>
	wantStatus(t, "the member's post page", rec, http.StatusOK)
	html := rec.Body.String()
	if !strings.Contains(html, `src="`+preview+`"`) || !strings.Contains(html, `alt="Our ward"`) || strings.Contains(html, fileKey) {
		t.Errorf("the member's page shows the photo through %s with its alt text, and never its file name:\n%s", preview, html)
	}
	for _, path := range []string{photo, preview} {
		rec := member.get(path)
		wantStatus(t, "the member's "+path, rec, http.StatusOK)
		if h := rec.Header(); h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(h.Get("Cache-Control"), "private") {
			t.Errorf("the member's %s: headers %v", path, h)
		}
		testenv.NoMetadata(t, path, rec.Body.Bytes())
		wantStatus(t, "a stranger's "+path, stranger.get(path), http.StatusNotFound)
		wantStatus(t, "a visitor's "+path, visitor.get(path), http.StatusNotFound)
	}
	for who, b := range map[string]*browser{"stranger": stranger, "visitor": visitor} {
		if rec := b.get(postPage); rec.Code != http.StatusNotFound && rec.Code != http.StatusSeeOther || strings.Contains(rec.Body.String(), fileKey) {
			t.Errorf("the %s's post page: %d, names the file: %v", who, rec.Code, strings.Contains(rec.Body.String(), fileKey))
		}
	}
	wantStatus(t, "the member's status", alice.send(http.MethodGet, "/api/v1/statuses/"+st.ID, nil, ""), http.StatusOK)
	wantStatus(t, "a stranger's status", strangerAPI.send(http.MethodGet, "/api/v1/statuses/"+st.ID, nil, ""), http.StatusNotFound)
	wantStatus(t, "a stranger's media", strangerAPI.send(http.MethodGet, "/api/v1/media/"+up.ID, nil, ""), http.StatusNotFound)

	wantStatus(t, "delete", alice.send(http.MethodDelete, "/api/v1/statuses/"+st.ID, nil, ""), http.StatusOK)
	for _, path := range []string{photo, strings.TrimPrefix(up.URL, siteBase)} {
		wantStatus(t, "after deletion "+path, member.get(path), http.StatusNotFound)
	}
}

func tokenFor(t *testing.T, s *avatarSite, acc *models.Account) string {
	t.Helper()
	token, err := models.CreateToken(context.Background(), s.db, acc.ID)
	if err != nil {
		t.Fatal(fmt.Errorf("token: %w", err))
	}
	return token
}
