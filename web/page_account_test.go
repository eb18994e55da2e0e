package web_test

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/web"
)

const siteBase = "http://127.0.0.2:8080"

// testClock is a clock the test moves on.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// site is an instance's web app over a fresh database, in a sign-up mode.
type site struct {
	t     *testing.T
	e     *echo.Echo
	db    *pgxpool.Pool
	clock *testClock
}

func newSite(t *testing.T, mode models.SignupMode) *site {
	return newSiteAt(t, mode, siteBase)
}

func newSiteAt(t *testing.T, mode models.SignupMode, base string) *site {
	return newSiteWith(t, mode, base, nil)
}

// newSiteWith is newSiteAt with a channel telling the server of changes
// made behind its back (nil: none).
func newSiteWith(t *testing.T, mode models.SignupMode, base string, changes <-chan struct{}) *site {
	t.Helper()
	pool := testenv.DB(t)
	if err := models.SetSignupMode(context.Background(), pool, mode); err != nil {
		t.Fatal(err)
	}
	clock := &testClock{now: time.Now()}
	e := web.New(web.Options{DB: pool, URLs: federation.NewURLs(base), Clock: clock.Now, Changes: changes})
	return &site{t: t, e: e, db: pool, clock: clock}
}

// account makes a ready account directly.
func (s *site) account(name, password string) *models.Account {
	s.t.Helper()
	acc, err := models.CreateAccount(context.Background(), s.db, models.NewAccount{
		Username: name, Password: password, Email: name + "@example.org"})
	if err != nil {
		s.t.Fatal(err)
	}
	return acc
}

// accountExists reports whether a local account has that name.
func (s *site) accountExists(name string) bool {
	s.t.Helper()
	_, err := models.AccountByUsername(context.Background(), s.db, name)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		s.t.Fatal(err)
	}
	return err == nil
}

// browser keeps cookies across requests, as a browser does, and comes from
// one address.
type browser struct {
	s       *site
	cookies map[string]*http.Cookie
	addr    string
}

func (s *site) browser() *browser {
	return &browser{s: s, cookies: map[string]*http.Cookie{}, addr: "198.51.100.7:41000"}
}

func (b *browser) do(req *http.Request) *httptest.ResponseRecorder {
	b.s.t.Helper()
	req.Host = strings.TrimPrefix(strings.TrimPrefix(siteBase, "http://"), "https://")
	req.RemoteAddr = b.addr
	req.Header.Set("Accept", "text/html")
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	b.s.e.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return rec
}

func (b *browser) get(path string) *httptest.ResponseRecorder {
	return b.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post sends a form as our pages do: urlencoded, with our Origin.
func (b *browser) post(path string, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", siteBase)
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// csrf loads a page and returns the token of its forms.
func (b *browser) csrf(path string) string {
	b.s.t.Helper()
	rec := b.get(path)
	m := csrfRE.FindStringSubmatch(rec.Body.String())
	if rec.Code != http.StatusOK || m == nil || m[1] == "" {
		b.s.t.Fatalf("GET %s: %d, no form token in %s", path, rec.Code, rec.Body)
	}
	return html.UnescapeString(m[1])
}

// submit loads the page a form is on and posts the form with its token.
func (b *browser) submit(page, action string, form url.Values) *httptest.ResponseRecorder {
	b.s.t.Helper()
	form.Set("csrf", b.csrf(page))
	return b.post(action, form)
}

func (b *browser) signUp(name, password string) *httptest.ResponseRecorder {
	return b.submit("/signup", "/signup", url.Values{"username": {name}, "password": {password}, "password_confirm": {password}})
}

func (b *browser) logIn(login, password string) *httptest.ResponseRecorder {
	return b.submit("/login", "/login", url.Values{"login": {login}, "password": {password}})
}

// signedIn reports whether the browser's session works: /settings shows
// the settings (and the layout's Log out), rather than sending to /login.
func (b *browser) signedIn() bool {
	b.s.t.Helper()
	rec := b.get("/settings")
	switch rec.Code {
	case http.StatusOK:
		if !strings.Contains(rec.Body.String(), `action="/logout"`) || !strings.Contains(rec.Body.String(), "Log out") {
			b.s.t.Errorf("signed in, but the layout shows no Log out")
		}
		return true
	case http.StatusSeeOther:
		return false
	}
	b.s.t.Fatalf("GET /settings: %d %s", rec.Code, rec.Body)
	return false
}

func wantStatus(t *testing.T, what string, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, rec.Code, want, rec.Body)
	}
}

