package ratelimit

import (
	"math"
	"sync"
	"time"
)

// TokenBuckets is a token bucket per key: each key may spend up to burst
// at once, refilled at rate per second.
type TokenBuckets struct {
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

// NewTokenBuckets refills rate tokens a second, up to burst, going by now.
func NewTokenBuckets(rate float64, burst int, now func() time.Time) *TokenBuckets {
	return &TokenBuckets{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// refill brings key's bucket up to now; the caller holds mu.
func (b *TokenBuckets) refill(key string, now time.Time) *bucket {
	bk := b.buckets[key]
	if bk == nil {
		if len(b.buckets) >= maxKeys {
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
func (b *TokenBuckets) sweep(now time.Time) {
	for k, bk := range b.buckets {
		if bk.tokens+now.Sub(bk.last).Seconds()*b.rate >= b.burst {
			delete(b.buckets, k)
		}
	}
}

// Wait is how long until key has a token (0: it has one now); it spends nothing.
func (b *TokenBuckets) Wait(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.refill(key, b.now())
	if bk.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - bk.tokens) / b.rate * float64(time.Second))
}

// Take spends one of key's tokens; it reports false, with the wait, when
// there is none.
func (b *TokenBuckets) Take(key string) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.refill(key, b.now())
	if bk.tokens < 1 {
		return false, time.Duration((1 - bk.tokens) / b.rate * float64(time.Second))
	}
	bk.tokens--
	return true, 0
}
