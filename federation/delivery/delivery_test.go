package delivery_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/village-social/village/federation/delivery"
	"github.com/village-social/village/federation/signature"
	"github.com/village-social/village/models"
)

func TestDeliversActivityWithValidSignature(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pub, err := signature.ParsePublicKeyPEM(f.actor.PublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, receiverOptions{check: func(r *http.Request, body []byte) error {
		s, err := signature.CheckRequest(r, body, time.Now(), signature.Options{Scheme: "http"})
		if err != nil {
			return err
		}
		if s.KeyID != f.urls.KeyID(f.actor) {
			return fmt.Errorf("keyId %q, want %q", s.KeyID, f.urls.KeyID(f.actor))
		}
		if !s.RFC9421 || s.Algorithm != signature.AlgRSAv15SHA256 {
			return fmt.Errorf("RFC 9421 %v, alg %q: want an RFC 9421 signature, rsa-v1_5-sha256, first", s.RFC9421, s.Algorithm)
		}
		for _, h := range []string{"@method", "@target-uri", "content-digest"} {
			if !slices.Contains(s.Headers, h) {
				return fmt.Errorf("covered components %v lack %s", s.Headers, h)
			}
		}
		return s.Verify(pub)
	}})
	act := f.activity(t)
	inbox := rc.URL + "/inbox"
	f.enqueue(t, act.ID, inbox)
	f.start(t, f.options())

	eventually(t, 10*time.Second, "the activity is delivered", func() bool { return jobFor(t, f.pool, inbox).State == "completed" })
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	r := got[0]
	if r.Err != nil {
		t.Errorf("signature check: %v", r.Err)
	}
	if r.Path != "/inbox" {
		t.Errorf("path %q, want /inbox", r.Path)
	}
	if !bytes.Equal(r.Body, act.Body) {
		t.Errorf("body differs from the stored activity:\n got %s\nwant %s", r.Body, act.Body)
	}
	for name, want := range map[string]string{
		"Content-Type": "application/activity+json",
		"Accept":       "application/activity+json",
		"User-Agent":   "Village-test/1",
	} {
		if v := r.Header.Get(name); v != want {
			t.Errorf("%s: %q, want %q", name, v, want)
		}
	}
	if d := r.Header.Get("Content-Digest"); !strings.HasPrefix(d, "sha-256=:") {
		t.Errorf("Content-Digest %q, want sha-256=:…:", d)
	}
}

// Double-knocking: a host is tried with RFC 9421 first; one that refuses it
// (400, 401 or 403) gets the same POST again at once signed with
// draft-cavage, and from then on draft-cavage only, one POST per activity.
// A host that takes RFC 9421 keeps getting it.
func TestDoubleKnockRemembersWhatEachHostTakes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pub, err := signature.ParsePublicKeyPEM(f.actor.PublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	// Each receiver verifies what it takes and answers refuseWith to the other scheme.
	receiverTaking := func(takes signature.Scheme, refuseWith int) *receiver {
		var self atomic.Pointer[receiver]
		rc := newReceiver(t, receiverOptions{
			respond: func(n int) (int, http.Header) {
				if self.Load().requests()[n-1].Err != nil {
					return refuseWith, nil
				}
				return http.StatusAccepted, nil
			},
			check: func(r *http.Request, body []byte) error {
				s, err := signature.CheckRequest(r, body, time.Now(), signature.Options{Scheme: "http"})
				if err != nil {
					return err
				}
				if (takes == signature.RFC9421) != s.RFC9421 {
					return errRefused
				}
				return s.Verify(pub)
			},
		})
		self.Store(rc)
		return rc
	}
	tests := []struct {
		name       string
		takes      signature.Scheme
		refuseWith int
		want       []string // schemes of the POSTs of two activities, in order
	}{
		{"a host that takes RFC 9421", signature.RFC9421, 0, []string{"rfc9421", "rfc9421"}},
		{"a host that answers 401 to RFC 9421", signature.Cavage, http.StatusUnauthorized, []string{"rfc9421", "draft-cavage", "draft-cavage"}},
		{"a host that answers 400 to RFC 9421", signature.Cavage, http.StatusBadRequest, []string{"rfc9421", "draft-cavage", "draft-cavage"}},
		{"a host that answers 403 to RFC 9421", signature.Cavage, http.StatusForbidden, []string{"rfc9421", "draft-cavage", "draft-cavage"}},
	}
	receivers := make([]*receiver, len(tests))
	for i, tt := range tests {
		receivers[i] = receiverTaking(tt.takes, tt.refuseWith)
	}
	first := f.activity(t)
	for _, rc := range receivers {
		f.enqueue(t, first.ID, rc.URL+"/inbox")
	}
	f.start(t, f.options())
	for _, rc := range receivers {
		eventually(t, 10*time.Second, "the first activity is delivered", func() bool { return jobFor(t, f.pool, rc.URL+"/inbox").State == "completed" })
	}
	second := f.activity(t)
	for _, rc := range receivers {
		f.enqueue(t, second.ID, rc.URL+"/inbox")
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := receivers[i]
			eventually(t, 10*time.Second, "both activities are delivered", func() bool { return rc.count() >= len(tt.want) && countOK(rc) == 2 })
			var got []string
			for _, r := range rc.requests() {
				scheme := "draft-cavage"
				if r.Header.Get("Signature-Input") != "" {
					scheme = "rfc9421"
				}
				got = append(got, scheme)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("POSTs signed %v, want %v", got, tt.want)
			}
		})
	}
}

