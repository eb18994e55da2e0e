package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/federation/requestid"
	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
	"github.com/village-social/village/web/metrics"
)

// jsonLog collects JSON log lines while the server writes them.
type jsonLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *jsonLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *jsonLog) lines() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, s := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// observedServer is a federating server with metrics on and JSON logs
// that name request ids, as `village serve` wires them.
func observedServer(t *testing.T) (*httptest.Server, *testenv.Fixtures, *metrics.Metrics, *jsonLog) {
	t.Helper()
	f := testenv.NewFixtures(t)
	logs := &jsonLog{}
	logger := slog.New(requestid.NewHandler(slog.NewJSONHandler(logs, nil)))
	m := metrics.New(logger)
	if err := m.WatchPool(f.DB); err != nil {
		t.Fatal(err)
	}
	if err := m.WatchQueue(f.DB); err != nil {
		t.Fatal(err)
	}
	client := fetch.New(fetch.Options{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	resolver := federation.NewResolver(f.DB, f.URLs, client, federation.ResolverOptions{Scheme: "http"})
	out := outbox.New(f.DB, f.URLs, delivery.Enqueue, logger)
	auth := federation.NewAuthenticator(resolver)
	srv := httptest.NewServer(web.New(web.Options{DB: f.DB, URLs: f.URLs, Auth: auth, Resolver: resolver, Outbox: out,
		Inbox: inbox.New(f.DB, f.URLs, resolver, out, auth, logger), Fetcher: client, Logger: logger, Metrics: m}))
	t.Cleanup(srv.Close)
	return srv, f, m, logs
}

// After some requests, the registry's handler serves every series of the
// HTTP layer, the inbox, the queue, the pool and the streams, labelled by
// route pattern and reason, never by the path asked for.
func TestMetricsSeriesAfterRequests(t *testing.T) {
	t.Parallel()
	srv, f, m, _ := observedServer(t)
	ctx := context.Background()
	alice := f.Alice(t)
	nora := testenv.NewRemote(t, "nora")

	get := func(path string, want int) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Accept", "application/activity+json")
		if code := testenv.Send(t, req); code != want {
			t.Fatalf("GET %s: %d, want %d", path, code, want)
		}
	}
	get("/users/alice", http.StatusOK)
	get("/users/alice", http.StatusOK)
	get("/no/such/page/at/all", http.StatusNotFound)

	follow := testenv.Activity(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": nora.ActorID + "/follows/1", "type": "Follow", "actor": nora.ActorID, "object": f.URLs.Actor(alice)})
	if code := nora.Post(srv.URL+"/users/alice/inbox", follow, time.Now()); code != http.StatusAccepted {
		t.Fatalf("nora's Follow: %d", code)
	}
	if code := testenv.Send(t, nora.NewPost(srv.URL+"/inbox", follow)); code != http.StatusUnauthorized {
		t.Fatalf("unsigned POST: %d", code)
	}
	if code := nora.Post(srv.URL+"/users/nobody/inbox", follow, time.Now()); code != http.StatusNotFound {
		t.Fatalf("POST to nobody's inbox: %d", code)
	}
	if code := nora.Post(srv.URL+"/inbox", bytes.Repeat([]byte(" "), 1_000_001), time.Now()); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized POST: %d", code)
	}
	// A host paused after failures.
	if _, err := models.RecordDeliveryFailure(ctx, f.DB, "down.example:443", "HTTP 503",
		models.PauseRule{After: 1, Base: time.Hour, Max: time.Hour}); err != nil {
		t.Fatal(err)
	}
	m.OnDelivery()(delivery.Delivered) // as the queue does (federation/delivery tests its outcomes)

	// A stream open while scraped.
	acc, err := models.AccountByUsername(ctx, f.DB, alice.Username)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := models.CreateScopedToken(ctx, f.DB, acc.ID, []string{"read"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := dialStream(t, srv, "stream=user&access_token="+tok, nil); err != nil {
		t.Fatal(err)
	}

	scrape := httptest.NewServer(m.Handler())
	t.Cleanup(scrape.Close)
	var s testenv.Samples
	testenv.Eventually(t, 10*time.Second, "the stream counted", func() bool {
		s = testenv.Samples(testenv.Scrape(t, scrape.URL))
		n, _ := s.Find("village_streaming_connections", nil)
		return n == 1
	})

	checks := []struct {
		name   string
		labels map[string]string
		ok     func(float64) bool
	}{
		{"village_http_requests_total", map[string]string{"method": "GET", "route": "/users/:name", "status": "200"}, eq(2)},
		{"village_http_requests_total", map[string]string{"method": "GET", "route": "unmatched", "status": "404"}, eq(1)},
		{"village_http_requests_total", map[string]string{"method": "POST", "route": "/users/:name/inbox", "status": "202"}, eq(1)},
		{"village_http_request_duration_seconds_count", map[string]string{"method": "GET", "route": "/users/:name"}, eq(2)},
		{"village_http_request_duration_seconds_bucket", map[string]string{"route": "/users/:name", "le": "+Inf"}, eq(2)},
		{"village_inbox_accepted_total", nil, eq(1)},
		{"village_inbox_refused_total", map[string]string{"reason": "unsigned"}, eq(1)},
		{"village_inbox_refused_total", map[string]string{"reason": "no_inbox"}, eq(1)},
		{"village_inbox_refused_total", map[string]string{"reason": "too_large"}, eq(1)},
		{"village_inbox_refused_total", map[string]string{"reason": "rate_limited"}, eq(0)}, // shown before any
		{"village_delivery_jobs_total", map[string]string{"outcome": "delivered"}, eq(1)},
		{"village_delivery_jobs_total", map[string]string{"outcome": "failed_retry"}, eq(0)},
		// nora's Follow was accepted: the Accept waits in the queue (no worker runs here).
		{"village_delivery_queue_jobs", map[string]string{"state": "available"}, eq(1)},
		{"village_delivery_queue_jobs", map[string]string{"state": "retryable"}, eq(0)},
		{"village_delivery_queue_oldest_available_seconds", nil, func(v float64) bool { return v >= 0 && v < 600 }},
		{"village_delivery_paused_hosts", nil, eq(1)},
		{"village_streaming_connections", nil, eq(1)},
		{"village_db_pool_max_conns", nil, func(v float64) bool { return v >= 1 }},
		{"village_db_pool_total_conns", nil, func(v float64) bool { return v >= 1 }},
		{"village_db_pool_acquired_conns", nil, func(v float64) bool { return v >= 0 }},
		{"village_db_pool_idle_conns", nil, func(v float64) bool { return v >= 0 }},
		{"village_db_pool_acquires_total", nil, func(v float64) bool { return v >= 5 }},
		{"village_db_pool_acquire_wait_seconds_total", nil, func(v float64) bool { return v >= 0 }},
		{"go_goroutines", nil, func(v float64) bool { return v > 0 }},
	}
	for _, c := range checks {
		v, found := s.Find(c.name, c.labels)
		if !found || !c.ok(v) {
			t.Errorf("%s%v: found %v, value %v", c.name, c.labels, found, v)
		}
	}
	for _, route := range s.LabelValues("village_http_requests_total", "route") {
		if strings.Contains(route, "alice") || strings.Contains(route, "nobody") || strings.Contains(route, "such") {
			t.Errorf("route label %q is a raw path, not a pattern", route)
		}
	}
}

func eq(want float64) func(float64) bool { return func(v float64) bool { return v == want } }

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Every request gets an id: a proxy's when it is sane, else a new one. It
// is answered in X-Request-Id, named on the request's JSON log line, and
// kept in the metadata of the delivery jobs the request queued.
func TestRequestIDIsAnsweredLoggedAndKeptInJobs(t *testing.T) {
	t.Parallel()
	srv, f, _, logs := observedServer(t)
	alice := f.Alice(t)
	nora := testenv.NewRemote(t, "nora")

	answered := func(sent string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/users/alice", nil)
		if sent != "" {
			req.Header.Set(requestid.Header, sent)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get(requestid.Header)
	}
	if got := answered("lb-7c1e-42"); got != "lb-7c1e-42" {
		t.Errorf("a proxy's sane id answered as %q", got)
	}
	for _, insane := range []string{"two words", strings.Repeat("x", 65)} {
		if got := answered(insane); got == insane || !hexID.MatchString(got) {
			t.Errorf("proxy id %q answered as %q, want a new one", insane, got)
		}
	}
	a, b := answered(""), answered("")
	if !hexID.MatchString(a) || a == b {
		t.Errorf("ids made for requests without one: %q and %q", a, b)
	}

	// nora's Follow through a proxy that names it: its Accept is queued
	// with the id.
	follow := testenv.Activity(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": nora.ActorID + "/follows/1", "type": "Follow", "actor": nora.ActorID, "object": f.URLs.Actor(alice)})
	req := nora.NewPost(srv.URL+"/users/alice/inbox", follow)
	req.Header.Set(requestid.Header, "lb-follow-1")
	if err := signature.SignRequest(req, follow, nora.KeyID, nora.Key, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get(requestid.Header) != "lb-follow-1" {
		t.Fatalf("Follow: %d, id %q", resp.StatusCode, resp.Header.Get(requestid.Header))
	}
	var kinds []string
	rows, err := f.DB.Query(context.Background(), `SELECT kind FROM river_job WHERE metadata->>'request_id' = 'lb-follow-1'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, k)
	}
	if rows.Err() != nil || len(kinds) != 1 || kinds[0] != "deliver" {
		t.Errorf("jobs queued by the Follow with its id: %v (%v)", kinds, rows.Err())
	}

	// A handler's own line carries it too, not only the request's.
	unsigned := nora.NewPost(srv.URL+"/inbox", follow)
	unsigned.Header.Set(requestid.Header, "lb-unsigned-2")
	if code := testenv.Send(t, unsigned); code != http.StatusUnauthorized {
		t.Fatalf("unsigned POST: %d", code)
	}

	var requestLine, handlerLine bool
	for _, l := range logs.lines() {
		if l["msg"] == "request" && l["path"] == "/users/alice/inbox" {
			requestLine = l[requestid.LogKey] == "lb-follow-1"
		}
		if l["msg"] == "inbox: refused" && l["reason"] == "unsigned" {
			handlerLine = l[requestid.LogKey] == "lb-unsigned-2"
		}
	}
	if !requestLine || !handlerLine {
		t.Errorf("JSON lines with their request_id: the Follow's request line %v, the unsigned POST's refusal %v\n%v",
			requestLine, handlerLine, logs.lines())
	}
}
