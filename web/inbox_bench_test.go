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
	"slices"
	"testing"
	"time"

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

// BenchmarkInbox measures signed activities verified, de-duplicated and
// stored per second through the real HTTP stack (the shared inbox, eight
// senders at once, the senders' keys cached), beside the floor
// 1 / (1/RSA-verify rate + 1/single-row insert rate), both rates measured
// one at a time in the same run. The budget is half the floor or more.
func BenchmarkInbox(b *testing.B) {
	ctx := context.Background()
	db := testenv.DB(b)
	urls := federation.NewURLs("http://127.0.0.2:8080")
	if _, err := models.CreateAccount(ctx, db, models.NewAccount{Username: "alice", Password: "password1"}); err != nil {
		b.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	actorID := "http://127.0.0.9:9/users/sender"
	if _, err := models.UpsertRemoteActor(ctx, db, &models.Actor{Type: "Person", Username: "sender", Domain: "127.0.0.9:9",
		URI: actorID, InboxURL: actorID + "/inbox", PublicKeyID: actorID + "#main-key",
		PublicKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))}); err != nil {
		b.Fatal(err)
	}
	client := fetch.New(fetch.Options{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	resolver := federation.NewResolver(db, urls, client, federation.ResolverOptions{Scheme: "http"})
	out := outbox.New(db, urls, delivery.Enqueue, nil)
	auth := federation.NewAuthenticator(resolver)
	srv := httptest.NewServer(web.New(web.Options{DB: db, URLs: urls, Auth: auth,
		Resolver: resolver, Outbox: out, Inbox: inbox.New(db, urls, resolver, out, auth, nil)}))
	defer srv.Close()

	// Signing is the sender's cost: done before the clock starts.
	reqs := make([]*http.Request, b.N)
	bodies := make([][]byte, b.N)
	for i := range reqs {
		body, _ := json.Marshal(map[string]any{"@context": "https://www.w3.org/ns/activitystreams",
			"id": fmt.Sprintf("%s/likes/%d-%d", actorID, time.Now().UnixNano(), i), "type": "Like",
			"actor": actorID, "object": urls.Base + "/users/alice"})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/inbox", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/activity+json")
		if err := signature.SignRequest(req, body, actorID+"#main-key", key, time.Now()); err != nil {
			b.Fatal(err)
		}
		reqs[i], bodies[i] = req, body
	}
	// Servers deliver concurrently; eight senders at once, as a handful of
	// busy peers would.
	b.ResetTimer()
	elapsed, _ := postAll(b, srv.Client(), reqs, bodies, 8)
	b.StopTimer()

	var stored int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM inbox_activities`).Scan(&stored); err != nil || stored != b.N {
		b.Fatalf("stored %d activities of %d (%v)", stored, b.N, err)
	}
	rate := float64(b.N) / elapsed.Seconds()
	verify := testenv.RSAVerifyRate(b, key)
	insert := testenv.SingleInsertRate(b, db)
	b.ReportMetric(rate, "activities/s")
	reportFloor(b, rate, map[string]float64{"rsa-verify/s": verify, "insert/s": insert})
}

// postAll POSTs the signed requests over senders connections at once and
// answers how long they took and each one's latency, sorted; any answer
// but 202 ends the benchmark.
func postAll(b *testing.B, client *http.Client, reqs []*http.Request, bodies [][]byte, senders int) (time.Duration, []time.Duration) {
	b.Helper()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = senders
	next := make(chan int, len(reqs))
	for i := range reqs {
		next <- i
	}
	close(next)
	latencies := make([]time.Duration, len(reqs))
	errs := make(chan error, senders)
	start := time.Now()
	for range senders {
		go func() {
			for i := range next {
				req := reqs[i]
				req.Body = io.NopCloser(bytes.NewReader(bodies[i]))
				sent := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				answer, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				latencies[i] = time.Since(sent)
				if resp.StatusCode != http.StatusAccepted {
					errs <- fmt.Errorf("status %d: %s", resp.StatusCode, answer)
					return
				}
			}
			errs <- nil
		}()
	}
	for range senders {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	slices.Sort(latencies)
	return elapsed, latencies
}

// reportFloor reports each measured rate, the floor they make one after
// the other, 1 / (1/r1 + 1/r2 + ...), and rate as a share of that floor.
func reportFloor(b *testing.B, rate float64, rates map[string]float64) {
	b.Helper()
	perOne := 0.0
	for unit, r := range rates {
		b.ReportMetric(r, unit)
		perOne += 1 / r
	}
	b.ReportMetric(1/perOne, "floor/s")
	b.ReportMetric(rate*perOne, "of-floor")
}
