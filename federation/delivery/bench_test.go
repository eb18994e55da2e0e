package delivery_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/models"
)

// The fan-out of the design's budget: one activity to 10,000 followers on
// 500 instances, 450 of them with a shared inbox, 50 without (10 followers
// each): 450 + 50·10 = 950 POSTs.
const (
	fanoutHosts        = 500
	fanoutSharedHosts  = 450
	fanoutFollowers    = 10_000
	fanoutPerPlainHost = 10
	fanoutPOSTs        = fanoutSharedHosts + (fanoutHosts-fanoutSharedHosts)*fanoutPerPlainHost
)

// Host behaviours in the bad-neighbours benchmark.
const (
	hostHealthy     int32 = iota
	hostDead              // accepts the connection, never answers
	hostUnavailable       // answers 503
)

// fanoutBench is the fake fediverse: 500 loopback servers and the database
// rows that make alice followed on all of them.
type fanoutBench struct {
	f       *fixture
	servers []*httptest.Server
	modes   []atomic.Int32
	closing chan struct{}
	inboxes []string

	mu      sync.Mutex
	current []byte    // the id of the activity being counted
	want    int       // POSTs to healthy hosts that end the run
	healthy int       // POSTs of the current activity to healthy hosts
	total   int       // POSTs of the current activity to any host
	last    time.Time // when the want-th healthy POST was answered
	done    chan struct{}
}

