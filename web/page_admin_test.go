package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/village-social/village/models"
)

// adminSettingsForm is the admin's whole settings form.
func adminSettingsForm(kv ...string) url.Values {
	f := url.Values{"name": {"Park Slope Village"}, "description": {"Parent groups of Park Slope."},
		"contact_email": {"admin@parkslope.example"}, "mode": {"approval"}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func TestAdminPageIsOnlyForAdmins(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupApproval)
	nina := s.user("nina", "", false)
	mona := s.user("mona", "", false)
	s.group(models.NewGroup{Name: "park", Title: "Park Parents"}, "mona")

	rec := s.browser().get("/admin")
	wantStatus(t, "signed out", rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/login?next=%2Fadmin" {
		t.Errorf("signed out, /admin sends to %q", loc)
	}
	for _, acc := range []*models.Account{nina, mona} { // a member, a moderator
		b := s.signedIn(acc)
		rec := b.get("/admin")
		wantStatus(t, acc.Actor.Username+" GET /admin", rec, http.StatusForbidden)
		if !strings.Contains(rec.Body.String(), "for the admins") || strings.Contains(rec.Body.String(), "Invite links") {
			t.Errorf("%s sees: %s", acc.Actor.Username, rec.Body)
		}
		token := b.csrf("/settings")
		for _, action := range []string{"/admin/settings", "/admin/invites", "/admin/users/nina/approve", "/admin/invites/abc/revoke"} {
			form := adminSettingsForm("mode", "open")
			form.Set("csrf", token)
			wantStatus(t, acc.Actor.Username+" POST "+action, b.post(action, form), http.StatusForbidden)
		}
	}
	mode, _ := models.InstanceSignupMode(context.Background(), s.db)
	invites, _ := models.ListInvites(context.Background(), s.db)
	if info, _ := models.Instance(context.Background(), s.db); info.Name != "" || mode != models.SignupApproval || len(invites) != 0 {
		t.Errorf("refused requests changed something: %+v, %s, %d invites", info, mode, len(invites))
	}
}

func TestAdminSavesInstanceSettings(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupApproval)
	b := s.signedIn(s.user("ada", "", true))
	ctx := context.Background()

	page := b.get("/admin")
	wantStatus(t, "GET /admin", page, http.StatusOK)
	if body := page.Body.String(); !strings.Contains(body, `value="approval" checked`) || !strings.Contains(body, `name="contact_email"`) {
		t.Errorf("the settings form does not show the stored mode:\n%s", body)
	}
	if len(page.Body.Bytes()) > maxPageBytes {
		t.Errorf("/admin weighs %d bytes", len(page.Body.Bytes()))
	}

	for _, tt := range []struct {
		name, field string
		form        url.Values
	}{
		{"bad contact", "contact_email", adminSettingsForm("contact_email", "not an address", "mode", "open")},
		{"long name", "name", adminSettingsForm("name", strings.Repeat("n", 101), "mode", "open")},
		{"unknown mode", "mode", adminSettingsForm("mode", "everyone")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := b.submit("/admin", "/admin/settings", tt.form)
			wantStatus(t, "save", rec, http.StatusUnprocessableEntity)
			if !strings.Contains(rec.Body.String(), `id="`+tt.field+`-error"`) {
				t.Errorf("no error beside %s:\n%s", tt.field, rec.Body)
			}
			mode, _ := models.InstanceSignupMode(ctx, s.db)
			if info, _ := models.Instance(ctx, s.db); info != (models.InstanceInfo{}) || mode != models.SignupApproval {
				t.Errorf("a refused form saved %+v, %s", info, mode)
			}
		})
	}

	rec := b.submit("/admin", "/admin/settings", adminSettingsForm("name", "  Park Slope Village ", "mode", "invite",
		"description", "Parent groups of Park Slope.\r\n\r\nBe kind."))
	wantStatus(t, "save", rec, http.StatusSeeOther)
	info, err := models.Instance(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	want := models.InstanceInfo{Name: "Park Slope Village", Description: "Parent groups of Park Slope.\n\nBe kind.",
		ContactEmail: "admin@parkslope.example"}
	if info != want {
		t.Errorf("stored %+v, want %+v", info, want)
	}
	if mode, _ := models.InstanceSignupMode(ctx, s.db); mode != models.SignupInvite {
		t.Errorf("sign-up mode %s, want invite", mode)
	}
	if body := b.get("/admin?done=settings").Body.String(); !strings.Contains(body, "settings are saved") ||
		!strings.Contains(body, `value="invite" checked`) || !strings.Contains(body, `value="Park Slope Village"`) {
		t.Errorf("the page after saving:\n%s", body)
	}
	// The sign-up page follows the new mode.
	if body := s.browser().get("/signup").Body.String(); !strings.Contains(body, "by invitation only") {
		t.Error("the sign-up page does not follow the new mode")
	}
}