func TestSignupThenLoginSetsASessionAndTheLayoutShowsLogOut(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	b := s.browser()
	if b.signedIn() {
		t.Fatal("signed in before signing up")
	}
	rec := b.submit("/signup", "/signup", url.Values{"username": {"sam"}, "email": {"sam@example.org"},
		"password": {"correct horse"}, "password_confirm": {"correct horse"}})
	wantStatus(t, "sign-up", rec, http.StatusSeeOther)
	if !b.signedIn() {
		t.Fatal("not signed in after signing up")
	}

	// A new browser logs in by name, another by email.
	for _, login := range []string{"sam", "SAM@example.org"} {
		b := s.browser()
		rec := b.logIn(login, "correct horse")
		wantStatus(t, "log-in as "+login, rec, http.StatusSeeOther)
		if loc := rec.Header().Get("Location"); loc != "/home" {
			t.Errorf("log-in went to %q, want /home (her own home, not the public front page)", loc)
		}
		if !b.signedIn() {
			t.Errorf("log-in as %s: no session", login)
		}
	}
}

func mustAccount(t *testing.T, s *site, name string) *models.Account {
	t.Helper()
	acc, err := models.AccountByUsername(context.Background(), s.db, name)
	if err != nil {
		t.Fatal(err)
	}
	return acc
}

func TestSessionCookieIsHttpOnlyAndSameSiteLaxAndSecureOverHTTPS(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		base       string
		wantName   string
		wantSecure bool
	}{
		{"http://127.0.0.2:8080", "village_session", false},
		{"https://village.example", "__Host-village_session", true},
	} {
		t.Run(tt.base, func(t *testing.T) {
			s := newSiteAt(t, models.SignupOpen, tt.base)
			s.account("sam", "correct horse")
			b := s.browser()
			rec := b.logIn("sam", "correct horse")
			wantStatus(t, "log-in", rec, http.StatusSeeOther)
			var got *http.Cookie
			for _, c := range rec.Result().Cookies() {
				if strings.Contains(c.Name, "session") {
					got = c
				}
			}
			if got == nil || got.Name != tt.wantName {
				t.Fatalf("session cookie %+v, want one named %s", got, tt.wantName)
			}
			if !got.HttpOnly || got.SameSite != http.SameSiteLaxMode || got.Secure != tt.wantSecure || got.Path != "/" {
				t.Errorf("flags: HttpOnly %v, SameSite %v, Secure %v, Path %q", got.HttpOnly, got.SameSite, got.Secure, got.Path)
			}
			if days := got.MaxAge / 86400; days != 30 {
				t.Errorf("cookie lasts %d days, want 30", days)
			}
		})
	}
}

func TestLoginRefusesAWrongPasswordWithoutSayingWhichPartWasWrong(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	s.account("sam", "correct horse")
	errorRE := regexp.MustCompile(`(?s)<p class="form-error"[^>]*>(.*?)</p>`)
	var messages []string
	for _, tt := range []struct{ name, login, password string }{
		{"wrong password", "sam", "wrong horse"},
		{"unknown name", "nobody", "correct horse"},
		{"unknown email", "nobody@example.org", "correct horse"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := s.browser()
			rec := b.logIn(tt.login, tt.password)
			wantStatus(t, tt.name, rec, http.StatusUnauthorized)
			m := errorRE.FindStringSubmatch(rec.Body.String())
			if m == nil {
				t.Fatalf("no error shown: %s", rec.Body)
			}
			messages = append(messages, m[1])
			if !strings.Contains(rec.Body.String(), `value="`+tt.login+`"`) {
				t.Error("the name typed is not kept")
			}
			if strings.Contains(rec.Body.String(), tt.password) {
				t.Error("the password typed is shown again")
			}
			if b.signedIn() {
				t.Error("signed in with a wrong password")
			}
		})
	}
	for _, m := range messages[1:] {
		if m != messages[0] {
			t.Errorf("messages differ, so they tell which part was wrong: %q vs %q", messages[0], m)
		}
	}
}

