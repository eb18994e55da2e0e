package ratelimit

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock the limiter tests move by hand.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

func TestTokenBucketsAllowABurstThenRefillAtTheRate(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	b := NewTokenBuckets(1, 3, clock.Now) // 1 per second, bursts of 3
	for i := range 3 {
		if ok, _ := b.Take("busy.example"); !ok {
			t.Fatalf("take %d of the burst refused", i+1)
		}
	}
	ok, wait := b.Take("busy.example")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("past the burst: ok=%v wait=%s, want refused with a wait up to 1s", ok, wait)
	}
	if w := b.Wait("busy.example"); w != wait {
		t.Errorf("wait %s, take said %s", w, wait)
	}
	if ok, _ := b.Take("calm.example"); !ok {
		t.Error("another key was refused")
	}
	clock.Advance(time.Second)
	if ok, _ := b.Take("busy.example"); !ok {
		t.Error("refused a second later, after one token came back")
	}
	if ok, _ := b.Take("busy.example"); ok {
		t.Error("two tokens came back in one second")
	}
	clock.Advance(time.Hour)
	for i := range 4 {
		ok, _ := b.Take("busy.example")
		if want := i < 3; ok != want {
			t.Errorf("after an hour, take %d: %v, want %v (the bucket holds at most the burst)", i+1, ok, want)
		}
	}
}

func TestPostLimitsCountPerAccountAndSayWhenToComeBack(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	l := New(clock.Now, 0)
	if l.Inbox != nil {
		t.Error("inbox rate 0 should leave the inboxes unlimited")
	}
	for _, c := range []struct {
		name   string
		take   func(int64) error
		limit  int
		window time.Duration
		word   string
	}{
		{"posts", l.Post, PostsPerAccount, PostWindow, "too many posts"},
		{"fetches a search asks for", l.Resolve, ResolvesPerAccount, ResolveWindow, "too many searches that fetch"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i := range c.limit {
				if err := c.take(1); err != nil {
					t.Fatalf("%d: %v", i+1, err)
				}
			}
			err := c.take(1)
			var le *Error
			if !errors.As(err, &le) || !strings.Contains(err.Error(), c.word) || le.RetryAfter() <= 0 {
				t.Fatalf("past the limit: %v, want an Error saying %q with a wait", err, c.word)
			}
			if err := c.take(2); err != nil {
				t.Errorf("another account: %v", err)
			}
			clock.Advance(c.window)
			if err := c.take(1); err != nil {
				t.Errorf("a window later: %v", err)
			}
		})
	}
}
