package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/weaverse/weaverse/platform/jobs"
)

// Failure is a delivery that failed at least once and has not succeeded
// since: retrying, or given up.
type Failure struct {
	JobID       int64
	Subscriber  string
	Event       string
	EventID     string
	PublishedAt time.Time
	// Attempt is the number of attempts so far; MaxAttempts the limit.
	Attempt, MaxAttempts int
	// LastError is the error of the latest failed attempt.
	LastError string
	// GaveUp is set once the delivery used its last attempt (River
	// discarded the job): it needs a person, not more time.
	GaveUp bool
	// NextAttempt is when the delivery is due to run again (nil once it
	// gave up; in the past while it waits for a worker or runs).
	NextAttempt *time.Time
	// FinishedAt is when it gave up (nil while retrying).
	FinishedAt *time.Time
}

// maxFailures bounds Failures' limit (River lists at most 10,000 jobs).
const maxFailures = 10_000

// failedWhere selects the jobs that failed at least once: a job not yet
// completed whose attempt counter is past 0 (1 while it runs). A job
// interrupted by shutdown has its attempt given back, so it is not one.
// Plain SQL that both of River's drivers accept.
const failedWhere = "attempt > (CASE WHEN state = 'running' THEN 1 ELSE 0 END)"

// Failures lists deliveries that failed at least once and are waiting to
// retry (or retrying now), and those that gave up, newest delivery job
// first, at most limit (≤ 0: 100). Completed and cancelled (dropped) ones
// are not failures to act on. River deletes given-up jobs after 7 days.
func (b *Bus) Failures(ctx context.Context, limit int) ([]Failure, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, maxFailures)
	params := river.NewJobListParams().
		Kinds(deliverKind).
		States(rivertype.JobStateRetryable, rivertype.JobStateAvailable, rivertype.JobStateScheduled,
			rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateDiscarded).
		Where(failedWhere).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).
		First(limit)
	list, err := b.jobs.List(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("events: failures: %w", err)
	}
	out := make([]Failure, 0, len(list))
	for _, j := range list {
		var a deliverArgs
		if err := json.Unmarshal(j.Args, &a); err != nil {
			return nil, fmt.Errorf("events: failures: job %d: %w", j.ID, err)
		}
		f := Failure{
			JobID: j.ID, Subscriber: a.Subscriber, Event: a.Event, EventID: a.EventID, PublishedAt: a.PublishedAt,
			Attempt: j.Attempt, MaxAttempts: j.MaxAttempts, LastError: j.LastError,
			GaveUp: j.State == jobs.StateFailed, FinishedAt: j.FinishedAt,
		}
		if !f.GaveUp {
			next := j.ScheduledAt
			f.NextAttempt = &next
		}
		out = append(out, f)
	}
	return out, nil
}