func TestLoginGoesBackOnlyToPagesOfThisSite(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	s.account("sam", "correct horse")
	for _, tt := range []struct{ next, want string }{
		{"/settings", "/settings"},
		{"/groups?q=moms", "/groups?q=moms"},
		{"//evil.example/", "/home"},
		{"https://evil.example/", "/home"},
		{"/\\evil.example", "/home"},
	} {
		t.Run(tt.next, func(t *testing.T) {
			b := s.browser()
			rec := b.submit("/login", "/login", url.Values{"login": {"sam"}, "password": {"correct horse"}, "next": {tt.next}})
			wantStatus(t, "log-in", rec, http.StatusSeeOther)
			if loc := rec.Header().Get("Location"); loc != tt.want {
				t.Errorf("went to %q, want %q", loc, tt.want)
			}
		})
	}
}

func TestCSRFRefusesAFormWithoutTheRightTokenAndChangesNothing(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	sam := s.account("sam", "correct horse")
	signedIn := s.browser()
	wantStatus(t, "log-in", signedIn.logIn("sam", "correct horse"), http.StatusSeeOther)
	goodToken := signedIn.csrf("/settings")
	stranger := s.browser()
	strangerToken := stranger.csrf("/signup")

	displayName := func() string { return mustAccount(t, s, "sam").Actor.DisplayName }
	for _, tt := range []struct {
		name    string
		b       *browser
		action  string
		form    url.Values
		origin  string
		changed func() bool
	}{
		{"log-out without a token", signedIn, "/logout", url.Values{}, "",
			func() bool { return !signedIn.signedIn() }},
		{"log-out with a wrong token", signedIn, "/logout", url.Values{"csrf": {goodToken + "x"}}, "",
			func() bool { return !signedIn.signedIn() }},
		{"log-out with another browser's token", signedIn, "/logout", url.Values{"csrf": {strangerToken}}, "",
			func() bool { return !signedIn.signedIn() }},
		{"profile without a token", signedIn, "/settings/profile", url.Values{"display_name": {"Hacked"}}, "",
			func() bool { return displayName() == "Hacked" }},
		{"profile with the right token from another site", signedIn, "/settings/profile",
			url.Values{"csrf": {goodToken}, "display_name": {"Hacked"}}, "https://evil.example",
			func() bool { return displayName() == "Hacked" }},
		{"password change with a wrong token", signedIn, "/settings/password",
			url.Values{"csrf": {"nope"}, "current_password": {"correct horse"}, "new_password": {"hacked pass"}, "new_password_confirm": {"hacked pass"}}, "",
			func() bool { return !passwordIs(t, s, "sam", "correct horse") }},
		{"sign-up without a token", stranger, "/signup",
			url.Values{"username": {"mallory"}, "password": {"password1"}, "password_confirm": {"password1"}}, "",
			func() bool { return s.accountExists("mallory") }},
		{"sign-up with a signed-in browser's token", stranger, "/signup",
			url.Values{"csrf": {goodToken}, "username": {"mallory"}, "password": {"password1"}, "password_confirm": {"password1"}}, "",
			func() bool { return s.accountExists("mallory") }},
		{"log-in without a token", stranger, "/login", url.Values{"login": {"sam"}, "password": {"correct horse"}}, "",
			func() bool { return stranger.signedIn() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, tt.action, strings.NewReader(tt.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			rec := tt.b.do(req)
			wantStatus(t, tt.name, rec, http.StatusForbidden)
			if !strings.Contains(rec.Body.String(), "This form has expired") || !strings.Contains(rec.Header().Get("Content-Type"), "text/html") {
				t.Errorf("403 without the page that explains it: %s", rec.Body)
			}
			if tt.changed() {
				t.Error("the refused request changed something")
			}
		})
	}
	// Without a body or cookies, a form's fields in the query do not slip past either.
	fresh := s.browser()
	rec := fresh.do(httptest.NewRequest(http.MethodPost, "/login?login=sam&password=correct+horse", nil))
	wantStatus(t, "log-in by query string", rec, http.StatusForbidden)
	if fresh.signedIn() {
		t.Error("signed in by a query string")
	}
	if sam.Actor.DisplayName != displayName() {
		t.Errorf("display name changed to %q", displayName())
	}
	// The same forms with their tokens work.
	wantStatus(t, "profile with its token", signedIn.submit("/settings", "/settings/profile", url.Values{"display_name": {"Sam"}}), http.StatusSeeOther)
	if displayName() != "Sam" {
		t.Errorf("display name %q after a good save", displayName())
	}
	wantStatus(t, "log-out with its token", signedIn.submit("/settings", "/logout", url.Values{}), http.StatusSeeOther)
	if signedIn.signedIn() {
		t.Error("still signed in after logging out")
	}
}

// passwordIs reports whether password logs name in.
func passwordIs(t *testing.T, s *site, name, password string) bool {
	t.Helper()
	cred, err := models.FindCredentials(context.Background(), s.db, name)
	if err != nil {
		t.Fatal(err)
	}
	return cred.Check(password) == nil
}

func TestCSRFLeavesTheInboxesAndTheBearerAPIAlone(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	acc := s.account("sam", "correct horse")
	token, err := models.CreateToken(context.Background(), s.db, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	// An unsigned inbox POST is refused by the signature check (401), not by CSRF.
	req := httptest.NewRequest(http.MethodPost, "/users/sam/inbox", strings.NewReader(`{"type":"Follow"}`))
	req.Header.Set("Content-Type", "application/activity+json")
	if rec := b.do(req); rec.Code == http.StatusForbidden {
		t.Errorf("inbox POST refused by CSRF: %s", rec.Body)
	}
	req = httptest.NewRequest(http.MethodPost, "/api/v1/notifications/clear", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if rec := b.do(req); rec.Code != http.StatusOK {
		t.Errorf("API POST with a bearer token: %d %s", rec.Code, rec.Body)
	}
}

func TestLoginIsRateLimitedPerAccountAndLetGoLater(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	s.account("sam", "correct horse")
	b := s.browser()
	for i := range 5 {
		wantStatus(t, "failure "+strconv.Itoa(i+1), b.logIn("sam", "wrong horse"), http.StatusUnauthorized)
	}
	// Now even the right password is refused, from any address, by email too.
	other := s.browser()
	other.addr = "203.0.113.9:5000"
	for _, try := range []struct {
		b     *browser
		login string
	}{{b, "sam"}, {other, "sam"}, {other, "sam@example.org"}} {
		rec := try.b.logIn(try.login, "correct horse")
		wantStatus(t, "right password after 5 failures", rec, http.StatusTooManyRequests)
		retry, err := strconv.Atoi(rec.Header().Get("Retry-After"))
		if err != nil || retry <= 0 || retry > 15*60 {
			t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
		}
		if !strings.Contains(rec.Body.String(), "please wait 15 minutes") || !strings.Contains(rec.Body.String(), `role="alert"`) {
			t.Errorf("no friendly message: %s", rec.Body)
		}
		if try.b.signedIn() {
			t.Error("signed in while rate limited")
		}
	}
	s.clock.Advance(15*time.Minute + time.Second)
	wantStatus(t, "right password 15 minutes later", b.logIn("sam", "correct horse"), http.StatusSeeOther)
	if !b.signedIn() {
		t.Error("no session after the limit passed")
	}
}

func TestLoginIsRateLimitedPerAddress(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	s.account("sam", "correct horse")
	b := s.browser()
	for i := range 20 {
		// Different names each time: only the address's count reaches its limit.
		wantStatus(t, "failure "+strconv.Itoa(i+1), b.logIn("guess"+strconv.Itoa(i), "password1"), http.StatusUnauthorized)
	}
	wantStatus(t, "the 21st try from that address", b.logIn("sam", "correct horse"), http.StatusTooManyRequests)
	other := s.browser()
	other.addr = "[2001:db8::1]:5000"
	wantStatus(t, "another address", other.logIn("sam", "correct horse"), http.StatusSeeOther)
}

func TestSignupIsRateLimitedPerAddress(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	b := s.browser()
	for i := range 10 {
		// Refused for a mismatched password, but each try counts.
		rec := b.submit("/signup", "/signup", url.Values{"username": {"user" + strconv.Itoa(i)}, "password": {"password1"}, "password_confirm": {"password2"}})
		wantStatus(t, "try "+strconv.Itoa(i+1), rec, http.StatusUnprocessableEntity)
	}
	rec := b.signUp("patient", "password1")
	wantStatus(t, "the 11th sign-up in an hour", rec, http.StatusTooManyRequests)
	if rec.Header().Get("Retry-After") == "" || s.accountExists("patient") {
		t.Error("no Retry-After, or the account was made anyway")
	}
	s.clock.Advance(time.Hour)
	wantStatus(t, "an hour later", b.signUp("patient", "password1"), http.StatusSeeOther)
}

func TestSignupShowsErrorsBesideTheirFieldsAndKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	s.account("taken", "password1")
	for _, tt := range []struct {
		name      string
		form      url.Values
		wantField string
		wantText  string
	}{
		{"invalid name", url.Values{"username": {"Bad Name!"}, "password": {"password1"}, "password_confirm": {"password1"}},
			"username", "lowercase letters"},
		{"reserved name", url.Values{"username": {"admin"}, "password": {"password1"}, "password_confirm": {"password1"}},
			"username", "kept for the server"},
		{"taken name", url.Values{"username": {"taken"}, "password": {"password1"}, "password_confirm": {"password1"}},
			"username", "taken"},
		{"short password", url.Values{"username": {"newmom"}, "password": {"short"}, "password_confirm": {"short"}},
			"password", "at least 8"},
		{"passwords differ", url.Values{"username": {"newmom"}, "password": {"password1"}, "password_confirm": {"password2"}},
			"password_confirm", "not the same"},
		{"bad email", url.Values{"username": {"newmom"}, "email": {"not-an-email"}, "password": {"password1"}, "password_confirm": {"password1"}},
			"email", "email address"},
		{"email in use", url.Values{"username": {"newmom"}, "email": {"taken@example.org"}, "password": {"password1"}, "password_confirm": {"password1"}},
			"email", "already used"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := s.browser()
			tt.form.Set("display_name", "Typed Name")
			rec := b.submit("/signup", "/signup", tt.form)
			wantStatus(t, tt.name, rec, http.StatusUnprocessableEntity)
			body := rec.Body.String()
			errRE := regexp.MustCompile(`<p class="field-error" id="` + tt.wantField + `-error" role="alert">([^<]*)</p>`)
			m := errRE.FindStringSubmatch(body)
			if m == nil || !strings.Contains(html.UnescapeString(m[1]), tt.wantText) {
				t.Fatalf("no error beside %s saying %q:\n%s", tt.wantField, tt.wantText, body)
			}
			if !regexp.MustCompile(`id="`+tt.wantField+`"[^>]*aria-invalid="true"`).MatchString(body) ||
				!regexp.MustCompile(`id="`+tt.wantField+`"[^>]*aria-describedby="[^"]*`+tt.wantField+`-error`).MatchString(body) {
				t.Errorf("the %s input is not marked invalid and tied to its error", tt.wantField)
			}
			if !strings.Contains(body, `value="`+html.EscapeString(tt.form.Get("username"))+`"`) || !strings.Contains(body, `value="Typed Name"`) {
				t.Error("what was typed is not kept")
			}
			if strings.Contains(body, `value="`+tt.form.Get("password")+`"`) {
				t.Error("the password is sent back")
			}
			if s.accountExists("newmom") {
				t.Error("an account was made")
			}
		})
	}
}

func TestSignupModes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("invite mode refuses without an invite", func(t *testing.T) {
		s := newSite(t, models.SignupInvite)
		b := s.browser()
		page := b.get("/signup")
		wantStatus(t, "GET /signup", page, http.StatusOK)
		if !strings.Contains(page.Body.String(), "by invitation only") || strings.Contains(page.Body.String(), `action="/signup"`) {
			t.Errorf("the closed page shows a form or no explanation: %s", page.Body)
		}
		rec := b.submit("/login", "/signup", url.Values{"username": {"newmom"}, "password": {"password1"}, "password_confirm": {"password1"}})
		wantStatus(t, "sign-up without an invite", rec, http.StatusForbidden)
		rec = b.submit("/login", "/signup", url.Values{"invite": {"madeup"}, "username": {"newmom"}, "password": {"password1"}, "password_confirm": {"password1"}})
		wantStatus(t, "sign-up with a made-up invite", rec, http.StatusForbidden)
		if s.accountExists("newmom") {
			t.Error("an account was made")
		}
	})
	t.Run("invite mode takes an invite once", func(t *testing.T) {
		s := newSite(t, models.SignupInvite)
		inv, err := models.CreateInvite(ctx, s.db, models.NewInvite{MaxUses: 1})
		if err != nil {
			t.Fatal(err)
		}
		b := s.browser()
		link := "/signup?invite=" + inv.Code
		rec := b.submit(link, "/signup", url.Values{"invite": {inv.Code}, "username": {"newmom"}, "password": {"password1"}, "password_confirm": {"password1"}})
		wantStatus(t, "sign-up with the invite", rec, http.StatusSeeOther)
		if !b.signedIn() {
			t.Error("not signed in after an invited sign-up")
		}
		if _, err := models.UsableInvite(ctx, s.db, inv.Code, time.Now()); !errors.Is(err, models.ErrInvalidInvite) {
			t.Errorf("the single-use invite is still usable: %v", err)
		}
		late := s.browser()
		page := late.get(link)
		if !strings.Contains(page.Body.String(), "cannot be used any more") {
			t.Errorf("a used-up invite link does not say so: %s", page.Body)
		}
		rec = late.submit("/login", "/signup", url.Values{"invite": {inv.Code}, "username": {"latecomer"}, "password": {"password1"}, "password_confirm": {"password1"}})
		wantStatus(t, "the invite a second time", rec, http.StatusForbidden)
		if s.accountExists("latecomer") {
			t.Error("a used-up invite made an account")
		}
	})
	t.Run("approval mode lets in only after an admin approves", func(t *testing.T) {
		s := newSite(t, models.SignupApproval)
		b := s.browser()
		if page := b.get("/signup"); !strings.Contains(page.Body.String(), `name="reason"`) {
			t.Errorf("the approval form does not ask why: %s", page.Body)
		}
		rec := b.submit("/signup", "/signup", url.Values{"username": {"newmom"}, "password": {"password1"}, "password_confirm": {"password1"},
			"reason": {"New to Park Slope"}})
		wantStatus(t, "sign-up", rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), "waiting for an admin") {
			t.Errorf("no word of the wait: %s", rec.Body)
		}
		if b.signedIn() {
			t.Fatal("signed in before approval")
		}
		rec = b.logIn("newmom", "password1")
		wantStatus(t, "log-in before approval", rec, http.StatusForbidden)
		if !strings.Contains(rec.Body.String(), "waiting for an admin") || b.signedIn() {
			t.Errorf("log-in before approval: %s", rec.Body)
		}
		if _, err := models.ApproveAccount(ctx, s.db, "newmom"); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "log-in after approval", b.logIn("newmom", "password1"), http.StatusSeeOther)
		if !b.signedIn() {
			t.Error("no session after approval")
		}
	})
}

