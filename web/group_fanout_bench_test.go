package web_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
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

// The group fan-out of the design's budget: a local group followed by
// 10,000 remote people on 500 instances, 450 of them with a shared inbox
// and 50 without (10 followers each). The instances alternate between
// Mastodon (even index) and Lemmy (odd index), so a member's post into the
// group leaves as two activities (outbox.Redistribute): a boost of the Note
// by id to the Mastodon-family inboxes and the FEP-1b12 Announce{Create}
// to the others, one POST per distinct inbox either way:
//
//	Mastodon: 225 shared inboxes + 25 hosts·10 personal inboxes = 475 boosts
//	Lemmy:    225 shared inboxes + 25 hosts·10 personal inboxes = 475 Announces
//	                                                     in all:  950 POSTs
//
// The member who posts is one of the 10,000 followers (u0, on host 0, a
// Mastodon with a shared inbox), as in the design's first journey: her own
// server is one of the 500 and, since Redistribute sends to every follower's
// inbox, gets the group's boost of her post like every other Mastodon host.
const (
	gfHosts        = 500
	gfSharedHosts  = 450
	gfFollowers    = 10_000
	gfPerPlainHost = 10
	gfFirstPlain   = gfFollowers - (gfHosts-gfSharedHosts)*gfPerPlainHost // first follower on a host without a shared inbox
	gfPOSTs        = gfSharedHosts + (gfHosts-gfSharedHosts)*gfPerPlainHost
	gfBoosts       = gfSharedHosts/2 + (gfHosts-gfSharedHosts)/2*gfPerPlainHost // to the even (Mastodon) hosts
	gfAnnounces    = gfPOSTs - gfBoosts                                         // to the odd (Lemmy) hosts
	gfGroupName    = "moms"
	gfMember       = 0 // the follower who posts
	gfWaitLimit    = 5 * time.Minute
)

// gfSoftware is what host i runs, as its NodeInfo would say.
func gfSoftware(i int) string {
	if i%2 == 0 {
		return "mastodon"
	}
	return "lemmy"
}

// gfHostOf places follower j: the first 9,500 round-robin over the 450
// hosts with a shared inbox, then 10 on each of the other 50.
func gfHostOf(j int) (host int, shared bool) {
	if j < gfFirstPlain {
		return j % gfSharedHosts, true
	}
	return gfSharedHosts + (j-gfFirstPlain)/gfPerPlainHost, false
}

// BenchmarkGroupPostFanout measures a remote member's post into a local
// group end to end: her signed Create{Note} POSTed over HTTP to the group's
// inbox on a server running web.New with the real inbox processor, outbox,
// resolver, authenticator and a started delivery queue, until the last of
// the group's 950 shares (see gfBoosts and gfAnnounces) has reached its
// inbox on one of 500 loopback instances. Beside it: the inbox's 202
// latency, and 950 RSA-2048 signatures timed in the same run (the budget
// is 4x those). Every host's POSTs are counted and checked exactly.
//
// Two ways of queueing the shares are compared: listed, one delivery job
// per follower inbox written in the inbox's transaction (before issue 12),
// and fanout, one job per share expanded by the queue (as `village serve`
// does).
func BenchmarkGroupPostFanout(b *testing.B) {
	b.Run("queued=listed", func(b *testing.B) { benchGroupPostFanout(b, false) })
	b.Run("queued=fanout", func(b *testing.B) { benchGroupPostFanout(b, true) })
}

