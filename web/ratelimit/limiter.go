// Package ratelimit counts what people and other servers send, so that one
// of them cannot drown the instance: failed log-ins and sign-ups, posts and
// inbox POSTs. The counts live in memory, owned by the server that made them,
// and go by its clock, which tests move on.
package ratelimit

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// Limiter counts events (failed log-ins, sign-ups, posts) per key in a
// sliding window and refuses a key once it has had its limit of them in that
// window. A restart forgets the counts, which costs an attacker a restart of
// ours per window, not a bypass.
type Limiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	events map[string][]time.Time // each key's events in the window, oldest first
	swept  time.Time
}

// maxKeys bounds memory under a flood of distinct keys: past it, keys whose
// events have all left the window are swept.
const maxKeys = 100_000

// NewLimiter allows limit events per key in each window, going by now.
func NewLimiter(limit int, window time.Duration, now func() time.Time) *Limiter {
	return &Limiter{limit: limit, window: window, now: now, events: map[string][]time.Time{}}
}

// recent drops a key's events older than the window; the caller holds mu.
func (l *Limiter) recent(key string, now time.Time) []time.Time {
	ev := l.events[key]
	i := 0
	for i < len(ev) && !now.Before(ev[i].Add(l.window)) {
		i++
	}
	ev = ev[i:]
	if len(ev) == 0 {
		delete(l.events, key)
		return nil
	}
	l.events[key] = ev
	return ev
}

// Allow reports whether key may try again, and if not, how long until it may.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ev := l.recent(key, now)
	if len(ev) < l.limit {
		return true, 0
	}
	// The oldest event that keeps the count at the limit must leave the window.
	return false, ev[len(ev)-l.limit].Add(l.window).Sub(now)
}

// Add counts one event against key.
func (l *Limiter) Add(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.events) >= maxKeys && now.Sub(l.swept) >= l.window/10 {
		for k := range l.events {
			l.recent(k, now)
		}
		l.swept = now
	}
	ev := append(l.recent(key, now), now)
	if len(ev) > l.limit {
		ev = ev[len(ev)-l.limit:] // more than limit never changes a decision
	}
	l.events[key] = ev
}

// Reset forgets key's events (a successful log-in clears its account's).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.events, key)
}

// Take counts one event of key, or refuses it with an *Error naming what
// was limited.
func (l *Limiter) Take(what, key string) error {
	if ok, wait := l.Allow(key); !ok {
		return &Error{What: what, Limit: l.limit, Window: l.window, Wait: wait}
	}
	l.Add(key)
	return nil
}

// Error says what was limited and when it may be tried again.
type Error struct {
	What   string // "posts", ...
	Limit  int
	Window time.Duration
	Wait   time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("too many %s: at most %d per %s; try again in %s", e.What, e.Limit, e.Window,
		e.Wait.Round(time.Second))
}

// RetryAfter is the wait, in whole seconds, for the Retry-After header.
func (e *Error) RetryAfter() int { return int(math.Ceil(e.Wait.Seconds())) }