func TestLogoutEndsTheSessionOnTheServer(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	s.account("sam", "correct horse")
	b := s.browser()
	wantStatus(t, "log-in", b.logIn("sam", "correct horse"), http.StatusSeeOther)
	stolen := *b.cookies["village_session"]
	wantStatus(t, "log-out", b.submit("/settings", "/logout", url.Values{}), http.StatusSeeOther)
	if _, ok := b.cookies["village_session"]; ok {
		t.Error("the log-out did not clear the cookie")
	}
	replay := s.browser()
	replay.cookies[stolen.Name] = &stolen
	if replay.signedIn() {
		t.Error("the old cookie still works after logging out")
	}
}

func TestSessionEndsAfterThirtyDaysUnused(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	s.account("sam", "correct horse")
	b := s.browser()
	wantStatus(t, "log-in", b.logIn("sam", "correct horse"), http.StatusSeeOther)
	s.clock.Advance(29 * 24 * time.Hour)
	if !b.signedIn() {
		t.Fatal("signed out after 29 days")
	}
	s.clock.Advance(29 * 24 * time.Hour) // used on day 29: good until day 59
	if !b.signedIn() {
		t.Fatal("a used session did not slide")
	}
	s.clock.Advance(31 * 24 * time.Hour)
	if b.signedIn() {
		t.Error("still signed in after 31 days unused")
	}
}

