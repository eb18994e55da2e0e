package delivery

import (
	"context"
	"encoding/json"

	"github.com/riverqueue/river"

	"github.com/village-social/village/federation/requestid"
)

// Outcome is what became of one run of a delivery job, for metrics
// (Options.OnOutcome): a small fixed set, so that it can be a label.
type Outcome string

// The outcomes of a delivery job's run.
const (
	Delivered   Outcome = "delivered"    // the peer answered 2xx
	FailedRetry Outcome = "failed_retry" // failed (5xx, timeout, refused connection); retried later
	GivenUp     Outcome = "given_up"     // failed for the last time, or refused by the peer (4xx)
	Gone        Outcome = "gone"         // the inbox answered 410, or the activity or its actor is gone
	Dropped     Outcome = "dropped"      // never sent: address not allowed, domain suspended, too old
	HostPaused  Outcome = "host_paused"  // waits for its host's pause to end
	RateLimited Outcome = "rate_limited" // the peer answered 429; waits for its Retry-After
	HostBusy    Outcome = "host_busy"    // its host's slots were taken; waits briefly
)

// Outcomes lists every Outcome, so that a metric can show each at zero.
func Outcomes() []Outcome {
	return []Outcome{Delivered, FailedRetry, GivenUp, Gone, Dropped, HostPaused, RateLimited, HostBusy}
}

// outcome tells Options.OnOutcome, when set.
func (q *Queue) outcome(o Outcome) {
	if q.opts.OnOutcome != nil {
		q.opts.OnOutcome(o)
	}
}

// jobMetadata is what Village keeps in a River job's metadata: the id of
// the HTTP request that queued it, so that the worker's log lines can be
// tied to that request's.
type jobMetadata struct {
	RequestID string `json:"request_id,omitempty"`
}

// insertOpts carries ctx's request id into a job's metadata; nil (the
// job's own options) without one.
func insertOpts(ctx context.Context) *river.InsertOpts {
	id := requestid.From(ctx)
	if id == "" {
		return nil
	}
	b, err := json.Marshal(jobMetadata{RequestID: id})
	if err != nil {
		return nil
	}
	return &river.InsertOpts{Metadata: b}
}

// jobRequestID reads the request id a job was queued with, "" if none.
func jobRequestID(metadata []byte) string {
	var m jobMetadata
	if len(metadata) == 0 || json.Unmarshal(metadata, &m) != nil || !requestid.Sane(m.RequestID) {
		return ""
	}
	return m.RequestID
}
