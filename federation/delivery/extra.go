package delivery

import (
	"fmt"

	"github.com/riverqueue/river"
)

// ExtraJobs is a kind of job besides deliveries that the queue's River
// client works: Add registers its workers, and its jobs go to Queue, where
// at most MaxWorkers run at once. Retries follow the queue's RetryPolicy.
type ExtraJobs struct {
	Queue      string
	MaxWorkers int
	Add        func(*river.Workers) error
}

// addExtraJobs registers each ExtraJobs' workers and queue.
func addExtraJobs(workers *river.Workers, queues map[string]river.QueueConfig, extra []ExtraJobs) error {
	for _, x := range extra {
		if _, taken := queues[x.Queue]; taken || x.Queue == "" || x.MaxWorkers <= 0 {
			return fmt.Errorf("delivery: extra jobs: queue %q is taken, unnamed or has no workers", x.Queue)
		}
		if err := x.Add(workers); err != nil {
			return fmt.Errorf("delivery: extra jobs in queue %s: %w", x.Queue, err)
		}
		queues[x.Queue] = river.QueueConfig{MaxWorkers: x.MaxWorkers, FetchPollInterval: sideQueuePollInterval}
	}
	return nil
}
