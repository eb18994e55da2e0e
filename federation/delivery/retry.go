package delivery

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// Retry schedule.
//
// The n-th retry of a delivery waits RetryBase·2^(n-1), at most 6 hours,
// each delay jittered by ±20% so that a fan-out that failed together does
// not retry together. With the default RetryBase of 30 s:
//
//	retry    1    2   3   4   5    6    7     8      9     10    11…17
//	delay  30s   1m  2m  4m  8m  16m  32m  1h04m  2h08m  4h16m   6h each
//	total  after retry 10: 8h31m; after retry 17: 50h31m (about two days)
//
// A job has MaxAttempts = 18 tries (the first and 17 retries) and is then
// discarded. The count is fixed when the job is inserted, so a different
// RetryBase stretches or shrinks the span in proportion. Snoozes (429, a
// paused host, a busy host) spend no attempt; a job still snoozing after
// giveUpAfter is given up.
const (
	MaxAttempts = 18

	maxRetryDelay = 6 * time.Hour
	retryJitter   = 0.2
	// giveUpAfter ends a job that only ever snoozed (a host paused or
	// answering 429 for days), which the attempt budget cannot end.
	giveUpAfter = 72 * time.Hour
)

// Bounds of a 429's Retry-After: a peer may not make us hammer it, nor park
// a delivery for longer than a retry would.
const (
	minRetryAfter = time.Second
	maxRetryAfter = maxRetryDelay
)

// RetryPolicy is the River ClientRetryPolicy of deliveries: exponential
// backoff from Base with jitter, as documented above.
type RetryPolicy struct {
	Base time.Duration
}

// NextRetry implements river.ClientRetryPolicy. It counts the job's recorded
// errors rather than its attempts, which River also uses for snoozes and
// rescues.
func (p *RetryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(p.Delay(len(job.Errors) + 1))
}

// Delay is the jittered wait before retry n (1 for the first retry).
func (p *RetryPolicy) Delay(n int) time.Duration {
	return jitter(p.delay(n), retryJitter)
}

// delay is the un-jittered wait before retry n.
func (p *RetryPolicy) delay(n int) time.Duration {
	n = max(n, 1)
	d := p.Base
	for i := 1; i < n && d < maxRetryDelay; i++ {
		d *= 2
	}
	return min(d, maxRetryDelay)
}

// jitter spreads d uniformly over d·(1±frac).
func jitter(d time.Duration, frac float64) time.Duration {
	return time.Duration(float64(d) * (1 - frac + 2*frac*rand.Float64()))
}

// parseRetryAfter reads a Retry-After header, in seconds or as an HTTP
// date, bounded to [minRetryAfter, maxRetryAfter].
func parseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		d = time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(value); err == nil {
		d = t.Sub(now)
	} else {
		return 0, false
	}
	return min(max(d, minRetryAfter), maxRetryAfter), true
}
