package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
)

// oauthSite is a whole instance's HTTP server on a loopback port, for the
// OAuth flows that a browser and an app take across it, with a member
// alice (password "password1") and a clock the test moves on.
type oauthSite struct {
	t     *testing.T
	base  string
	db    *pgxpool.Pool
	clock *testClock
	alice *models.Account
}

func newOAuthSite(t *testing.T) *oauthSite {
	t.Helper()
	pool := testenv.DB(t)
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	urls := federation.NewURLs(base)
	clock := &testClock{now: time.Now()}
	srv.Config.Handler = web.New(web.Options{DB: pool, URLs: urls, Clock: clock.Now, Version: "test",
		Outbox: outbox.New(pool, urls, nil, nil)})
	srv.Start()
	t.Cleanup(srv.Close)
	alice, err := models.CreateAccount(context.Background(), pool, models.NewAccount{Username: "alice", Password: "password1"})
	if err != nil {
		t.Fatal(err)
	}
	return &oauthSite{t: t, base: base, db: pool, clock: clock, alice: alice}
}

// send makes a request and decodes a JSON answer into out (when not nil).
func (s *oauthSite) send(req *http.Request, out any) (int, string) {
	s.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		json.Unmarshal(b, out)
	}
	return resp.StatusCode, string(b)
}

func (s *oauthSite) postForm(path string, form url.Values, out any) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.send(req, out)
}

func (s *oauthSite) get(path, token string, out any) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return s.send(req, out)
}

// count is how many rows a table holds.
func (s *oauthSite) count(table string) int {
	s.t.Helper()
	var n int
	if err := s.db.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

// registeredApp is what POST /api/v1/apps answered.
type registeredApp struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	RedirectURI  string   `json:"redirect_uri"`
	RedirectURIs []string `json:"redirect_uris"`
	Scopes       []string `json:"scopes"`
	VapidKey     *string  `json:"vapid_key"`
}

const testRedirect = "http://127.0.0.1:9/callback"

func (s *oauthSite) registerApp(scopes string, redirects ...string) registeredApp {
	s.t.Helper()
	var app registeredApp
	form := url.Values{"client_name": {"Test app"}, "redirect_uris": {strings.Join(redirects, "\n")}, "scopes": {scopes}}
	if code, body := s.postForm("/api/v1/apps", form, &app); code != http.StatusOK || app.ClientSecret == "" {
		s.t.Fatalf("register app: %d %s", code, body)
	}
	return app
}

// authorizeURL is an app's authorization request.
func (s *oauthSite) authorizeURL(app registeredApp, extra url.Values) string {
	q := url.Values{"response_type": {"code"}, "client_id": {app.ClientID}, "redirect_uri": {app.RedirectURIs[0]},
		"scope": {strings.Join(app.Scopes, " ")}, "state": {"s1"}}
	for k, v := range extra {
		q[k] = v
	}
	return s.base + "/oauth/authorize?" + q.Encode()
}

// codeFor has alice consent to the request and returns the code.
func (s *oauthSite) codeFor(app registeredApp, extra url.Values) string {
	s.t.Helper()
	return testenv.NewOAuthBrowser(s.t).Authorize(s.authorizeURL(app, extra), "alice", "password1")
}

// exchange asks /oauth/token for a token with a code.
func (s *oauthSite) exchange(app registeredApp, code string, extra url.Values) (int, oauthAnswer) {
	s.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {app.RedirectURIs[0]},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}}
	for k, v := range extra {
		form[k] = v
	}
	var a oauthAnswer
	status, _ := s.postForm("/oauth/token", form, &a)
	return status, a
}

