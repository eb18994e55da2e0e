package main

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
)

// Rate limits end to end: inbox POSTs per remote host, posts per person.
// (Log-ins and sign-ups: web/page_account_test.go; the limiters
// themselves, with a clock the tests move: web/rate_limits_test.go.)

// deliver sends an activity signed by r and returns the response.
func deliver(r *testenv.Remote, inbox string, activity map[string]any) *http.Response {
	resp, _ := r.Deliver(inbox, activity)
	return resp
}

func TestInboxPostsPerRemoteHostAreLimited(t *testing.T) {
	t.Parallel()
	const rate = 5
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.35:0",
		Env: map[string]string{"VILLAGE_INBOX_RATE": strconv.Itoa(rate)}})
	busy := testenv.NewRemote(t, "busy")
	calm := testenv.NewRemote(t, "calm")
	listen := func(r *testenv.Remote, n int) map[string]any {
		return map[string]any{"id": fmt.Sprintf("%s/listens/%d", r.ActorID, n), "type": "Listen", "actor": r.ActorID,
			"object": "https://music.example/songs/1"}
	}
	for i := range rate {
		if resp := deliver(busy, v.BaseURL+"/inbox", listen(busy, i)); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("activity %d: %d", i+1, resp.StatusCode)
		}
	}
	before := stored(t, v)
	resp, _ := busy.Deliver(v.BaseURL+"/inbox", listen(busy, rate))
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("activity %d within the minute: %d, want 429", rate+1, resp.StatusCode)
	}
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || retry < 1 || retry > 60/rate+1 {
		t.Errorf("Retry-After %q, want 1..%d seconds", resp.Header.Get("Retry-After"), 60/rate+1)
	}
	if after := stored(t, v); after != before {
		t.Errorf("a refused activity was stored: %s, then %s", before, after)
	}
	// Another host has its own allowance.
	if resp := deliver(calm, v.BaseURL+"/inbox", listen(calm, 0)); resp.StatusCode != http.StatusAccepted {
		t.Errorf("another host: %d", resp.StatusCode)
	}
	// The bucket refills: after Retry-After, one more is taken.
	time.Sleep(time.Duration(retry) * time.Second)
	if resp := deliver(busy, v.BaseURL+"/inbox", listen(busy, rate+1)); resp.StatusCode != http.StatusAccepted {
		t.Errorf("after Retry-After: %d", resp.StatusCode)
	}
}

func TestPostsPerPersonAreLimitedThroughTheAPI(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.36:0"})
	alice, bob := v.User("alice"), v.User("bob")
	first := testenv.PostStatus(t, alice, url.Values{"status": {"post 0"}})
	for i := 1; i < 30; i++ {
		form := url.Values{"status": {fmt.Sprintf("post %d", i)}}
		if i%2 == 0 {
			form.Set("in_reply_to_id", first.ID) // comments count too
		}
		testenv.PostStatus(t, alice, form)
	}
	req, err := http.NewRequest(http.MethodPost, v.BaseURL+"/api/v1/statuses", strings.NewReader(url.Values{"status": {"one too many"}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+alice.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "too many posts") {
		t.Errorf("the 31st post in ten minutes: %d, Retry-After %q, %s; want 429 with a reason", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if n := len(timeline(t, alice, "/api/v1/accounts/"+alice.MeID()+"/statuses?limit=80")); n != 30 {
		t.Errorf("alice has %d posts, want 30", n)
	}
	testenv.PostStatus(t, bob, url.Values{"status": {"bob is not limited by alice"}})
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// formClient is a browser without a browser: it keeps cookies and sends
// forms with the token of the page they are on, as our pages do.
type formClient struct {
	t    *testing.T
	base string
	http *http.Client
}

func newFormClient(t *testing.T, base string) *formClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &formClient{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var formTokenRE = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// submit loads page, then posts form to action with the page's token; it
// returns the answer's status, Retry-After and body.
func (f *formClient) submit(page, action string, form url.Values) (int, string, string) {
	f.t.Helper()
	resp, err := f.http.Get(f.base + page)
	if err != nil {
		f.t.Fatal(err)
	}
	m := formTokenRE.FindStringSubmatch(readBody(f.t, resp))
	if m == nil {
		f.t.Fatalf("GET %s: %d, no form token", page, resp.StatusCode)
	}
	form.Set("csrf", html.UnescapeString(m[1]))
	req, err := http.NewRequest(http.MethodPost, f.base+action, strings.NewReader(form.Encode()))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", f.base)
	resp, err = f.http.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), readBody(f.t, resp)
}

func TestSignupsAndLoginsAreLimitedByTheRunningServer(t *testing.T) {
	t.Parallel()
	v := testenv.StartVillage(t, testenv.VillageOptions{Addr: "127.0.0.36:0"})
	v.Admin("admin", "signups", "open")
	v.User("sam")
	t.Run("sign-ups per address", func(t *testing.T) {
		f := newFormClient(t, v.BaseURL)
		for i := range 10 {
			code, _, _ := f.submit("/signup", "/signup", url.Values{"username": {fmt.Sprintf("user%d", i)},
				"password": {"password1"}, "password_confirm": {"password2"}})
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("try %d: %d", i+1, code)
			}
		}
		code, retry, body := f.submit("/signup", "/signup", url.Values{"username": {"patient"},
			"password": {"password1"}, "password_confirm": {"password1"}})
		if code != http.StatusTooManyRequests || retry == "" || !strings.Contains(body, "role=\"alert\"") {
			t.Errorf("the 11th sign-up in an hour: %d, Retry-After %q", code, retry)
		}
		if n := testenv.QueryCount(t, v, `SELECT count(*) FROM actors WHERE username = 'patient'`); n != 0 {
			t.Error("the refused sign-up made an account")
		}
	})
	t.Run("failed log-ins per account", func(t *testing.T) {
		f := newFormClient(t, v.BaseURL)
		for i := range 5 {
			if code, _, _ := f.submit("/login", "/login", url.Values{"login": {"sam"}, "password": {"wrong horse"}}); code != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, code)
			}
		}
		code, retry, _ := f.submit("/login", "/login", url.Values{"login": {"sam"}, "password": {"password-sam"}})
		if code != http.StatusTooManyRequests || retry == "" {
			t.Errorf("the right password after 5 failures: %d, Retry-After %q", code, retry)
		}
	})
}