func TestAdminApprovesAWaitingSignUpWhoCanThenLogIn(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupApproval)
	admin := s.signedIn(s.user("ada", "", true))
	newcomer := s.browser()
	rec := newcomer.submit("/signup", "/signup", url.Values{"username": {"newmom"}, "email": {"newmom@example.org"},
		"password": {"password1"}, "password_confirm": {"password1"}, "reason": {"Just moved to <Park Slope>"}})
	wantStatus(t, "sign-up", rec, http.StatusOK)
	wantStatus(t, "log-in before approval", newcomer.logIn("newmom", "password1"), http.StatusForbidden)

	body := admin.get("/admin").Body.String()
	for _, want := range []string{"newmom", "newmom@example.org", "Waiting for approval", "Just moved to &lt;Park Slope&gt;",
		`action="/admin/users/newmom/approve"`, "1 waiting"} {
		if !strings.Contains(body, want) {
			t.Errorf("the users list does not show %q", want)
		}
	}
	if strings.Contains(body, `action="/admin/users/ada/approve"`) {
		t.Error("an approved account has an Approve button")
	}
	rec = admin.submit("/admin", "/admin/users/newmom/approve", url.Values{})
	wantStatus(t, "approve", rec, http.StatusSeeOther)
	wantStatus(t, "log-in after approval", newcomer.logIn("newmom", "password1"), http.StatusSeeOther)
	if !newcomer.signedIn() {
		t.Error("no session after approval")
	}
	if body := admin.get("/admin?done=approved").Body.String(); strings.Contains(body, "Waiting for approval") || !strings.Contains(body, "can log in now") {
		t.Errorf("after approval the list still shows a waiting account:\n%s", body)
	}
	wantStatus(t, "approve nobody", admin.submit("/admin", "/admin/users/nobody/approve", url.Values{}), http.StatusNotFound)
}

func TestAdminMakesListsAndRevokesInviteLinks(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupInvite)
	ctx := context.Background()
	b := s.signedIn(s.user("ada", "", true))

	rec := b.submit("/admin", "/admin/invites", url.Values{"max_uses": {"many"}})
	wantStatus(t, "bad uses", rec, http.StatusUnprocessableEntity)
	if !strings.Contains(rec.Body.String(), `id="max_uses-error"`) {
		t.Errorf("no error beside the uses: %s", rec.Body)
	}
	rec = b.submit("/admin", "/admin/invites", url.Values{"max_uses": {"2"}, "expires_days": {"400"}})
	wantStatus(t, "too many days", rec, http.StatusUnprocessableEntity)
	if invites, _ := models.ListInvites(ctx, s.db); len(invites) != 0 {
		t.Fatalf("refused forms made %d invites", len(invites))
	}

	wantStatus(t, "make", b.submit("/admin", "/admin/invites", url.Values{"max_uses": {"2"}, "expires_days": {"7"}}), http.StatusSeeOther)
	invites, err := models.ListInvites(ctx, s.db)
	if err != nil || len(invites) != 1 {
		t.Fatalf("invites: %v, %v", invites, err)
	}
	inv := invites[0]
	if inv.MaxUses != 2 || inv.ExpiresAt == nil || inv.CreatedBy == 0 {
		t.Errorf("invite = %+v", inv)
	}
	body := b.get("/admin?done=invite").Body.String()
	if !strings.Contains(body, siteBase+"/signup?invite="+inv.Code) || !strings.Contains(body, "used 0 of 2 times") {
		t.Errorf("the invite link is not listed:\n%s", body)
	}
	// The link works until revoked.
	if page := s.browser().get("/signup?invite=" + inv.Code).Body.String(); !strings.Contains(page, `name="invite"`) {
		t.Error("the new invite link does not open the sign-up form")
	}
	wantStatus(t, "revoke", b.submit("/admin", "/admin/invites/"+inv.Code+"/revoke", url.Values{}), http.StatusSeeOther)
	if _, err := models.UsableInvite(ctx, s.db, inv.Code, s.clock.Now()); !errors.Is(err, models.ErrInvalidInvite) {
		t.Errorf("a revoked invite is usable: %v", err)
	}
	if body := b.get("/admin?done=revoked").Body.String(); !strings.Contains(body, "Revoked") ||
		strings.Contains(body, `action="/admin/invites/`+inv.Code+`/revoke"`) {
		t.Error("the revoked invite is not shown as revoked")
	}
	wantStatus(t, "revoke unknown", b.submit("/admin", "/admin/invites/nosuchcode/revoke", url.Values{}), http.StatusNotFound)
}

func TestAdminFormsWithoutTheCSRFTokenAreRefused(t *testing.T) {
	t.Parallel()
	s := newManageSite(t, models.SignupApproval)
	s.user("ada", "", true)
	if _, _, err := models.Register(context.Background(), s.db, models.SignUp{Mode: models.SignupApproval,
		Account: models.NewAccount{Username: "newmom", Password: "password1"}}); err != nil {
		t.Fatal(err)
	}
	ada, err := models.AccountByUsername(context.Background(), s.db, "ada")
	if err != nil {
		t.Fatal(err)
	}
	b := s.signedIn(ada)
	for _, action := range []string{"/admin/settings", "/admin/users/newmom/approve", "/admin/invites"} {
		rec := b.post(action, adminSettingsForm("mode", "open"))
		wantStatus(t, "POST "+action, rec, http.StatusForbidden)
		if !strings.Contains(rec.Body.String(), "This form has expired") {
			t.Errorf("POST %s: not the CSRF page", action)
		}
	}
	ctx := context.Background()
	mode, _ := models.InstanceSignupMode(ctx, s.db)
	pending, _ := models.PendingSignups(ctx, s.db)
	invites, _ := models.ListInvites(ctx, s.db)
	if mode != models.SignupApproval || len(pending) != 1 || len(invites) != 0 {
		t.Errorf("forged forms changed something: mode %s, %d pending, %d invites", mode, len(pending), len(invites))
	}
}
