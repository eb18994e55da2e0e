package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Every server here is an httptest server on 127.0.0.1. Tests that fetch
// from it allow 127.0.0.0/8; tests that prove refusal allow nothing (or a
// narrower prefix) and check the server was never reached. No address
// outside 127.0.0.0/8 is ever dialed.

const asContext = "https://www.w3.org/ns/activitystreams"

func loopbackOnly() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
}

// server starts a test server that counts requests to h.
func server(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// selfURL is the URL the request was made for, as the server sees it.
func selfURL(r *http.Request) string {
	return "http://" + r.Host + r.URL.RequestURI()
}

// writeDoc writes obj as JSON with the given Content-Type.
func writeDoc(w http.ResponseWriter, contentType string, obj map[string]any) {
	w.Header().Set("Content-Type", contentType)
	_ = json.NewEncoder(w).Encode(obj)
}

// actor serves a Person whose id is the URL it was requested at.
func actor() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, "application/activity+json", map[string]any{
			"@context": asContext, "id": selfURL(r), "type": "Person", "preferredUsername": "alice",
		})
	}
}

// localhostURL rewrites a test server URL to name the host "localhost".
func localhostURL(t *testing.T, srv *httptest.Server, path string) string {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return "http://localhost:" + u.Port() + path
}

func TestGetActivityReachesLoopbackOnlyWhenAllowListed(t *testing.T) {
	srv, hits := server(t, actor())
	tests := []struct {
		name    string
		allow   []netip.Prefix
		url     string
		refused bool
	}{
		{"literal loopback IP refused", nil, srv.URL + "/users/alice", true},
		{"host name resolving to loopback refused at dial", nil, localhostURL(t, srv, "/users/alice"), true},
		{"allow-list narrower than the address refused", []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}, srv.URL + "/users/alice", true},
		{"literal loopback IP allowed", loopbackOnly(), srv.URL + "/users/alice", false},
		{"host name resolving to loopback allowed", loopbackOnly(), localhostURL(t, srv, "/users/alice"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			c := New(Options{AllowPrivate: tt.allow})
			doc, err := c.GetActivity(context.Background(), tt.url)
			if !tt.refused {
				if err != nil {
					t.Fatalf("GetActivity: %v", err)
				}
				if doc.URL != tt.url || doc.Object["preferredUsername"] != "alice" {
					t.Fatalf("got URL %q object %v", doc.URL, doc.Object)
				}
				if hits.Load() != 1 {
					t.Fatalf("server hits = %d, want 1", hits.Load())
				}
				return
			}
			if !errors.Is(err, ErrAddressNotAllowed) {
				t.Fatalf("err = %v, want ErrAddressNotAllowed", err)
			}
			// For "localhost" the address only exists after resolution, so
			// naming it proves the check ran on the dialed address.
			if !strings.Contains(err.Error(), "127.0.0.1") {
				t.Fatalf("error %q does not name the refused address", err)
			}
			if hits.Load() != 0 {
				t.Fatalf("server hits = %d, want 0: the refused fetch reached it", hits.Load())
			}
		})
	}
}

// chain serves /r/N, which redirects to /r/N-1, down to /r/0, an actor.
func chain(signed *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Signature") != "" {
			signed.Add(1)
		}
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if n == 0 {
			actor()(w, r)
			return
		}
		// Relative Location, resolved against the current hop.
		http.Redirect(w, r, strconv.Itoa(n-1), http.StatusFound)
	}
}

// recordingSigner records each request it signs and adds a Signature header.
type recordingSigner struct {
	mu   sync.Mutex
	urls []string
	errs []string
}

func (s *recordingSigner) sign(req *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.urls = append(s.urls, req.URL.String())
	if req.Header.Get("Accept") == "" || req.Header.Get("User-Agent") == "" || req.Header.Get("Host") != req.URL.Host {
		s.errs = append(s.errs, fmt.Sprintf("%s: headers not set before signing: %v", req.URL, req.Header))
	}
	req.Header.Set("Signature", `keyId="test"`)
	return nil
}

