package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/federation/fetch"
	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/inbox"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
	"github.com/village-social/village/outbox"
	"github.com/village-social/village/web"
)

// BenchmarkGroupPostAccepted times the 202 of a member's post into a group
// (a signed Create{Note} POSTed to the group's inbox) for a group of 100
// and of 10,000 followers, with the group's shares queued as listed
// deliveries in the inbox's transaction (one job per follower inbox, as
// before issue 12) and as one fan-out job per share that the queue expands
// later. The followers live on up to 500 hosts, nine in ten with a shared
// inbox, Mastodon and Lemmy alternating: 10,000 of them (20 on each host)
// have 1,450 inboxes. No queue runs: only the inbox's own work is timed.
func BenchmarkGroupPostAccepted(b *testing.B) {
	for _, fanout := range []bool{false, true} {
		for _, followers := range []int{100, 10_000} {
			name := fmt.Sprintf("listed/followers=%d", followers)
			if fanout {
				name = fmt.Sprintf("fanout/followers=%d", followers)
			}
			b.Run(name, func(b *testing.B) { benchGroupPostAccepted(b, followers, fanout) })
		}
	}
}

func benchGroupPostAccepted(b *testing.B, followers int, fanout bool) {
	ctx := context.Background()
	db := testenv.DB(b)
	village := httptest.NewUnstartedServer(nil)
	b.Cleanup(village.Close)
	urls := federation.NewURLs("http://" + village.Listener.Addr().String())
	client := fetch.New(fetch.Options{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, UserAgent: "Village/bench"})
	resolver := federation.NewResolver(db, urls, client, federation.ResolverOptions{Scheme: "http"})
	out := outbox.New(db, urls, delivery.Enqueue, nil)
	if fanout {
		out.WithFanout(delivery.EnqueueFanout)
	}
	auth := federation.NewAuthenticator(resolver)
	village.Config.Handler = web.New(web.Options{DB: db, URLs: urls, Version: "bench", Auth: auth,
		Resolver: resolver, Outbox: out, Inbox: inbox.New(db, urls, resolver, out, auth, nil)})
	village.Start()

	group, err := models.CreateGroup(ctx, db, models.NewGroup{Name: "moms", Title: "Park Slope Parents"})
	if err != nil {
		b.Fatal(err)
	}
	groupURI := urls.Actor(group.Actor)
	key, memberURI := populateAcceptBench(ctx, b, db, group.Actor.ID, followers)

	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		req := signedGroupPost(ctx, b, groupURI, memberURI, key, i)
		b.StartTimer()
		resp, err := village.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("the group's inbox answered %d: %s", resp.StatusCode, msg)
		}
	}
	b.StopTimer()
	var jobs int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&jobs); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(jobs)/float64(b.N), "jobs/post")
}

// populateAcceptBench stores followers of the group, the first of whom
// (u0) posts, and returns her key and id.
func populateAcceptBench(ctx context.Context, b *testing.B, db *pgxpool.Pool, groupID int64, followers int) (*rsa.PrivateKey, string) {
	b.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	publicPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	hosts := min(followers, 500)
	shared := hosts * 9 / 10
	rows := make([][]any, 0, followers)
	for j := range followers {
		h := j % hosts
		domain := fmt.Sprintf("h%d.example", h)
		uri := fmt.Sprintf("https://%s/users/u%d", domain, j)
		var sharedInbox any
		if h < shared {
			sharedInbox = "https://" + domain + "/inbox"
		}
		rows = append(rows, []any{models.ActorPerson, fmt.Sprintf("u%d", j), domain, uri, uri + "/inbox",
			sharedInbox, uri + "/followers", uri + "#main-key", publicPEM, time.Now()})
	}
	if _, err := db.CopyFrom(ctx, pgx.Identifier{"actors"}, []string{"type", "username", "domain", "uri", "inbox_url",
		"shared_inbox_url", "followers_url", "public_key_id", "public_key_pem", "fetched_at"}, pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO follows (follower_id, followee_id, uri, state)
		SELECT a.id, $1, a.uri || '/follows/moms', 'accepted' FROM actors a WHERE a.domain IS NOT NULL`, groupID); err != nil {
		b.Fatal(err)
	}
	for h := range hosts {
		software := "mastodon"
		if h%2 == 1 {
			software = "lemmy"
		}
		if err := models.PutInstance(ctx, db, fmt.Sprintf("h%d.example", h), software, "4.3.0"); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.Exec(ctx, `ANALYZE actors, follows, instances`); err != nil {
		b.Fatal(err)
	}
	return key, "https://h0.example/users/u0"
}

// signedGroupPost is the member's post i into the group, signed as her
// server would.
func signedGroupPost(ctx context.Context, b *testing.B, groupURI, memberURI string, key *rsa.PrivateKey, i int) *http.Request {
	b.Helper()
	noteURI := fmt.Sprintf("%s/statuses/%d", memberURI, i+1)
	to, cc := []string{federation.Public}, []string{memberURI + "/followers", groupURI}
	body, err := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams", "id": noteURI + "/activity", "type": "Create",
		"actor": memberURI, "to": to, "cc": cc,
		"object": map[string]any{"id": noteURI, "type": "Note", "attributedTo": memberURI, "to": to, "cc": cc,
			"published": time.Now().UTC().Format(time.RFC3339), "content": "<p>anyone know a pediatrician near Prospect Park?</p>"},
	})
	if err != nil {
		b.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, groupURI+"/inbox", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if err := signature.SignRequest(req, body, memberURI+"#main-key", key, time.Now()); err != nil {
		b.Fatal(err)
	}
	return req
}
