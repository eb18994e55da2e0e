package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/village-social/village/models"
)

// postJSON sends JSON as the opt-in script does: with the page's CSRF
// token in X-CSRF-Token (empty: none) and our Origin.
func (b *browser) postJSON(path, csrf, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", siteBase)
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	return b.do(req)
}

// The web app's Web Push: /sw.js is JavaScript served from the root; the
// settings page's opt-in is hidden markup that only its script shows; the
// browser's subscription is stored for its session behind the CSRF check,
// refused with a reason when bad, turned off again, and gone at log-out.
func TestWebAppPushOptInPerBrowserSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSite(t, models.SignupOpen)
	s.account("mina", "password-mina")

	sw := s.browser().get("/sw.js")
	if sw.Code != http.StatusOK || !strings.HasPrefix(sw.Header().Get("Content-Type"), "text/javascript") ||
		!strings.Contains(sw.Body.String(), "showNotification") || !strings.Contains(sw.Body.String(), "notificationclick") {
		t.Errorf("/sw.js: %d %q", sw.Code, sw.Header().Get("Content-Type"))
	}
	if js := s.browser().get("/static/push.js"); js.Code != http.StatusOK || !strings.Contains(js.Body.String(), "PushManager") {
		t.Errorf("/static/push.js: %d", js.Code)
	}

	b := s.browser()
	if rec := b.get("/settings/push"); rec.Code != http.StatusUnauthorized {
		t.Errorf("GET /settings/push signed out: %d", rec.Code)
	}
	b.logIn("mina", "password-mina")
	page := b.get("/settings").Body.String()
	section := page[strings.Index(page, `id="push-optin"`)-len(`<section class="card" `):]
	section = section[:strings.Index(section, "</section>")]
	if !strings.Contains(section, " hidden") || strings.Contains(section, "<form") ||
		!strings.Contains(page, `<script src="/static/push.js" defer></script>`) {
		t.Errorf("the opt-in is not hidden, script-only markup: %s", section)
	}
	csrf := b.csrf("/settings")

	var state struct {
		ServerKey  string `json:"server_key"`
		Subscribed bool   `json:"subscribed"`
	}
	keys, err := models.InstanceVAPIDKeys(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	if rec := b.get("/settings/push"); rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &state) != nil ||
		state.ServerKey != keys.Public || state.Subscribed {
		t.Errorf("GET /settings/push before: %d %s", rec.Code, rec.Body)
	}

	p256dh, auth := pushKeys(t)
	good := `{"endpoint":"https://push.example/mina","expirationTime":null,"keys":{"p256dh":"` + p256dh + `","auth":"` + auth + `"}}`
	cases := []struct {
		name, csrf, body string
		want             int
	}{
		{"no CSRF token", "", good, http.StatusForbidden},
		{"a wrong CSRF token", csrf + "x", good, http.StatusForbidden},
		{"a private endpoint", csrf, strings.Replace(good, "https://push.example", "https://192.168.1.1", 1), http.StatusUnprocessableEntity},
		{"no keys", csrf, `{"endpoint":"https://push.example/mina"}`, http.StatusUnprocessableEntity},
	}
	for _, c := range cases {
		if rec := b.postJSON("/settings/push", c.csrf, c.body); rec.Code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, rec.Code, rec.Body, c.want)
		}
	}
	var count int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM push_subscriptions`).Scan(&count); err != nil || count != 0 {
		t.Fatalf("%d subscriptions after refusals (%v)", count, err)
	}

	if rec := b.postJSON("/settings/push", csrf, good); rec.Code != http.StatusOK {
		t.Fatalf("subscribing: %d %s", rec.Code, rec.Body)
	}
	var sessionID *int64
	var alerts []string
	if err := s.db.QueryRow(ctx, `SELECT session_id, alerts FROM push_subscriptions WHERE endpoint = 'https://push.example/mina'`).
		Scan(&sessionID, &alerts); err != nil || sessionID == nil || len(alerts) == 0 {
		t.Fatalf("the browser's subscription: session %v alerts %v (%v)", sessionID, alerts, err)
	}
	if rec := b.get("/settings/push"); json.Unmarshal(rec.Body.Bytes(), &state) != nil || !state.Subscribed {
		t.Errorf("GET /settings/push after subscribing: %s", rec.Body)
	}
	// Another browser of hers is not subscribed: the choice is per device.
	other := s.browser()
	other.logIn("mina", "password-mina")
	if rec := other.get("/settings/push"); json.Unmarshal(rec.Body.Bytes(), &state) != nil || state.Subscribed {
		t.Errorf("another browser reads %s", rec.Body)
	}

	if rec := b.postJSON("/settings/push/delete", csrf, "{}"); rec.Code != http.StatusOK {
		t.Fatalf("turning off: %d %s", rec.Code, rec.Body)
	}
	if rec := b.get("/settings/push"); json.Unmarshal(rec.Body.Bytes(), &state) != nil || state.Subscribed {
		t.Errorf("GET /settings/push after turning off: %s", rec.Body)
	}

	// Subscribed again, then logged out: the session's subscription goes.
	if rec := b.postJSON("/settings/push", csrf, good); rec.Code != http.StatusOK {
		t.Fatalf("subscribing again: %d", rec.Code)
	}
	b.submit("/settings", "/logout", map[string][]string{})
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM push_subscriptions`).Scan(&count); err != nil || count != 0 {
		t.Errorf("%d subscriptions after log-out (%v)", count, err)
	}
}
