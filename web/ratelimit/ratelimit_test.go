package ratelimit_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/village-social/village/internal/testenv"
	"github.com/village-social/village/web/ratelimit"
)

// fakeClock is a clock the limiter tests move by hand; two processes in a
// test share one.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestTokenBucketsAllowABurstThenRefillAtTheRate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newClock()
	b := ratelimit.New(testenv.DB(t), clock.Now, 60, nil).Inbox // 1 a second, bursts of 60
	take := func() (bool, time.Duration) {
		t.Helper()
		ok, wait, err := b.Take(ctx, "busy.example")
		if err != nil {
			t.Fatal(err)
		}
		return ok, wait
	}
	for i := range 60 {
		if ok, _ := take(); !ok {
			t.Fatalf("take %d of the burst refused", i+1)
		}
	}
	ok, wait := take()
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("past the burst: ok=%v wait=%s, want refused with a wait up to 1s", ok, wait)
	}
	if w := b.Wait("busy.example"); w != wait {
		t.Errorf("wait %s, take said %s", w, wait)
	}
	if ok, _, err := b.Take(ctx, "calm.example"); err != nil || !ok {
		t.Errorf("another key: ok=%v, %v", ok, err)
	}
	clock.Advance(time.Second)
	if w := b.Wait("busy.example"); w != 0 {
		t.Errorf("a token later, Wait says %s", w)
	}
	if ok, _ := take(); !ok {
		t.Error("refused after one token came back")
	}
	if ok, _ := take(); ok {
		t.Error("two tokens came back in one second")
	}
	clock.Advance(time.Hour)
	for i := range 61 {
		ok, _ := take()
		if want := i < 60; ok != want {
			t.Fatalf("after an hour, take %d: %v, want %v (the bucket holds at most the burst)", i+1, ok, want)
		}
	}
}

func TestPostLimitsCountPerAccountAndSayWhenToComeBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newClock()
	l := ratelimit.New(testenv.DB(t), clock.Now, 0, nil)
	if l.Inbox != nil {
		t.Error("inbox rate 0 should leave the inboxes unlimited")
	}
	for _, c := range []struct {
		name   string
		take   func(context.Context, int64) error
		limit  int
		window time.Duration
		word   string
	}{
		{"posts", l.Post, ratelimit.PostsPerAccount, ratelimit.PostWindow, "too many posts"},
		{"fetches a search asks for", l.Resolve, ratelimit.ResolvesPerAccount, ratelimit.ResolveWindow, "too many searches that fetch"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i := range c.limit {
				if err := c.take(ctx, 1); err != nil {
					t.Fatalf("%d: %v", i+1, err)
				}
				clock.Advance(time.Second)
			}
			err := c.take(ctx, 1)
			var le *ratelimit.Error
			if !errors.As(err, &le) || !strings.Contains(err.Error(), c.word) {
				t.Fatalf("past the limit: %v, want an Error saying %q", err, c.word)
			}
			// The first of the window leaves it first.
			if want := c.window - time.Duration(c.limit)*time.Second; le.Wait != want {
				t.Errorf("wait %s, want %s (until the oldest post leaves the window)", le.Wait, want)
			}
			if err := c.take(ctx, 2); err != nil {
				t.Errorf("another account: %v", err)
			}
			clock.Advance(le.Wait)
			if err := c.take(ctx, 1); err != nil {
				t.Errorf("after the wait: %v", err)
			}
			if err := c.take(ctx, 1); err == nil {
				t.Error("after the wait, two more were taken: one event left the window")
			}
			clock.Advance(c.window)
		})
	}
}