func TestGetActivityRedirects(t *testing.T) {
	var signed atomic.Int64
	srv, _ := server(t, chain(&signed))
	tests := []struct {
		name      string
		path      string
		maxRedir  int
		wantErr   error
		wantSigns []string // paths the signer saw, in order
	}{
		{"three redirects followed, each hop signed", "/r/3", 0, nil, []string{"/r/3", "/r/2", "/r/1", "/r/0"}},
		{"no redirect, one signature", "/r/0", 0, nil, []string{"/r/0"}},
		{"more than three redirects refused", "/r/4", 0, ErrTooManyRedirects, []string{"/r/4", "/r/3", "/r/2", "/r/1"}},
		{"negative limit follows none", "/r/1", -1, ErrTooManyRedirects, []string{"/r/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signed.Store(0)
			s := &recordingSigner{}
			c := New(Options{AllowPrivate: loopbackOnly(), MaxRedirects: tt.maxRedir, Signer: s.sign})
			doc, err := c.GetActivity(context.Background(), srv.URL+tt.path)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			} else {
				if err != nil {
					t.Fatalf("GetActivity: %v", err)
				}
				if doc.URL != srv.URL+"/r/0" {
					t.Fatalf("final URL = %q, want %q", doc.URL, srv.URL+"/r/0")
				}
			}
			var want []string
			for _, p := range tt.wantSigns {
				want = append(want, srv.URL+p)
			}
			if strings.Join(s.urls, " ") != strings.Join(want, " ") {
				t.Fatalf("signer saw %v, want %v", s.urls, want)
			}
			if len(s.errs) > 0 {
				t.Fatal(s.errs)
			}
			if signed.Load() != int64(len(want)) {
				t.Fatalf("server saw %d signed requests, want %d", signed.Load(), len(want))
			}
		})
	}
}

func TestGetActivityRefusesRedirectToDisallowedTarget(t *testing.T) {
	var target string
	srv, hits := server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusMovedPermanently)
	}))
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	tests := []struct {
		name   string
		target string
		want   error
	}{
		// Only 127.0.0.1 is allowed below, so 127.0.0.2 stands for a
		// private address while never leaving loopback.
		{"redirect to an address outside the allow-list", "http://127.0.0.2:" + port + "/actor", ErrAddressNotAllowed},
		{"redirect to IPv6 loopback", "http://[::1]:" + port + "/actor", ErrAddressNotAllowed},
		{"redirect to a file URL", "file:///etc/passwd", ErrSchemeNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target = tt.target
			hits.Store(0)
			s := &recordingSigner{}
			c := New(Options{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Signer: s.sign})
			_, err := c.GetActivity(context.Background(), srv.URL+"/start")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if hits.Load() != 1 || len(s.urls) != 1 {
				t.Fatalf("hits = %d, signed = %v; want only the first hop", hits.Load(), s.urls)
			}
		})
	}
}

func TestGetActivitySignerErrorStopsTheFetch(t *testing.T) {
	srv, hits := server(t, actor())
	boom := errors.New("no key")
	c := New(Options{AllowPrivate: loopbackOnly(), Signer: func(*http.Request) error { return boom }})
	_, err := c.GetActivity(context.Background(), srv.URL+"/users/alice")
	if !errors.Is(err, boom) || hits.Load() != 0 {
		t.Fatalf("err = %v, hits = %d; want the signer's error and no request", err, hits.Load())
	}
}

func TestGetActivitySendsAcceptAndUserAgent(t *testing.T) {
	var accept, agent atomic.Value
	srv, _ := server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept.Store(r.Header.Get("Accept"))
		agent.Store(r.Header.Get("User-Agent"))
		actor()(w, r)
	}))
	c := New(Options{AllowPrivate: loopbackOnly(), UserAgent: "Village/0.1 (+https://village.example/)"})
	if _, err := c.GetActivity(context.Background(), srv.URL+"/users/alice"); err != nil {
		t.Fatal(err)
	}
	if accept.Load() != ActivityAccept {
		t.Errorf("Accept = %q, want %q", accept.Load(), ActivityAccept)
	}
	if agent.Load() != "Village/0.1 (+https://village.example/)" {
		t.Errorf("User-Agent = %q", agent.Load())
	}
}

