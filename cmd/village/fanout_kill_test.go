package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/internal/testenv"
)

// The addresses of the fan-out kill test: Village, then the member's server,
// then the followers' servers on the last three.
const (
	addrFanoutVillage = "127.0.0.246:0"
	addrFanoutMember  = "127.0.0.247:0"
)

var fanoutFollowerAddrs = []string{"127.0.0.248", "127.0.0.249", "127.0.0.250"}

// fanoutInboxes counts the shares each follower inbox of one host gets.
type fanoutInboxes struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen map[string][]string // path -> kinds of share received
}

func (f *fanoutInboxes) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var act struct {
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	if r.Method == http.MethodPost && json.Unmarshal(body, &act) == nil {
		kind := act.Type
		if act.Type == "Announce" && strings.HasPrefix(string(act.Object), `"`) {
			kind = "boost"
		}
		f.mu.Lock()
		f.seen[r.URL.Path] = append(f.seen[r.URL.Path], kind)
		f.mu.Unlock()
	}
	w.WriteHeader(http.StatusAccepted)
}

func (f *fanoutInboxes) received(path string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen[path]...)
}

// A member's post into a group of 600 followers leaves as two fan-out
// jobs (boosts for the Mastodon hosts, Announce{Create} for the Lemmy
// ones), expanded 20 deliveries at a time. Village is killed -9 while an
// expansion is half done; after the restart each follower inbox has
// exactly one delivery job, of the right kind, and gets its share: none
// lost, none queued twice. (A POST in flight at the kill may arrive twice,
// as any at-least-once delivery does; receivers de-duplicate by id.)
func TestKillingTheServerDuringAFanOutExpansionLosesAndDoublesNothing(t *testing.T) {
	t.Parallel()
	a := testenv.StartVillage(t, testenv.VillageOptions{Addr: addrFanoutVillage,
		Env: map[string]string{"VILLAGE_DELIVERY_FANOUT_BATCH": "20"}})
	a.Admin("admin", "group", "create", "moms", "--title", "Park Slope Parents")
	groupURI := a.BaseURL + "/groups/moms"
	mia := testenv.NewRemoteAt(t, addrFanoutMember, "mia")
	follow := testenv.Activity(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": mia.ActorID + "/follows/1", "type": "Follow", "actor": mia.ActorID, "object": groupURI})
	if code := mia.Post(groupURI+"/inbox", follow, time.Now()); code != http.StatusAccepted {
		t.Fatalf("mia's Follow: %d", code)
	}
	testenv.Eventually(t, 30*time.Second, "mia follows the group", func() bool {
		return testenv.QueryCount(t, a, `SELECT count(*) FROM follows f JOIN actors a ON a.id = f.follower_id
			WHERE a.uri = $1 AND f.state = 'accepted'`, mia.ActorID) == 1
	})

	// 12 hosts of 50 followers each, every follower with her own inbox;
	// even hosts run Mastodon, odd ones Lemmy.
	const hostsN, perHost = 12, 50
	hosts := make([]*fanoutInboxes, hostsN)
	for i := range hosts {
		l, err := net.Listen("tcp", fanoutFollowerAddrs[i%len(fanoutFollowerAddrs)]+":0")
		if err != nil {
			t.Fatal(err)
		}
		h := &fanoutInboxes{seen: map[string][]string{}}
		h.srv = httptest.NewUnstartedServer(http.HandlerFunc(h.serve))
		h.srv.Listener.Close()
		h.srv.Listener = l
		h.srv.Start()
		t.Cleanup(h.srv.Close)
		hosts[i] = h
	}
	testenv.DBQuery(t, a, func(ctx context.Context, conn *pgx.Conn) error {
		rows := make([][]any, 0, hostsN*perHost)
		for i, h := range hosts {
			domain := strings.TrimPrefix(h.srv.URL, "http://")
			software := "mastodon"
			if i%2 == 1 {
				software = "lemmy"
			}
			if _, err := conn.Exec(ctx, `INSERT INTO instances (host, software, version) VALUES ($1, $2, '1')`, domain, software); err != nil {
				return err
			}
			for j := range perHost {
				uri := fmt.Sprintf("%s/users/u%d", h.srv.URL, j)
				rows = append(rows, []any{"Person", fmt.Sprintf("u%d", j), domain, uri, uri + "/inbox", uri + "#main-key", "-"})
			}
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"actors"}, []string{"type", "username", "domain", "uri", "inbox_url",
			"public_key_id", "public_key_pem"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		_, err := conn.Exec(ctx, `INSERT INTO follows (follower_id, followee_id, uri, state)
			SELECT a.id, g.id, a.uri || '/follows/moms', 'accepted' FROM actors a, actors g
			WHERE a.domain = ANY($1) AND g.domain IS NULL AND g.username = 'moms'`, hostDomains(hosts))
		return err
	})

	noteURI := mia.ActorID + "/statuses/1"
	to, cc := []string{"https://www.w3.org/ns/activitystreams#Public"}, []string{mia.ActorID + "/followers", groupURI}
	create := testenv.Activity(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
		"id": noteURI + "/activity", "type": "Create", "actor": mia.ActorID, "to": to, "cc": cc,
		"object": map[string]any{"id": noteURI, "type": "Note", "attributedTo": mia.ActorID, "to": to, "cc": cc,
			"published": time.Now().UTC().Format(time.RFC3339), "content": "<p>anyone know a pediatrician near Prospect Park?</p>",
			"tag": []any{map[string]any{"type": "Mention", "href": groupURI, "name": "@moms"}}}})
	if code := mia.Post(groupURI+"/inbox", create, time.Now()); code != http.StatusAccepted {
		t.Fatalf("mia's post into the group: %d", code)
	}
	// Kill as soon as an expansion is seen half done.
	deadline := time.Now().Add(30 * time.Second)
	for testenv.QueryCount(t, a, `SELECT count(*) FROM delivery_fanouts WHERE after_inbox <> '' AND NOT done`) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no fan-out was ever seen half expanded (%d fan-outs, %d follows, %d jobs); the test proves nothing",
				testenv.QueryCount(t, a, `SELECT count(*) FROM delivery_fanouts`), testenv.QueryCount(t, a, `SELECT count(*) FROM follows`),
				testenv.QueryCount(t, a, `SELECT count(*) FROM river_job`))
		}
	}
	a.Kill()
	undone := testenv.QueryCount(t, a, `SELECT count(*) FROM delivery_fanouts WHERE NOT done`)
	queued := testenv.QueryCount(t, a, `SELECT count(*) FROM river_job WHERE kind = 'deliver'`)
	inFlight := testenv.QueryCount(t, a, `SELECT count(*) FROM river_job WHERE kind = 'deliver' AND state = 'running'`)
	if undone == 0 || queued >= hostsN*perHost {
		t.Fatalf("at the kill %d fan-outs undone, %d of %d deliveries queued: the kill came after the expansion", undone, queued, hostsN*perHost)
	}
	t.Logf("killed with %d fan-outs half done, %d of %d deliveries queued, %d POSTs in flight", undone, queued, hostsN*perHost, inFlight)

	a.Start()
	for i, h := range hosts {
		want := "boost"
		if i%2 == 1 {
			want = "Announce"
		}
		testenv.Eventually(t, 120*time.Second, fmt.Sprintf("host %d's %d followers get their share", i, perHost), func() bool {
			for j := range perHost {
				if len(h.received(fmt.Sprintf("/users/u%d/inbox", j))) == 0 {
					return false
				}
			}
			return true
		})
		for j := range perHost {
			for _, kind := range h.received(fmt.Sprintf("/users/u%d/inbox", j)) {
				if kind != want {
					t.Errorf("host %d inbox u%d got a %s, want only %s", i, j, kind, want)
				}
			}
		}
	}
	if n := testenv.QueryCount(t, a, `SELECT count(*) FROM delivery_fanouts WHERE NOT done`); n != 0 {
		t.Errorf("%d fan-outs not done after the restart", n)
	}
	perInbox := testenv.QueryCount(t, a, `SELECT count(*) FROM (SELECT args->>'inbox', args->>'activity_id' FROM river_job
		WHERE kind = 'deliver' AND args->>'inbox' LIKE '%/users/u%' GROUP BY 1, 2 HAVING count(*) > 1) d`)
	total := testenv.QueryCount(t, a, `SELECT count(*) FROM river_job WHERE kind = 'deliver' AND args->>'inbox' LIKE '%/users/u%'`)
	if perInbox != 0 || total != hostsN*perHost {
		t.Errorf("%d delivery jobs for %d inboxes, %d of them queued twice; want exactly one each", total, hostsN*perHost, perInbox)
	}
	doubled := 0
	for _, h := range hosts {
		for j := range perHost {
			if len(h.received(fmt.Sprintf("/users/u%d/inbox", j))) > 1 {
				doubled++
			}
		}
	}
	if doubled > inFlight {
		t.Errorf("%d inboxes got their share twice, more than the %d POSTs in flight at the kill", doubled, inFlight)
	}
}

func hostDomains(hosts []*fanoutInboxes) []string {
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = strings.TrimPrefix(h.srv.URL, "http://")
	}
	return out
}
