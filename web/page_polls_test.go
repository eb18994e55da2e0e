package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/village-social/village/models"
)

func TestAPollIsWrittenShownAndVotedInTheWebApp(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, alice := s.member("alice")
	_, bea := s.member("bea")
	alice.join("brooklyn_moms")
	bea.join("brooklyn_moms")

	// The home page's form has the poll's fields; a poll of one option is refused.
	home := alice.page("/home")
	wantIn(t, "the compose form", home, `name="poll_option"`, `name="poll_duration"`, `name="poll_multiple"`, `name="poll_hide_totals"`)
	rec := alice.submit("/home", "/posts", url.Values{"text": {"Saturday?"}, "group": {"@brooklyn_moms@127.0.0.2:8080"},
		"poll_option": {"Park", ""}, "poll_duration": {"86400"}})
	wantStatus(t, "a poll of one option", rec, http.StatusUnprocessableEntity)
	wantIn(t, "the refused poll", rec.Body.String(), "A poll needs at least two options.", `value="Park"`)
	if n := count(t, s.db, "polls"); n != 0 {
		t.Fatalf("a refused poll stored %d polls", n)
	}

	id := alice.writePost("/home", url.Values{"text": {"Saturday meetup: where?"}, "group": {"@brooklyn_moms@127.0.0.2:8080"},
		"poll_option": {"Park", "Library", ""}, "poll_duration": {"3600"}, "poll_hide_totals": {"1"}})
	path := "/posts/" + strconv.FormatInt(id, 10)

	// Bea sees radio buttons and the time left, no counts while hidden.
	page := bea.page(path)
	wantIn(t, "the poll before voting", page, `type="radio" name="choice" value="0"`, `action="`+path+`/vote"`,
		`name="csrf"`, "Closes in", "Results show when the poll closes")
	wantNotIn(t, "the poll before voting", page, `<meter`)
	wantStatus(t, "a vote without the form's token", bea.post(path+"/vote", url.Values{"choice": {"1"}}), http.StatusForbidden)
	if n := count(t, s.db, "poll_votes"); n != 0 {
		t.Fatalf("a vote without the token stored %d votes", n)
	}
	rec = bea.submit(path, path+"/vote", url.Values{"choice": {"1"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("voting: %d %s", rec.Code, rec.Body)
	}
	page = bea.page(path)
	wantIn(t, "the poll after voting", page, "You voted", "Library <strong>(your choice)</strong>")
	wantNotIn(t, "the poll after voting", page, `name="choice"`)

	// A second vote is refused, and counted nowhere.
	rec = bea.submit(path, path+"/vote", url.Values{"choice": {"0"}})
	wantStatus(t, "a second vote", rec, http.StatusUnprocessableEntity)
	if n := count(t, s.db, "poll_votes"); n != 1 {
		t.Errorf("%d votes stored, want 1", n)
	}
	// The author sees no form in her own poll; once it closed, everyone
	// sees the counts and that it closed.
	wantNotIn(t, "the author's view", alice.page(path), `name="choice"`)
	if _, err := s.db.Exec(context.Background(), `UPDATE polls SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	page = bea.page(path)
	wantIn(t, "the closed poll", page, "Closed", "1 person voted")
	if !regexp.MustCompile(`Library <strong>\(your choice\)</strong></span> <span class="poll-count">100% \(1\)</span>`).MatchString(page) {
		t.Errorf("the closed poll does not show Library's count")
	}
	rec = bea.submit(path, path+"/vote", url.Values{"choice": {"0"}})
	wantStatus(t, "a vote in a closed poll", rec, http.StatusUnprocessableEntity)

	// When it ended, voter and author are told on their notifications page.
	if _, err := models.NotifyEndedPolls(context.Background(), s.db, time.Now()); err != nil {
		t.Fatal(err)
	}
	wantIn(t, "bea's notifications", bea.page("/notifications"), "that you voted in has closed", "Saturday meetup")
	wantIn(t, "alice's notifications", alice.page("/notifications"), "Your poll has closed")
}