func benchGroupPostFanout(b *testing.B, byJob bool) {
	ctx := context.Background()
	gb := newGroupFanoutBench(ctx, b, byJob)
	var fanout, accepted, first, floor time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		req, round := gb.prepare(ctx, b, i)
		b.StartTimer()
		start := time.Now()
		resp, err := gb.client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		answered := time.Since(start)
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("the group's inbox answered %d: %s", resp.StatusCode, msg)
		}
		select {
		case <-round.done:
		case <-time.After(gfWaitLimit):
			b.Fatalf("after %s only %d of %d POSTs arrived", gfWaitLimit, gb.fedi.posts(), gfPOSTs)
		}
		b.StopTimer()
		firstAt, lastAt := gb.fedi.times()
		jobs := gb.check(ctx, b, round)
		sign := gb.signingFloor(b, gfPOSTs)

		fanout += lastAt.Sub(start)
		first += firstAt.Sub(start)
		accepted += answered
		floor += sign
		b.Logf("post %d: 202 after %s, first job taken after %s, first share after %s, last of %d after %s (%d jobs snoozed, %d retried); %d RSA-2048 signatures %s: %.2fx",
			i+1, answered.Round(time.Microsecond), jobs.firstTaken.Sub(start).Round(time.Millisecond),
			firstAt.Sub(start).Round(time.Millisecond), gfPOSTs, lastAt.Sub(start).Round(time.Millisecond),
			jobs.snoozed, jobs.retried, gfPOSTs, sign.Round(time.Millisecond), lastAt.Sub(start).Seconds()/sign.Seconds())
		b.StartTimer()
	}
	b.StopTimer()
	n := float64(b.N)
	fanoutS, floorS := fanout.Seconds()/n, floor.Seconds()/n
	acceptedMS, firstMS := accepted.Seconds()*1000/n, first.Seconds()*1000/n
	b.ReportMetric(fanoutS, "fanout-s")
	b.ReportMetric(acceptedMS, "inbox-202-ms")
	b.ReportMetric(firstMS, "first-share-ms")
	b.ReportMetric(floorS, "rsa-floor-s")
	b.ReportMetric(fanoutS/floorS, "x-floor")
	b.Logf("| group post → %d shares (%d boosts to Mastodon, %d Announce{Create} to Lemmy) on %d hosts | 202 in %.1f ms, last share at %.3f s | %d RSA-2048 signatures %.3f s | %.2fx (budget ≤ 4x) |",
		gfPOSTs, gfBoosts, gfAnnounces, gfHosts, acceptedMS, fanoutS, gfPOSTs, floorS, fanoutS/floorS)
}

// groupFanoutBench is one Village instance (in process, on an httptest
// server) with a group, its 10,000 remote followers, and the fake
// fediverse they live on.
type groupFanoutBench struct {
	db        *pgxpool.Pool
	urls      federation.URLs
	client    *http.Client // the member's server's
	fedi      *gfFediverse
	groupURI  string
	groupKey  *rsa.PrivateKey
	memberURI string
	memberKey *rsa.PrivateKey
}