func TestGetActivityRequiresIDEqualToFinalURL(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/actor", actor())
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/actor", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/foreign", func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, "application/activity+json", map[string]any{"@context": asContext, "id": "https://other.example/actor", "type": "Person"})
	})
	mux.HandleFunc("/noid", func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, "application/activity+json", map[string]any{"@context": asContext, "type": "Person"})
	})
	mux.HandleFunc("/numid", func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, "application/activity+json", map[string]any{"@context": asContext, "id": 7})
	})
	mux.HandleFunc("/claims-old", func(w http.ResponseWriter, r *http.Request) {
		// Redirected here, but claims to be the URL first asked for.
		writeDoc(w, "application/activity+json", map[string]any{"@context": asContext, "id": "http://" + r.Host + "/to-claims-old"})
	})
	mux.HandleFunc("/to-claims-old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/claims-old", http.StatusFound)
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		// The root document names itself without the trailing slash.
		writeDoc(w, "application/activity+json", map[string]any{"@context": asContext, "id": "http://" + r.Host})
	})
	mux.HandleFunc("/trailing/", func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, "application/activity+json", map[string]any{"@context": asContext, "id": "http://" + r.Host + "/trailing"})
	})
	srv, _ := server(t, mux)

	tests := []struct {
		name    string
		path    string
		wantURL string // path of the accepted final URL
		wantErr error
	}{
		{"id equal to URL accepted", "/actor", "/actor", nil},
		{"id equal to final URL after redirect accepted", "/old", "/actor", nil},
		{"fragment dropped before fetching", "/actor#main-key", "/actor", nil},
		{"empty path and slash are the same", "/", "/", nil},
		{"id of another origin discarded", "/foreign", "", ErrIDMismatch},
		{"missing id discarded", "/noid", "", ErrIDMismatch},
		{"non-string id discarded", "/numid", "", ErrIDMismatch},
		{"id naming the pre-redirect URL discarded", "/to-claims-old", "", ErrIDMismatch},
		{"other paths compared exactly", "/trailing/", "", ErrIDMismatch},
	}
	c := New(Options{AllowPrivate: loopbackOnly()})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := c.GetActivity(context.Background(), srv.URL+tt.path)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || doc != nil {
					t.Fatalf("doc = %v, err = %v; want nil, %v", doc, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetActivity: %v", err)
			}
			if doc.URL != srv.URL+tt.wantURL {
				t.Fatalf("URL = %q, want %q", doc.URL, srv.URL+tt.wantURL)
			}
			if len(doc.Raw) == 0 || doc.Object["@context"] != asContext {
				t.Fatalf("document not returned: raw %q object %v", doc.Raw, doc.Object)
			}
		})
	}
}

