package testenv

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Client calls an instance's Mastodon-compatible API as one user.
type Client struct {
	t       testing.TB
	BaseURL string
	Token   string
	http    *http.Client
}

// User creates a local user on the instance and returns an API client
// holding a fresh token for it.
func (v *Village) User(name string) *Client {
	v.t.Helper()
	v.Admin("admin", "user", "create", name, "--password", "password-"+name)
	return v.ClientFor(name)
}

// ClientFor issues a token for an existing user.
func (v *Village) ClientFor(name string) *Client {
	v.t.Helper()
	out := strings.Split(strings.TrimSpace(v.Admin("admin", "token", "create", name)), "\n")
	return &Client{t: v.t, BaseURL: v.BaseURL, Token: out[len(out)-1], http: &http.Client{Timeout: 30 * time.Second}}
}

// Do sends a request with the token and decodes a JSON answer into out
// (when not nil); it returns the status code.
func (c *Client) Do(method, path string, form url.Values, out any) int {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.BaseURL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil && resp.StatusCode < 300 {
			c.t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

// Get is Do for GET, failing the test unless the answer is 200.
func (c *Client) Get(path string, out any) {
	c.t.Helper()
	if code := c.Do(http.MethodGet, path, nil, out); code != http.StatusOK {
		c.t.Fatalf("GET %s: %d", path, code)
	}
}

// Post is Do for POST, failing the test unless the answer is 200.
func (c *Client) Post(path string, form url.Values, out any) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if code := c.Do(http.MethodPost, path, form, out); code != http.StatusOK {
		c.t.Fatalf("POST %s: %d", path, code)
	}
}

// Eventually polls check until it returns true, failing after limit.
func Eventually(t testing.TB, limit time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// MeID is the id of the token's own account.
func (c *Client) MeID() string {
	c.t.Helper()
	var me struct {
		ID string `json:"id"`
	}
	c.Get("/api/v1/accounts/verify_credentials", &me)
	return me.ID
}

// GetActivity fetches an ActivityPub document unsigned, as a stranger
// would, decoding it into out; it returns the status code.
func GetActivity(t testing.TB, u string, out any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/activity+json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
	}
	return resp.StatusCode
}
