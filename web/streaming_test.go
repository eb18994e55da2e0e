package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
)

// streamingServer serves Village over real HTTP with the streaming API
// hearing the database's changes, as `village serve` wires it.
func streamingServer(t *testing.T) (*httptest.Server, *testenv.Fixtures) {
	t.Helper()
	f := testenv.NewFixtures(t)
	events := make(chan models.StreamEvent, 256)
	ctx, stop := context.WithCancel(context.Background())
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		defer close(events)
		models.ListenForStreamEvents(ctx, f.DB, slog.New(slog.DiscardHandler), func(e models.StreamEvent) { events <- e })
	}()
	e := web.New(web.Options{DB: f.DB, URLs: f.URLs, Outbox: outbox.New(f.DB, f.URLs, nil, nil), StreamEvents: events})
	srv := httptest.NewServer(e)
	t.Cleanup(func() { stop(); <-listening; srv.Close() })
	return srv, f
}

// tokenOf makes a token for a local person with the given scopes.
func tokenOf(t *testing.T, f *testenv.Fixtures, who *models.Actor, scopes ...string) string {
	t.Helper()
	acc, err := models.AccountByUsername(context.Background(), f.DB, who.Username)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := models.CreateScopedToken(context.Background(), f.DB, acc.ID, scopes)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// apiPost calls the client API with a token and returns the JSON answer.
func apiPost(t *testing.T, srv *httptest.Server, token, method, path string, form url.Values) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v %v", method, path, resp.StatusCode, out, err)
	}
	return out
}

// socket is a WebSocket client of the streaming API.
type socket struct {
	t    *testing.T
	conn *websocket.Conn
	in   chan map[string]any
}