func TestGetActivityContentTypes(t *testing.T) {
	var contentType string
	srv, _ := server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(map[string]any{"@context": asContext, "id": selfURL(r), "type": "Note"})
		if contentType == "" {
			w.Header()["Content-Type"] = nil // stop net/http from sniffing one
		} else {
			w.Header().Set("Content-Type", contentType)
		}
		_, _ = w.Write(body)
	}))
	tests := []struct {
		contentType string
		ok          bool
	}{
		{"application/activity+json", true},
		{"application/activity+json; charset=utf-8", true},
		{`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, true},
		{"application/ld+json", true}, // as Mastodon: any ld+json
		{"Application/Activity+JSON", true},
		{"text/html", false},
		{"text/html; charset=utf-8", false},
		{"application/json", false},
		{"text/plain", false},
		{"", false},
	}
	c := New(Options{AllowPrivate: loopbackOnly()})
	for _, tt := range tests {
		t.Run(tt.contentType, func(t *testing.T) {
			contentType = tt.contentType
			_, err := c.GetActivity(context.Background(), srv.URL+"/note")
			if tt.ok && err != nil {
				t.Fatalf("GetActivity: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrContentType) {
				t.Fatalf("err = %v, want ErrContentType", err)
			}
		})
	}
}

// paddedDoc returns an actor document for id padded with spaces to n bytes.
func paddedDoc(t *testing.T, id string, n int) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"@context": asContext, "id": id})
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > n {
		t.Fatalf("document of %d bytes does not fit %d", len(b), n)
	}
	return append(b, []byte(strings.Repeat(" ", n-len(b)))...)
}

func TestGetActivityCapsTheBody(t *testing.T) {
	const limit = 1024
	srv, _ := server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		body := paddedDoc(t, selfURL(r), size)
		w.Header().Set("Content-Type", "application/activity+json")
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body)
			return
		}
		// No Content-Length: the size is only known by reading.
		for i := 0; i < len(body); i += 100 {
			_, _ = w.Write(body[i:min(i+100, len(body))])
			w.(http.Flusher).Flush()
		}
	}))
	tests := []struct {
		name  string
		query string
		ok    bool
	}{
		{"exactly the cap accepted", "size=1024", true},
		{"exactly the cap accepted when chunked", "size=1024&chunked=1", true},
		{"declared length over the cap refused", "size=1025", false},
		{"chunked body over the cap refused", "size=4096&chunked=1", false},
	}
	c := New(Options{AllowPrivate: loopbackOnly(), MaxBodyBytes: limit})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := c.GetActivity(context.Background(), srv.URL+"/big?"+tt.query)
			if tt.ok {
				if err != nil {
					t.Fatalf("GetActivity: %v", err)
				}
				if len(doc.Raw) != limit {
					t.Fatalf("raw body %d bytes, want %d", len(doc.Raw), limit)
				}
				return
			}
			if !errors.Is(err, ErrTooLarge) || doc != nil {
				t.Fatalf("doc = %v, err = %v; want nil, ErrTooLarge", doc, err)
			}
		})
	}
}

// stall blocks until the client goes away (or the test server closes).
func stall(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

func TestGetActivityTimesOutOnAServerThatNeverFinishes(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/no-headers", func(w http.ResponseWriter, r *http.Request) {
		stall(r)
	})
	mux.HandleFunc("/half-body", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		_, _ = w.Write([]byte(`{"id": `))
		w.(http.Flusher).Flush()
		stall(r)
	})
	mux.HandleFunc("/slow-redirects/", func(w http.ResponseWriter, r *http.Request) {
		// Each hop is quick, but together they exceed the one deadline.
		time.Sleep(120 * time.Millisecond)
		http.Redirect(w, r, "/slow-redirects/x", http.StatusFound)
	})
	srv, _ := server(t, mux)
	const timeout = 200 * time.Millisecond
	c := New(Options{AllowPrivate: loopbackOnly(), Timeout: timeout})
	for _, path := range []string{"/no-headers", "/half-body", "/slow-redirects/"} {
		t.Run(path, func(t *testing.T) {
			start := time.Now()
			_, err := c.GetActivity(context.Background(), srv.URL+path)
			elapsed := time.Since(start)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("err = %v, want ErrTimeout", err)
			}
			if elapsed > timeout+2*time.Second {
				t.Fatalf("gave up after %v, want about %v", elapsed, timeout)
			}
		})
	}
}

func TestGetActivityCallerCancellationIsNotATimeout(t *testing.T) {
	srv, _ := server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stall(r) }))
	c := New(Options{AllowPrivate: loopbackOnly()})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.GetActivity(ctx, srv.URL+"/actor")
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want context.Canceled and not ErrTimeout", err)
	}
}

func TestGetActivityStatusErrors(t *testing.T) {
	srv, _ := server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if code == http.StatusFound {
			w.WriteHeader(code) // a redirect without Location
			return
		}
		http.Error(w, "no", code)
	}))
	tests := []struct {
		code     int
		sentinel error
		notIs    error
	}{
		{404, ErrNotFound, ErrGone},
		{410, ErrGone, ErrNotFound},
		{500, ErrStatus, ErrNotFound},
		{403, ErrStatus, ErrGone},
		{429, ErrStatus, ErrNotFound},
		{302, ErrStatus, ErrTooManyRedirects},
	}
	c := New(Options{AllowPrivate: loopbackOnly()})
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			_, err := c.GetActivity(context.Background(), srv.URL+"/"+strconv.Itoa(tt.code))
			if !errors.Is(err, tt.sentinel) || !errors.Is(err, ErrStatus) || errors.Is(err, tt.notIs) {
				t.Fatalf("err = %v, want %v (and ErrStatus), not %v", err, tt.sentinel, tt.notIs)
			}
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != tt.code {
				t.Fatalf("err = %#v, want *StatusError with code %d", err, tt.code)
			}
		})
	}
}

func TestGetActivityRefusesBadURLsAndBodies(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/array", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		_, _ = w.Write([]byte(`[{"id": "x"}]`))
	})
	mux.HandleFunc("/null", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		_, _ = w.Write([]byte(`null`))
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/activity+json")
		_, _ = w.Write([]byte(`{"id": "`))
	})
	srv, hits := server(t, mux)
	tests := []struct {
		url  string
		want error
	}{
		{"file:///etc/passwd", ErrSchemeNotAllowed},
		{"ftp://" + strings.TrimPrefix(srv.URL, "http://") + "/x", ErrSchemeNotAllowed},
		{"/users/alice", ErrInvalidURL},
		{"http://", ErrInvalidURL},
		{"http://[::1", ErrInvalidURL},
		{srv.URL + "/array", ErrInvalidDocument},
		{srv.URL + "/null", ErrInvalidDocument},
		{srv.URL + "/broken", ErrInvalidDocument},
	}
	c := New(Options{AllowPrivate: loopbackOnly()})
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if _, err := c.GetActivity(context.Background(), tt.url); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if hits.Load() != 3 {
		t.Fatalf("server hits = %d, want 3 (bad URLs must not be requested)", hits.Load())
	}
}

func TestGetJSONSkipsActivityRulesButKeepsTheGuardAndCap(t *testing.T) {
	var accept atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/webfinger", func(w http.ResponseWriter, r *http.Request) {
		accept.Store(r.Header.Get("Accept"))
		writeDoc(w, "application/jrd+json", map[string]any{"subject": "acct:alice@example.com"})
	})
	mux.HandleFunc("/.well-known/nodeinfo", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/nodeinfo/2.1", http.StatusFound)
	})
	mux.HandleFunc("/nodeinfo/2.1", func(w http.ResponseWriter, r *http.Request) {
		writeDoc(w, "application/json", map[string]any{"version": "2.1", "padding": strings.Repeat("x", 2048)})
	})
	srv, hits := server(t, mux)

	c := New(Options{AllowPrivate: loopbackOnly()})
	doc, err := c.GetJSON(context.Background(), srv.URL+"/.well-known/webfinger?resource=acct:alice@example.com", "application/jrd+json")
	if err != nil {
		t.Fatalf("webfinger: %v", err)
	}
	if doc.Object["subject"] != "acct:alice@example.com" || accept.Load() != "application/jrd+json" {
		t.Fatalf("object %v, Accept %q", doc.Object, accept.Load())
	}

	doc, err = c.GetJSON(context.Background(), srv.URL+"/.well-known/nodeinfo", "")
	if err != nil {
		t.Fatalf("nodeinfo: %v", err)
	}
	if doc.URL != srv.URL+"/nodeinfo/2.1" || doc.Object["version"] != "2.1" {
		t.Fatalf("URL %q object %v", doc.URL, doc.Object["version"])
	}

	small := New(Options{AllowPrivate: loopbackOnly(), MaxBodyBytes: 1024})
	if _, err := small.GetJSON(context.Background(), srv.URL+"/nodeinfo/2.1", ""); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the cap: err = %v, want ErrTooLarge", err)
	}

	hits.Store(0)
	guarded := New(Options{})
	if _, err := guarded.GetJSON(context.Background(), srv.URL+"/.well-known/webfinger", ""); !errors.Is(err, ErrAddressNotAllowed) {
		t.Fatalf("loopback: err = %v, want ErrAddressNotAllowed", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("server hits = %d, want 0", hits.Load())
	}
}

func TestClientIsSafeForConcurrentUse(t *testing.T) {
	srv, hits := server(t, actor())
	c := New(Options{AllowPrivate: loopbackOnly()})
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Go(func() {
			if _, err := c.GetActivity(context.Background(), fmt.Sprintf("%s/users/u%d", srv.URL, i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if hits.Load() != 32 {
		t.Fatalf("hits = %d, want 32", hits.Load())
	}
}
