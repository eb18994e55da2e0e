package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/village-social/village/models"
)

// A moderator's approvals and rejections on the web app land in the
// group's audit log, naming who decided about whom; a decision that did
// not happen (already decided) logs nothing.
func TestJoinDecisionsOnTheWebAreLogged(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupOpen)
	mona := s.user("mona", "", false)
	nina := s.user("nina", "", false)
	g := s.group(models.NewGroup{Name: "park", Title: "Park Parents", MembersOnly: true}, "mona")
	rita := s.remote("rita", "")
	fNina := s.request(nina.Actor, g, "")
	fRita := s.request(rita, g, "")

	b := s.signedIn(mona)
	decide := func(f *models.Follow, how string) {
		t.Helper()
		rec := b.submit("/groups/park/manage", "/groups/park/requests/"+strconv.FormatInt(f.ID, 10)+"/"+how, url.Values{})
		wantStatus(t, how, rec, http.StatusSeeOther)
	}
	decide(fNina, "approve")
	decide(fRita, "reject")
	decide(fNina, "reject") // decided already: nothing happens

	log, err := models.ModerationLog(context.Background(), s.db, &g.Actor.ID, models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		action, target string
		moderator      int64
	}
	var got []row
	for _, l := range log {
		var mod int64
		if l.ModeratorID != nil {
			mod = *l.ModeratorID
		}
		got = append(got, row{l.Action, l.TargetText, mod})
	}
	want := []row{ // newest first
		{models.ModRejectMember, "@rita@" + rita.Domain, mona.Actor.ID},
		{models.ModApproveMember, "@nina", mona.Actor.ID},
	}
	if len(got) != len(want) {
		t.Fatalf("the audit log has %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("audit log row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
