package delivery_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Two worker processes are two queues, each with its own pool, on one
// database: the per-host limit holds across them (issue 17).
func TestPerHostLimitHoldsAcrossWorkerProcesses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	other, err := pgxpool.New(context.Background(), f.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	rc := newReceiver(t, receiverOptions{onRequest: func() { time.Sleep(100 * time.Millisecond) }})
	const n = 24
	f.enqueue(t, f.activity(t).ID, inboxes(rc.URL, n)...)
	opts := f.options()
	opts.PerHost, opts.MaxPerHost = 2, 2
	f.start(t, opts)
	second := *f
	second.pool = other
	second.start(t, opts)
	eventually(t, 30*time.Second, "all deliveries complete", func() bool { return jobStates(t, f.pool)["completed"] == n })
	if got := rc.maxInflightSeen(); got != 2 {
		t.Errorf("%d POSTs at once to one host from two processes, want 2 (the limit of each, shared)", got)
	}
	if got := rc.count(); got != n {
		t.Errorf("receiver got %d POSTs, want %d", got, n)
	}
	var held int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM delivery_slots WHERE holder IS NOT NULL`).Scan(&held); err != nil {
		t.Fatal(err)
	}
	if held != 0 {
		t.Errorf("%d slots still held after every delivery finished", held)
	}
}

// A process killed in the middle of POSTs leaves its slots held; their
// lease runs out and the host is delivered to again.
func TestSlotsOfAKilledProcessComeBackWhenTheirLeaseEnds(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	rc := newReceiver(t, receiverOptions{})
	// The lease is long enough that a loaded machine (the queue took over
	// 2 s to start in one suite run) still looks while it runs.
	const lease = 8 * time.Second
	leased := time.Now()
	_, err := f.pool.Exec(ctx, `INSERT INTO delivery_slots (host, slot, holder, expires_at)
		SELECT $1, s, 'killed/1', now() + make_interval(secs => $2) FROM generate_series(1, 2) s`, rc.host(), lease.Seconds())
	if err != nil {
		t.Fatal(err)
	}
	f.enqueue(t, f.activity(t).ID, inboxes(rc.URL, 3)...)
	opts := f.options()
	opts.PerHost, opts.MaxPerHost = 2, 2
	f.start(t, opts)
	time.Sleep(time.Second)
	got := rc.count()
	if time.Since(leased) >= lease {
		t.Fatalf("the check came %s after the lease was taken, past its end: inconclusive", time.Since(leased))
	}
	if got != 0 {
		t.Errorf("%d POSTs while a killed process's lease on both slots ran, want none", got)
	}
	eventually(t, 30*time.Second, "all deliveries complete once the lease ran out", func() bool {
		return jobStates(t, f.pool)["completed"] == 3
	})
}