var errRefused = fmt.Errorf("this receiver does not take that signature scheme")

// countOK is how many requests the receiver accepted.
func countOK(rc *receiver) int {
	n := 0
	for _, r := range rc.requests() {
		if r.Err == nil {
			n++
		}
	}
	return n
}

func TestEnqueueSendsOnePOSTPerDistinctInbox(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, b := newReceiver(t, receiverOptions{}), newReceiver(t, receiverOptions{})
	act := f.activity(t)
	shared := a.URL + "/inbox"
	list := []string{shared, b.URL + "/users/x/inbox", "", shared, b.URL + "/users/y/inbox", b.URL + "/users/x/inbox", shared}
	f.enqueue(t, act.ID, list...)
	if n := jobStates(t, f.pool)["available"]; n != 3 {
		t.Fatalf("%d jobs queued, want 3 (one per distinct inbox)", n)
	}
	f.start(t, f.options())
	eventually(t, 10*time.Second, "three deliveries complete", func() bool { return jobStates(t, f.pool)["completed"] == 3 })
	if a.count() != 1 || b.count() != 2 {
		t.Errorf("receivers got %d and %d POSTs, want 1 and 2", a.count(), b.count())
	}
}

func TestEnqueueWithNoInboxesQueuesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	act := f.activity(t)
	f.enqueue(t, act.ID)
	f.enqueue(t, act.ID, "", "")
	if n := len(jobStates(t, f.pool)); n != 0 {
		t.Errorf("jobs queued: %v, want none", jobStates(t, f.pool))
	}
}

