package delivery_test

import (
	"testing"
	"time"
)

// slowHostLatency is how long the slow host takes to answer each POST.
const slowHostLatency = 300 * time.Millisecond

// BenchmarkSlowHost sends a burst of 100 deliveries to one host that
// answers every POST after 300 ms, and reports the POSTs per second it
// got from the first enqueue to the last delivery completed: with
// MaxPerHost=4 as before issue 12 (at most 4 in flight: 13.3 a second at
// best) and with the default, which lets a host that answers slowly but
// well have more in flight (hostPace).
func BenchmarkSlowHost(b *testing.B) {
	b.Run("max-per-host=4", func(b *testing.B) { benchSlowHost(b, 4) })
	b.Run("max-per-host=default", func(b *testing.B) { benchSlowHost(b, 0) })
}

func benchSlowHost(b *testing.B, maxPerHost int) {
	const burst = 100
	f := newFixture(b)
	rc := newReceiver(b, receiverOptions{onRequest: func() { time.Sleep(slowHostLatency) }})
	opts := f.options()
	opts.Timeout = 5 * time.Second
	opts.MaxPerHost = maxPerHost
	f.start(b, opts)
	var took time.Duration
	b.ResetTimer()
	for i := range b.N {
		act := f.activity(b)
		start := time.Now()
		f.enqueue(b, act.ID, inboxes(rc.URL, burst)...)
		for jobStates(b, f.pool)["completed"] < burst*(i+1) {
			if time.Since(start) > time.Minute {
				b.Fatalf("after a minute %d of %d deliveries completed", jobStates(b, f.pool)["completed"]-burst*i, burst)
			}
			time.Sleep(10 * time.Millisecond)
		}
		took += time.Since(start)
	}
	b.StopTimer()
	if n := rc.count(); n != burst*b.N {
		b.Fatalf("the host got %d POSTs, want exactly %d", n, burst*b.N)
	}
	perSecond := float64(burst*b.N) / took.Seconds()
	b.ReportMetric(perSecond, "posts/s")
	b.ReportMetric(float64(rc.maxInflightSeen()), "max-in-flight")
	b.Logf("%d POSTs to a host answering in %s: %.1f a second, at most %d in flight", burst*b.N, slowHostLatency, perSecond, rc.maxInflightSeen())
}
