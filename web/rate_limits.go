package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/village-social/village/models"
)

// Rate limits of what members and other servers send (issue point 6). The
// log-in and sign-up limits live with the accounts (ratelimit.go); these
// guard posting and the inboxes (reports are counted in the database, with
// the report: models.CreateReport). All live in memory, owned by the
// handlers, and go by the handlers' clock, which tests move on.
const (
	postsPerAccount = 30 // posts and comments, web and API together
	postWindow      = 10 * time.Minute
	// DefaultInboxRate is how many activities one remote host may post to
	// our inboxes per minute (a burst of as many is allowed): generous,
	// since a busy server shares a whole town's activity through one host.
	DefaultInboxRate = 300
)

// rateLimits holds the limiters of posting and inbox POSTs. Callers ask
// before acting: post counts the try and returns a *limitError once the
// account has had its share.
type rateLimits struct {
	posts *limiter      // per account
	inbox *tokenBuckets // per remote host (the signer's domain); nil: unlimited
}

// newRateLimits makes the limiters; inboxPerMinute 0 leaves the inboxes
// unlimited (the binary always sets it: VILLAGE_INBOX_RATE, default
// DefaultInboxRate).
func newRateLimits(now func() time.Time, inboxPerMinute int) *rateLimits {
	l := &rateLimits{
		posts: newLimiter(postsPerAccount, postWindow, now),
	}
	if inboxPerMinute > 0 {
		l.inbox = newTokenBuckets(float64(inboxPerMinute)/60, inboxPerMinute, now)
	}
	return l
}

// limitError says what was limited and when it may be tried again.
type limitError struct {
	what       string // "posts", ...
	limit      int
	window     time.Duration
	retryAfter time.Duration
}

func (e *limitError) Error() string {
	return fmt.Sprintf("too many %s: at most %d per %s; try again in %s", e.what, e.limit, e.window,
		e.retryAfter.Round(time.Second))
}

// RetryAfter is the wait, in whole seconds, for the Retry-After header.
func (e *limitError) RetryAfter() int { return int(math.Ceil(e.retryAfter.Seconds())) }

// take counts one event of key against l, or refuses it with a *limitError.
func take(l *limiter, what, key string) error {
	if ok, wait := l.allow(key); !ok {
		return &limitError{what: what, limit: l.limit, window: l.window, retryAfter: wait}
	}
	l.add(key)
	return nil
}

// post counts a post or comment by an account (web form or API); past
// postsPerAccount in postWindow it returns a *limitError.
func (l *rateLimits) post(accountID int64) error {
	return take(l.posts, "posts", strconv.FormatInt(accountID, 10))
}

// apiLimited answers an API request refused by a limit: 429, Retry-After,
// and the reason in Mastodon's error shape.
func apiLimited(c echo.Context, err *limitError) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(err.RetryAfter()))
	return echo.NewHTTPError(http.StatusTooManyRequests, err.Error())
}

// tokenBuckets is a token bucket per key: each key may spend up to burst
// at once, refilled at rate per second.
type tokenBuckets struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newTokenBuckets(rate float64, burst int, now func() time.Time) *tokenBuckets {
	return &tokenBuckets{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// refill brings key's bucket up to now; the caller holds mu.
func (b *tokenBuckets) refill(key string, now time.Time) *bucket {
	bk := b.buckets[key]
	if bk == nil {
		if len(b.buckets) >= limiterMaxKeys {
			b.sweep(now)
		}
		bk = &bucket{tokens: b.burst, last: now}
		b.buckets[key] = bk
		return bk
	}
	if elapsed := now.Sub(bk.last).Seconds(); elapsed > 0 {
		bk.tokens = math.Min(b.burst, bk.tokens+elapsed*b.rate)
		bk.last = now
	}
	return bk
}

// sweep forgets full buckets, which are the same as no bucket.
func (b *tokenBuckets) sweep(now time.Time) {
	for k, bk := range b.buckets {
		if bk.tokens+now.Sub(bk.last).Seconds()*b.rate >= b.burst {
			delete(b.buckets, k)
		}
	}
}

// wait is how long until key has a token (0: it has one now); it spends nothing.
func (b *tokenBuckets) wait(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.refill(key, b.now())
	if bk.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - bk.tokens) / b.rate * float64(time.Second))
}

// take spends one of key's tokens; it reports false, with the wait, when
// there is none.
func (b *tokenBuckets) take(key string) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.refill(key, b.now())
	if bk.tokens < 1 {
		return false, time.Duration((1 - bk.tokens) / b.rate * float64(time.Second))
	}
	bk.tokens--
	return true, 0
}

// postLimited shows the compose form again, with what was typed, saying
// how long to wait: 429 and Retry-After.
func (h *handlers) postLimited(c echo.Context, v *models.Account, f composeForm, parent *models.Post, err *limitError) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(err.RetryAfter()))
	f.Errors["text"] = waitMessage("compose.error.limited", err.retryAfter)
	return h.composeAgainWith(c, http.StatusTooManyRequests, f, parent)
}
