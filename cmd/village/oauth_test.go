package main

// Mastodon apps against a real instance: an app registers, a member logs
// in and consents through the HTML forms, the app reads and posts with
// its token, and gives it back. The client library is one written by
// others for Mastodon (github.com/mattn/go-mastodon), so what passes here
// is what Mastodon's own shapes allow.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-mastodon"

	"github.com/village-social/village/internal/testenv"
)

// addrApps is where the app tests' instances listen: the address of the
// other Mastodon-client tests (a port picked at start), not 127.0.0.1,
// where other tests' outgoing connections take their source ports and one
// could take the instance's port before it listens; so they run in parallel.
const addrApps = addrEveryday

func TestAMastodonClientLibraryRegistersLogsInPostsAndRevokes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrApps})
	v.Admin("admin", "user", "create", "alice", "--password", "password-alice", "--admin")

	app, err := mastodon.RegisterApp(ctx, &mastodon.AppConfig{Server: v.BaseURL, ClientName: "Village test app",
		Scopes: "read write follow", Website: "https://app.example", RedirectURIs: "urn:ietf:wg:oauth:2.0:oob"})
	if err != nil {
		t.Fatalf("RegisterApp: %v", err)
	}
	if app.ClientID == "" || app.ClientSecret == "" || app.RedirectURI != "urn:ietf:wg:oauth:2.0:oob" {
		t.Fatalf("registered app: %+v", app)
	}

	// Before log-in, the library reads the instance without a token.
	anonymous := mastodon.NewClient(&mastodon.Config{Server: v.BaseURL})
	inst, err := anonymous.GetInstance(ctx)
	if err != nil {
		t.Fatalf("GetInstance without a token: %v", err)
	}
	if inst.URI != v.Addr || !strings.HasPrefix(inst.Version, "4.3.0 (compatible; Village ") {
		t.Errorf("instance: uri %q version %q", inst.URI, inst.Version)
	}
	if got := (*inst.Configuration.Statuses)["max_characters"]; got != float64(5000) {
		t.Errorf("configuration.statuses.max_characters = %v, want 5000", got)
	}

	// Alice logs in and consents on the instance's own pages; the page
	// shows the code, which she gives the app.
	code := testenv.NewOAuthBrowser(t).Authorize(app.AuthURI, "alice", "password-alice")
	client := mastodon.NewClient(&mastodon.Config{Server: v.BaseURL, ClientID: app.ClientID, ClientSecret: app.ClientSecret})
	if err := client.AuthenticateToken(ctx, code, app.RedirectURI); err != nil {
		t.Fatalf("AuthenticateToken: %v", err)
	}
	token := client.Config.AccessToken

	me, err := client.GetAccountCurrentUser(ctx)
	if err != nil || me.Username != "alice" {
		t.Fatalf("GetAccountCurrentUser = %+v, %v", me, err)
	}
	verified, err := client.VerifyAppCredentials(ctx)
	if err != nil || verified.Name != "Village test app" || verified.Website != "https://app.example" {
		t.Errorf("VerifyAppCredentials = %+v, %v", verified, err)
	}
	status, err := client.PostStatus(ctx, &mastodon.Toot{Status: "Hello from an app"})
	if err != nil || !strings.Contains(status.Content, "Hello from an app") {
		t.Fatalf("PostStatus = %+v, %v", status, err)
	}
	// Statuses name the app they were written with, as Mastodon's do
	// (go-mastodon's Application type has no name: read the JSON).
	var raw struct {
		Application *struct{ Name, Website string } `json:"application"`
	}
	if code := tokenGet(t, v.BaseURL, token, "/api/v1/statuses/"+string(status.ID), &raw); code != http.StatusOK ||
		raw.Application == nil || raw.Application.Name != "Village test app" || raw.Application.Website != "https://app.example" {
		t.Errorf("status application: %d %+v", code, raw.Application)
	}
	if inst, err := client.GetInstance(ctx); err != nil || inst.Title == "" {
		t.Errorf("GetInstance with a token: %+v, %v", inst, err)
	}

	// The app gives its token back; it no longer works.
	if err := client.RevokeToken(ctx); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	client.Config.AccessToken = token
	_, err = client.GetAccountCurrentUser(ctx)
	var apiErr *mastodon.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Errorf("a revoked token: %v, want 401", err)
	}
}

