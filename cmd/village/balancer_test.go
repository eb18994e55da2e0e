package main

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/internal/testenv"
)

// The addresses of the balancer test: HAProxy, the two web processes
// behind it and the two workers beside them (ports of one address each),
// the remote members' servers, then the followers' 50 servers (ports of
// three addresses; a host is host:port, so each port is an instance).
const (
	addrBalancer        = "127.0.0.125:0"
	addrBalancedWeb     = "127.0.0.126:0"
	addrBalancedWorkers = "127.0.0.127:0"
	addrBalancerRemote  = "127.0.0.128:0"
	addrBalancerSpam    = "127.0.0.137:0"
	addrBalancerMetrics = "127.0.0.138" // each process's VILLAGE_METRICS_LISTEN, a port each
	balancerInstancesN  = 50
	balancerFollowersOf = 10 // followers on each instance, each with her own inbox
)

var balancerFollowerAddrs = []string{"127.0.0.129", "127.0.0.130", "127.0.0.131"}

// countingInboxes is one follower instance: it counts the POSTs each
// inbox answered. It holds each answer back (delay) so that deliveries
// are in flight when a process is killed, and counts a POST only if its
// sender was still there for the answer: one whose sender died first did
// not happen, for the sender, and comes again from River's rescue.
type countingInboxes struct {
	srv   *httptest.Server
	delay time.Duration
	group string // only the group's shares are counted

	mu  sync.Mutex
	got map[string]int // inbox path -> POSTs answered
}

func (c *countingInboxes) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	select {
	case <-time.After(c.delay):
	case <-r.Context().Done():
		return
	}
	c.mu.Lock()
	if strings.Contains(string(body), `"actor":"`+c.group+`"`) {
		c.got[r.URL.Path]++
	}
	c.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func (c *countingInboxes) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.got[path]
}

