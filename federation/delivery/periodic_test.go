package delivery_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/village-social/village/federation/delivery"
)

// Two queues on one database stand for two worker processes: River's
// leader alone schedules a periodic task, so it runs once per period (here
// the run at start of an hourly task), not once per process; when the
// leader stops, the other takes over and runs it.
func TestPeriodicTaskRunsOnceAcrossQueuesOnOneDatabase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var runs atomic.Int32
	opts := f.options()
	opts.Periodic = []delivery.PeriodicTask{{Name: "count", Every: time.Hour, Run: func(context.Context) error {
		runs.Add(1)
		return nil
	}}}
	waitRuns := func(want int32, why string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for runs.Load() < want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d runs, want %d", why, runs.Load(), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	first := f.start(t, opts)
	waitRuns(1, "the first queue's run at start")
	f.start(t, opts)
	// The second would run it at start too were it not for the leader: a
	// few seconds is ample for that (a slow machine only makes this pass
	// more easily, never fail).
	time.Sleep(3 * time.Second)
	if n := runs.Load(); n != 1 {
		t.Fatalf("%d runs with two queues running, want 1: the task ran once per process", n)
	}

	// The leader stops; the second queue is elected and runs it on taking over.
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := first.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	waitRuns(2, "the second queue's run once it leads")
}