func TestPeerAnswersDecideTheOutcome(t *testing.T) {
	t.Parallel()
	retryAt := func(n int) (int, http.Header) {
		if n == 1 {
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}}
		}
		return http.StatusAccepted, nil
	}
	retryAtDate := func(n int) (int, http.Header) {
		if n == 1 {
			return http.StatusTooManyRequests, http.Header{"Retry-After": {time.Now().Add(time.Second).UTC().Format(http.TimeFormat)}}
		}
		return http.StatusAccepted, nil
	}
	tests := []struct {
		name      string
		respond   func(int) (int, http.Header)
		wantState string
		wantPOSTs int
		wantErrs  int  // failed attempts recorded
		snoozed   bool // waited at least a second between the POSTs
	}{
		{"202 delivers", statuses(http.StatusAccepted), "completed", 1, 0, false},
		{"200 delivers", statuses(http.StatusOK), "completed", 1, 0, false},
		{"410 stops without retry", statuses(http.StatusGone), "cancelled", 1, 1, false},
		// 400, 401 and 403 to the RFC 9421 signature make a second knock with draft-cavage.
		{"400 stops without retry", statuses(http.StatusBadRequest, http.StatusBadRequest), "cancelled", 2, 1, false},
		{"401 stops without retry", statuses(http.StatusUnauthorized, http.StatusUnauthorized), "cancelled", 2, 1, false},
		{"404 stops without retry", statuses(http.StatusNotFound), "cancelled", 1, 1, false},
		{"500 then 202 is retried and delivered", statuses(http.StatusInternalServerError, http.StatusAccepted), "completed", 2, 1, false},
		{"503 twice then 202 is retried and delivered", statuses(503, 503, 202), "completed", 3, 2, false},
		{"408 is retried", statuses(http.StatusRequestTimeout, http.StatusAccepted), "completed", 2, 1, false},
		{"302 is a failure, not followed", statuses(http.StatusFound, http.StatusAccepted), "completed", 2, 1, false},
		{"429 with Retry-After seconds is snoozed then delivered", retryAt, "completed", 2, 0, true},
		{"429 with Retry-After date is snoozed then delivered", retryAtDate, "completed", 2, 0, true},
	}
	f := newFixture(t)
	act := f.activity(t)
	receivers := make([]*receiver, len(tests))
	for i, tt := range tests {
		respond := tt.respond
		if tt.name == "302 is a failure, not followed" {
			respond = func(n int) (int, http.Header) {
				code, _ := statuses(http.StatusFound, http.StatusAccepted)(n)
				return code, http.Header{"Location": {"/elsewhere"}}
			}
		}
		receivers[i] = newReceiver(t, receiverOptions{respond: respond})
		f.enqueue(t, act.ID, receivers[i].URL+"/inbox")
	}
	f.start(t, f.options())
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, inbox := receivers[i], receivers[i].URL+"/inbox"
			eventually(t, 20*time.Second, "the job reaches "+tt.wantState, func() bool { return jobFor(t, f.pool, inbox).State == tt.wantState })
			j := jobFor(t, f.pool, inbox)
			got := rc.requests()
			if len(got) != tt.wantPOSTs {
				t.Errorf("receiver got %d POSTs, want %d", len(got), tt.wantPOSTs)
			}
			for _, r := range got {
				if r.Path != "/inbox" {
					t.Errorf("request to %s: a redirect was followed", r.Path)
				}
			}
			if j.Errors != tt.wantErrs {
				t.Errorf("job has %d errors, want %d", j.Errors, tt.wantErrs)
			}
			if tt.snoozed {
				if j.Snoozes != 1 {
					t.Errorf("job snoozed %d times, want 1", j.Snoozes)
				}
				if len(got) == 2 && got[1].At.Sub(got[0].At) < 900*time.Millisecond {
					t.Errorf("second POST %s after the 429, want about Retry-After (1s)", got[1].At.Sub(got[0].At))
				}
			}
		})
	}
}

// Not parallel: the receiver comes back on the port it had on 127.0.0.1,
// where other tests' connections take their source ports; while they run,
// one of them could take that port in between.
func TestDownReceiverGetsActivityWhenBackOnSameAddress(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the receiver is down: connections are refused

	act := f.activity(t)
	inbox := "http://" + addr + "/inbox"
	f.enqueue(t, act.ID, inbox)
	f.start(t, f.options())
	eventually(t, 10*time.Second, "delivery fails at least twice while the receiver is down", func() bool {
		return jobFor(t, f.pool, inbox).Errors >= 2
	})
	if h := deliveryHost(t, f.pool, addr); h.Failures < 2 || !strings.Contains(h.LastError, "refused") {
		t.Errorf("host after failures: %+v, want failures >= 2 and a refused connection", h)
	}

	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	rc := serveReceiver(t, ln, receiverOptions{})
	eventually(t, 30*time.Second, "the activity arrives once the receiver is back", func() bool { return rc.count() >= 1 })
	eventually(t, 10*time.Second, "the job completes", func() bool { return jobFor(t, f.pool, inbox).State == "completed" })
	if !bytes.Equal(rc.requests()[0].Body, act.Body) {
		t.Error("the receiver got a different body")
	}
	if h := deliveryHost(t, f.pool, addr); h.Failures != 0 || h.PausedUntil != nil {
		t.Errorf("host after success: %+v, want failures reset", h)
	}
}

