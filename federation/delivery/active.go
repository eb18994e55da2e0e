package delivery

import (
	"context"
	"sync"
	"time"
)

// Deliveries that wait on a slow peer step aside.
//
// Options.Workers bounds the deliveries being worked at once: loading,
// signing, sending, and waiting for a peer that answers promptly. A POST
// still unanswered after slowAfter gives its place back and waits on, so
// that hosts which accept a connection and then never answer cannot take
// every worker while healthy hosts queue behind them. River runs up to
// slowFactor·Workers jobs at once to leave room for such waiting POSTs;
// each ends within Timeout.
const (
	slowFactor  = 8
	maxSlowWait = time.Second
)

// slowAfter is how long an answer may take before its POST steps aside: a
// second, or a quarter of the Timeout if that is shorter.
func (o Options) slowAfter() time.Duration { return min(maxSlowWait, o.Timeout/4) }

// riverWorkers is River's MaxWorkers for the delivery queue.
func (o Options) riverWorkers() int { return min(o.Workers*slowFactor, 10_000) }

// activeSlots is the semaphore of Options.Workers.
type activeSlots chan struct{}

// activeSlot is one job's hold on an active slot. It may be given back from
// a timer while the job still runs, hence the lock.
type activeSlot struct {
	slots activeSlots
	mu    sync.Mutex
	held  bool
}

// hold returns a slot to be taken with take.
func (s activeSlots) hold() *activeSlot { return &activeSlot{slots: s} }

// take waits for an active slot, unless the job's context ends first. Only
// the job's own goroutine takes; give may also come from a timer.
func (a *activeSlot) take(ctx context.Context) error {
	a.mu.Lock()
	held := a.held
	a.mu.Unlock()
	if held {
		return nil
	}
	select {
	case a.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	a.mu.Lock()
	a.held = true
	a.mu.Unlock()
	return nil
}

// give returns the slot if it is held; calling it again does nothing.
func (a *activeSlot) give() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.held {
		<-a.slots
		a.held = false
	}
}
