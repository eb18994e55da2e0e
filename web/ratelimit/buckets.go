package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/village-social/village/models"
)

// TokenBuckets is a token bucket per key, shared by every process on the
// database: each key may spend up to burst at once, refilled at rate per
// second. Take is one statement (models.TakeRateToken). Wait, asked before
// a request is worth that statement, answers from what this process last
// heard of the key: a bucket seen empty stays empty at least until it
// refills, whatever other processes take meanwhile, so the hint never
// refuses what the shared count would allow.
type TokenBuckets struct {
	db     models.DB
	bucket models.RateBucket
	now    func() time.Time
	sweep  *sweeper

	mu    sync.Mutex
	empty map[string]time.Time // keys seen without a token, until their next one
}

// maxHints bounds the memory of empty buckets: past it, those refilled
// are dropped, and if none, all.
const maxHints = 100_000

// Wait is how long until key has a token as far as this process knows (0:
// it may have one now); it spends nothing and asks nothing of the database.
func (b *TokenBuckets) Wait(key string) time.Duration {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	until, ok := b.empty[key]
	if !ok {
		return 0
	}
	if !now.Before(until) {
		delete(b.empty, key)
		return 0
	}
	return until.Sub(now)
}

// Take spends one of key's tokens; it reports false, with the wait, when
// there is none.
func (b *TokenBuckets) Take(ctx context.Context, key string) (bool, time.Duration, error) {
	now := b.now()
	granted, left, err := models.TakeRateToken(ctx, b.db, b.bucket, key, now)
	if err != nil {
		return false, 0, fmt.Errorf("ratelimit: %w", err)
	}
	var wait time.Duration
	if left < 1 {
		wait = time.Duration((1 - left) / b.bucket.Rate * float64(time.Second))
		b.hint(key, now.Add(wait), now)
	}
	b.sweep.maybe(ctx, now)
	if !granted {
		return false, wait, nil
	}
	return true, 0, nil
}

// hint remembers that key has no token until until.
func (b *TokenBuckets) hint(key string, until, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.empty) >= maxHints {
		for k, u := range b.empty {
			if !now.Before(u) {
				delete(b.empty, k)
			}
		}
		if len(b.empty) >= maxHints {
			clear(b.empty)
		}
	}
	b.empty[key] = until
}
