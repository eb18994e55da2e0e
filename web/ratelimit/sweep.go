package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/village-social/village/models"
)

// sweepEvery is how often a process deletes the windows and buckets that
// ran out: opportunistically, after a count, so that the tables hold
// about the keys of the last window whatever runs (or does not run) the
// periodic jobs.
const sweepEvery = time.Minute

// sweeper runs models.SweepRateLimits at most once per sweepEvery in this
// process (several processes sweeping is harmless: the deletes are idempotent).
type sweeper struct {
	db     models.DB
	logger *slog.Logger

	mu   sync.Mutex
	last time.Time
}

// maybe sweeps if the last sweep is sweepEvery old, in the caller's
// goroutine: one indexed delete a minute.
func (s *sweeper) maybe(ctx context.Context, now time.Time) {
	s.mu.Lock()
	due := now.Sub(s.last) >= sweepEvery || now.Before(s.last)
	if due {
		s.last = now
	}
	s.mu.Unlock()
	if !due {
		return
	}
	if _, err := models.SweepRateLimits(context.WithoutCancel(ctx), s.db, now); err != nil {
		s.logger.Warn("ratelimit: sweeping old counts failed", "error", err)
	}
}
