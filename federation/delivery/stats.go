package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/village-social/village/models"
)

// QueueStats is the state of the delivery queue (deliveries and fan-outs)
// across every process on the database, for metrics.
type QueueStats struct {
	// Jobs counts the jobs not yet finished by River state: available
	// (due now), scheduled (a retry or snooze not yet due), retryable and
	// running.
	Jobs map[string]int64
	// OldestAvailable is how long the oldest due job has waited since it
	// became due; zero when none waits.
	OldestAvailable time.Duration
}

// unfinishedStates are the River states of jobs still to be worked.
func unfinishedStates() []string { return []string{"available", "scheduled", "retryable", "running"} }

// ReadQueueStats reads QueueStats from River's table. It counts rows, so a
// scrape of a queue of a million jobs costs a scan of the index River
// fetches with; callers bound it with ctx.
func ReadQueueStats(ctx context.Context, db models.DB) (QueueStats, error) {
	states := unfinishedStates()
	st := QueueStats{Jobs: make(map[string]int64, len(states))}
	for _, s := range states {
		st.Jobs[s] = 0
	}
	rows, err := db.Query(ctx, `SELECT state::text, count(*), greatest(extract(epoch FROM now() - min(scheduled_at)), 0)::float8
		FROM river_job WHERE queue = $1 AND state = ANY($2::river_job_state[])
		GROUP BY state`, queueName, states)
	if err != nil {
		return st, fmt.Errorf("delivery: queue stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int64
		var oldest float64
		if err := rows.Scan(&state, &n, &oldest); err != nil {
			return st, fmt.Errorf("delivery: queue stats: %w", err)
		}
		st.Jobs[state] = n
		if state == "available" && oldest > 0 {
			st.OldestAvailable = time.Duration(oldest * float64(time.Second))
		}
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("delivery: queue stats: %w", err)
	}
	return st, nil
}