// Not parallel: what it shows has a deadline (the healthy host is served
// before the hanging host's 5 s time-out ends), so it runs while no other
// test of the package takes the CPU.
func TestFailingHostIsPausedWhileHealthyHostIsServed(t *testing.T) {
	f := newFixture(t)
	failing := newReceiver(t, receiverOptions{respond: statuses(500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)})
	hold := make(chan struct{})
	hanging := newReceiver(t, receiverOptions{hold: hold})

	// What the hanging host had seen when the healthy one got its POST.
	type snapshot struct{ hangingInflight, hangingAnswered int }
	snap := make(chan snapshot, 1)
	healthy := newReceiver(t, receiverOptions{onRequest: func() {
		hanging.mu.Lock()
		s := snapshot{hanging.inflight, len(hanging.reqs) - hanging.inflight}
		hanging.mu.Unlock()
		select {
		case snap <- s:
		default:
		}
	}})

	act := f.activity(t)
	var list []string
	list = append(list, inboxes(failing.URL, 6)...)
	list = append(list, inboxes(hanging.URL, 6)...)
	list = append(list, healthy.URL+"/inbox")
	f.enqueue(t, act.ID, list...)

	opts := f.options()
	opts.Workers = 3 // fewer than the hanging host's jobs: only PerHost may wait on it
	opts.PerHost = 2
	opts.PauseAfter = 3
	opts.Timeout = 5 * time.Second
	opts.RescueAfter = 20 * time.Second
	f.start(t, opts)

	eventually(t, 4*time.Second, "the healthy host gets its POST while the hanging host holds connections", func() bool {
		return healthy.count() == 1
	})
	s := <-snap
	if s.hangingAnswered != 0 {
		t.Errorf("hanging host had answered %d requests before the healthy one was served, want 0", s.hangingAnswered)
	}
	eventually(t, 10*time.Second, "the failing host is paused", func() bool {
		h := deliveryHost(t, f.pool, failing.host())
		return h.PausedUntil != nil && h.Failures >= 3
	})
	if h := deliveryHost(t, f.pool, healthy.host()); h.Failures != 0 || h.PausedUntil != nil {
		t.Errorf("healthy host: %+v, want no failures", h)
	}
	if n := hanging.maxInflightSeen(); n > 2 {
		t.Errorf("%d POSTs at once to the hanging host, want at most PerHost=2", n)
	}
	close(hold)
}

func (rc *receiver) maxInflightSeen() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.maxInflight
}

func TestPausedHostGetsNoPOSTUntilPauseEnds(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, receiverOptions{})
	act := f.activity(t)
	inbox := rc.URL + "/inbox"
	// The host failed before and is paused for a while.
	if _, err := models.RecordDeliveryFailure(context.Background(), f.pool, rc.host(), "HTTP 503",
		models.PauseRule{After: 1, Base: 1500 * time.Millisecond, Max: time.Hour}); err != nil {
		t.Fatal(err)
	}
	paused := deliveryHost(t, f.pool, rc.host())
	if paused.PausedUntil == nil {
		t.Fatal("host not paused")
	}
	f.enqueue(t, act.ID, inbox)
	f.start(t, f.options())
	eventually(t, 20*time.Second, "the activity arrives after the pause", func() bool { return rc.count() == 1 })
	if at := rc.requests()[0].At; at.Before(*paused.PausedUntil) {
		t.Errorf("POST at %s, before the pause ended at %s", at, paused.PausedUntil)
	}
	eventually(t, 10*time.Second, "the job completes", func() bool { return jobFor(t, f.pool, inbox).State == "completed" })
	j := jobFor(t, f.pool, inbox)
	if j.Attempt != 1 || j.Errors != 0 {
		t.Errorf("job spent %d attempts with %d errors, want 1 and 0: waiting out a pause is no attempt", j.Attempt, j.Errors)
	}
	if h := deliveryHost(t, f.pool, rc.host()); h.Failures != 0 || h.PausedUntil != nil {
		t.Errorf("host after the probe succeeded: %+v, want cleared", h)
	}
}