// One instance served by two web processes behind HAProxy and two
// workers, all on one PostgreSQL: a remote member follows a group and a
// person through the balancer, posts flow both ways, a web session made on
// one web process works on the other, a domain block made with the CLI is
// enforced by both, and a group post to 500 followers on 50 instances
// reaches every inbox once, though one web process and one worker are
// killed -9 in the middle of the delivery.
func TestABalancedInstanceOfTwoWebAndTwoWorkerProcessesBehavesAsOne(t *testing.T) {
	t.Parallel()
	metricsAt := make([]string, 4) // web, web, worker, worker
	for i := range metricsAt {
		metricsAt[i] = freeAddrOn(t, addrBalancerMetrics)
	}
	metricsEnv := func(i int) map[string]string { return map[string]string{"VILLAGE_METRICS_LISTEN": metricsAt[i]} }
	b := testenv.StartBalanced(t, testenv.BalancedOptions{
		Addr: addrBalancer,
		Web: []testenv.VillageOptions{
			{Addr: addrBalancedWeb, Role: "web", Env: metricsEnv(0)},
			{Addr: addrBalancedWeb, Role: "web", Env: metricsEnv(1)},
		},
		Workers: []testenv.VillageOptions{
			{Addr: addrBalancedWorkers, Role: "worker", Env: metricsEnv(2)},
			{Addr: addrBalancedWorkers, Role: "worker", Env: metricsEnv(3)},
		},
		Env: map[string]string{
			// A delivery stranded by the killed process is rescued after
			// 6 s (River's rescuer looks every 30 s).
			"VILLAGE_DELIVERY_TIMEOUT":      "3s",
			"VILLAGE_DELIVERY_RESCUE_AFTER": "6s",
		},
	})
	a, other := b.Web[0], b.Web[1]
	doomedWorker := b.Workers[1]
	a.Admin("admin", "group", "create", "moms", "--title", "Park Slope Parents")
	groupURI := b.BaseURL + "/groups/moms"
	alice := a.User("alice")
	alice.BaseURL = b.BaseURL // her app talks to the balancer

	t.Run("both processes answer behind the balancer", func(t *testing.T) {
		seen := map[string]bool{}
		for range 6 {
			resp, err := http.Get(b.BaseURL + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			seen[resp.Header.Get(testenv.ServerHeader)] = true
		}
		if !seen["v0"] || !seen["v1"] {
			t.Fatalf("six requests through the balancer were answered by %v, want both v0 and v1", seen)
		}
	})

	mia := testenv.NewRemoteAt(t, addrBalancerRemote, "mia")
	t.Run("a remote member follows a group and a person through the balancer", func(t *testing.T) {
		for i, object := range []string{groupURI, b.BaseURL + "/users/alice"} {
			follow := testenv.Activity(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": fmt.Sprintf("%s/follows/%d", mia.ActorID, i), "type": "Follow", "actor": mia.ActorID, "object": object})
			if code := mia.Post(b.BaseURL+"/inbox", follow, time.Now()); code != http.StatusAccepted {
				t.Fatalf("mia follows %s: %d", object, code)
			}
		}
		testenv.Eventually(t, 60*time.Second, "both of mia's follows accepted", func() bool {
			return testenv.QueryCount(t, a, `SELECT count(*) FROM follows f JOIN actors a ON a.id = f.follower_id
				WHERE a.uri = $1 AND f.state = 'accepted'`, mia.ActorID) == 2 && len(testenv.ReceivedOfType(mia, "Accept")) == 2
		})
	})

	var aliceNote string
	t.Run("a local post reaches the remote follower", func(t *testing.T) {
		st := testenv.PostStatus(t, alice, url.Values{"status": {"swings at the park at four"}, "visibility": {"public"}})
		testenv.Eventually(t, 60*time.Second, "alice's post at mia's server", func() bool {
			for _, c := range testenv.ReceivedOfType(mia, "Create") {
				if testenv.InnerOf(c)["id"] == st.URI && c["actor"] == b.BaseURL+"/users/alice" {
					return true
				}
			}
			return false
		})
		aliceNote = st.URI
	})

	t.Run("a web session made on one process works on the other", func(t *testing.T) {
		onA := a.SignIn("alice")
		onB := onA.Through(other.BaseURL)
		if code, _ := onB.Get("/settings"); code != http.StatusOK {
			t.Fatalf("the settings page on the other process, with the session made on the first: %d, want 200", code)
		}
		// The form token handed out by the first process is good on the other.
		onB.MustSubmit("/settings/profile", url.Values{"display_name": {"Alice from B"}, "bio": {""}})
		var name string
		testenv.QueryOne(t, a, &name, `SELECT display_name FROM actors WHERE username = 'alice' AND domain IS NULL`)
		if name != "Alice from B" {
			t.Fatalf("display name %q after the form sent to the other process", name)
		}
		// Without the cookie, the same page is not for a stranger: the 200
		// above was the session's doing.
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).
			Get(other.BaseURL + "/settings")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("the settings page answers 200 without a session")
		}
	})

	t.Run("a photo uploaded through one process is served by the other", func(t *testing.T) {
		onA := *alice
		onA.BaseURL = a.BaseURL
		photo := uploadPhoto(t, &onA, testenv.PhotoWithMetadata(t, 64, 48, 1))
		path := must[*url.URL](t, "the photo's URL")(url.Parse(photo.URL)).Path
		if got, want := fetchBytes(t, other.BaseURL+path), fetchBytes(t, a.BaseURL+path); !bytes.Equal(got, want) {
			t.Fatalf("the photo from the other process: %d bytes, differ from the %d the first serves", len(got), len(want))
		}
	})

	t.Run("a log-in rate limit trips at the same count whichever process answers", func(t *testing.T) {
		a.Admin("admin", "user", "create", "bob", "--password", "password-bob")
		// Five wrong passwords, spread over both web processes, then the
		// right one on the process that saw fewer: refused, as on one.
		for i := range 5 {
			v := b.Web[i%2]
			if code := tryLogIn(t, v.BaseURL, "bob", "wrong-password"); code != http.StatusUnauthorized {
				t.Fatalf("wrong password %d on %s: %d, want 401", i+1, v.Addr, code)
			}
		}
		if code := tryLogIn(t, other.BaseURL, "bob", "password-bob"); code != http.StatusTooManyRequests {
			t.Fatalf("after five failures over two processes, a log-in on the one that saw two: %d, want 429", code)
		}
	})
	t.Run("a domain block made with the CLI is enforced by both processes at once", func(t *testing.T) {
		spam := testenv.NewRemoteAt(t, addrBalancerSpam, "spam")
		n := 0
		post := func(v *testenv.Village) int {
			n++
			id := fmt.Sprintf("%s/statuses/%d", spam.ActorID, n)
			public := []string{"https://www.w3.org/ns/activitystreams#Public"}
			return spam.Post(v.BaseURL+"/inbox", testenv.Activity(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": id + "/activity", "type": "Create", "actor": spam.ActorID, "to": public,
				"object": map[string]any{"id": id, "type": "Note", "attributedTo": spam.ActorID, "to": public,
					"content": "<p>cheap watches</p>", "published": time.Now().UTC().Format(time.RFC3339)}}), time.Now())
		}
		for _, v := range b.Web {
			if code := post(v); code != http.StatusAccepted {
				t.Fatalf("before the block, %s answered the Create with %d, want 202", v.Addr, code)
			}
		}
		a.Admin("admin", "domain", "block", strings.TrimPrefix(spam.Server.URL, "http://"), "--reason", "spam")
		blockedAt := time.Now()
		// The issue asks for "within a second"; the deadline here is
		// generous (a loaded machine), and the time it took is logged.
		for _, v := range b.Web {
			testenv.Eventually(t, 10*time.Second, v.Addr+" refuses the blocked domain", func() bool { return post(v) == http.StatusForbidden })
		}
		t.Logf("both processes refused the blocked domain %s after the CLI's block", time.Since(blockedAt).Round(time.Millisecond))
	})
	t.Run("each process's metrics show its share of the work", func(t *testing.T) {
		scrape := func(i int) testenv.Samples {
			return testenv.Samples(testenv.Scrape(t, "http://"+metricsAt[i]+"/metrics"))
		}
		// Round robin: four reads through the balancer are two on each web process.
		for range 4 {
			if code := getStatus(t, b.BaseURL+"/users/alice"); code != http.StatusOK {
				t.Fatalf("GET alice through the balancer: %d", code)
			}
		}
		// A stream through the balancer: HAProxy passes the WebSocket
		// upgrade, and one web process counts the connection.
		stream, _, err := websocket.DefaultDialer.Dial("ws://"+b.Addr+"/api/v1/streaming?stream=user&access_token="+alice.Token, nil)
		if err != nil {
			t.Fatalf("a stream through the balancer: %v", err)
		}
		defer stream.Close()
		testenv.Eventually(t, 30*time.Second, "one stream counted across the web processes", func() bool {
			a, _ := scrape(0).Find("village_streaming_connections", nil)
			b, _ := scrape(1).Find("village_streaming_connections", nil)
			return a+b == 1
		})
		delivered := 0.0
		for i := range 4 {
			s := scrape(i)
			n, _ := s.Find("village_delivery_jobs_total", map[string]string{"outcome": "delivered"})
			if i < 2 {
				if reads, _ := s.Find("village_http_requests_total", map[string]string{"method": "GET", "route": "/users/:name", "status": "200"}); reads < 2 {
					t.Errorf("web process %d counted %v reads of alice, want 2 or more of the 4 through the balancer", i, reads)
				}
				if n != 0 {
					t.Errorf("web process %d counted %v deliveries; a web process sends nothing", i, n)
				}
				continue
			}
			delivered += n
			for _, name := range []string{"village_delivery_queue_jobs", "village_delivery_paused_hosts", "village_db_pool_max_conns"} {
				if _, ok := s.Find(name, nil); !ok {
					t.Errorf("worker %d has no %s", i-2, name)
				}
			}
		}
		// mia's two Accepts and alice's post at least, all by the workers.
		if delivered < 3 {
			t.Errorf("the workers counted %v deliveries, want 3 or more", delivered)
		}
	})

	// 50 instances of 10 followers each, every follower with her own
	// inbox: 500 inboxes, 500 POSTs. Followers are written to the
	// database directly (cheap); their inboxes are real HTTP servers.
	hosts := make([]*countingInboxes, balancerInstancesN)
	for i := range hosts {
		l, err := net.Listen("tcp", balancerFollowerAddrs[i%len(balancerFollowerAddrs)]+":0")
		if err != nil {
			t.Fatal(err)
		}
		h := &countingInboxes{delay: time.Second, group: groupURI, got: map[string]int{}}
		h.srv = httptest.NewUnstartedServer(http.HandlerFunc(h.serve))
		h.srv.Listener.Close()
		h.srv.Listener = l
		h.srv.Start()
		t.Cleanup(h.srv.Close)
		hosts[i] = h
	}
	domains := make([]string, len(hosts))
	for i, h := range hosts {
		domains[i] = strings.TrimPrefix(h.srv.URL, "http://")
	}
	testenv.DBQuery(t, a, func(ctx context.Context, conn *pgx.Conn) error {
		rows := make([][]any, 0, balancerInstancesN*balancerFollowersOf)
		for i, h := range hosts {
			if _, err := conn.Exec(ctx, `INSERT INTO instances (host, software, version) VALUES ($1, 'mastodon', '4.3.0')`, domains[i]); err != nil {
				return err
			}
			for j := range balancerFollowersOf {
				uri := fmt.Sprintf("%s/users/u%d", h.srv.URL, j)
				rows = append(rows, []any{"Person", fmt.Sprintf("u%d", j), domains[i], uri, uri + "/inbox", uri + "#main-key", "-"})
			}
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"actors"}, []string{"type", "username", "domain", "uri", "inbox_url",
			"public_key_id", "public_key_pem"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		_, err := conn.Exec(ctx, `INSERT INTO follows (follower_id, followee_id, uri, state)
			SELECT a.id, g.id, a.uri || '/follows/moms', 'accepted' FROM actors a, actors g
			WHERE a.domain = ANY($1) AND g.domain IS NULL AND g.username = 'moms'`, domains)
		return err
	})

	t.Run("a group post to 500 followers on 50 instances reaches each inbox once, though a web process and a worker are killed", func(t *testing.T) {
		note := testenv.GroupNote(mia, 1, groupURI, "anyone know a pediatrician near Prospect Park?")
		if code := testenv.PostInto(t, mia, groupURI, note); code != http.StatusAccepted {
			t.Fatalf("mia's post into the group through the balancer: %d", code)
		}
		if n := testenv.QueryCount(t, a, `SELECT count(*) FROM posts WHERE uri = $1`, note["id"]); n != 1 {
			t.Fatalf("mia's post stored %d times, want 1", n)
		}
		const inboxes = balancerInstancesN * balancerFollowersOf
		shares := `kind = 'deliver' AND args->>'inbox' LIKE '%/users/u%/inbox'`
		// Kill the second worker while deliveries are in flight, both
		// workers holding some (River's client id is the last of a job's
		// attempted_by), and the second web process with it.
		deadline := time.Now().Add(60 * time.Second)
		for testenv.QueryCount(t, a, `SELECT CASE WHEN count(*) >= 50 THEN count(DISTINCT attempted_by[array_length(attempted_by, 1)]) ELSE 0 END
			FROM river_job WHERE `+shares+` AND state = 'running'`) < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("never 50 deliveries running at once on both workers (%d queued); the kill would prove nothing",
					testenv.QueryCount(t, a, `SELECT count(*) FROM river_job WHERE `+shares))
			}
			time.Sleep(20 * time.Millisecond)
		}
		doomedWorker.Kill()
		killedAt := time.Now()
		other.Kill()
		type running struct {
			id       int64
			attempts []string
		}
		var atKill []running
		testenv.DBQuery(t, a, func(ctx context.Context, conn *pgx.Conn) error {
			rows, err := conn.Query(ctx, `SELECT id, attempted_by FROM river_job WHERE `+shares+` AND state = 'running'`)
			if err != nil {
				return err
			}
			for rows.Next() {
				var r running
				if err := rows.Scan(&r.id, &r.attempts); err != nil {
					return err
				}
				atKill = append(atKill, r)
			}
			return rows.Err()
		})
		// The balancer sends everything to the surviving web process at
		// once: a request meeting the dead one's closed port goes to the other.
		for i := range 10 {
			req, err := http.NewRequest(http.MethodGet, b.BaseURL+"/users/alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept", "application/activity+json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get(testenv.ServerHeader) != "v0" {
				t.Errorf("read %d after the kill: %d from %q, want 200 from v0", i, resp.StatusCode, resp.Header.Get(testenv.ServerHeader))
			}
		}
		if aliceNote != "" {
			like := testenv.Activity(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
				"id": mia.ActorID + "/likes/1", "type": "Like", "actor": mia.ActorID, "object": aliceNote})
			if code := mia.Post(b.BaseURL+"/inbox", like, time.Now()); code != http.StatusAccepted {
				t.Errorf("mia's Like through the balancer after the kill: %d, want 202", code)
			}
		}
		received := 0
		for _, h := range hosts {
			for j := range balancerFollowersOf {
				received += min(1, h.count(fmt.Sprintf("/users/u%d/inbox", j)))
			}
		}
		if received == inboxes {
			t.Fatalf("all %d inboxes were served before the kill; the test proves nothing", inboxes)
		}

		for i, h := range hosts {
			testenv.Eventually(t, 150*time.Second, fmt.Sprintf("instance %d's followers get the share", i), func() bool {
				for j := range balancerFollowersOf {
					if h.count(fmt.Sprintf("/users/u%d/inbox", j)) == 0 {
						return false
					}
				}
				return true
			})
		}
		// The killed worker's River client is the one whose jobs were
		// running at the kill but not the survivor's: the survivor is the
		// last to attempt any job finished after the kill.
		var survivor string
		testenv.QueryOne(t, a, &survivor, `SELECT attempted_by[array_length(attempted_by, 1)] FROM river_job
			WHERE `+shares+` AND finalized_at > $1 ORDER BY finalized_at DESC LIMIT 1`, killedAt)
		var stranded []int64
		for _, r := range atKill {
			if last := r.attempts[len(r.attempts)-1]; last != survivor {
				stranded = append(stranded, r.id)
			}
		}
		if len(stranded) == 0 {
			t.Fatalf("the killed worker held none of the %d deliveries running at the kill; the test proves nothing", len(atKill))
		}
		// River marks a job done a moment after its POST is answered.
		testenv.Eventually(t, 60*time.Second, "the killed worker's deliveries rescued and marked done", func() bool {
			return testenv.QueryCount(t, a, `SELECT count(*) FROM river_job WHERE id = ANY($1) AND state = 'completed'`, stranded) == len(stranded)
		})
		if n := testenv.QueryCount(t, a, `SELECT count(*) FROM river_job WHERE `+shares); n != inboxes {
			t.Errorf("%d delivery jobs for %d inboxes, want one each", n, inboxes)
		}
		// Exactly once, but for a POST whose answer came back just before
		// the kill and whose job was not yet marked done: River runs it
		// again. Only the killed worker's running jobs can be such.
		doubled, total := 0, 0
		for _, h := range hosts {
			for j := range balancerFollowersOf {
				n := h.count(fmt.Sprintf("/users/u%d/inbox", j))
				total += n
				if n > 2 {
					t.Errorf("%s/users/u%d/inbox got the share %d times", h.srv.URL, j, n)
				}
				if n == 2 {
					doubled++
				}
			}
		}
		if doubled > len(stranded) {
			t.Errorf("%d inboxes got the share twice, more than the %d deliveries the killed worker held", doubled, len(stranded))
		}
		t.Logf("killed with %d of %d inboxes served, %d deliveries running (%d of them the killed worker's); %d POSTs in all, %d inboxes twice",
			received, inboxes, len(atKill), len(stranded), total, doubled)
	})
}

// tryLogIn submits the log-in form at base as a browser that has just
// loaded it (its form token and cookie), and returns the status.
func tryLogIn(t *testing.T, base, name, password string) int {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET %s/login: %d, no form token", base, resp.StatusCode)
	}
	form := url.Values{"login": {name}, "password": {password}, "csrf": {html.UnescapeString(string(m[1]))}}
	req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
