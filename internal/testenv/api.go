package testenv

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/models"
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
//
// Both are what `village admin user create` and `token create` do, done
// here on the instance's database: a command's process start and
// connection cost a tenth of a second of CPU, and the suite makes hundreds
// of users. The commands have their own tests (cmd/village admin_test.go);
// an instance on a private cluster, whose database the test cannot reach,
// still gets them.
func (v *Village) User(name string) *Client {
	v.t.Helper()
	if v.DatabaseURL == "" {
		v.Admin("admin", "user", "create", name, "--password", "password-"+name)
		return v.ClientFor(name)
	}
	acc, err := models.CreateAccount(context.Background(), v.DB(), models.NewAccount{Username: name, Password: "password-" + name})
	if err != nil {
		v.t.Fatalf("testenv: create user %s: %v", name, err)
	}
	return v.clientWithToken(acc.ID)
}

// ClientFor issues a token for an existing user.
func (v *Village) ClientFor(name string) *Client {
	v.t.Helper()
	if v.DatabaseURL == "" {
		out := strings.Split(strings.TrimSpace(v.Admin("admin", "token", "create", name)), "\n")
		return v.client(out[len(out)-1])
	}
	acc, err := models.AccountByUsername(context.Background(), v.DB(), name)
	if err != nil {
		v.t.Fatalf("testenv: user %s: %v", name, err)
	}
	return v.clientWithToken(acc.ID)
}

// clientWithToken issues a token for account and returns its client.
func (v *Village) clientWithToken(account int64) *Client {
	v.t.Helper()
	token, err := models.CreateToken(context.Background(), v.DB(), account)
	if err != nil {
		v.t.Fatalf("testenv: token: %v", err)
	}
	return v.client(token)
}

// client is an API client of v holding token.
func (v *Village) client(token string) *Client {
	return &Client{t: v.t, BaseURL: v.BaseURL, Token: token, http: &http.Client{Timeout: 30 * time.Second}}
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