func TestPerHostLimitBoundsConcurrentPOSTs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, receiverOptions{onRequest: func() { time.Sleep(50 * time.Millisecond) }})
	act := f.activity(t)
	list := inboxes(rc.URL, 12)
	f.enqueue(t, act.ID, list...)
	opts := f.options()
	// A host answering well in 50 ms may earn more in flight (pace.go),
	// up to MaxPerHost, the hard bound this test holds it to.
	opts.PerHost, opts.MaxPerHost = 2, 2
	f.start(t, opts)
	eventually(t, 20*time.Second, "all 12 deliveries complete", func() bool { return jobStates(t, f.pool)["completed"] == 12 })
	if n := rc.maxInflightSeen(); n > 2 {
		t.Errorf("%d POSTs at once to one host, want at most 2", n)
	}
	if n := rc.count(); n != 12 {
		t.Errorf("receiver got %d POSTs, want 12", n)
	}
}

func TestLoopbackReceiverRefusedWithoutAllowList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, receiverOptions{})
	act := f.activity(t)
	byIP := rc.URL + "/inbox"
	// A host name that resolves to loopback is refused at dial time.
	byName := strings.Replace(rc.URL, "127.0.0.1", "localhost", 1) + "/inbox"
	f.enqueue(t, act.ID, byIP, byName)
	opts := f.options()
	opts.AllowPrivate = nil
	f.start(t, opts)
	for _, inbox := range []string{byIP, byName} {
		eventually(t, 10*time.Second, inbox+" is given up", func() bool { return jobFor(t, f.pool, inbox).State == "cancelled" })
	}
	if n := rc.count(); n != 0 {
		t.Errorf("loopback receiver got %d requests, want 0", n)
	}
}

func TestRolledBackEnqueueIsNeverDelivered(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, receiverOptions{})
	ctx := context.Background()
	f.start(t, f.options())

	tx, err := f.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lost := &models.Activity{URI: f.urls.NewActivityID(), ActorID: f.actor.ID, Type: "Create", Body: []byte(`{"type":"Create"}`)}
	if err := models.InsertActivity(ctx, tx, lost); err != nil {
		t.Fatal(err)
	}
	if err := delivery.Enqueue(ctx, tx, lost.ID, []string{rc.URL + "/rolled-back"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	// A committed delivery to the same receiver, after the rolled-back one:
	// once it has arrived, the queue has had every chance to send the other.
	kept := f.activity(t)
	f.enqueue(t, kept.ID, rc.URL+"/committed")
	eventually(t, 10*time.Second, "the committed activity arrives", func() bool { return rc.count() >= 1 })
	eventually(t, 10*time.Second, "its job completes", func() bool { return jobStates(t, f.pool)["completed"] == 1 })
	for _, r := range rc.requests() {
		if r.Path == "/rolled-back" {
			t.Error("an activity whose transaction rolled back was delivered")
		}
	}
	var n int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE args->>'inbox' LIKE '%/rolled-back'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d jobs of the rolled-back transaction exist", n)
	}
}

// Not parallel: it measures how long Stop takes, so it runs while no other
// test of the package takes the CPU.
func TestStopReturnsPromptlyAndLosesNothing(t *testing.T) {
	f := newFixture(t)
	hold := make(chan struct{})
	rc := newReceiver(t, receiverOptions{hold: hold})
	act := f.activity(t)
	list := inboxes(rc.URL, 20)
	f.enqueue(t, act.ID, list...)

	opts := f.options()
	opts.PerHost = 2
	opts.Timeout = 20 * time.Second // longer than the caller will wait
	opts.RescueAfter = time.Minute
	q, err := delivery.New(f.pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "two POSTs are in flight", func() bool { return rc.maxInflightSeen() == 2 })

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	began := time.Now()
	if err := q.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	// The hard stop after the caller's deadline takes at most 5s.
	if took := time.Since(began); took > 6*time.Second {
		t.Errorf("Stop took %s with POSTs hanging, want about the caller's 500ms", took)
	}
	states := jobStates(t, f.pool)
	if states["completed"] != 0 || states["cancelled"] != 0 || states["discarded"] != 0 || states["running"] != 0 {
		t.Errorf("job states after stop: %v, want every job still to do", states)
	}
	total := 0
	for _, n := range states {
		total += n
	}
	if total != 20 {
		t.Fatalf("%d jobs after stop, want 20", total)
	}

	// The next start delivers every one.
	close(hold)
	f.start(t, f.options())
	eventually(t, 30*time.Second, "all 20 deliveries complete after a restart", func() bool { return jobStates(t, f.pool)["completed"] == 20 })
	got := map[string]bool{}
	for _, r := range rc.requests() {
		got[r.Path] = true
	}
	if len(got) != 20 {
		t.Errorf("%d distinct inboxes reached, want 20", len(got))
	}
}

