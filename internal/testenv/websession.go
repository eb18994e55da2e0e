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

// WebSession is a person signed in to an instance's web app over plain
// HTTP, as a browser without a browser: a cookie jar and the form token of
// the session. Its requests do not follow redirects unless made through
// Following, so tests see the 303 that ends a form.
type WebSession struct {
	t      testing.TB
	base   string
	client *http.Client
	token  string
}

var formToken = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// SignIn logs name in through the log-in form (the password User and
// Admin give everyone is "password-NAME") and fails the test otherwise.
func (v *Village) SignIn(name string) *WebSession {
	v.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		v.t.Fatal(err)
	}
	s := &WebSession{t: v.t, base: v.BaseURL, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	s.token = s.TokenOf("/login")
	if code, body := s.Submit("/login", url.Values{"login": {name}, "password": {"password-" + name}}); code != http.StatusSeeOther {
		v.t.Fatalf("testenv: %s logs in: %d\n%s", name, code, body)
	}
	// The session's token replaces the signed-out one.
	s.token = s.TokenOf("/settings")
	return s
}

// Following is the same session with a client that follows redirects, for
// tests that look at the page a form lands on.
func (s *WebSession) Following() *WebSession {
	c := *s.client
	c.CheckRedirect = nil
	return &WebSession{t: s.t, base: s.base, client: &c, token: s.token}
}

// TokenOf loads a page, which must answer 200, and returns its form token.
func (s *WebSession) TokenOf(path string) string {
	s.t.Helper()
	code, body := s.Get(path)
	m := formToken.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		s.t.Fatalf("testenv: GET %s: %d, no form token", path, code)
	}
	return html.UnescapeString(m[1])
}

// Get fetches a page as a browser would.
func (s *WebSession) Get(path string) (int, string) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.base+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return s.do(req)
}

// Submit posts a form with the session's token, from the site's own origin.
func (s *WebSession) Submit(path string, form url.Values) (int, string) {
	s.t.Helper()
	form.Set("csrf", s.token)
	req, err := http.NewRequest(http.MethodPost, s.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.base)
	return s.do(req)
}

// SubmitFrom loads the page a form is on, which must answer 200 with a
// form token, then submits the form to path, as a person using that page does.
func (s *WebSession) SubmitFrom(page, path string, form url.Values) (int, string) {
	s.t.Helper()
	s.TokenOf(page)
	return s.Submit(path, form)
}

// MustSubmit posts a form and fails the test unless it redirects, which is
// how a form says the action was done.
func (s *WebSession) MustSubmit(path string, form url.Values) {
	s.t.Helper()
	if code, body := s.Submit(path, form); code != http.StatusSeeOther {
		s.t.Fatalf("testenv: POST %s %v: %d\n%s", path, form, code, body)
	}
}

func (s *WebSession) do(req *http.Request) (int, string) {
	s.t.Helper()
	req.Header.Set("Accept", "text/html")
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("testenv: %s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("testenv: %s %s: %v", req.Method, req.URL, err)
	}
	return resp.StatusCode, string(b)
}
