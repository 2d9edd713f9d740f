package jobs

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"
)

// InsertMany enqueues several jobs in one statement and returns their ids
// (River does not document their order: match them by args if it matters).
// The transaction rules are Insert's: with a transaction, the jobs are
// written on its own connection and exist only if it commits.
func (r *Runner) InsertMany(ctx context.Context, tx *bun.Tx, params []river.InsertManyParams) ([]int64, error) {
	if len(params) == 0 {
		return nil, nil
	}
	var (
		res []*rivertype.JobInsertResult
		err error
	)
	if tx != nil {
		res, err = r.client.InsertManyTx(ctx, tx.Tx, params)
	} else {
		res, err = r.client.InsertMany(ctx, params)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: insert %d jobs (%s, …): %w", len(params), params[0].Args.Kind(), err)
	}
	ids := make([]int64, len(res))
	for i, j := range res {
		ids[i] = j.Job.ID
	}
	return ids, nil
}

// Started reports whether Start has started working jobs. Registries built
// on the runner (event subscriptions) use it to refuse late additions, as
// AddWorker does.
func (r *Runner) Started() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.started
}
