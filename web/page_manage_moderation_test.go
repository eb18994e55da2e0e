package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/models"
)

// Moderation forms refuse what they cannot do, say why, and write nothing
// (no ban, no removal, no log row); what they do goes to the audit log,
// which only moderators see.
func TestModerationFormsRefuseBadInputAndLogWhatTheyDo(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	mona := s.user("mona", "", false)
	maya := s.user("maya", "", false)
	remote := s.remote("rosa", "")
	g := s.group(models.NewGroup{Name: "park", Title: "Park Parents"}, "mona")
	other := s.group(models.NewGroup{Name: "other", Title: "Other"}, "")
	tip := s.post(maya.Actor, g, "Best playground: Harmony")
	elsewhere := s.post(maya.Actor, other, "Not in park")
	if _, err := models.PutFollow(context.Background(), s.db, remote.ID, g.Actor.ID, remote.URI+"/follows/1", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	b := s.signedIn(mona)
	id := func(p *models.Post) string { return strconv.FormatInt(p.ID, 10) }

	refused := []struct {
		what, action string
		form         url.Values
		says         string
	}{
		{"a ban of zero days", "/groups/park/bans", url.Values{"handle": {"maya"}, "days": {"0"}}, "between 1 and"},
		{"a ban of oneself", "/groups/park/bans", url.Values{"handle": {"mona"}}, "cannot ban yourself"},
		{"a ban of nobody", "/groups/park/bans", url.Values{"handle": {"nobody"}}, "nobody"},
		{"removing a post of another group", "/groups/park/remove", url.Values{"post": {id(elsewhere)}}, "not in this group"},
		{"locking a post of another group", "/groups/park/lock", url.Values{"post": {id(elsewhere)}}, "not in this group"},
		{"a moderator naming moderators", "/groups/park/moderators", url.Values{"handle": {"maya"}}, "Only the group"},
	}
	for _, tc := range refused {
		rec := b.submit("/groups/park/manage", tc.action, tc.form)
		wantStatus(t, tc.what, rec, http.StatusUnprocessableEntity)
		if !strings.Contains(rec.Body.String(), tc.says) {
			t.Errorf("%s: the page does not say %q", tc.what, tc.says)
		}
	}
	for _, table := range []string{"group_bans", "moderation_log"} {
		if n := count(t, s.db, table); n != 0 {
			t.Errorf("refused forms wrote %d rows to %s", n, table)
		}
	}
	if p, _ := models.PostByID(context.Background(), s.db, elsewhere.ID); p.DeletedAt != nil || p.LockedAt != nil {
		t.Error("a refused form changed the other group's post")
	}

	// A ban and a removal: the banned person's follow ends with Reject,
	// the group announces both, and the log has them.
	wantStatus(t, "ban", b.submit("/groups/park/manage", "/groups/park/bans", url.Values{"handle": {"@rosa@social.example"}, "reason": {"spam"}}), http.StatusSeeOther)
	wantStatus(t, "remove", b.submit("/groups/park/manage", "/groups/park/remove", url.Values{"post": {id(tip)}, "reason": {"off topic"}}), http.StatusSeeOther)
	if !s.delivered("Reject", remote.InboxURL) || !s.delivered("Announce", remote.InboxURL) {
		t.Error("the banned member was not sent Reject{Follow} and the group's Announce{Block}")
	}
	if f, err := models.FollowBetween(context.Background(), s.db, remote.ID, g.Actor.ID); err == nil {
		t.Errorf("the banned member still follows: %+v", f)
	}
	if p, _ := models.PostByID(context.Background(), s.db, tip.ID); p.DeletedAt == nil {
		t.Error("the removed post is live")
	}
	page := b.get("/groups/park/log")
	wantStatus(t, "the log for a moderator", page, http.StatusOK)
	for _, want := range []string{"banned", "spam", "removed a post", "off topic", "Mona"} {
		if !strings.Contains(page.Body.String(), want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	wantStatus(t, "the log for a member", s.signedIn(maya).get("/groups/park/log"), http.StatusNotFound)
	wantStatus(t, "the log signed out", s.browser().get("/groups/park/log"), http.StatusNotFound)
}

// count is the number of rows in a table.
func count(t *testing.T, db interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
