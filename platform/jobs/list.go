package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
)

// Job is a listed job: its status and its JSON-encoded arguments, so the
// module that owns the kind can say what the job was about (which order,
// which subscriber) without a table of its own.
type Job struct {
	Status
	// Args is the job's arguments as River stored them (JSON).
	Args []byte
}

// List returns the jobs matching params (River's filters: kinds, queues,
// states, order, limit, and a Where escape hatch whose SQL must suit both
// drivers). Like Status it reads through the reader, so an admin page never
// waits behind SQLite's single writer.
func (r *Runner) List(ctx context.Context, params *river.JobListParams) ([]Job, error) {
	res, err := r.reader.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	out := make([]Job, len(res.Jobs))
	for i, j := range res.Jobs {
		out[i] = Job{Status: statusOf(j), Args: j.EncodedArgs}
	}
	return out, nil
}
