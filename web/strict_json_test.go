package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
)

// Strict JSON at the door (issue 11, point 3): a JSON body too deep or too
// wide is refused with 400 and a reason before anything decodes it, at the
// inboxes, the client API and OAuth, and a fetched document so shaped is
// never stored. "Nothing stored" is checked on every table of the database,
// river_job included.

// databaseFingerprint is a digest of every row of every table of the
// public schema (River's jobs among them), to compare before and after.
func databaseFingerprint(t *testing.T, db models.DB) string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := collectStrings(rows)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, table := range tables {
		var digest string
		q := fmt.Sprintf(`SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM %q t`, table)
		if err := db.QueryRow(ctx, q).Scan(&digest); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		fmt.Fprintf(&b, "%s=%s\n", table, digest)
	}
	return b.String()
}

func collectStrings(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close()
}) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// federatedServer is Village served on a loopback address with its inbox,
// its outbox queueing deliveries in River, and a fetch client that may
// reach loopback peers.
func federatedServer(t testing.TB) (*httptest.Server, models.DB, federation.URLs, *federation.Resolver) {
	t.Helper()
	db := testenv.DB(t)
	urls := federation.NewURLs("http://127.0.0.2:8080")
	if _, err := models.CreateAccount(context.Background(), db, models.NewAccount{Username: "alice", Password: "password1"}); err != nil {
		t.Fatal(err)
	}
	client := fetch.New(fetch.Options{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	resolver := federation.NewResolver(db, urls, client, federation.ResolverOptions{Scheme: "http"})
	out := outbox.New(db, urls, delivery.Enqueue, nil)
	auth := federation.NewAuthenticator(resolver)
	srv := httptest.NewServer(web.New(web.Options{DB: db, URLs: urls, Auth: auth, Resolver: resolver, Outbox: out,
		Inbox: inbox.New(db, urls, resolver, out, auth, nil), Fetcher: client}))
	t.Cleanup(srv.Close)
	return srv, db, urls, resolver
}

// nestedArrays is levels of arrays around a number.
func nestedArrays(levels int) any {
	var v any = 1
	for range levels {
		v = []any{v}
	}
	return v
}

// nestedObjects is levels of objects around a string.
func nestedObjects(levels int) any {
	var v any = "x"
	for range levels {
		v = map[string]any{"a": v}
	}
	return v
}

// raw is JSON text to put into a document as it is.
type raw string

func (r raw) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// manyKeys is an object of n members.
func manyKeys(n int) map[string]any {
	m := make(map[string]any, n)
	for i := range n {
		m[fmt.Sprintf("k%d", i)] = i
	}
	return m
}

// hostileExtensions are values of one extension property that make an
// otherwise good activity (depth 1 at its top) break a limit of the guard.
func hostileExtensions() map[string]any {
	return map[string]any{
		"65 levels of arrays":         nestedArrays(64),
		"65 levels of objects":        nestedObjects(64),
		"an array of 10,001 elements": make([]int, 10_001),
		"an object of 1,001 keys":     manyKeys(1_001),
		"a number beyond float64":     raw("1e400"),
		"a number of 101 digits":      raw("1" + strings.Repeat("0", 100)),
	}
}

func TestInboxRefusesJSONTooDeepOrTooWideFromAKnownSignerAndStoresNothing(t *testing.T) {
	t.Parallel()
	srv, db, urls, resolver := federatedServer(t)
	peer := testenv.NewRemote(t, "rosa")
	if _, err := resolver.Actor(context.Background(), peer.ActorID); err != nil { // known, key stored
		t.Fatal(err)
	}
	follow := func(extension any) map[string]any {
		return map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": peer.ActorID + "/follows/" + fmt.Sprint(time.Now().UnixNano()), "type": "Follow",
			"actor": peer.ActorID, "object": urls.Base + "/users/alice", "x": extension}
	}
	before := databaseFingerprint(t, db)
	for name, extension := range hostileExtensions() {
		for _, inboxPath := range []string{"/inbox", "/users/alice/inbox"} {
			t.Run(name+" at "+inboxPath, func(t *testing.T) {
				resp, body := peer.Deliver(srv.URL+inboxPath, follow(extension))
				if resp.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %d (%s), want 400", resp.StatusCode, body)
				}
				var e struct{ Error string }
				if json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e.Error, "JSON") {
					t.Errorf("body %s gives no reason as {\"error\": …}", body)
				}
			})
		}
	}
	// From a signer not known yet, the shape is refused before its key is
	// fetched: the stranger's server hears nothing from us.
	stranger := testenv.NewRemote(t, "stranger")
	if resp, body := stranger.Deliver(srv.URL+"/inbox", map[string]any{"id": stranger.ActorID + "/follows/1", "type": "Follow",
		"actor": stranger.ActorID, "object": urls.Base + "/users/alice", "x": nestedArrays(64)}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a stranger's deep Follow: status %d (%s), want 400", resp.StatusCode, body)
	}
	if stranger.Hits() != 0 {
		t.Errorf("the stranger's server was asked %d times: its key was fetched before the shape was checked", stranger.Hits())
	}
	if after := databaseFingerprint(t, db); after != before {
		t.Errorf("refused activities changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// The same Follow at the limit, 64 levels in all, is taken: the
	// refusals above were for the shape alone.
	if resp, body := peer.Deliver(srv.URL+"/inbox", follow(nestedArrays(63))); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("a Follow 64 levels deep: status %d (%s), want 202", resp.StatusCode, body)
	}
	if databaseFingerprint(t, db) == before {
		t.Error("the Follow at the limit was not stored")
	}
}