func newGroupFanoutBench(ctx context.Context, b *testing.B, byJob bool) *groupFanoutBench {
	b.Helper()
	db := testenv.DB(b) // the pool `village serve` opens: 32 connections
	logger := testenv.Logger(b)
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

	// Cleanups run last-registered first: the queue stops, then Village,
	// then the fake instances, then the database goes.
	fedi := newGFFediverse(b)

	// Village listens before it is built, so that its URLs carry its port.
	village := httptest.NewUnstartedServer(nil)
	b.Cleanup(village.Close)
	urls := federation.NewURLs("http://" + village.Listener.Addr().String())
	instanceActor, err := models.InstanceActor(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := federation.NewSigner(urls, instanceActor)
	if err != nil {
		b.Fatal(err)
	}
	const userAgent = "Village/bench"
	client := fetch.New(fetch.Options{AllowPrivate: loopback, UserAgent: userAgent, Signer: signer.SignGet})
	b.Cleanup(client.CloseIdleConnections)
	resolver := federation.NewResolver(db, urls, client, federation.ResolverOptions{Scheme: "http", Logger: logger})
	out := outbox.New(db, urls, delivery.Enqueue, logger)
	if byJob {
		out.WithFanout(delivery.EnqueueFanout)
	}
	auth := federation.NewAuthenticator(resolver)
	village.Config.Handler = web.New(web.Options{DB: db, Logger: logger, URLs: urls, Version: "bench",
		Auth: auth, Resolver: resolver, Outbox: out, Inbox: inbox.New(db, urls, resolver, out, auth, logger)})
	village.Start()

	// The queue runs from the start, as in `village serve`: by the time the
	// member posts, it has been up for as long as the followers took to
	// store.
	queue, err := delivery.New(db, delivery.Options{URLs: urls, AllowPrivate: loopback, UserAgent: userAgent, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	if err := queue.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := queue.Stop(stopCtx); err != nil {
			b.Errorf("stop the delivery queue: %v", err)
		}
	})

	gb := &groupFanoutBench{db: db, urls: urls, client: village.Client(), fedi: fedi}
	gb.populate(ctx, b)
	return gb
}

// populate stores the group, the member (with her key, as the inbox caches
// it), her 9,999 fellow followers, their follows and what software each
// host runs, then checks that the group's audience is as planned.
func (gb *groupFanoutBench) populate(ctx context.Context, b *testing.B) {
	b.Helper()
	group, err := models.CreateGroup(ctx, gb.db, models.NewGroup{Name: gfGroupName, Title: "Park Slope Parents",
		Location: "Park Slope, Brooklyn"})
	if err != nil {
		b.Fatal(err)
	}
	gb.groupURI = gb.urls.Actor(group.Actor)
	if gb.groupKey, err = federation.ParsePrivateKeyPEM(group.Actor.PrivateKeyPEM); err != nil {
		b.Fatal(err)
	}
	if gb.memberKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		b.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&gb.memberKey.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	publicPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))

	// The member, stored as a fetch of her actor document would store her.
	host, _ := gfHostOf(gfMember)
	base := gb.fedi.servers[host].URL
	gb.memberURI = fmt.Sprintf("%s/users/u%d", base, gfMember)
	member, err := models.UpsertRemoteActor(ctx, gb.db, &models.Actor{Type: models.ActorPerson,
		Username: fmt.Sprintf("u%d", gfMember), Domain: strings.TrimPrefix(base, "http://"), URI: gb.memberURI,
		InboxURL: gb.memberURI + "/inbox", SharedInboxURL: base + "/inbox", FollowersURL: gb.memberURI + "/followers",
		PublicKeyID: gb.memberURI + "#main-key", PublicKeyPEM: publicPEM})
	if err != nil {
		b.Fatal(err)
	}

	// Everyone else in one COPY (they never sign anything here; they share
	// the member's public key only so that their rows look real).
	rows := make([][]any, 0, gfFollowers-1)
	for j := range gfFollowers {
		if j == gfMember {
			continue
		}
		host, shared := gfHostOf(j)
		base := gb.fedi.servers[host].URL
		uri := fmt.Sprintf("%s/users/u%d", base, j)
		var sharedInbox any // NULL: no shared inbox
		if shared {
			sharedInbox = base + "/inbox"
		}
		rows = append(rows, []any{models.ActorPerson, fmt.Sprintf("u%d", j), strings.TrimPrefix(base, "http://"), uri,
			uri + "/inbox", sharedInbox, uri + "/followers", uri + "#main-key", publicPEM, time.Now()})
	}
	if _, err := gb.db.CopyFrom(ctx, pgx.Identifier{"actors"}, []string{"type", "username", "domain", "uri",
		"inbox_url", "shared_inbox_url", "followers_url", "public_key_id", "public_key_pem", "fetched_at"},
		pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	tag, err := gb.db.Exec(ctx, `INSERT INTO follows (follower_id, followee_id, uri, state)
		SELECT a.id, $1, a.uri || '/follows/' || $2, 'accepted' FROM actors a WHERE a.domain IS NOT NULL`,
		group.Actor.ID, gfGroupName)
	if err != nil {
		b.Fatal(err)
	}
	if tag.RowsAffected() != gfFollowers {
		b.Fatalf("%d follows stored, want %d", tag.RowsAffected(), gfFollowers)
	}
	for i, s := range gb.fedi.servers {
		if err := models.PutInstance(ctx, gb.db, strings.TrimPrefix(s.URL, "http://"), gfSoftware(i), "4.3.0"); err != nil {
			b.Fatal(err)
		}
	}

	// A live instance's tables grow slowly and autovacuum keeps their
	// statistics; these were filled in a second, and without statistics the
	// planner takes 10,000 follows for one and joins them by nested loops
	// (about twice as slow for the follower query inside the inbox's
	// transaction).
	if _, err := gb.db.Exec(ctx, `ANALYZE actors, follows, instances`); err != nil {
		b.Fatal(err)
	}

	// What Redistribute will read: 950 inboxes, 475 of them Mastodon's.
	inboxes, err := models.FollowerInboxesWithSoftware(ctx, gb.db, group.Actor.ID)
	if err != nil {
		b.Fatal(err)
	}
	mastodon := 0
	for _, in := range inboxes {
		if outbox.IsMastodonFamily(in.Software) {
			mastodon++
		}
	}
	if len(inboxes) != gfPOSTs || mastodon != gfBoosts {
		b.Fatalf("the group has %d follower inboxes, %d on Mastodon; want %d and %d", len(inboxes), mastodon, gfPOSTs, gfBoosts)
	}
	if ok, err := models.IsMember(ctx, gb.db, group.Actor.ID, member.ID); err != nil || !ok {
		b.Fatalf("the member is not a member of the group (%v)", err)
	}
}

