package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
)

// The web app's side of instance moderation: the posting limit on the
// compose form, suspended accounts at the log-in form, the moderators'
// page, and block and mute buttons on profiles.

func TestPostingFromTheFormIsLimitedPerPerson(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, anna := s.member("anna")
	_, ben := s.member("ben")
	first := anna.writePost("/home", url.Values{"text": {"post 0"}})
	for i := 1; i < 30; i++ {
		form := url.Values{"text": {"post " + strconv.Itoa(i)}}
		if i%2 == 0 {
			form.Set("in_reply_to", strconv.FormatInt(first, 10)) // comments count too
		}
		form.Set("csrf", anna.csrf("/home"))
		if rec := anna.post("/posts", form); rec.Code != http.StatusSeeOther {
			t.Fatalf("post %d: %d", i, rec.Code)
		}
	}
	rec := anna.submit("/home", "/posts", url.Values{"text": {"one too many"}})
	wantStatus(t, "the 31st post in ten minutes", rec, http.StatusTooManyRequests)
	if rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "Please wait 10 minutes") ||
		!strings.Contains(rec.Body.String(), "one too many") {
		t.Errorf("no wait, no message, or the text was lost: %s", rec.Body)
	}
	var n int
	if err := s.db.QueryRow(context.Background(), `SELECT count(*) FROM posts WHERE content LIKE '%one too many%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the refused post was stored (%d, %v)", n, err)
	}
	ben.writePost("/home", url.Values{"text": {"ben is not limited by anna"}})
	s.clock.Advance(10*time.Minute + time.Second)
	anna.writePost("/home", url.Values{"text": {"ten minutes later"}})
}

// suspend suspends an account as the moderation page does.
func suspend(t *testing.T, s *site, acc *models.Account, on bool) {
	t.Helper()
	out := outbox.New(s.db, federation.NewURLs(siteBase), nil, nil)
	var err error
	if on {
		_, err = out.Suspend(context.Background(), acc, nil, "test", s.clock.Now())
	} else {
		_, err = out.Unsuspend(context.Background(), acc, nil, "test")
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestSuspendedAccountCannotLogInAndItsSessionEnds(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	acc, b := s.member("sam")
	suspend(t, s, acc, true)
	if b.signedIn() {
		t.Error("the session still works after the suspension")
	}
	rec := b.logIn("sam", "correct horse")
	wantStatus(t, "log-in while suspended", rec, http.StatusForbidden)
	if !strings.Contains(rec.Body.String(), "suspended") || b.signedIn() {
		t.Errorf("no reason given, or signed in anyway: %s", rec.Body)
	}
	// A wrong password says nothing about the suspension.
	if rec := s.browser().logIn("sam", "wrong horse"); strings.Contains(rec.Body.String(), "suspended") {
		t.Error("a wrong password learns that the account is suspended")
	}
	suspend(t, s, acc, false)
	wantStatus(t, "log-in after the suspension is lifted", b.logIn("sam", "correct horse"), http.StatusSeeOther)
}

func TestInstanceModeratorsUseTheModerationPageButNotTheSettings(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	mod, modB := s.member("mo")
	if err := models.SetAccountRole(context.Background(), s.db, mod.ID, models.RoleModerator); err != nil {
		t.Fatal(err)
	}
	target, targetB := s.member("tess")
	_, memberB := s.member("mel")

	wantStatus(t, "a member at /admin/moderation", memberB.get("/admin/moderation"), http.StatusForbidden)
	wantStatus(t, "a moderator at /admin", modB.get("/admin"), http.StatusForbidden)
	page := modB.page("/admin/moderation")
	if !strings.Contains(page, "tess") || !strings.Contains(page, `action="/admin/users/tess/suspend"`) {
		t.Errorf("the moderation page lists no suspend button for tess")
	}

	// A member cannot suspend; a moderator can, and the log says who.
	form := url.Values{"reason": {"harassment"}, "csrf": {memberB.csrf("/home")}}
	wantStatus(t, "a member suspends", memberB.post("/admin/users/tess/suspend", form), http.StatusForbidden)
	rec := modB.submit("/admin/moderation", "/admin/users/tess/suspend", url.Values{"reason": {"harassment"}})
	if loc := location(t, rec); !strings.HasPrefix(loc, "/admin/moderation?done=suspended") {
		t.Errorf("after suspending, sent to %q", loc)
	}
	if targetB.signedIn() {
		t.Error("tess's session survived the suspension")
	}
	log, err := models.ModerationLog(context.Background(), s.db, nil, models.Page{})
	if err != nil || len(log) != 1 || log[0].Action != models.ModSuspendUser || log[0].ModeratorID == nil ||
		*log[0].ModeratorID != mod.Actor.ID || *log[0].TargetActorID != target.Actor.ID || log[0].Reason != "harassment" {
		t.Errorf("moderation log: %+v %v", log, err)
	}

	// Domain blocks: a bad domain is refused with a reason, a good one listed.
	rec = modB.submit("/admin/moderation", "/admin/domain_blocks", url.Values{"domain": {"not a domain"}, "severity": {"suspend"}})
	wantStatus(t, "blocking a bad domain", rec, http.StatusUnprocessableEntity)
	if !strings.Contains(rec.Body.String(), "such as bad.example") {
		t.Errorf("no reason for the refusal: %s", rec.Body)
	}
	rec = modB.submit("/admin/moderation", "/admin/domain_blocks", url.Values{"domain": {"https://Spam.Example/about"}, "severity": {"silence"}})
	location(t, rec)
	blocks, err := models.DomainBlocks(context.Background(), s.db)
	if err != nil || len(blocks) != 1 || blocks[0].Domain != "spam.example" || blocks[0].Severity != models.BlockSilence {
		t.Errorf("domain blocks: %+v %v", blocks, err)
	}
	if page := modB.page("/admin/moderation"); !strings.Contains(page, "spam.example") {
		t.Error("the block is not listed")
	}
	location(t, modB.submit("/admin/moderation", "/admin/domain_blocks/spam.example/delete", url.Values{}))
	if blocks, _ := models.DomainBlocks(context.Background(), s.db); len(blocks) != 0 {
		t.Errorf("still blocked: %+v", blocks)
	}
}

func TestProfileButtonsBlockAndMute(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	anna, annaB := s.member("anna")
	ben, _ := s.member("ben")
	ctx := context.Background()
	if _, err := models.PutFollow(ctx, s.db, ben.Actor.ID, anna.Actor.ID, siteBase+"/follows/1", models.FollowAccepted); err != nil {
		t.Fatal(err)
	}
	page := annaB.page("/users/ben")
	if !strings.Contains(page, `action="/accounts/`+strconv.FormatInt(ben.Actor.ID, 10)+`/block"`) {
		t.Fatal("no block button on ben's profile")
	}
	if own := annaB.page("/users/anna"); strings.Contains(own, "/block\"") {
		t.Error("a block button on her own profile")
	}
	base := "/accounts/" + strconv.FormatInt(ben.Actor.ID, 10)
	location(t, annaB.submit("/users/ben", base+"/block", url.Values{"next": {"/users/ben"}}))
	location(t, annaB.submit("/users/ben", base+"/mute", url.Values{"next": {"/users/ben"}}))
	blocks, blockedBy, err := models.Blocks(ctx, s.db, anna.Actor.ID, ben.Actor.ID)
	muting, _ := models.Muting(ctx, s.db, anna.Actor.ID, ben.Actor.ID)
	if err != nil || !blocks || blockedBy || !muting {
		t.Errorf("blocks=%v blockedBy=%v muting=%v err=%v", blocks, blockedBy, muting, err)
	}
	if _, err := models.FollowBetween(ctx, s.db, ben.Actor.ID, anna.Actor.ID); err == nil {
		t.Error("ben still follows anna after her block")
	} else if err != models.ErrNotFound && err != pgx.ErrNoRows {
		t.Fatal(err)
	}
	page = annaB.page("/users/ben")
	if !strings.Contains(page, base+`/unblock"`) || !strings.Contains(page, base+`/unmute"`) {
		t.Error("the profile does not offer to unblock and unmute")
	}
	location(t, annaB.submit("/users/ben", base+"/unblock", url.Values{}))
	location(t, annaB.submit("/users/ben", base+"/unmute", url.Values{}))
	if blocks, _, _ := models.Blocks(ctx, s.db, anna.Actor.ID, ben.Actor.ID); blocks {
		t.Error("still blocking")
	}
}

// A person who blocks or mutes someone does not meet their posts around a
// thread she opens, nor on a group's page, while others still do.
func TestBlockedAndMutedAuthorsLeaveThreadsAndGroupPages(t *testing.T) {
	t.Parallel()
	s := newMemberSite(t)
	_, anna := s.member("anna")
	ben, benB := s.member("ben")
	cleo, cleoB := s.member("cleo")
	_, dora := s.member("dora")
	for _, b := range []*browser{anna, benB, cleoB, dora} {
		b.join("brooklyn_moms")
	}
	group := url.Values{"group": {"@brooklyn_moms@127.0.0.2:8080"}}
	withText := func(text string) url.Values {
		f := url.Values{"text": {text}}
		for k, v := range group {
			f[k] = v
		}
		return f
	}
	top := dora.writePost("/groups/brooklyn_moms", withText("Dora asks about night feeds"))
	reply := func(b *browser, parent int64, text string) {
		b.writePost("/posts/"+strconv.FormatInt(parent, 10), url.Values{"text": {text}, "in_reply_to": {strconv.FormatInt(parent, 10)}})
	}
	reply(benB, top, "Ben answers the night feeds question")
	reply(cleoB, top, "Cleo answers the night feeds question")
	benB.writePost("/groups/brooklyn_moms", withText("Ben's own group post"))
	cleoB.writePost("/groups/brooklyn_moms", withText("Cleo's own group post"))

	thread := "/posts/" + strconv.FormatInt(top, 10)
	wantIn(t, "anna's thread before", anna.page(thread), "Ben answers", "Cleo answers")
	wantIn(t, "anna's group page before", anna.page("/groups/brooklyn_moms"), "Ben&#39;s own group post", "Cleo&#39;s own group post")

	for _, action := range []string{"block", "mute"} {
		t.Run(action, func(t *testing.T) {
			// Each case starts from nobody blocked or muted.
			for _, who := range []*models.Account{ben, cleo} {
				base := "/accounts/" + strconv.FormatInt(who.Actor.ID, 10)
				location(t, anna.submit("/users/"+who.Actor.Username, base+"/unblock", url.Values{}))
				location(t, anna.submit("/users/"+who.Actor.Username, base+"/unmute", url.Values{}))
			}
			location(t, anna.submit("/users/ben", "/accounts/"+strconv.FormatInt(ben.Actor.ID, 10)+"/"+action, url.Values{}))
			page := anna.page(thread)
			if strings.Contains(page, "Ben answers") || !strings.Contains(page, "Cleo answers") {
				t.Errorf("after anna's %s, her thread shows ben: %v, cleo: %v", action,
					strings.Contains(page, "Ben answers"), strings.Contains(page, "Cleo answers"))
			}
			page = anna.page("/groups/brooklyn_moms")
			if strings.Contains(page, "Ben&#39;s own group post") || !strings.Contains(page, "Cleo&#39;s own group post") {
				t.Errorf("after anna's %s, the group page shows her ben's post", action)
			}
			wantIn(t, "dora's thread", dora.page(thread), "Ben answers", "Cleo answers")
		})
	}
}