func TestAnActorDocumentTooDeepIsNeverStoredNorItsActivityTaken(t *testing.T) {
	t.Parallel()
	srv, db, urls, _ := federatedServer(t)
	for name, extension := range hostileExtensions() {
		t.Run(name, func(t *testing.T) {
			peer := testenv.NewRemote(t, "stranger")
			doc := peer.ActorDocument()
			doc["x"] = extension
			peer.Serve("/users/stranger", doc)
			before := databaseFingerprint(t, db)
			resp, body := peer.Deliver(srv.URL+"/inbox", map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": peer.ActorID + "/follows/1", "type": "Follow", "actor": peer.ActorID, "object": urls.Base + "/users/alice"})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d (%s), want 401: the signer's key could not be read", resp.StatusCode, body)
			}
			if peer.Hits() == 0 {
				t.Error("the actor was never fetched: the test proves nothing")
			}
			if after := databaseFingerprint(t, db); after != before {
				t.Errorf("the database changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// apiJSON sends a JSON body to the API with a bearer token.
func apiJSON(t *testing.T, srv *httptest.Server, method, path, token, body string) (int, string) {
	t.Helper()
	return apiBody(t, srv, method, path, token, "application/json", body)
}

// apiBody sends a body of the given Content-Type to the API.
func apiBody(t *testing.T, srv *httptest.Server, method, path, token, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAPIAndOAuthRefuseJSONTooDeepOrTooWideAndStoreNothing(t *testing.T) {
	t.Parallel()
	srv, db, _, _ := federatedServer(t)
	alice, err := models.AccountByUsername(context.Background(), db, "alice")
	if err != nil {
		t.Fatal(err)
	}
	token, err := models.CreateToken(context.Background(), db, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	routes := []struct {
		method, path string
		good         map[string]any // a body the route takes, to which the hostile property is added
	}{
		{"POST", "/api/v1/statuses", map[string]any{"status": "hello park"}},
		{"POST", "/api/v2/filters", map[string]any{"title": "f", "context": []string{"home"}}},
		{"POST", "/api/v1/reports", map[string]any{"account_id": fmt.Sprint(alice.Actor.ID), "comment": "x"}},
		{"POST", "/api/v1/markers", map[string]any{"home": map[string]any{"last_read_id": "1"}}},
		{"POST", "/api/v1/apps", map[string]any{"client_name": "app", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}},
		{"POST", "/oauth/token", map[string]any{"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}},
	}
	before := databaseFingerprint(t, db)
	for name, extension := range hostileExtensions() {
		for _, r := range routes {
			t.Run(name+" to "+r.path, func(t *testing.T) {
				doc := map[string]any{"x": extension}
				for k, v := range r.good {
					doc[k] = v
				}
				body, err := json.Marshal(doc)
				if err != nil {
					t.Fatal(err)
				}
				for _, contentType := range []string{"application/json", "application/json; charset=utf-8"} {
					status, answer := apiBody(t, srv, r.method, r.path, token, contentType, string(body))
					if status != http.StatusBadRequest {
						t.Fatalf("%s: status %d (%s), want 400", contentType, status, answer)
					}
					var e struct {
						Error            string `json:"error"`
						ErrorDescription string `json:"error_description"`
					}
					if json.Unmarshal([]byte(answer), &e) != nil || e.Error == "" ||
						!strings.Contains(e.Error+e.ErrorDescription, "JSON") {
						t.Errorf("%s: answer %s gives no reason as {\"error\": …}", contentType, answer)
					}
				}
			})
		}
	}
	if after := databaseFingerprint(t, db); after != before {
		t.Errorf("refused requests changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// Well-formed, the same status is posted; and an empty JSON body still
	// reaches a route that reads none.
	if status, answer := apiJSON(t, srv, "POST", "/api/v1/statuses", token, `{"status": "hello park", "x": `+
		string(must(json.Marshal(nestedArrays(63))))+`}`); status != http.StatusOK {
		t.Fatalf("a status 64 levels deep: %d %s", status, answer)
	}
	if status, answer := apiJSON(t, srv, "GET", "/api/v1/accounts/verify_credentials", token, ""); status != http.StatusOK {
		t.Fatalf("an empty JSON body: %d %s", status, answer)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