// prepare builds and signs post i of the member, as Mastodon would send it
// to the group's inbox, and tells the fediverse what to expect of it.
// Signing is the sender's cost, done before the clock starts.
func (gb *groupFanoutBench) prepare(ctx context.Context, b *testing.B, i int) (*http.Request, *gfRound) {
	b.Helper()
	host := strings.TrimPrefix(gb.urls.Base, "http://")
	noteURI := fmt.Sprintf("%s/statuses/%d", gb.memberURI, i+1)
	published := time.Now().UTC().Format(time.RFC3339)
	to := []string{"https://www.w3.org/ns/activitystreams#Public"}
	cc := []string{gb.memberURI + "/followers", gb.groupURI}
	note := map[string]any{
		"id": noteURI, "type": "Note", "attributedTo": gb.memberURI, "published": published,
		"url": noteURI, "to": to, "cc": cc, "sensitive": false,
		"content": `<p><span class="h-card"><a href="` + gb.groupURI + `" class="u-url mention">@<span>` + gfGroupName +
			`</span></a></span> anyone know a pediatrician near Prospect Park? Ours is retiring.</p>`,
		"tag": []any{map[string]any{"type": "Mention", "href": gb.groupURI, "name": "@" + gfGroupName + "@" + host}},
	}
	create := map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       noteURI + "/activity", "type": "Create", "actor": gb.memberURI, "published": published,
		"to": to, "cc": cc, "object": note,
	}
	body, err := json.Marshal(create)
	if err != nil {
		b.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gb.groupURI+"/inbox", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/activity+json")
	if err := signature.SignRequest(req, body, gb.memberURI+"#main-key", gb.memberKey, time.Now()); err != nil {
		b.Fatal(err)
	}
	round := &gfRound{keyID: gb.groupURI + "#main-key", group: gb.groupURI, note: noteURI, create: noteURI + "/activity",
		seen: make(map[gfInbox]gfKinds, gfPOSTs), done: make(chan struct{})}
	gb.fedi.begin(round)
	return req, round
}