func newFanoutBench(b *testing.B) *fanoutBench {
	b.Helper()
	ctx := context.Background()
	fb := &fanoutBench{closing: make(chan struct{})}
	fb.f = &fixture{log: discardLogger(), urls: federation.NewURLs("https://village.example")}
	fb.f.pool = newDB(b, 16)
	acc, err := models.CreateAccount(ctx, fb.f.pool, models.NewAccount{Username: "alice", Password: "correct horse"})
	if err != nil {
		b.Fatal(err)
	}
	fb.f.actor = acc.Actor

	fb.modes = make([]atomic.Int32, fanoutHosts)
	for i := range fanoutHosts {
		fb.servers = append(fb.servers, httptest.NewServer(fb.handler(i)))
	}
	b.Cleanup(func() {
		close(fb.closing)
		for _, s := range fb.servers {
			s.Close()
		}
	})

	// 10,000 remote actors: the first 9,500 spread over the 450 hosts with a
	// shared inbox, then 10 on each of the other 50.
	rows := make([][]any, 0, fanoutFollowers)
	for j := range fanoutFollowers {
		var host int
		shared := ""
		if j < fanoutFollowers-(fanoutHosts-fanoutSharedHosts)*fanoutPerPlainHost {
			host = j % fanoutSharedHosts
			shared = fb.servers[host].URL + "/inbox"
		} else {
			host = fanoutSharedHosts + (j-(fanoutFollowers-(fanoutHosts-fanoutSharedHosts)*fanoutPerPlainHost))/fanoutPerPlainHost
		}
		base := fb.servers[host].URL
		name := fmt.Sprintf("u%d", j)
		rows = append(rows, []any{"Person", name, base[len("http://"):], base + "/users/" + name,
			base + "/users/" + name + "/inbox", nullIfEmpty(shared), "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"})
	}
	if _, err := fb.f.pool.CopyFrom(ctx, pgx.Identifier{"actors"},
		[]string{"type", "username", "domain", "uri", "inbox_url", "shared_inbox_url", "public_key_pem"},
		pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	if _, err := fb.f.pool.Exec(ctx, `INSERT INTO follows (follower_id, followee_id, uri, state)
		SELECT a.id, $1, a.uri || '#follows/alice', 'accepted' FROM actors a WHERE a.domain IS NOT NULL`, fb.f.actor.ID); err != nil {
		b.Fatal(err)
	}
	fb.inboxes, err = models.FollowerInboxes(ctx, fb.f.pool, fb.f.actor.ID)
	if err != nil {
		b.Fatal(err)
	}
	if len(fb.inboxes) != fanoutPOSTs {
		b.Fatalf("%d distinct inboxes, want %d", len(fb.inboxes), fanoutPOSTs)
	}
	return fb
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// handler answers as host i's mode says and counts the current activity.
func (fb *fanoutBench) handler(i int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch fb.modes[i].Load() {
		case hostDead:
			select {
			case <-r.Context().Done():
			case <-fb.closing:
			}
			return
		case hostUnavailable:
			w.WriteHeader(http.StatusServiceUnavailable)
			fb.count(body, false)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		fb.count(body, true)
	}
}

func (fb *fanoutBench) count(body []byte, healthy bool) {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	if fb.current == nil || !bytes.Contains(body, fb.current) {
		return
	}
	fb.total++
	if !healthy {
		return
	}
	fb.healthy++
	if fb.healthy == fb.want {
		fb.last = time.Now()
		close(fb.done)
	}
}

// run sends one new activity to every inbox and returns the time from the
// enqueue to the last healthy host's 2xx, and how many POSTs arrived.
func (fb *fanoutBench) run(b *testing.B) (elapsed time.Duration, act *models.Activity) {
	b.Helper()
	ctx := context.Background()
	act = fb.f.activity(b)
	want := 0
	for _, inbox := range fb.inboxes {
		if fb.modeOfInbox(inbox) == hostHealthy {
			want++
		}
	}
	fb.mu.Lock()
	fb.current = []byte(act.URI)
	fb.want, fb.healthy, fb.total = want, 0, 0
	fb.done = make(chan struct{})
	done := fb.done
	fb.mu.Unlock()

	start := time.Now()
	if err := models.InTx(ctx, fb.f.pool, func(tx pgx.Tx) error {
		return delivery.Enqueue(ctx, tx, act.ID, fb.inboxes)
	}); err != nil {
		b.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("after 5 minutes only %d of %d POSTs to healthy hosts arrived", fb.postsSoFar(), want)
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	return fb.last.Sub(start), act
}

func (fb *fanoutBench) postsSoFar() int {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	return fb.healthy
}

func (fb *fanoutBench) totalPOSTs() int {
	fb.mu.Lock()
	defer fb.mu.Unlock()
	return fb.total
}

func (fb *fanoutBench) modeOfInbox(inbox string) int32 {
	for i, s := range fb.servers {
		if len(inbox) > len(s.URL) && inbox[:len(s.URL)] == s.URL && inbox[len(s.URL)] == '/' {
			return fb.modes[i].Load()
		}
	}
	return hostHealthy
}

// waitCompleted waits until every job of the activity is completed.
func (fb *fanoutBench) waitCompleted(b *testing.B, act *models.Activity, n int) {
	b.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var done int
		if err := fb.f.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job
			WHERE kind = 'deliver' AND (args->>'activity_id')::bigint = $1 AND state = 'completed'`, act.ID).Scan(&done); err != nil {
			b.Fatal(err)
		}
		if done == n {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d jobs completed after a minute", done, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startQueue starts a queue for the benchmark; stop ends it.
func (fb *fanoutBench) startQueue(b *testing.B, opts delivery.Options) (stop func()) {
	b.Helper()
	q, err := delivery.New(fb.f.pool, opts)
	if err != nil {
		b.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			b.Errorf("stop: %v", err)
		}
	}
	b.Cleanup(stop)
	return stop
}

// signingFloor times n RSA-2048 PKCS#1 v1.5 signatures over SHA-256 with
// alice's key, one after another: what the fan-out cannot beat on one core.
func (fb *fanoutBench) signingFloor(b *testing.B, n int) time.Duration {
	b.Helper()
	block, _ := pem.Decode([]byte(fb.f.actor.PrivateKeyPEM))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		b.Fatal(err)
	}
	key := k.(*rsa.PrivateKey)
	msg := []byte("(request-target): post /users/u1/inbox\nhost: 127.0.0.1:40000\ndate: Sun, 22 Nov 2026 01:02:03 GMT\ndigest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
	start := time.Now()
	for i := range n {
		msg[len(msg)-2] = byte('A' + i%26)
		sum := sha256.Sum256(msg)
		if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:]); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start)
}

func (fb *fanoutBench) options() delivery.Options {
	opts := fb.f.options()
	opts.Timeout = 0     // the default, 15s
	opts.RetryBase = 0   // the default, 30s
	opts.RescueAfter = 0 // the default, 2 minutes
	opts.Logger = discardLogger()
	return opts
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// BenchmarkFanout sends one activity to 10,000 followers on 500 loopback
// instances (950 POSTs) and compares the time from enqueue to the last 2xx
// with 950 RSA-2048 signatures timed in the same run (budget: 4x).
func BenchmarkFanout(b *testing.B) {
	fb := newFanoutBench(b)
	fb.startQueue(b, fb.options())
	var fanout, floor time.Duration
	b.ResetTimer()
	for range b.N {
		elapsed, act := fb.run(b)
		b.StopTimer()
		fb.waitCompleted(b, act, fanoutPOSTs)
		if n := fb.totalPOSTs(); n != fanoutPOSTs {
			b.Fatalf("%d POSTs arrived, want exactly %d", n, fanoutPOSTs)
		}
		fanout += elapsed
		floor += fb.signingFloor(b, fanoutPOSTs)
		b.StartTimer()
	}
	fanoutS := fanout.Seconds() / float64(b.N)
	floorS := floor.Seconds() / float64(b.N)
	b.ReportMetric(fanoutS, "fanout-s")
	b.ReportMetric(floorS, "rsa-floor-s")
	b.ReportMetric(fanoutS/floorS, "x-floor")
	b.Logf("%d POSTs to %d hosts: fan-out %.3fs, %d RSA-2048 signatures %.3fs, ratio %.2fx (budget ≤ 4x)",
		fanoutPOSTs, fanoutHosts, fanoutS, fanoutPOSTs, floorS, fanoutS/floorS)
}

// BenchmarkFanoutBadNeighbours is the fan-out with 10% of the hosts never
// answering and 5% answering 503: the time until every healthy host has its
// POSTs, beside the plain fan-out measured in the same run (budget: 2x).
func BenchmarkFanoutBadNeighbours(b *testing.B) {
	fb := newFanoutBench(b)
	opts := fb.options()
	opts.Timeout = 3 * time.Second // so that the dead hosts' POSTs end
	opts.RescueAfter = time.Minute
	var plain, bad time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		for i := range fb.modes {
			fb.modes[i].Store(hostHealthy)
		}
		stop := fb.startQueue(b, opts)
		b.StartTimer()
		elapsed, act := fb.run(b)
		b.StopTimer()
		fb.waitCompleted(b, act, fanoutPOSTs)
		plain += elapsed

		dead, unavailable := 0, 0
		for i := range fb.modes {
			switch {
			case i%10 == 0:
				fb.modes[i].Store(hostDead)
				dead++
			case i%20 == 5:
				fb.modes[i].Store(hostUnavailable)
				unavailable++
			}
		}
		b.StartTimer()
		elapsed, _ = fb.run(b)
		b.StopTimer()
		bad += elapsed
		b.Logf("bad neighbours: %d hosts dead, %d answering 503", dead, unavailable)

		// Leave nothing for the next iteration: stop, forget the failures.
		stop()
		if _, err := fb.f.pool.Exec(context.Background(), `DELETE FROM river_job; DELETE FROM delivery_hosts`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	plainS := plain.Seconds() / float64(b.N)
	badS := bad.Seconds() / float64(b.N)
	b.ReportMetric(plainS, "plain-s")
	b.ReportMetric(badS, "healthy-done-s")
	b.ReportMetric(badS/plainS, "x-plain")
	b.Logf("plain fan-out %.3fs; with 10%% dead and 5%% 503 hosts, healthy hosts done in %.3fs: %.2fx (budget ≤ 2x)",
		plainS, badS, badS/plainS)
}