// Two web processes on one database are two Limits on one database: the
// counts are one.
func TestLimitsHoldAcrossProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	clock := newClock()
	a, b := ratelimit.New(db, clock.Now, 60, nil), ratelimit.New(db, clock.Now, 60, nil)

	t.Run("log-in failures, taken in turn", func(t *testing.T) {
		refusedAt := 0
		for i := 1; i <= 25 && refusedAt == 0; i++ {
			l := []*ratelimit.Limits{a, b}[i%2]
			ok, wait, err := l.LoginAddress.Allow(ctx, "192.0.2.7")
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				if wait <= 0 {
					t.Errorf("refused with no wait")
				}
				refusedAt = i
				break
			}
			if err := l.LoginAddress.Add(ctx, "192.0.2.7"); err != nil {
				t.Fatal(err)
			}
		}
		if refusedAt != 21 { // 20 failures per address, whichever process counted them
			t.Errorf("try %d was refused, want the 21st", refusedAt)
		}
		// A success in one process clears the account's count in both.
		for range 5 {
			if err := a.LoginAccount.Add(ctx, "account:1"); err != nil {
				t.Fatal(err)
			}
		}
		if ok, _, _ := b.LoginAccount.Allow(ctx, "account:1"); ok {
			t.Error("five failures counted by one process did not stop the other")
		}
		if err := b.LoginAccount.Reset(ctx, "account:1"); err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := a.LoginAccount.Allow(ctx, "account:1"); !ok {
			t.Error("reset by one process, still refused by the other")
		}
	})

	t.Run("posts, taken at once", func(t *testing.T) {
		const tries = 3 * ratelimit.PostsPerAccount
		var wg sync.WaitGroup
		var mu sync.Mutex
		taken, refused := 0, 0
		for i := range tries {
			wg.Go(func() {
				err := []*ratelimit.Limits{a, b}[i%2].Post(ctx, 42)
				mu.Lock()
				defer mu.Unlock()
				var le *ratelimit.Error
				switch {
				case err == nil:
					taken++
				case errors.As(err, &le):
					refused++
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if taken != ratelimit.PostsPerAccount || refused != tries-taken {
			t.Errorf("%d posts taken and %d refused by two processes at once, want %d and %d",
				taken, refused, ratelimit.PostsPerAccount, tries-ratelimit.PostsPerAccount)
		}
	})

	t.Run("inbox tokens, taken at once", func(t *testing.T) {
		const tries = 150
		var wg sync.WaitGroup
		var mu sync.Mutex
		taken := 0
		for i := range tries {
			wg.Go(func() {
				ok, _, err := []*ratelimit.Limits{a, b}[i%2].Inbox.Take(ctx, "busy.example")
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					taken++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if taken != 60 {
			t.Errorf("two processes took %d tokens of a burst of 60", taken)
		}
		// The one that did not see the bucket empty learns it at its next take.
		for _, l := range []*ratelimit.Limits{a, b} {
			if ok, wait, _ := l.Inbox.Take(ctx, "busy.example"); ok || wait <= 0 {
				t.Errorf("past the shared burst: ok=%v wait=%s", ok, wait)
			}
			if l.Inbox.Wait("busy.example") <= 0 {
				t.Error("after a refusal, Wait says go")
			}
		}
	})
}

// Counts that ran out are deleted by the next count a minute later, so
// that the tables hold the keys of about one window.
func TestOldCountsAreSwept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	clock := newClock()
	l := ratelimit.New(db, clock.Now, 60, nil)
	rows := func() int {
		var n int
		if err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM rate_limit_events) + (SELECT count(*) FROM rate_limit_buckets)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := range 10 {
		if err := l.Signup.Take(ctx, "sign-ups", "192.0.2."+string(rune('0'+i))); err != nil {
			t.Fatal(err)
		}
		if _, _, err := l.Inbox.Take(ctx, "host"+string(rune('0'+i))+".example"); err != nil {
			t.Fatal(err)
		}
	}
	if n := rows(); n != 20 {
		t.Fatalf("%d rows, want 20", n)
	}
	clock.Advance(2 * time.Hour) // past the sign-up window, and every bucket full again
	if err := l.Post(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := rows(); n != 1 {
		t.Errorf("%d rows after the windows ran out, want 1 (the new post's)", n)
	}
}

// BenchmarkInboxTake is the inbox limit's cost per POST: one statement,
// from as many goroutines as the inbox would serve at once, all for one
// busy host (one row: the worst case for its lock).
func BenchmarkInboxTake(b *testing.B) {
	l := ratelimit.New(testenv.DB(b), time.Now, 1_000_000_000, nil)
	ctx := context.Background()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if ok, _, err := l.Inbox.Take(ctx, "busy.example"); err != nil || !ok {
				b.Errorf("take: %v %v", ok, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "takes/s")
}

// A busy host's POSTs do not each update its row: a process takes a lease
// of a fiftieth of the burst (at most 64 tokens) in one statement and
// spends it in memory; the shared row shows every leased token as spent.
func TestInboxTokensAreLeasedInChunks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.DB(t)
	clock := newClock()
	b := ratelimit.New(db, clock.Now, 6000, nil).Inbox // bursts of 6,000: leases of 64
	left := func() float64 {
		var tokens float64
		if err := db.QueryRow(ctx, `SELECT tokens FROM rate_limit_buckets WHERE name = 'inbox' AND key = 'busy.example'`).Scan(&tokens); err != nil {
			t.Fatal(err)
		}
		return tokens
	}
	for i := range 130 {
		if ok, _, err := b.Take(ctx, "busy.example"); err != nil || !ok {
			t.Fatalf("take %d: ok=%v, %v", i+1, ok, err)
		}
		switch i + 1 {
		case 1, 64:
			if got := left(); got != 6000-64 {
				t.Errorf("after %d takes the bucket holds %v, want %v (one lease of 64)", i+1, got, 6000-64)
			}
		case 65, 128:
			if got := left(); got != 6000-128 {
				t.Errorf("after %d takes the bucket holds %v, want %v (two leases)", i+1, got, 6000-128)
			}
		}
	}
}