// oauthAnswer is what the token endpoint answers: a token or an error.
type oauthAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	CreatedAt   int64  `json:"created_at"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const testVerifier = "a-verifier-of-forty-three-characters-or-more-0123456789"

func TestTheTokenEndpointRefusesWithMastodonsErrorsAndStoresNothing(t *testing.T) {
	t.Parallel()
	s := newOAuthSite(t)
	app := s.registerApp("read write", testRedirect)
	other := s.registerApp("read", testRedirect)
	withPKCE := func() string {
		return s.codeFor(app, url.Values{"code_challenge": {s256(testVerifier)}, "code_challenge_method": {"S256"}})
	}
	for _, tt := range []struct {
		name   string
		code   func() string // a fresh code of alice's for app, or another
		extra  url.Values
		status int
		error  string
		tokens int // tokens alive afterwards
	}{
		{"a wrong PKCE verifier", withPKCE, url.Values{"code_verifier": {testVerifier + "x"}}, 400, "invalid_grant", 0},
		{"no verifier for a code with a challenge", withPKCE, nil, 400, "invalid_grant", 0},
		{"another redirect URI", func() string { return s.codeFor(app, nil) },
			url.Values{"redirect_uri": {"http://127.0.0.1:9/elsewhere"}}, 400, "invalid_grant", 0},
		{"a wrong client secret", func() string { return s.codeFor(app, nil) },
			url.Values{"client_secret": {"not-the-secret"}}, 401, "invalid_client", 0},
		{"an unknown client", func() string { return s.codeFor(app, nil) },
			url.Values{"client_id": {"nobody"}}, 401, "invalid_client", 0},
		{"another app's code", func() string { return s.codeFor(other, nil) },
			nil, 400, "invalid_grant", 0},
		{"an unknown code", func() string { return "no-such-code" }, nil, 400, "invalid_grant", 0},
		{"the password grant", func() string { return "" },
			url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"password1"}}, 400, "unsupported_grant_type", 0},
		{"the right verifier", withPKCE, url.Values{"code_verifier": {testVerifier}}, 200, "", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.db.Exec(context.Background(), "UPDATE access_tokens SET revoked_at = now()"); err != nil {
				t.Fatal(err)
			}
			code := tt.code()
			usedBefore := s.usedCodes()
			status, a := s.exchange(app, code, tt.extra)
			if status != tt.status || a.Error != tt.error || (tt.error != "" && a.Description == "") {
				t.Fatalf("%d %+v, want %d %q with a description", status, a, tt.status, tt.error)
			}
			if got := s.liveTokens(); got != tt.tokens {
				t.Errorf("%d live tokens, want %d", got, tt.tokens)
			}
			if tt.error != "" && s.usedCodes() != usedBefore {
				t.Errorf("a refused exchange spent the code")
			}
		})
	}
}

func (s *oauthSite) liveTokens() int {
	s.t.Helper()
	var n int
	if err := s.db.QueryRow(context.Background(), "SELECT count(*) FROM access_tokens WHERE revoked_at IS NULL").Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

func (s *oauthSite) usedCodes() int {
	s.t.Helper()
	var n int
	if err := s.db.QueryRow(context.Background(), "SELECT count(*) FROM oauth_codes WHERE used_at IS NOT NULL").Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

func TestACodeServesOnceAndItsReuseRevokesItsToken(t *testing.T) {
	t.Parallel()
	s := newOAuthSite(t)
	app := s.registerApp("read", testRedirect)
	code := s.codeFor(app, nil)
	status, first := s.exchange(app, code, nil)
	if status != http.StatusOK || first.TokenType != "Bearer" || first.Scope != "read" {
		t.Fatalf("first exchange: %d %+v", status, first)
	}
	if code, _ := s.get("/api/v1/accounts/verify_credentials", first.AccessToken, nil); code != http.StatusOK {
		t.Fatalf("the token works: %d", code)
	}
	status, again := s.exchange(app, code, nil)
	if status != http.StatusBadRequest || again.Error != "invalid_grant" {
		t.Errorf("second exchange: %d %+v", status, again)
	}
	if code, body := s.get("/api/v1/accounts/verify_credentials", first.AccessToken, nil); code != http.StatusUnauthorized {
		t.Errorf("the first token after the code's reuse: %d %s", code, body)
	}
}

func TestACodeExpiresAfterTenMinutes(t *testing.T) {
	t.Parallel()
	s := newOAuthSite(t)
	app := s.registerApp("read", testRedirect)
	code := s.codeFor(app, nil)
	s.clock.Advance(models.CodeLifetime + time.Second)
	if status, a := s.exchange(app, code, nil); status != http.StatusBadRequest || a.Error != "invalid_grant" {
		t.Errorf("an expired code: %d %+v", status, a)
	}
	if n := s.count("access_tokens"); n != 0 {
		t.Errorf("%d tokens stored", n)
	}
}

func TestTheTokenEndpointTakesJSONAndHTTPBasic(t *testing.T) {
	t.Parallel()
	s := newOAuthSite(t)
	app := s.registerApp("read write", testRedirect)
	body, _ := json.Marshal(map[string]string{"grant_type": "authorization_code", "code": s.codeFor(app, nil),
		"redirect_uri": testRedirect})
	req, _ := http.NewRequest(http.MethodPost, s.base+"/oauth/token", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(url.QueryEscape(app.ClientID), url.QueryEscape(app.ClientSecret))
	var a oauthAnswer
	if status, raw := s.send(req, &a); status != http.StatusOK || a.AccessToken == "" {
		t.Fatalf("JSON with Basic: %d %s", status, raw)
	}

	// The client-credentials grant: a token of the app alone.
	var appToken oauthAnswer
	if status, raw := s.postForm("/oauth/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"read"},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}}, &appToken); status != http.StatusOK {
		t.Fatalf("client credentials: %d %s", status, raw)
	}
	var verified struct{ Name string }
	if code, raw := s.get("/api/v1/apps/verify_credentials", appToken.AccessToken, &verified); code != http.StatusOK || verified.Name != "Test app" {
		t.Errorf("apps/verify_credentials with the app's token: %d %s", code, raw)
	}
	if code, raw := s.get("/api/v1/accounts/verify_credentials", appToken.AccessToken, nil); code != http.StatusUnprocessableEntity {
		t.Errorf("an app's token where a member is needed: %d %s", code, raw)
	}
	if status, raw := s.postForm("/oauth/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"admin:write"},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}}, nil); status != http.StatusBadRequest || !strings.Contains(raw, "invalid_scope") {
		t.Errorf("a scope the app did not register: %d %s", status, raw)
	}
}

func TestTheAuthorizationRequestIsCheckedBeforeAnyoneConsents(t *testing.T) {
	t.Parallel()
	s := newOAuthSite(t)
	app := s.registerApp("read", testRedirect, "urn:ietf:wg:oauth:2.0:oob")
	for _, tt := range []struct {
		name  string
		query url.Values
		// page: answered here with a page (no redirect to an unvouched
		// address); otherwise the error goes to the app's redirect URI.
		page  bool
		error string
	}{
		{"an unknown client", url.Values{"client_id": {"nobody"}}, true, "invalid_client"},
		{"a redirect URI the app did not register", url.Values{"redirect_uri": {"http://127.0.0.1:9/evil"}}, true, "invalid_redirect_uri"},
		{"a scope the app did not register", url.Values{"scope": {"write"}}, false, "invalid_scope"},
		{"a scope Mastodon does not have", url.Values{"scope": {"read everything"}}, false, "invalid_scope"},
		{"the plain PKCE method", url.Values{"code_challenge": {s256(testVerifier)}, "code_challenge_method": {"plain"}}, false, "invalid_request"},
		{"another response type", url.Values{"response_type": {"token"}}, false, "unsupported_response_type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := testenv.NewOAuthBrowser(t).Get(s.authorizeURL(app, tt.query))
			if tt.page {
				if p.Status != http.StatusBadRequest || p.Location != "" {
					t.Errorf("%d to %q, want a 400 page here", p.Status, p.Location)
				}
				return
			}
			u, _ := url.Parse(p.Location)
			if p.Status != http.StatusFound || !strings.HasPrefix(p.Location, testRedirect) || u.Query().Get("error") != tt.error ||
				u.Query().Get("state") != "s1" {
				t.Errorf("%d to %q, want the app told %s", p.Status, p.Location, tt.error)
			}
		})
	}
	if n := s.count("oauth_codes"); n != 0 {
		t.Errorf("%d codes stored", n)
	}
}

func TestTheConsentFormNeedsItsCSRFTokenAndMayBeDenied(t *testing.T) {
	t.Parallel()
	s := newOAuthSite(t)
	app := s.registerApp("read", testRedirect)
	b := testenv.NewOAuthBrowser(t)
	consent := b.OpenConsent(s.authorizeURL(app, nil), "alice", "password1")
	if !strings.Contains(consent.Body, "Test app") || !strings.Contains(consent.Body, "See everything in your account") {
		t.Errorf("the consent page names neither the app nor what it asks:\n%s", consent.Body)
	}
	fields := consent.Form("/oauth/authorize")
	fields.Del("csrf")
	fields.Set("decision", "authorize")
	if p := b.Post(s.base+"/oauth/authorize", fields); p.Status != http.StatusForbidden {
		t.Errorf("without its CSRF token: %d to %q", p.Status, p.Location)
	}
	p := b.Answer(consent, "deny")
	if u, _ := url.Parse(p.Location); p.Status != http.StatusFound || u.Query().Get("error") != "access_denied" {
		t.Errorf("deny: %d to %q", p.Status, p.Location)
	}
	if n := s.count("oauth_codes"); n != 0 {
		t.Errorf("%d codes stored", n)
	}
	// force_login signs the browser out and asks for the log-in again.
	p = b.Get(s.authorizeURL(app, url.Values{"force_login": {"true"}}))
	if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "/login?next=") || strings.Contains(p.Location, "force_login") {
		t.Errorf("force_login: %d to %q", p.Status, p.Location)
	}
	if p = b.Get(s.authorizeURL(app, nil)); p.Status != http.StatusSeeOther {
		t.Errorf("after force_login the browser is signed out: %d", p.Status)
	}
}

func TestAppRegistrationRefusesBadRedirectsAndScopes(t *testing.T) {
	t.Parallel()
	s := newOAuthSite(t)
	for _, tt := range []struct {
		name string
		form url.Values
	}{
		{"no name", url.Values{"redirect_uris": {testRedirect}}},
		{"no redirect URI", url.Values{"client_name": {"x"}}},
		{"a relative redirect URI", url.Values{"client_name": {"x"}, "redirect_uris": {"/callback"}}},
		{"a script redirect URI", url.Values{"client_name": {"x"}, "redirect_uris": {"javascript:alert(1)"}}},
		{"a fragment", url.Values{"client_name": {"x"}, "redirect_uris": {testRedirect + "#x"}}},
		{"an unknown scope", url.Values{"client_name": {"x"}, "redirect_uris": {testRedirect}, "scopes": {"read root"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := s.postForm("/api/v1/apps", tt.form, nil); code != http.StatusUnprocessableEntity || !strings.Contains(body, `"error"`) {
				t.Errorf("%d %s", code, body)
			}
		})
	}
	if n := s.count("oauth_apps"); n != 0 {
		t.Errorf("%d apps stored", n)
	}
	// Several redirect URIs, one of an app's own scheme; no scopes: read.
	app := s.registerApp("", testRedirect, "tusky://oauth")
	if len(app.RedirectURIs) != 2 || app.RedirectURI != testRedirect+"\ntusky://oauth" || app.VapidKey == nil ||
		strings.Join(app.Scopes, " ") != "read" {
		t.Errorf("registered: %+v", app)
	}
}

func TestAMemberSeesAndRevokesHerApps(t *testing.T) {
	t.Parallel()
	s := newOAuthSite(t)
	app := s.registerApp("read write:statuses", testRedirect)
	_, tok := s.exchange(app, s.codeFor(app, nil), nil)
	if code, _ := s.get("/api/v1/accounts/verify_credentials", tok.AccessToken, nil); code != http.StatusOK {
		t.Fatal("the token does not work")
	}
	// What it posts names it, as Mastodon's statuses do.
	req, _ := http.NewRequest(http.MethodPost, s.base+"/api/v1/statuses", strings.NewReader("status=Hello"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	var status struct {
		Application struct{ Name string } `json:"application"`
	}
	if code, body := s.send(req, &status); code != http.StatusOK || status.Application.Name != "Test app" {
		t.Errorf("a status written with the app: %d %s", code, body)
	}
	b := testenv.NewOAuthBrowser(t)
	b.OpenConsent(s.authorizeURL(app, nil), "alice", "password1") // signs in
	page := b.Get(s.base + "/settings/apps")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Test app") ||
		!strings.Contains(page.Body, "Write, edit, share and delete posts") || !strings.Contains(page.Body, "<time") {
		t.Fatalf("apps page: %d\n%s", page.Status, page.Body)
	}
	form := page.Form("/settings/apps/" + app.ID + "/revoke")
	if p := b.Post(s.base+"/settings/apps/"+app.ID+"/revoke", url.Values{}); p.Status != http.StatusForbidden {
		t.Errorf("revoking without the CSRF token: %d", p.Status)
	}
	if p := b.Post(s.base+"/settings/apps/"+app.ID+"/revoke", form); p.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d\n%s", p.Status, p.Body)
	}
	if code, _ := s.get("/api/v1/accounts/verify_credentials", tok.AccessToken, nil); code != http.StatusUnauthorized {
		t.Errorf("a revoked app's token: %d", code)
	}
	if p := b.Get(s.base + "/settings/apps"); strings.Contains(p.Body, "Test app") {
		t.Errorf("the revoked app is still listed")
	}
}
