package delivery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/federation/requestid"
	"github.com/village-social/village/models"
)

// lockedBuffer is a log destination read while workers write to it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) lines() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// Each run of a delivery job tells its outcome to Options.OnOutcome: the
// series web/metrics counts.
func TestEachDeliveryRunTellsItsOutcome(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	act := f.activity(t)
	retryAfter := func(n int) (int, http.Header) {
		if n == 1 {
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}
		}
		return http.StatusAccepted, nil
	}
	answers := []func(int) (int, http.Header){
		statuses(http.StatusAccepted),
		statuses(http.StatusInternalServerError, http.StatusAccepted),
		statuses(http.StatusGone),
		statuses(http.StatusForbidden, http.StatusForbidden), // both knocks refused
		retryAfter,
	}
	for _, respond := range answers {
		f.enqueue(t, act.ID, newReceiver(t, receiverOptions{respond: respond}).URL+"/inbox")
	}
	var mu sync.Mutex
	got := map[delivery.Outcome]int{}
	opts := f.options()
	opts.OnOutcome = func(o delivery.Outcome) {
		mu.Lock()
		got[o]++
		mu.Unlock()
	}
	f.start(t, opts)
	want := map[delivery.Outcome]int{delivery.Delivered: 3, delivery.FailedRetry: 1, delivery.Gone: 1,
		delivery.GivenUp: 1, delivery.RateLimited: 1}
	eventually(t, 30*time.Second, "every job done", func() bool {
		s := jobStates(t, f.pool)
		return s["completed"] == 3 && s["cancelled"] == 2
	})
	mu.Lock()
	defer mu.Unlock()
	for o, n := range want {
		if got[o] != n {
			t.Errorf("outcome %s told %d times, want %d (all: %v)", o, got[o], n, got)
		}
	}
	known := map[delivery.Outcome]bool{}
	for _, o := range delivery.Outcomes() {
		known[o] = true
	}
	for o := range got {
		if !known[o] {
			t.Errorf("outcome %q is not in Outcomes()", o)
		}
	}
}

// The request id of the context a delivery is queued with is kept in the
// job's metadata, and the worker names it on its lines about the job.
func TestRequestIDTravelsIntoTheJobAndItsLogLines(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var logs lockedBuffer
	f.log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	act := f.activity(t)
	failing := newReceiver(t, receiverOptions{respond: statuses(http.StatusInternalServerError, http.StatusAccepted)})
	plain := newReceiver(t, receiverOptions{})
	const id = "req-7f3a"
	ctx := requestid.With(context.Background(), id)
	if err := models.InTx(ctx, f.pool, func(tx pgx.Tx) error {
		return delivery.Enqueue(ctx, tx, act.ID, []string{failing.URL + "/inbox"})
	}); err != nil {
		t.Fatal(err)
	}
	f.enqueue(t, act.ID, plain.URL+"/inbox") // no request: no id

	metadata := func(inbox string) string {
		var v *string
		if err := f.pool.QueryRow(context.Background(), `SELECT metadata->>'request_id' FROM river_job
			WHERE kind = 'deliver' AND args->>'inbox' = $1`, inbox).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if v == nil {
			return ""
		}
		return *v
	}
	if got := metadata(failing.URL + "/inbox"); got != id {
		t.Errorf("job metadata request_id %q, want %q", got, id)
	}
	if got := metadata(plain.URL + "/inbox"); got != "" {
		t.Errorf("job queued outside a request has request_id %q", got)
	}

	f.start(t, f.options())
	eventually(t, 30*time.Second, "both delivered", func() bool { return jobStates(t, f.pool)["completed"] == 2 })
	var failedLine, deliveredLine bool
	for _, l := range logs.lines() {
		inbox, _ := l["inbox"].(string)
		rid, _ := l[requestid.LogKey].(string)
		switch {
		case inbox == failing.URL+"/inbox" && l["msg"] == "delivery: failed, will retry":
			failedLine = rid == id
		case inbox == failing.URL+"/inbox" && l["msg"] == "delivery: delivered":
			deliveredLine = rid == id
		case inbox == plain.URL+"/inbox" && rid != "":
			t.Errorf("a line about the job without a request names one: %v", l)
		}
	}
	if !failedLine || !deliveredLine {
		t.Errorf("worker lines with request_id %s: failure %v, delivery %v\n%v", id, failedLine, deliveredLine, logs.lines())
	}
}

// A group share's fan-out job keeps the request id, and so do the
// deliveries it expands into.
func TestRequestIDTravelsThroughAFanOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	act := f.activity(t)
	ctx := context.Background()
	rc := newReceiver(t, receiverOptions{})
	for i := range 2 {
		uri := fmt.Sprintf("%s/users/u%d", rc.URL, i)
		if _, err := f.pool.Exec(ctx, `WITH a AS (
				INSERT INTO actors (type, username, domain, uri, inbox_url, followers_url, public_key_id, public_key_pem, fetched_at)
				VALUES ('Person', $1, $2, $3, $3 || '/inbox', $3 || '/followers', $3 || '#main-key', '', now()) RETURNING id)
			INSERT INTO follows (follower_id, followee_id, uri, state) SELECT id, $4, $3 || '/follows/1', 'accepted' FROM a`,
			fmt.Sprintf("u%d", i), rc.host(), uri, f.actor.ID); err != nil {
			t.Fatal(err)
		}
	}
	const id = "req-fanout-9"
	rctx := requestid.With(ctx, id)
	if err := models.InTx(rctx, f.pool, func(tx pgx.Tx) error {
		return delivery.EnqueueFanout(rctx, tx, act.ID, models.FollowerFamily{ActorID: f.actor.ID, Software: []string{}, Except: true})
	}); err != nil {
		t.Fatal(err)
	}
	f.start(t, f.options())
	eventually(t, 30*time.Second, "both followers delivered", func() bool { return rc.count() == 2 })
	rows, err := f.pool.Query(ctx, `SELECT kind, coalesce(metadata->>'request_id', '') FROM river_job ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for rows.Next() {
		var kind, rid string
		if err := rows.Scan(&kind, &rid); err != nil {
			t.Fatal(err)
		}
		if rid != id {
			t.Errorf("%s job with request_id %q, want %q", kind, rid, id)
		}
		got[kind]++
	}
	if got["deliver_fanout"] != 1 || got["deliver"] != 2 {
		t.Errorf("jobs: %v, want one fan-out and two deliveries", got)
	}
}
