package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

// actorName is the name in a local actor's document, as a server fetching it reads it.
func (s *site) actorName(path string) string {
	s.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", "application/activity+json")
	rec := httptest.NewRecorder()
	s.e.ServeHTTP(rec, req)
	var doc struct {
		Name string `json:"name"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &doc) != nil {
		s.t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	return doc.Name
}

// Actor documents are served from memory, but never stale after a change
// made through the server: saving the profile shows in the very next
// fetch. A change made behind its back (the command line, in another
// process) shows once the server is told of it (Options.Changes).
func TestActorDocumentsShowChangesAtOnce(t *testing.T) {
	t.Parallel()
	changes := make(chan struct{})
	t.Cleanup(func() { close(changes) })
	s := newSiteWith(t, models.SignupOpen, siteBase, changes)
	acc := s.account("sam", "correct horse battery")
	b := s.browser()
	wantStatus(t, "log in", b.logIn("sam", "correct horse battery"), http.StatusSeeOther)
	if got := s.actorName("/users/sam"); got != "" && got != "sam" {
		t.Fatalf("the document's name before any change: %q", got)
	}
	s.actorName("/users/sam") // served from memory now

	for _, name := range []string{"Sam B", "Sam C"} {
		wantStatus(t, "profile", b.submit("/settings", "/settings/profile", url.Values{"display_name": {name}, "bio": {""}}), http.StatusSeeOther)
		if got := s.actorName("/users/sam"); got != name {
			t.Errorf("the document right after saving the profile names %q, want %q", got, name)
		}
	}

	if err := models.UpdateProfile(context.Background(), s.db, acc.Actor.ID, models.ProfileEdit{DisplayName: "Sam from the shell"}); err != nil {
		t.Fatal(err)
	}
	if got := s.actorName("/users/sam"); got != "Sam C" {
		t.Fatalf("a change behind the server's back, untold: %q, want the copy in memory (the test shows nothing otherwise)", got)
	}
	changes <- struct{}{}
	deadline := time.Now().Add(3 * time.Second)
	for s.actorName("/users/sam") != "Sam from the shell" {
		if time.Now().After(deadline) {
			t.Fatalf("a change the server was told of does not show after 3 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