// tokenGet reads an API path with a token into out.
func tokenGet(t *testing.T, base, token, path string, out any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// pkcePair is an RFC 7636 verifier and its S256 challenge.
func pkcePair(seed string) (verifier, challenge string) {
	verifier = strings.Repeat(seed, 64/len(seed)+1)[:64]
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestAnAppLogsInWithPKCEOverPlainHTTP(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrApps})
	v.Admin("admin", "user", "create", "bea", "--password", "password-bea")
	const redirect = "http://127.0.0.1:9/callback"

	// Registration as a JSON body with an array of redirect URIs, one an
	// app's own scheme.
	var app struct {
		ClientID     string   `json:"client_id"`
		ClientSecret string   `json:"client_secret"`
		RedirectURIs []string `json:"redirect_uris"`
		VapidKey     *string  `json:"vapid_key"`
	}
	body := `{"client_name": "PKCE app", "redirect_uris": ["` + redirect + `", "village-test://oauth"], "scopes": "read write:statuses"}`
	if code := postJSON(t, v.BaseURL+"/api/v1/apps", body, &app); code != http.StatusOK || len(app.RedirectURIs) != 2 || app.VapidKey == nil {
		t.Fatalf("register: %d %+v", code, app)
	}
	verifier, challenge := pkcePair("a1b2c3-._~")
	authorize := func(method string) string {
		return v.BaseURL + "/oauth/authorize?" + url.Values{"response_type": {"code"}, "client_id": {app.ClientID},
			"redirect_uri": {redirect}, "scope": {"read write:statuses"}, "state": {"xyz"},
			"code_challenge": {challenge}, "code_challenge_method": {method}}.Encode()
	}

	// The plain method is refused: the app hears it at its redirect URI.
	browser := testenv.NewOAuthBrowser(t)
	p := browser.Get(authorize("plain"))
	if u, err := url.Parse(p.Location); p.Status != http.StatusFound || err != nil ||
		u.Query().Get("error") != "invalid_request" || u.Query().Get("state") != "xyz" || !strings.HasPrefix(p.Location, redirect) {
		t.Fatalf("code_challenge_method=plain: %d to %q", p.Status, p.Location)
	}

	page := browser.Answer(browser.OpenConsent(authorize("S256"), "bea", "password-bea"), "authorize")
	callback, err := url.Parse(page.Location)
	if page.Status != http.StatusFound || err != nil || !strings.HasPrefix(page.Location, redirect+"?") || callback.Query().Get("state") != "xyz" {
		t.Fatalf("consent: %d to %q", page.Status, page.Location)
	}
	code := callback.Query().Get("code")
	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {app.ClientID}, "client_secret": {app.ClientSecret}}

	// A wrong verifier is refused and leaves the code usable by the right one.
	wrong, _ := pkcePair("zzzzzzzzzz")
	var refusal struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	exchange.Set("code_verifier", wrong)
	if status := postForm(t, v.BaseURL+"/oauth/token", exchange, &refusal); status != http.StatusBadRequest || refusal.Error != "invalid_grant" || refusal.Description == "" {
		t.Errorf("wrong verifier: %d %+v", status, refusal)
	}
	var token struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		Scope       string `json:"scope"`
		CreatedAt   int64  `json:"created_at"`
	}
	exchange.Set("code_verifier", verifier)
	if status := postForm(t, v.BaseURL+"/oauth/token", exchange, &token); status != http.StatusOK ||
		token.TokenType != "Bearer" || token.Scope != "read write:statuses" || token.CreatedAt == 0 {
		t.Fatalf("token: %d %+v", status, token)
	}
	var me struct{ Username string }
	if code := tokenGet(t, v.BaseURL, token.AccessToken, "/api/v1/accounts/verify_credentials", &me); code != http.StatusOK || me.Username != "bea" {
		t.Errorf("verify_credentials: %d %+v", code, me)
	}
	// Its scopes hold: it may post, but clearing notifications is outside them.
	req, _ := http.NewRequest(http.MethodPost, v.BaseURL+"/api/v1/notifications/clear", nil)
	req.Header.Set("Authorization", "Bearer "+token.AccessToken)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("a token without write:notifications clearing them: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

func postJSON(t *testing.T, u, body string, out any) int {
	t.Helper()
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(out)
	return resp.StatusCode
}

func postForm(t *testing.T, u string, form url.Values, out any) int {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(out)
	return resp.StatusCode
}
