package delivery_test

import (
	"net/http"
	"testing"
	"time"
)

// A host that answers slowly but well is allowed more POSTs in flight than
// PerHost, never more than MaxPerHost; one that answers as slowly with
// 503s never gets more than PerHost.
func TestASlowHostThatAnswersWellGetsMorePOSTsInFlightAndAFailingOneDoesNot(t *testing.T) {
	t.Parallel()
	slow := func() { time.Sleep(400 * time.Millisecond) }
	for _, c := range []struct {
		name        string
		status      int
		least, most int
	}{
		{"answering 202", http.StatusAccepted, 3, 6},
		{"answering 503", http.StatusServiceUnavailable, 1, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			status := c.status
			rc := newReceiver(t, receiverOptions{onRequest: slow, respond: func(int) (int, http.Header) { return status, nil }})
			act := f.activity(t)
			f.enqueue(t, act.ID, inboxes(rc.URL, 30)...)
			opts := f.options()
			opts.PerHost, opts.MaxPerHost = 2, 6
			opts.PauseAfter = 1000 // the failing host keeps being tried
			f.start(t, opts)
			eventually(t, 60*time.Second, "30 POSTs arrive", func() bool { return rc.count() >= 30 })
			if n := rc.maxInflightSeen(); n < c.least || n > c.most {
				t.Errorf("at most %d POSTs at once, want between %d and %d", n, c.least, c.most)
			}
		})
	}
}