func TestGracefulStopLetsRunningPOSTsFinish(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, receiverOptions{onRequest: func() { time.Sleep(300 * time.Millisecond) }})
	act := f.activity(t)
	f.enqueue(t, act.ID, inboxes(rc.URL, 10)...)
	opts := f.options()
	opts.PerHost = 2
	q, err := delivery.New(f.pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "a POST is in flight", func() bool { return rc.count() >= 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	states := jobStates(t, f.pool)
	if states["running"] != 0 {
		t.Errorf("jobs left running after a graceful stop: %v", states)
	}
	if states["completed"] != rc.count() {
		t.Errorf("%d POSTs were answered but %d jobs completed: a finished POST must complete its job", rc.count(), states["completed"])
	}
	if states["completed"]+states["available"]+states["scheduled"] != 10 {
		t.Errorf("job states after stop: %v, want 10 completed or still to do", states)
	}
}

func TestJobOfKilledProcessIsRescuedAndDelivered(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("waits for River's rescuer, which runs every 30s")
	}
	f := newFixture(t)
	rc := newReceiver(t, receiverOptions{})
	act := f.activity(t)
	inbox := rc.URL + "/inbox"
	f.enqueue(t, act.ID, inbox)
	// As a process killed mid-POST leaves it: running, attempted long ago.
	_, err := f.pool.Exec(context.Background(), `UPDATE river_job SET state = 'running', attempt = 1,
		attempted_at = now() - interval '1 minute', attempted_by = '{killed-process}' WHERE args->>'inbox' = $1`, inbox)
	if err != nil {
		t.Fatal(err)
	}
	opts := f.options()
	opts.RescueAfter = 5 * time.Second
	f.start(t, opts)
	eventually(t, 90*time.Second, "the stuck job is rescued and delivered", func() bool { return rc.count() == 1 })
	eventually(t, 10*time.Second, "the job completes", func() bool { return jobFor(t, f.pool, inbox).State == "completed" })
}

func TestNewRefusesRescueShorterThanAJob(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	opts := f.options()
	opts.Timeout = 10 * time.Second
	opts.RescueAfter = 5 * time.Second
	if _, err := delivery.New(f.pool, opts); err == nil || !strings.HasPrefix(err.Error(), "delivery: ") {
		t.Errorf("New with RescueAfter < Timeout: err = %v, want a delivery: error", err)
	}
}

func TestDeletedActivityIsGivenUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	rc := newReceiver(t, receiverOptions{})
	act := f.activity(t)
	inbox := rc.URL + "/inbox"
	ctx := context.Background()
	err := models.InTx(ctx, f.pool, func(tx pgx.Tx) error {
		if err := delivery.Enqueue(ctx, tx, act.ID, []string{inbox}); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM activities WHERE id = $1`, act.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.start(t, f.options())
	eventually(t, 10*time.Second, "the job is given up", func() bool { return jobFor(t, f.pool, inbox).State == "cancelled" })
	if rc.count() != 0 {
		t.Errorf("receiver got %d requests for a deleted activity", rc.count())
	}
}

func TestRetryScheduleSpansAboutTwoDays(t *testing.T) {
	t.Parallel()
	p := &delivery.RetryPolicy{Base: 30 * time.Second}
	var total time.Duration
	for n := 1; n < delivery.MaxAttempts; n++ {
		d := p.Delay(n)
		want := min(30*time.Second<<(n-1), 6*time.Hour)
		if n > 30 {
			want = 6 * time.Hour
		}
		lo, hi := time.Duration(float64(want)*0.8), time.Duration(float64(want)*1.2)
		if d < lo || d > hi {
			t.Errorf("retry %d waits %s, want %s ±20%%", n, d, want)
		}
		total += d
	}
	if total < 36*time.Hour || total > 60*time.Hour {
		t.Errorf("%d retries span %s, want about two days", delivery.MaxAttempts-1, total.Round(time.Minute))
	}
	if d := p.Delay(1000); d > time.Duration(float64(6*time.Hour)*1.2) {
		t.Errorf("retry 1000 waits %s, want at most 6h+20%%", d)
	}
}

func TestHostsThatNeverAnswerDoNotHoldWorkers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hold := make(chan struct{})
	defer close(hold)
	var hanging []*receiver
	for range 3 {
		hanging = append(hanging, newReceiver(t, receiverOptions{hold: hold}))
	}
	healthy := newReceiver(t, receiverOptions{})
	act := f.activity(t)
	var list []string
	for _, rc := range hanging {
		list = append(list, rc.URL+"/inbox")
	}
	f.enqueue(t, act.ID, list...)

	opts := f.options()
	opts.Workers = 1 // three hosts hang at once: more than there are workers
	opts.Timeout = 20 * time.Second
	opts.RescueAfter = time.Minute
	f.start(t, opts)
	eventually(t, 10*time.Second, "all three hanging hosts have a POST in flight", func() bool {
		for _, rc := range hanging {
			if rc.count() == 0 {
				return false
			}
		}
		return true
	})
	f.enqueue(t, act.ID, healthy.URL+"/inbox")
	eventually(t, 10*time.Second, "the healthy host is served while the others hang", func() bool { return healthy.count() == 1 })
	for _, rc := range hanging {
		if n := rc.count(); n != 1 {
			t.Errorf("hanging host got %d POSTs, want 1 still in flight", n)
		}
	}
}

func TestHostPauseGrowsWithFailuresAndEndsOnSuccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	rule := models.PauseRule{After: 3, Base: time.Minute, Max: 12 * time.Hour}
	const host = "peer.example:443"
	var pauses []time.Duration
	for range 14 {
		before := time.Now()
		h, err := models.RecordDeliveryFailure(ctx, f.pool, host, "HTTP 503", rule)
		if err != nil {
			t.Fatal(err)
		}
		if h.PausedUntil == nil {
			pauses = append(pauses, 0)
			continue
		}
		pauses = append(pauses, h.PausedUntil.Sub(before).Round(time.Minute))
	}
	want := []time.Duration{0, 0, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
		32 * time.Minute, 64 * time.Minute, 128 * time.Minute, 256 * time.Minute, 512 * time.Minute, 12 * time.Hour, 12 * time.Hour}
	if !slices.Equal(pauses, want) {
		t.Errorf("pauses after each failure: %v, want %v", pauses, want)
	}
	if claimed, err := models.ClaimDeliveryProbe(ctx, f.pool, host, time.Minute); err != nil || claimed {
		t.Errorf("probe claimed during a pause: %v, %v", claimed, err)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE delivery_hosts SET paused_until = now() - interval '1 second' WHERE host = $1`, host); err != nil {
		t.Fatal(err)
	}
	first, err := models.ClaimDeliveryProbe(ctx, f.pool, host, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	second, err := models.ClaimDeliveryProbe(ctx, f.pool, host, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !first || second {
		t.Errorf("probe claims after the pause: %v then %v, want true then false", first, second)
	}
	if err := models.RecordDeliverySuccess(ctx, f.pool, host); err != nil {
		t.Fatal(err)
	}
	if h := deliveryHost(t, f.pool, host); h.Failures != 0 || h.PausedUntil != nil || h.Paused(time.Now()) {
		t.Errorf("host after a success: %+v, want no failures and no pause", h)
	}
}
