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
// second. Take takes a lease of up to chunk tokens in one statement
// (models.TakeRateTokens) and spends it in memory, so that a busy host's
// POSTs do not each update its one row and wait for each other's lock
// there; a lease unspent after leaseTTL is dropped (those tokens are
// spent for nothing, at most chunk per process and key). Wait, asked before
// a request is worth that statement, answers from what this process last
// heard of the key: a bucket seen empty stays empty at least until it
// refills, whatever other processes take meanwhile, so the hint never
// refuses what the shared count would allow.
type TokenBuckets struct {
	db     models.DB
	bucket models.RateBucket
	now    func() time.Time
	sweep  *sweeper

	chunk  int // tokens one statement takes at most: 1 for small limits, exact
	mu     sync.Mutex
	empty  map[string]time.Time // keys seen without a token, until their next one
	leases map[string]*lease    // tokens taken from the shared bucket, not yet spent
}

// lease is what this process holds of one key's tokens. Its mutex also
// makes one Take at a time ask the database for the key, so that a burst
// takes one lease, not one each.
type lease struct {
	mu     sync.Mutex
	tokens int
	until  time.Time
}

// leaseTTL is how long leased tokens may be spent.
const leaseTTL = time.Second

// maxChunk bounds a lease; a limit takes leases of a fiftieth of its burst.
const maxChunk = 64

// chunkOf is the lease size for a bucket of burst tokens.
func chunkOf(burst int) int {
	return min(max(burst/50, 1), maxChunk)
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
	l := b.leaseOf(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := b.now()
	if l.tokens > 0 && now.Before(l.until) {
		l.tokens--
		return true, 0, nil
	}
	taken, left, err := models.TakeRateTokens(ctx, b.db, b.bucket, key, now, b.chunk)
	if err != nil {
		return false, 0, fmt.Errorf("ratelimit: %w", err)
	}
	b.sweep.maybe(ctx, now)
	if taken > 0 {
		l.tokens, l.until = taken-1, now.Add(leaseTTL)
		return true, 0, nil
	}
	l.tokens = 0
	wait := time.Duration((1 - left) / b.bucket.Rate * float64(time.Second))
	b.hint(key, now.Add(wait), now)
	return false, wait, nil
}

// leaseOf is this process's lease of key's tokens.
func (b *TokenBuckets) leaseOf(key string) *lease {
	b.mu.Lock()
	defer b.mu.Unlock()
	l, ok := b.leases[key]
	if !ok {
		if len(b.leases) >= maxHints {
			clear(b.leases) // their tokens are forgotten: spent for nothing
		}
		l = &lease{}
		b.leases[key] = l
	}
	return l
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
