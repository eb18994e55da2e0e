package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// PeriodicTask is upkeep the queue runs every so often on behalf of the
// rest of Village (the media cleanup, say). River's leader alone schedules
// it, so several processes on one database run it once per Every, and a
// restart runs it at once.
type PeriodicTask struct {
	Name  string // unique among the tasks; names the job
	Every time.Duration
	Run   func(context.Context) error
}

// maintenanceQueue keeps upkeep apart from deliveries: one job at a time,
// never taking a delivery worker's place.
const maintenanceQueue = "maintenance"

// periodicArgs is the River job of a PeriodicTask, named by Task.
type periodicArgs struct {
	Task string `json:"task" river:"unique"`
}

func (periodicArgs) Kind() string { return "village_periodic" }

// periodicWorker runs the task a job names.
type periodicWorker struct {
	river.WorkerDefaults[periodicArgs]
	tasks map[string]PeriodicTask
}

// Timeout lets upkeep take longer than a delivery may.
func (w *periodicWorker) Timeout(*river.Job[periodicArgs]) time.Duration { return 10 * time.Minute }

func (w *periodicWorker) Work(ctx context.Context, job *river.Job[periodicArgs]) error {
	t, ok := w.tasks[job.Args.Task]
	if !ok {
		return river.JobCancel(fmt.Errorf("delivery: no periodic task %q", job.Args.Task))
	}
	return t.Run(ctx)
}

// periodicJobs registers the tasks' worker and returns River's schedule of
// them; none when there are no tasks.
func periodicJobs(workers *river.Workers, tasks []PeriodicTask) ([]*river.PeriodicJob, error) {
	if len(tasks) == 0 {
		return nil, nil
	}
	w := &periodicWorker{tasks: map[string]PeriodicTask{}}
	var jobs []*river.PeriodicJob
	for _, t := range tasks {
		if _, dup := w.tasks[t.Name]; dup || t.Name == "" || t.Every <= 0 || t.Run == nil {
			return nil, fmt.Errorf("delivery: periodic task %q needs a unique name, an interval and a function", t.Name)
		}
		w.tasks[t.Name] = t
		name := t.Name
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(t.Every),
			func() (river.JobArgs, *river.InsertOpts) {
				// Unique while one waits or runs: a slow run is not doubled.
				// River's default states count a completed job too, which
				// would stop the task until River's cleaner removes it (a day).
				return periodicArgs{Task: name}, &river.InsertOpts{Queue: maintenanceQueue, MaxAttempts: 3,
					UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
						rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
			}, &river.PeriodicJobOpts{ID: name, RunOnStart: true}))
	}
	if err := river.AddWorkerSafely(workers, w); err != nil {
		return nil, fmt.Errorf("delivery: %w", err)
	}
	return jobs, nil
}