func TestPasswordChangeNeedsTheCurrentPasswordAndSignsOutOtherBrowsers(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	s.account("sam", "correct horse")
	phone, laptop := s.browser(), s.browser()
	wantStatus(t, "phone log-in", phone.logIn("sam", "correct horse"), http.StatusSeeOther)
	wantStatus(t, "laptop log-in", laptop.logIn("sam", "correct horse"), http.StatusSeeOther)

	change := func(current, next, again string) *httptest.ResponseRecorder {
		return phone.submit("/settings", "/settings/password", url.Values{
			"current_password": {current}, "new_password": {next}, "new_password_confirm": {again}})
	}
	rec := change("wrong horse", "battery staple", "battery staple")
	wantStatus(t, "wrong current password", rec, http.StatusUnprocessableEntity)
	if !strings.Contains(rec.Body.String(), "not your current password") {
		t.Errorf("no error beside the current password: %s", rec.Body)
	}
	wantStatus(t, "new passwords differ", change("correct horse", "battery staple", "battery stapler"), http.StatusUnprocessableEntity)
	if !passwordIs(t, s, "sam", "correct horse") {
		t.Fatal("the password changed without the current one")
	}
	rec = change("correct horse", "battery staple", "battery staple")
	wantStatus(t, "change", rec, http.StatusSeeOther)
	if !passwordIs(t, s, "sam", "battery staple") {
		t.Error("the new password does not work")
	}
	if !phone.signedIn() || laptop.signedIn() {
		t.Error("want the browser that changed it signed in, the other signed out")
	}
	if page := phone.get("/settings?saved=password"); !strings.Contains(page.Body.String(), "Your password is changed") {
		t.Errorf("no confirmation: %s", page.Body)
	}
}