func dialStream(t *testing.T, srv *httptest.Server, query string, header http.Header) (*socket, *http.Response, error) {
	t.Helper()
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/streaming?" + query
	conn, resp, err := websocket.DefaultDialer.Dial(u, header)
	if err != nil {
		return nil, resp, err
	}
	s := &socket{t: t, conn: conn, in: make(chan map[string]any, 100)}
	go func() {
		defer close(s.in)
		for {
			var m map[string]any
			if err := conn.ReadJSON(&m); err != nil {
				return
			}
			s.in <- m
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return s, resp, nil
}

// next is the next message, failing the test after a while without one.
func (s *socket) next(what string) map[string]any {
	s.t.Helper()
	select {
	case m, ok := <-s.in:
		if !ok {
			s.t.Fatalf("the stream closed while waiting for %s", what)
		}
		return m
	case <-time.After(15 * time.Second):
		s.t.Fatalf("no message while waiting for %s", what)
	}
	return nil
}

// payload decodes a message's payload string.
func payload(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	s, ok := m["payload"].(string)
	if !ok {
		t.Fatalf("message without a payload string: %v", m)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("payload %q: %v", s, err)
	}
	return out
}

// warmUp posts from a followed account until the stream shows a post,
// then reads until it has shown the last one posted: from then on the
// server hears the database, nothing of the warm-up is left to come, and
// each later event arrives in the order it happened.
func warmUp(t *testing.T, srv *httptest.Server, s *socket, poster string) {
	t.Helper()
	last := ""
	for i := 0; last == "" || !s.showedWarmUp(last); i++ {
		if i > 40 {
			t.Fatal("the stream never showed a post")
		}
		if last == "" || i%4 == 0 {
			text := fmt.Sprintf("warming up, round %d.", i)
			apiPost(t, srv, poster, "POST", "/api/v1/statuses", url.Values{"status": {text}})
			last = text
		}
	}
}

// showedWarmUp waits half a second for a message, and reports whether it
// was the warm-up post that says text.
func (s *socket) showedWarmUp(text string) bool {
	select {
	case m := <-s.in:
		if m["event"] != "update" {
			s.t.Fatalf("while warming up: %v", m)
		}
		return strings.Contains(fmt.Sprint(payload(s.t, m)["content"]), text)
	case <-time.After(500 * time.Millisecond):
		return false
	}
}

func TestAWebSocketShowsWhatTheHomeTimelineShowsAndNothingElse(t *testing.T) {
	t.Parallel()
	srv, f := streamingServer(t)
	alice, bob, carol := f.Alice(t), f.Person(t, "bob"), f.Person(t, "carol")
	f.Follow(t, alice, bob)
	aliceTok, bobTok, carolTok := tokenOf(t, f, alice, "read", "write"), tokenOf(t, f, bob, "write"), tokenOf(t, f, carol, "write")

	s, _, err := dialStream(t, srv, "stream=user&access_token="+aliceTok, nil)
	if err != nil {
		t.Fatal(err)
	}
	warmUp(t, srv, s, bobTok)

	apiPost(t, srv, carolTok, "POST", "/api/v1/statuses", url.Values{"status": {"carol, whom alice does not follow"}})
	post := apiPost(t, srv, bobTok, "POST", "/api/v1/statuses", url.Values{"status": {"park at four?"}, "visibility": {"private"}})
	m := s.next("bob's post")
	if m["event"] != "update" || payload(t, m)["id"] != post["id"] || fmt.Sprint(m["stream"]) != "[user]" {
		t.Fatalf("want bob's followers-only post as an update on [user] (and nothing of carol's), got %v", m)
	}
	if got := payload(t, m)["content"]; !strings.Contains(fmt.Sprint(got), "park at four?") {
		t.Errorf("the payload is not the status as the REST API gives it: %v", got)
	}

	apiPost(t, srv, bobTok, "POST", "/api/v1/statuses", url.Values{"status": {"@alice see you there"}})
	var kinds []string
	for range 2 { // the post, and the mention's notification, in either order
		m := s.next("the mention")
		kinds = append(kinds, fmt.Sprint(m["event"]))
		if m["event"] == "notification" && payload(t, m)["type"] != "mention" {
			t.Errorf("notification of type %v, want mention", payload(t, m)["type"])
		}
	}
	if strings.Join(kinds, ",") != "update,notification" && strings.Join(kinds, ",") != "notification,update" {
		t.Errorf("after a mention: %v, want an update and a notification", kinds)
	}

	id := fmt.Sprint(post["id"])
	apiPost(t, srv, bobTok, "PUT", "/api/v1/statuses/"+id, url.Values{"status": {"park at five?"}})
	if m := s.next("the edit"); m["event"] != "status.update" || !strings.Contains(fmt.Sprint(payload(t, m)["content"]), "five") {
		t.Errorf("after an edit: %v, want status.update with the new text", m)
	}
	apiPost(t, srv, bobTok, "DELETE", "/api/v1/statuses/"+id, nil)
	if m := s.next("the deletion"); m["event"] != "delete" || m["payload"] != id {
		t.Errorf("after a deletion: %v, want delete with payload %q", m, id)
	}

	// A filter that hides: filters_changed, then posts it hides never come.
	apiPost(t, srv, aliceTok, "POST", "/api/v2/filters", url.Values{"title": {"no spoilers"}, "context[]": {"home"},
		"filter_action": {"hide"}, "keywords_attributes[][keyword]": {"finale"}})
	if m := s.next("filters_changed"); m["event"] != "filters_changed" || m["payload"] != nil {
		t.Errorf("after a new filter: %v, want filters_changed without a payload", m)
	}
	apiPost(t, srv, bobTok, "POST", "/api/v1/statuses", url.Values{"status": {"the finale was wild"}})
	last := apiPost(t, srv, bobTok, "POST", "/api/v1/statuses", url.Values{"status": {"anyone up for coffee"}})
	if m := s.next("the post after the filtered one"); payload(t, m)["id"] != last["id"] {
		t.Errorf("a post her filter hides reached her stream: %v", payload(t, m)["content"])
	}
}

// Streams by name, over one WebSocket: subscribe and unsubscribe, the
// public and hashtag streams, and the refusals Mastodon's streaming
// server sends as messages.
func TestAWebSocketSubscribesAndUnsubscribesToPublicAndHashtagStreams(t *testing.T) {
	t.Parallel()
	srv, f := streamingServer(t)
	alice, bob := f.Alice(t), f.Person(t, "bob")
	nicu := f.NICUParents(t)
	f.Follow(t, bob, nicu)
	aliceTok, bobTok := tokenOf(t, f, alice, "read:statuses"), tokenOf(t, f, bob, "write")

	// The token as the WebSocket's protocol, as browsers send it; the
	// answer must name it back.
	s, resp, err := dialStream(t, srv, "stream=public:local", http.Header{"Sec-WebSocket-Protocol": {aliceTok}})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != aliceTok {
		t.Errorf("Sec-WebSocket-Protocol answered %q, want the token", got)
	}
	warmUp(t, srv, s, bobTok)

	send := func(m map[string]any) {
		if err := s.conn.WriteJSON(m); err != nil {
			t.Fatal(err)
		}
	}
	send(map[string]any{"type": "subscribe", "stream": "hashtag", "tag": "Playground"})
	send(map[string]any{"type": "subscribe", "stream": "user:notification"}) // not in read:statuses
	if m := s.next("the refusal"); m["status"] != float64(http.StatusUnauthorized) || m["error"] == nil {
		t.Errorf("subscribing beyond the token's scopes: %v, want an error message with status 401", m)
	}
	send(map[string]any{"type": "subscribe", "stream": "nonsense"})
	if m := s.next("the refusal"); m["status"] != float64(http.StatusBadRequest) {
		t.Errorf("an unknown stream: %v, want status 400", m)
	}

	// A members-only group's post is on no public stream; a public
	// #playground post is on both, each message naming its stream.
	apiPost(t, srv, bobTok, "POST", "/api/v1/statuses", url.Values{"status": {"@nicu_parents #playground members only"}})
	tagged := apiPost(t, srv, bobTok, "POST", "/api/v1/statuses", url.Values{"status": {"meet at the #playground"}})
	streams := map[string]bool{}
	for range 2 {
		m := s.next("the tagged post")
		if payload(t, m)["id"] != tagged["id"] {
			t.Fatalf("got %v, want only the public tagged post (never the members-only one)", payload(t, m)["content"])
		}
		streams[fmt.Sprint(m["stream"])] = true
	}
	if !streams["[public:local]"] || !streams["[hashtag playground]"] {
		t.Errorf("the tagged post came on %v, want [public:local] and [hashtag playground]", streams)
	}

	// Messages are read in order: the refusal of the last one says the
	// ones before it are applied.
	send(map[string]any{"type": "unsubscribe", "stream": "public:local"})
	send(map[string]any{"type": "unsubscribe", "stream": "hashtag", "tag": "playground"})
	send(map[string]any{"type": "subscribe", "stream": "hashtag", "tag": "rain"})
	send(map[string]any{"type": "subscribe", "stream": "nonsense"})
	if m := s.next("the refusal"); m["status"] != float64(http.StatusBadRequest) {
		t.Fatalf("want the refusal of the unknown stream, got %v", m)
	}
	apiPost(t, srv, bobTok, "POST", "/api/v1/statuses", url.Values{"status": {"#playground again"}})
	last := apiPost(t, srv, bobTok, "POST", "/api/v1/statuses", url.Values{"status": {"#rain after unsubscribing"}})
	if m := s.next("the post on #rain"); payload(t, m)["id"] != last["id"] || fmt.Sprint(m["stream"]) != "[hashtag rain]" {
		t.Errorf("after unsubscribing: %v on %v, want only the #rain post on [hashtag rain]", payload(t, m)["content"], m["stream"])
	}
}

// Connections the API refuses, in Mastodon's words and statuses.
func TestStreamingRefusesWithMastodonsAnswers(t *testing.T) {
	t.Parallel()
	srv, f := streamingServer(t)
	alice, bob := f.Alice(t), f.Person(t, "bob")
	aliceTok := tokenOf(t, f, alice, "read")
	bobsList, err := models.CreateList(context.Background(), f.DB, bob.ID, models.ListInput{Title: new("school")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, token string
		status            int
		says              string
	}{
		{"no token", "/api/v1/streaming/user", "", http.StatusUnauthorized, "Missing access token"},
		{"a dead token", "/api/v1/streaming/user?access_token=nope", "", http.StatusUnauthorized, "Invalid access token"},
		{"an unknown stream", "/api/v1/streaming/everything", aliceTok, http.StatusNotFound, "Unknown channel requested"},
		{"a hashtag without its tag", "/api/v1/streaming/hashtag", aliceTok, http.StatusBadRequest, "Missing tag name parameter"},
		{"someone else's list", fmt.Sprintf("/api/v1/streaming/list?list=%d", bobsList.ID), aliceTok, http.StatusUnauthorized, "Not authorized to stream this list"},
		{"a WebSocket path without an upgrade", "/api/v1/streaming?stream=user", aliceTok, http.StatusBadRequest, "WebSocket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]string
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tc.status || !strings.Contains(body["error"], tc.says) {
				t.Errorf("%d %v, want %d saying %q", resp.StatusCode, body, tc.status, tc.says)
			}
		})
	}
	resp, err := srv.Client().Get(srv.URL + "/api/v1/streaming/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("health: %d", resp.StatusCode)
	}
}

// An event stream (Server-Sent Events) carries the same events as the
// WebSocket, in Mastodon's lines.
func TestAnEventStreamCarriesNotificationsInMastodonsLines(t *testing.T) {
	t.Parallel()
	srv, f := streamingServer(t)
	alice, bob := f.Alice(t), f.Person(t, "bob")
	aliceTok, bobTok := tokenOf(t, f, alice, "read:notifications"), tokenOf(t, f, bob, "write")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/streaming/user/notification", nil)
	req.Header.Set("Authorization", "Bearer "+aliceTok)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	if first := <-lines; first != ":)" {
		t.Errorf("first line %q, want Mastodon's \":)\"", first)
	}
	// Mentions until one is heard: the server may still be starting to listen.
	deadline := time.After(20 * time.Second)
	for i := 0; ; i++ {
		apiPost(t, srv, bobTok, "POST", "/api/v1/statuses", url.Values{"status": {fmt.Sprintf("@alice hello %d", i)}})
		select {
		case line := <-lines:
			if line != "event: notification" {
				t.Fatalf("line %q, want event: notification", line)
			}
			data := <-lines
			var n map[string]any
			if err := json.Unmarshal([]byte(strings.TrimPrefix(data, "data: ")), &n); err != nil || n["type"] != "mention" {
				t.Fatalf("data line %q: %v", data, err)
			}
			if blank := <-lines; blank != "" {
				t.Errorf("an event ends with a blank line, got %q", blank)
			}
			return
		case <-time.After(500 * time.Millisecond):
		case <-deadline:
			t.Fatal("no notification on the event stream")
		}
	}
}
