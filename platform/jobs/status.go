package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Job states as shown to a job's owner. River's own states are finer; see
// displayState.
const (
	StateQueued    = "queued"    // waiting for a worker (or for its scheduled time)
	StateRunning   = "running"   // a worker has it
	StateRetryable = "retryable" // failed; will run again at ScheduledAt
	StateCompleted = "completed"
	StateFailed    = "failed" // failed its last attempt (River: discarded)
	StateCancelled = "cancelled"
)

// ErrNotFound is returned by Status for an unknown job id, including one
// River's cleaner already removed (completed and cancelled jobs after 24 h,
// failed ones after 7 days): a module that must remember an outcome longer
// records it in its own rows.
var ErrNotFound = errors.New("jobs: job not found")

// Status is a job's state for display.
type Status struct {
	ID          int64
	Kind        string
	Queue       string
	State       string // one of the State* constants
	Attempt     int    // attempts started so far
	MaxAttempts int
	// LastError is the error of the latest failed attempt ("" if none).
	LastError string
	CreatedAt time.Time
	// ScheduledAt is when the job is (or was) due to run: its next retry
	// while retryable.
	ScheduledAt time.Time
	// AttemptedAt is when the latest attempt started.
	AttemptedAt *time.Time
	// FinishedAt is set once the job is completed, failed or cancelled.
	FinishedAt *time.Time
}

// Final reports whether the job will not run again.
func (s Status) Final() bool {
	return s.State == StateCompleted || s.State == StateFailed || s.State == StateCancelled
}

// Status reads a job's state. The module that enqueued the job decides who
// may see it (it stores the id beside the owner's row).
func (r *Runner) Status(ctx context.Context, id int64) (Status, error) {
	job, err := r.reader.JobGet(ctx, id)
	if errors.Is(err, river.ErrNotFound) {
		return Status{}, ErrNotFound
	}
	if err != nil {
		return Status{}, fmt.Errorf("jobs: status of %d: %w", id, err)
	}
	return statusOf(job), nil
}

func statusOf(job *rivertype.JobRow) Status {
	s := Status{
		ID:          job.ID,
		Kind:        job.Kind,
		Queue:       job.Queue,
		State:       displayState(job.State),
		Attempt:     job.Attempt,
		MaxAttempts: job.MaxAttempts,
		CreatedAt:   job.CreatedAt,
		ScheduledAt: job.ScheduledAt,
		AttemptedAt: job.AttemptedAt,
		FinishedAt:  job.FinalizedAt,
	}
	if n := len(job.Errors); n > 0 {
		s.LastError = job.Errors[n-1].Error
	}
	return s
}

// displayState folds River's states into what an owner needs to know.
func displayState(s rivertype.JobState) string {
	switch s {
	case rivertype.JobStateRunning:
		return StateRunning
	case rivertype.JobStateRetryable:
		return StateRetryable
	case rivertype.JobStateCompleted:
		return StateCompleted
	case rivertype.JobStateDiscarded:
		return StateFailed
	case rivertype.JobStateCancelled:
		return StateCancelled
	default: // available, pending, scheduled
		return StateQueued
	}
}

// WaitFor polls Status until the job is in one of states (any final state
// when none is given) and returns it. It fails early when the job reaches a
// final state that is not wanted, so a test waiting for "completed" reports
// the job's last error instead of timing out.
func (r *Runner) WaitFor(ctx context.Context, id int64, states ...string) (Status, error) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s, err := r.Status(ctx, id)
		if err != nil {
			return s, err
		}
		if len(states) == 0 && s.Final() || slices.Contains(states, s.State) {
			return s, nil
		}
		if s.Final() {
			return s, fmt.Errorf("jobs: job %d (%s) ended %s, not %v; last error: %q", id, s.Kind, s.State, states, s.LastError)
		}
		select {
		case <-ctx.Done():
			return s, fmt.Errorf("jobs: waiting for job %d (%s, now %s after %d attempts): %w", id, s.Kind, s.State, s.Attempt, ctx.Err())
		case <-tick.C:
		}
	}
}

// Statuses reads the states of many jobs in one query; ids River no longer
// has (cleaned up, or never inserted) are absent from the result.
func (r *Runner) Statuses(ctx context.Context, ids []int64) (map[int64]Status, error) {
	out := make(map[int64]Status, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	// River lists at most 10,000 jobs per call.
	for chunk := range slices.Chunk(ids, 1000) {
		res, err := r.reader.JobList(ctx, river.NewJobListParams().IDs(chunk...).First(len(chunk)))
		if err != nil {
			return nil, fmt.Errorf("jobs: statuses: %w", err)
		}
		for _, j := range res.Jobs {
			out[j.ID] = statusOf(j)
		}
	}
	return out, nil
}
