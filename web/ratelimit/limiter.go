// Package ratelimit counts what people and other servers send, so that one
// of them cannot drown the instance: failed log-ins and sign-ups, posts,
// fetches a search asks for, and inbox POSTs. The counts live in
// PostgreSQL (models.TakeRateEvent, models.TakeRateToken), so that every
// web process on one database counts against the same allowance, and go
// by the server's clock, which tests move on.
package ratelimit

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/village-social/village/models"
)

// Limiter counts events (failed log-ins, sign-ups, posts) per key in a
// sliding window and refuses a key once it has had its limit of them in that
// window. The counts are in an UNLOGGED table: a crash of PostgreSQL
// forgets them, which costs an attacker a crash of ours per window, not a
// bypass.
type Limiter struct {
	db     models.DB
	window models.RateWindow
	now    func() time.Time
	sweep  *sweeper
}

// Allow reports whether key may try again, and if not, how long until it may.
func (l *Limiter) Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error) {
	wait, err := models.RateWindowWait(ctx, l.db, l.window, key, l.now())
	if err != nil {
		return false, 0, fmt.Errorf("ratelimit: %w", err)
	}
	return wait == 0, wait, nil
}

// Add counts one event against key.
func (l *Limiter) Add(ctx context.Context, key string) error {
	now := l.now()
	if err := models.AddRateEvent(ctx, l.db, l.window, key, now); err != nil {
		return fmt.Errorf("ratelimit: %w", err)
	}
	l.sweep.maybe(ctx, now)
	return nil
}

// Reset forgets key's events (a successful log-in clears its account's).
func (l *Limiter) Reset(ctx context.Context, key string) error {
	if err := models.ResetRateEvents(ctx, l.db, l.window, key); err != nil {
		return fmt.Errorf("ratelimit: %w", err)
	}
	return nil
}

// Take counts one event of key, or refuses it with an *Error naming what
// was limited; checking and counting are one statement, so two processes
// cannot both take the last event.
func (l *Limiter) Take(ctx context.Context, what, key string) error {
	now := l.now()
	ok, wait, err := models.TakeRateEvent(ctx, l.db, l.window, key, now)
	if err != nil {
		return fmt.Errorf("ratelimit: %w", err)
	}
	if !ok {
		return &Error{What: what, Limit: l.window.Limit, Window: l.window.Window, Wait: wait}
	}
	l.sweep.maybe(ctx, now)
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