func TestProfileEditKeepsPlainTextAndShowsErrors(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	s.account("sam", "correct horse")
	b := s.browser()
	wantStatus(t, "log-in", b.logIn("sam", "correct horse"), http.StatusSeeOther)
	rec := b.submit("/settings", "/settings/profile", url.Values{"display_name": {"Sam <b>B</b>"}, "bio": {"Dad of twins.\r\nProspect Park."}})
	wantStatus(t, "save", rec, http.StatusSeeOther)
	acc := mustAccount(t, s, "sam")
	if acc.Actor.DisplayName != "Sam <b>B</b>" || acc.Actor.Summary != "Dad of twins.\nProspect Park." {
		t.Errorf("stored %q / %q", acc.Actor.DisplayName, acc.Actor.Summary)
	}
	page := b.get("/settings").Body.String()
	if strings.Contains(page, "<b>B</b>") || !strings.Contains(page, "Sam &lt;b&gt;B&lt;/b&gt;") {
		t.Error("the display name is not shown as plain text")
	}
	for _, link := range []string{`href="/settings/filters"`, `href="/moderate"`} {
		if !strings.Contains(page, link) {
			t.Errorf("the settings page has no link %s", link)
		}
	}
	rec = b.submit("/settings", "/settings/profile", url.Values{"display_name": {"Sam"}, "bio": {strings.Repeat("x", models.MaxBioLength+1)}})
	wantStatus(t, "too long a bio", rec, http.StatusUnprocessableEntity)
	if !strings.Contains(rec.Body.String(), `id="bio-error" role="alert"`) {
		t.Errorf("no error beside the bio: %s", rec.Body)
	}
}