// check waits until every delivery job of the round has completed, then
// checks that the post is stored in the group, that each planned inbox got
// exactly its one share of the right kind, and that nothing else arrived:
// no other POST, no GET (the member's key was cached, so nothing needed
// fetching). It returns how the round's delivery jobs went.
func (gb *groupFanoutBench) check(ctx context.Context, b *testing.B, round *gfRound) gfJobs {
	b.Helper()
	deadline := time.Now().Add(time.Minute)
	var jobs gfJobs
	for {
		var completed, total int
		if err := gb.db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE j.state = 'completed'), count(*),
				count(*) FILTER (WHERE coalesce((j.metadata->>'snoozes')::int, 0) > 0),
				count(*) FILTER (WHERE coalesce(array_length(j.errors, 1), 0) > 0),
				coalesce(min(j.attempted_at), now())
			FROM river_job j JOIN activities a ON a.id = (j.args->>'activity_id')::bigint
			WHERE j.kind = 'deliver' AND a.object_uri = $1`, round.note).
			Scan(&completed, &total, &jobs.snoozed, &jobs.retried, &jobs.firstTaken); err != nil {
			b.Fatal(err)
		}
		if completed == gfPOSTs && total == gfPOSTs {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d delivery jobs completed a minute after the last share (want %d)", completed, total, gfPOSTs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	post, err := models.PostByURI(ctx, gb.db, round.note)
	if err != nil {
		b.Fatal(err)
	}
	if post.GroupID == nil {
		b.Fatalf("the post %s was stored outside the group", round.note)
	}

	got := gb.fedi.end()
	var boosts, announces int
	for j := range gfFollowers {
		host, shared := gfHostOf(j)
		path := "/inbox"
		if !shared {
			path = fmt.Sprintf("/users/u%d/inbox", j)
		}
		k := got.seen[gfInbox{host, path}]
		want := gfKinds{announces: 1}
		if gfSoftware(host) == "mastodon" {
			want = gfKinds{boosts: 1}
		}
		if k != want {
			b.Fatalf("host %d (%s) inbox %s got %d boosts and %d Announce{Create}, want %d and %d",
				host, gfSoftware(host), path, k.boosts, k.announces, want.boosts, want.announces)
		}
	}
	for _, k := range got.seen {
		boosts += k.boosts
		announces += k.announces
	}
	if got.posts != gfPOSTs || boosts != gfBoosts || announces != gfAnnounces || len(got.seen) != gfPOSTs {
		b.Fatalf("%d POSTs to %d inboxes: %d boosts, %d Announce{Create}; want %d to %d: %d and %d",
			got.posts, len(got.seen), boosts, announces, gfPOSTs, gfPOSTs, gfBoosts, gfAnnounces)
	}
	if got.unexpected > 0 || got.gets > 0 {
		b.Fatalf("%d unexpected POSTs (first: %s) and %d GETs arrived", got.unexpected, got.firstUnexpected, got.gets)
	}
	return jobs
}

// gfJobs is how a round's delivery jobs went: how many were snoozed
// (their host's slots were taken), how many failed at least once, and when
// a worker took the first.
type gfJobs struct {
	snoozed, retried int
	firstTaken       time.Time
}

// signingFloor times n RSA-2048 PKCS#1 v1.5 SHA-256 signatures with the
// group's key over signing strings shaped like the deliveries' own, one
// after another: the work of a fan-out that no scheduling can avoid.
func (gb *groupFanoutBench) signingFloor(b *testing.B, n int) time.Duration {
	b.Helper()
	date := time.Now().UTC().Format(http.TimeFormat)
	digest := sha256.Sum256([]byte(gb.groupURI))
	msgs := make([][]byte, n)
	for i := range msgs {
		msgs[i] = fmt.Appendf(nil, "(request-target): post /users/u%d/inbox\nhost: 127.0.0.1:%d\ndate: %s\ndigest: SHA-256=%s",
			i, 30000+i%gfHosts, date, base64.StdEncoding.EncodeToString(digest[:]))
	}
	start := time.Now()
	for _, m := range msgs {
		sum := sha256.Sum256(m)
		if _, err := rsa.SignPKCS1v15(nil, gb.groupKey, crypto.SHA256, sum[:]); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

// gfFediverse is 500 loopback instances; each counts the group's shares
// it receives, by inbox.
type gfFediverse struct {
	servers []*httptest.Server

	mu    sync.Mutex
	round *gfRound // the post under way; nil between posts
	gets  int      // GETs, at any time
	stray int      // POSTs between posts
}

// gfInbox is one inbox: a host's index and the path POSTed to.
type gfInbox struct {
	host int
	path string
}

// gfKinds counts the two kinds of share an inbox may get.
type gfKinds struct{ boosts, announces int }

// gfRound is what one post is expected to bring, and what it brought.
type gfRound struct {
	keyID, group, note, create string // the group's keyId and id, the Note's id, the Create's id

	seen            map[gfInbox]gfKinds
	posts           int // POSTs of any kind during the round
	counted         int // shares of this post
	unexpected      int
	firstUnexpected string
	gets            int
	first, last     time.Time // the first and last share's arrival
	done            chan struct{}
}

func newGFFediverse(b *testing.B) *gfFediverse {
	b.Helper()
	f := &gfFediverse{}
	for i := range gfHosts {
		f.servers = append(f.servers, httptest.NewServer(f.handler(i)))
	}
	b.Cleanup(func() {
		for _, s := range f.servers {
			s.Close()
		}
	})
	return f
}

func (f *gfFediverse) handler(host int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			f.mu.Lock()
			f.gets++
			f.mu.Unlock()
			http.NotFound(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		// Draft-cavage names the key in Signature, RFC 9421 (which
		// deliveries try first) in Signature-Input.
		f.record(host, r.URL.Path, r.Header.Get("Signature")+" "+r.Header.Get("Signature-Input"), body)
		w.WriteHeader(http.StatusAccepted)
	}
}

// gfWire is as much of an incoming activity as the hosts look at.
type gfWire struct {
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	Actor  string          `json:"actor"`
	Object json.RawMessage `json:"object"`
}

// record counts one POST: a boost of the round's Note by id, or an
// Announce of the round's Create carrying the Note, both by the group and
// signed with its key; anything else is unexpected.
func (f *gfFediverse) record(host int, path, sig string, body []byte) {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.round
	if r == nil {
		f.stray++ // nothing should arrive between posts: the next end() reports it
		return
	}
	r.posts++
	kind, why := r.classify(sig, body)
	if why != "" {
		r.unexpected++
		if r.firstUnexpected == "" {
			r.firstUnexpected = fmt.Sprintf("to host %d %s: %s", host, path, why)
		}
		return
	}
	k := r.seen[gfInbox{host, path}]
	if kind == "boost" {
		k.boosts++
	} else {
		k.announces++
	}
	r.seen[gfInbox{host, path}] = k
	r.counted++
	if r.counted == 1 {
		r.first = now
	}
	if r.counted == gfPOSTs {
		r.last = now
		close(r.done)
	}
}

// classify tells a boost from an Announce{Create}; why says what is wrong
// with anything else.
func (r *gfRound) classify(sig string, body []byte) (kind, why string) {
	if !strings.Contains(sig, `keyId="`+r.keyID+`"`) && !strings.Contains(sig, `keyid="`+r.keyID+`"`) {
		return "", "not signed with the group's key: " + sig
	}
	var a gfWire
	if err := json.Unmarshal(body, &a); err != nil {
		return "", err.Error()
	}
	if a.Type != "Announce" || a.Actor != r.group {
		return "", fmt.Sprintf("%s by %s, want an Announce by the group", a.Type, a.Actor)
	}
	var id string
	if json.Unmarshal(a.Object, &id) == nil {
		if id != r.note {
			return "", "a boost of " + id
		}
		return "boost", ""
	}
	var create gfWire
	if err := json.Unmarshal(a.Object, &create); err != nil {
		return "", "Announce of " + string(a.Object)
	}
	var note struct {
		ID string `json:"id"`
	}
	if create.Type != "Create" || create.ID != r.create || json.Unmarshal(create.Object, &note) != nil || note.ID != r.note {
		return "", fmt.Sprintf("Announce of %s %s", create.Type, create.ID)
	}
	return "announce", ""
}

// begin starts counting round r.
func (f *gfFediverse) begin(r *gfRound) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.round = r
}

// end stops counting and returns the round, with the GETs of its time
// and the POSTs that arrived before it began among the unexpected.
func (f *gfFediverse) end() *gfRound {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.round
	f.round = nil
	r.gets, f.gets = f.gets, 0
	if f.stray > 0 {
		r.unexpected += f.stray
		r.firstUnexpected += fmt.Sprintf(" (%d between posts)", f.stray)
		f.stray = 0
	}
	return r
}

// posts is how many shares of the round arrived so far.
func (f *gfFediverse) posts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.round == nil {
		return 0
	}
	return f.round.counted
}

// times returns when the round's first and last shares arrived.
func (f *gfFediverse) times() (first, last time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.round.first, f.round.last
}
