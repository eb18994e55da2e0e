package web_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// pushKeys are a device's keys as an app sends them (base64url).
func pushKeys(t *testing.T) (p256dh, auth string) {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 16)
	rand.Read(secret)
	return base64.RawURLEncoding.EncodeToString(k.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(secret)
}

// pushCall sends a form (or, with ctype JSON, body) with a token.
func pushCall(e *echo.Echo, method, token, ctype, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/api/v1/push/subscription", strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

type webPushSubscription struct {
	ID        string          `json:"id"`
	Endpoint  string          `json:"endpoint"`
	Standard  bool            `json:"standard"`
	Alerts    map[string]bool `json:"alerts"`
	ServerKey string          `json:"server_key"`
	Policy    string          `json:"policy"`
}

// The push subscription API as Mastodon's: refusals with a reason and
// nothing stored, 404 before a subscription, the WebPushSubscription shape
// from a form or JSON, a new POST replacing the token's old one, PUT
// replacing alerts and policy, DELETE, and the "push" scope required.
func TestPushSubscriptionAPIShapesAndRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, db, alice, token := apiServer(t)
	p256dh, auth := pushKeys(t)
	form := func(endpoint, p256dh, auth string, extra url.Values) string {
		v := url.Values{"subscription[endpoint]": {endpoint}, "subscription[keys][p256dh]": {p256dh}, "subscription[keys][auth]": {auth}}
		for k, vs := range extra {
			v[k] = vs
		}
		return v.Encode()
	}
	const formType = "application/x-www-form-urlencoded"

	for _, method := range []string{http.MethodGet, http.MethodPut} {
		rec := pushCall(e, method, token, formType, "data[alerts][mention]=true")
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"error":"Record not found"`) {
			t.Errorf("%s without a subscription: %d %s", method, rec.Code, rec.Body)
		}
	}
	refused := []struct {
		name, body string
	}{
		{"not a URL", form("not a url", p256dh, auth, nil)},
		{"plain http", form("http://push.example/abc", p256dh, auth, nil)},
		{"loopback", form("https://127.0.0.1/abc", p256dh, auth, nil)},
		{"private network", form("https://10.1.2.3/abc", p256dh, auth, nil)},
		{"localhost", form("https://localhost/abc", p256dh, auth, nil)},
		{"no endpoint", form("", p256dh, auth, nil)},
		{"no keys", form("https://push.example/abc", "", "", nil)},
		{"p256dh not a point", form("https://push.example/abc", base64.RawURLEncoding.EncodeToString(make([]byte, 65)), auth, nil)},
		{"auth too short", form("https://push.example/abc", p256dh, "c2hvcnQ", nil)},
		{"unknown policy", form("https://push.example/abc", p256dh, auth, url.Values{"data[policy]": {"friends"}})},
	}
	for _, c := range refused {
		rec := pushCall(e, http.MethodPost, token, formType, c.body)
		var answer struct{ Error string }
		json.Unmarshal(rec.Body.Bytes(), &answer)
		if rec.Code != http.StatusUnprocessableEntity || answer.Error == "" {
			t.Errorf("%s: %d %s, want 422 with a reason", c.name, rec.Code, rec.Body)
		}
	}
	if _, err := models.PushSubscriptionOfToken(ctx, db, tokenID(t, db, alice.ID)); err == nil {
		t.Fatal("a refused subscription was stored")
	}

	keys, err := models.InstanceVAPIDKeys(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	rec := pushCall(e, http.MethodPost, token, formType, form("https://push.example/first", p256dh, auth,
		url.Values{"data[alerts][mention]": {"true"}, "data[alerts][follow]": {"1"}, "data[alerts][favourite]": {"false"}, "data[policy]": {"followed"}}))
	var first webPushSubscription
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &first) != nil {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	if first.ID == "" || first.Endpoint != "https://push.example/first" || !first.Standard || first.ServerKey != keys.Public ||
		first.Policy != "followed" || !first.Alerts["mention"] || !first.Alerts["follow"] || first.Alerts["favourite"] ||
		first.Alerts["reblog"] || len(first.Alerts) != 10 {
		t.Errorf("POST answered %+v", first)
	}
	var raw map[string]any
	json.Unmarshal(rec.Body.Bytes(), &raw)
	if _, ok := raw["id"].(string); !ok {
		t.Errorf("the id is not a string: %s", rec.Body)
	}

	// A JSON POST replaces the token's subscription.
	rec = pushCall(e, http.MethodPost, token, "application/json", `{"subscription":{"endpoint":"https://push.example/second",
		"keys":{"p256dh":"`+p256dh+`","auth":"`+auth+`"}},"data":{"alerts":{"reblog":true},"policy":"follower"}}`)
	var second webPushSubscription
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &second) != nil {
		t.Fatalf("JSON POST: %d %s", rec.Code, rec.Body)
	}
	if second.ID == first.ID || second.Endpoint != "https://push.example/second" || !second.Alerts["reblog"] ||
		second.Alerts["mention"] || second.Policy != "follower" {
		t.Errorf("JSON POST answered %+v after %+v", second, first)
	}
	var count int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM push_subscriptions`).Scan(&count); err != nil || count != 1 {
		t.Errorf("%d subscriptions after a second POST (%v), want 1", count, err)
	}

	// PUT replaces alerts and policy; GET reads them.
	rec = pushCall(e, http.MethodPut, token, formType, "data[alerts][poll]=true&data[alerts][admin.report]=true")
	var put webPushSubscription
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &put) != nil || put.ID != second.ID ||
		!put.Alerts["poll"] || !put.Alerts["admin.report"] || put.Alerts["reblog"] || put.Policy != "all" {
		t.Errorf("PUT: %d %s", rec.Code, rec.Body)
	}
	rec = pushCall(e, http.MethodGet, token, "", "")
	var got webPushSubscription
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.ID != second.ID || !got.Alerts["poll"] {
		t.Errorf("GET: %d %s", rec.Code, rec.Body)
	}

	// Another token of hers has no subscription: it is the token's.
	other, err := models.CreateToken(ctx, db, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec := pushCall(e, http.MethodGet, other, "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET with another token: %d", rec.Code)
	}
	// A token without the push scope is refused.
	readOnly, err := models.CreateScopedToken(ctx, db, alice.ID, []string{"read", "write"})
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if rec := pushCall(e, method, readOnly, formType, form("https://push.example/x", p256dh, auth, nil)); rec.Code != http.StatusForbidden {
			t.Errorf("%s without the push scope: %d", method, rec.Code)
		}
	}

	rec = pushCall(e, http.MethodDelete, token, "", "")
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != "{}" {
		t.Errorf("DELETE: %d %s", rec.Code, rec.Body)
	}
	if rec := pushCall(e, http.MethodGet, token, "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d", rec.Code)
	}
}

// Revoking a token removes its push subscription.
func TestRevokingATokenEndsItsPushSubscription(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, db, alice, token := apiServer(t)
	p256dh, auth := pushKeys(t)
	body := url.Values{"subscription[endpoint]": {"https://push.example/a"}, "subscription[keys][p256dh]": {p256dh},
		"subscription[keys][auth]": {auth}, "data[alerts][mention]": {"true"}}.Encode()
	if rec := pushCall(e, http.MethodPost, token, "application/x-www-form-urlencoded", body); rec.Code != http.StatusOK {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	if _, err := db.Exec(ctx, `UPDATE access_tokens SET revoked_at = now() WHERE account_id = $1`, alice.ID); err != nil {
		t.Fatal(err)
	}
	var count int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM push_subscriptions`).Scan(&count); err != nil || count != 0 {
		t.Errorf("%d subscriptions after the token was revoked (%v)", count, err)
	}
}

// tokenID is the id of an account's first token.
func tokenID(t *testing.T, db models.DB, accountID int64) int64 {
	t.Helper()
	var id int64
	if err := db.QueryRow(context.Background(), `SELECT min(id) FROM access_tokens WHERE account_id = $1`, accountID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
