package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/village-social/village/federation"
	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/models"
)

func TestMain(m *testing.M) { testenv.Run(m) }

// loopback is the allow-list of every test: receivers listen on 127.0.0.1.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// newDB returns a migrated database of the test's own, on a pool large
// enough for River and the workers.
func newDB(t testing.TB, maxConns int) *pgxpool.Pool {
	t.Helper()
	return testenv.DBWithConns(t, maxConns)
}

// fixture is a database with one local actor, alice, who sends.
type fixture struct {
	pool  *pgxpool.Pool
	urls  federation.URLs
	actor *models.Actor
	log   *slog.Logger
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{log: testLogger(t), urls: federation.NewURLs("https://village.example")}
	f.pool = newDB(t, 16)
	acc, err := models.CreateAccount(context.Background(), f.pool, models.NewAccount{Username: "alice", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	f.actor = acc.Actor
	return f
}

// options are the tests' queue options: loopback allowed, short delays.
func (f *fixture) options() delivery.Options {
	return delivery.Options{
		URLs:         f.urls,
		AllowPrivate: loopback,
		Timeout:      2 * time.Second,
		RetryBase:    50 * time.Millisecond,
		RescueAfter:  10 * time.Second,
		UserAgent:    "Village-test/1",
		Logger:       f.log,
	}
}

// activity stores a Create from alice and returns it as stored.
func (f *fixture) activity(t testing.TB) *models.Activity {
	t.Helper()
	ctx := context.Background()
	uri := f.urls.NewActivityID()
	body, err := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       uri,
		"type":     "Create",
		"actor":    f.urls.Actor(f.actor),
		"to":       []string{"https://www.w3.org/ns/activitystreams#Public"},
		"object":   map[string]any{"id": uri + "/note", "type": "Note", "content": "<p>Anyone know a pediatrician near Prospect Park?</p>"},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := &models.Activity{URI: uri, ActorID: f.actor.ID, Type: "Create", Public: true, Body: body}
	if err := models.InsertActivity(ctx, f.pool, a); err != nil {
		t.Fatal(err)
	}
	stored, err := models.ActivityByURI(ctx, f.pool, uri)
	if err != nil {
		t.Fatal(err)
	}
	return stored
}

// enqueue queues deliveries in a committed transaction.
func (f *fixture) enqueue(t testing.TB, activityID int64, inboxes ...string) {
	t.Helper()
	ctx := context.Background()
	err := models.InTx(ctx, f.pool, func(tx pgx.Tx) error {
		return delivery.Enqueue(ctx, tx, activityID, inboxes)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// start makes and starts a queue that is stopped when the test ends.
func (f *fixture) start(t testing.TB, opts delivery.Options) *delivery.Queue {
	t.Helper()
	q, err := delivery.New(f.pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return q
}

// job is the stored state of one delivery job.
type job struct {
	State    string
	Attempt  int
	Errors   int
	Snoozes  int
	Activity int64
}

// jobFor reads the delivery job of an inbox.
func jobFor(t testing.TB, pool *pgxpool.Pool, inbox string) job {
	t.Helper()
	var j job
	err := pool.QueryRow(context.Background(), `SELECT state, attempt, coalesce(array_length(errors, 1), 0),
		coalesce((metadata->>'snoozes')::int, 0), (args->>'activity_id')::bigint
		FROM river_job WHERE kind = 'deliver' AND args->>'inbox' = $1`, inbox).
		Scan(&j.State, &j.Attempt, &j.Errors, &j.Snoozes, &j.Activity)
	if err != nil {
		t.Fatalf("job for %s: %v", inbox, err)
	}
	return j
}

// jobStates counts delivery jobs by state.
func jobStates(t testing.TB, pool *pgxpool.Pool) map[string]int {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT state::text, count(*) FROM river_job WHERE kind = 'deliver' GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct {
		s string
		n int
	}, error) {
		var v struct {
			s string
			n int
		}
		err := r.Scan(&v.s, &v.n)
		return v, err
	})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, v := range out {
		m[v.s] = v.n
	}
	return m
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// seen is one request a receiver got.
type seen struct {
	Path   string
	Header http.Header
	Body   []byte
	At     time.Time
	Err    error // the receiver's check of the request, if it has one
}

// receiver is a fake inbox server on 127.0.0.1.
type receiver struct {
	srv     *httptest.Server
	URL     string
	opts    receiverOptions
	closing chan struct{}

	mu          sync.Mutex
	reqs        []seen
	inflight    int
	maxInflight int
}

type receiverOptions struct {
	// respond gives the answer to the n-th request (from 1); nil: 202.
	respond func(n int) (status int, header http.Header)
	// hold keeps each request waiting until it is closed (or the client
	// gives up); nil: answer at once.
	hold chan struct{}
	// check, if set, examines each request; its error is kept in seen.Err.
	check func(r *http.Request, body []byte) error
	// onRequest runs as each request arrives, before it is answered.
	onRequest func()
}

// newReceiver starts a receiver on a free loopback port.
func newReceiver(t testing.TB, opts receiverOptions) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveReceiver(t, ln, opts)
}

// serveReceiver starts a receiver on ln; it closes when the test ends.
func serveReceiver(t testing.TB, ln net.Listener, opts receiverOptions) *receiver {
	rc := &receiver{opts: opts, closing: make(chan struct{})}
	rc.srv = httptest.NewUnstartedServer(http.HandlerFunc(rc.serve))
	rc.srv.Listener.Close()
	rc.srv.Listener = ln
	rc.srv.Start()
	rc.URL = rc.srv.URL
	t.Cleanup(rc.close)
	return rc
}

func (rc *receiver) close() {
	select {
	case <-rc.closing:
	default:
		close(rc.closing)
	}
	rc.srv.Close()
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	s := seen{Path: r.URL.Path, Header: r.Header.Clone(), Body: body, At: time.Now()}
	if rc.opts.check != nil {
		s.Err = rc.opts.check(r, body)
	}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, s)
	n := len(rc.reqs)
	rc.inflight++
	rc.maxInflight = max(rc.maxInflight, rc.inflight)
	rc.mu.Unlock()
	defer func() {
		rc.mu.Lock()
		rc.inflight--
		rc.mu.Unlock()
	}()
	if rc.opts.onRequest != nil {
		rc.opts.onRequest()
	}
	if rc.opts.hold != nil {
		select {
		case <-rc.opts.hold:
		case <-r.Context().Done():
			return
		case <-rc.closing:
			return
		}
	}
	status, header := http.StatusAccepted, http.Header(nil)
	if rc.opts.respond != nil {
		status, header = rc.opts.respond(n)
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
}

// requests returns a copy of what the receiver got so far.
func (rc *receiver) requests() []seen {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]seen(nil), rc.reqs...)
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.reqs)
}

// host is the receiver's host:port, as delivery_hosts names it.
func (rc *receiver) host() string { return rc.srv.Listener.Addr().String() }

// statuses answers the n-th request with codes[n-1], then 202.
func statuses(codes ...int) func(int) (int, http.Header) {
	return func(n int) (int, http.Header) {
		if n <= len(codes) {
			return codes[n-1], nil
		}
		return http.StatusAccepted, nil
	}
}

// testLogger collects the queue's logs and prints them if the test fails.
func testLogger(t testing.TB) *slog.Logger { return testenv.Logger(t) }

// deliveryHost reads a host's row in delivery_hosts.
func deliveryHost(t testing.TB, pool *pgxpool.Pool, host string) *models.DeliveryHost {
	t.Helper()
	h, err := models.DeliveryHostByName(context.Background(), pool, host)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func inboxes(base string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s/users/u%d/inbox", base, i)
	}
	return out
}
