package testenv

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// OAuthBrowser is a person's browser without a browser, for OAuth: a cookie jar
// and plain HTTP, redirects not followed, so that a test sees where the
// instance sends her (the log-in form, the consent page, the app's
// redirect URI with its code).
type OAuthBrowser struct {
	t      testing.TB
	client *http.Client
}

// NewOAuthBrowser is a browser with no cookies yet.
func NewOAuthBrowser(t testing.TB) *OAuthBrowser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &OAuthBrowser{t: t, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Page is an answer the browser got.
type Page struct {
	Status   int
	Location string // the redirect's target, resolved against the request
	Body     string
	URL      *url.URL
}

// Get loads a URL.
func (b *OAuthBrowser) Get(u string) *Page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// Post submits a form to u, from u's own origin, as a page of the site does.
func (b *OAuthBrowser) Post(u string, form url.Values) *Page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", req.URL.Scheme+"://"+req.URL.Host)
	return b.do(req)
}

func (b *OAuthBrowser) do(req *http.Request) *Page {
	b.t.Helper()
	req.Header.Set("Accept", "text/html")
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("testenv: %s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	p := &Page{Status: resp.StatusCode, Body: string(body), URL: req.URL}
	if loc := resp.Header.Get("Location"); loc != "" {
		if target, err := req.URL.Parse(loc); err == nil {
			p.Location = target.String()
		} else {
			p.Location = loc
		}
	}
	return p
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// Form is the first form of the page whose action is action: its hidden
// fields (the CSRF token among them), as a browser would send them.
func (p *Page) Form(action string) url.Values {
	start := strings.Index(p.Body, `action="`+action+`"`)
	if start < 0 {
		return nil
	}
	end := strings.Index(p.Body[start:], "</form>")
	if end < 0 {
		return nil
	}
	fields := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(p.Body[start:start+end], -1) {
		fields.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return fields
}

// OpenConsent goes where an app sends a person: the authorization URL,
// the log-in form it leads to (filled in as name with password), and back
// to the consent page, which it returns. It fails the test if any step
// does not go as a person would see it.
func (b *OAuthBrowser) OpenConsent(authorizeURL, name, password string) *Page {
	b.t.Helper()
	p := b.Get(authorizeURL)
	if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "/login?next=") {
		b.t.Fatalf("testenv: %s: %d to %q, want the log-in form\n%s", authorizeURL, p.Status, p.Location, p.Body)
	}
	login := b.Get(p.Location)
	fields := login.Form("/login")
	if login.Status != http.StatusOK || fields.Get("csrf") == "" || fields.Get("next") == "" {
		b.t.Fatalf("testenv: log-in form: %d, fields %v\n%s", login.Status, fields, login.Body)
	}
	fields.Set("login", name)
	fields.Set("password", password)
	done := b.Post(login.URL.ResolveReference(&url.URL{Path: "/login"}).String(), fields)
	if done.Status != http.StatusSeeOther || !strings.Contains(done.Location, "/oauth/authorize") {
		b.t.Fatalf("testenv: log-in: %d to %q, want the authorization request again\n%s", done.Status, done.Location, done.Body)
	}
	consent := b.Get(done.Location)
	if consent.Status != http.StatusOK || consent.Form("/oauth/authorize").Get("csrf") == "" {
		b.t.Fatalf("testenv: consent page: %d\n%s", consent.Status, consent.Body)
	}
	return consent
}

// Answer presses a button of the consent page ("authorize" or "deny"),
// sending its form as it is.
func (b *OAuthBrowser) Answer(consent *Page, decision string) *Page {
	b.t.Helper()
	fields := consent.Form("/oauth/authorize")
	fields.Set("decision", decision)
	return b.Post(consent.URL.ResolveReference(&url.URL{Path: "/oauth/authorize"}).String(), fields)
}

var shownCode = regexp.MustCompile(`id="oauth-code"[^>]*value="([^"]+)"`)

// ShownCode is the authorization code a page shows to copy, or "".
func (p *Page) ShownCode() string {
	if m := shownCode.FindStringSubmatch(p.Body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// Authorize logs name in from an app's authorization URL, authorizes it,
// and returns the code: from the app's redirect URI, or shown on the page
// for the out-of-band URI.
func (b *OAuthBrowser) Authorize(authorizeURL, name, password string) string {
	b.t.Helper()
	p := b.Answer(b.OpenConsent(authorizeURL, name, password), "authorize")
	if code := p.ShownCode(); p.Status == http.StatusOK && code != "" {
		return code
	}
	if p.Status != http.StatusFound || p.Location == "" {
		b.t.Fatalf("testenv: authorize: %d to %q\n%s", p.Status, p.Location, p.Body)
	}
	u, err := url.Parse(p.Location)
	if err != nil || u.Query().Get("code") == "" {
		b.t.Fatalf("testenv: authorize: no code in %q", p.Location)
	}
	return u.Query().Get("code")
}

// LogIn signs name in through the log-in form of the site at base.
func (b *OAuthBrowser) LogIn(base, name, password string) {
	b.t.Helper()
	login := b.Get(base + "/login")
	fields := login.Form("/login")
	fields.Set("login", name)
	fields.Set("password", password)
	if p := b.Post(base+"/login", fields); p.Status != http.StatusSeeOther {
		b.t.Fatalf("testenv: %s logs in: %d\n%s", name, p.Status, p.Body)
	}
}