func TestAccountPagesNeedASignedInPerson(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	b := s.browser()
	rec := b.get("/settings")
	wantStatus(t, "settings signed out", rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/login?next=%2Fsettings" {
		t.Errorf("went to %q", loc)
	}
	// A signed-out browser's form with its token is let through, and sent to log in.
	rec = b.submit("/login", "/settings/profile", url.Values{"display_name": {"x"}})
	wantStatus(t, "profile signed out", rec, http.StatusSeeOther)
}

func TestSettingsSetTheBotBadgeAndWhatAppsPostWith(t *testing.T) {
	t.Parallel()
	s := newSite(t, models.SignupOpen)
	s.account("sam", "correct horse")
	b := s.browser()
	wantStatus(t, "log-in", b.logIn("sam", "correct horse"), http.StatusSeeOther)
	ctx := context.Background()
	form := func(language, visibility string) url.Values {
		return url.Values{"display_name": {"Sam"}, "bot": {"1"}, "default_visibility": {visibility},
			"default_sensitive": {"1"}, "default_language": {language}}
	}
	wantStatus(t, "save", b.submit("/settings", "/settings/profile", form("pt-BR", models.VisibilityPrivate)), http.StatusSeeOther)
	acc := mustAccount(t, s, "sam")
	prefs, err := models.PreferencesOf(ctx, s.db, acc.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := models.Preferences{Visibility: models.VisibilityPrivate, Sensitive: true, Language: "pt-BR"}
	if !acc.Actor.Bot || prefs != want {
		t.Errorf("stored bot=%v %+v, want bot and %+v", acc.Actor.Bot, prefs, want)
	}
	page := b.get("/settings").Body.String()
	for _, shown := range []string{`id="bot" name="bot" type="checkbox" value="1" checked`, `<option value="private" selected>`,
		`id="default_sensitive" name="default_sensitive" type="checkbox" value="1" checked`, `value="pt-BR"`} {
		if !strings.Contains(page, shown) {
			t.Errorf("the settings page does not show %s", shown)
		}
	}

	for _, tt := range []struct {
		name, language, visibility, errorID string
	}{
		{"a language that is no code", "Portuguese!", models.VisibilityPublicPost, "default_language-error"},
		{"a visibility apps cannot default to", "", models.VisibilityDirect, "default_visibility-error"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := form(tt.language, tt.visibility)
			f.Set("display_name", "Changed")
			rec := b.submit("/settings", "/settings/profile", f)
			wantStatus(t, tt.name, rec, http.StatusUnprocessableEntity)
			if !strings.Contains(rec.Body.String(), `id="`+tt.errorID+`" role="alert"`) {
				t.Errorf("no error %s on the page", tt.errorID)
			}
			after, err := models.PreferencesOf(ctx, s.db, acc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if after != want || mustAccount(t, s, "sam").Actor.DisplayName != "Sam" {
				t.Errorf("a refused form changed the profile: %+v", after)
			}
		})
	}
}
