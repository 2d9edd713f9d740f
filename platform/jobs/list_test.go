package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/testkit"
)

func TestInsertManyAndList(t *testing.T) {
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.NewDB(t, dialect)
		r := newRunner(t, d, nil)
		var ran atomic.Int64
		AddWorker(r, &countWorker{ran: &ran})
		AddWorker(r, failWorker{})
		ctx := context.Background()
		many := func(ns ...int) []river.InsertManyParams {
			var ps []river.InsertManyParams
			for _, n := range ns {
				ps = append(ps, river.InsertManyParams{Args: countArgs{N: n}})
			}
			return ps
		}

		// Rolled back: no job.
		errRollback := errors.New("rollback")
		err := d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := r.InsertMany(ctx, &tx, many(1, 2)); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("RunInTx: %v", err)
		}
		if ids, err := r.InsertMany(ctx, nil, nil); err != nil || ids != nil {
			t.Errorf("InsertMany(nothing) = %v, %v", ids, err)
		}
		all, err := r.List(ctx, river.NewJobListParams())
		testkit.Must(t, err)
		if len(all) != 0 {
			t.Fatalf("a rolled-back InsertMany left %d jobs", len(all))
		}

		// Committed in a transaction, and without one.
		var ids []int64
		testkit.Must(t, d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			var err error
			ids, err = r.InsertMany(ctx, &tx, many(3, 4, 5))
			return err
		}))
		more, err := r.InsertMany(ctx, nil, []river.InsertManyParams{{Args: failArgs{}, InsertOpts: &river.InsertOpts{MaxAttempts: 1}}})
		testkit.Must(t, err)
		if len(ids) != 3 || len(more) != 1 {
			t.Fatalf("ids %v %v", ids, more)
		}

		if r.Started() {
			t.Error("Started before Start")
		}
		start(t, r)
		if !r.Started() {
			t.Error("not Started after Start")
		}
		for _, id := range ids {
			wait(t, r, id, StateCompleted)
		}
		wait(t, r, more[0], StateFailed)

		// List filters with River's params and returns the encoded args.
		done, err := r.List(ctx, river.NewJobListParams().Kinds("test_count").
			States(rivertype.JobStateCompleted).OrderBy(river.JobListOrderByID, river.SortOrderDesc))
		testkit.Must(t, err)
		var ns []int
		for _, j := range done {
			var a countArgs
			testkit.Must(t, json.Unmarshal(j.Args, &a))
			ns = append(ns, a.N)
			if j.State != StateCompleted || j.Kind != "test_count" {
				t.Errorf("listed job %+v", j.Status)
			}
		}
		if !slices.Equal(ns, []int{5, 4, 3}) {
			t.Errorf("listed args %v, want [5 4 3]", ns)
		}
		failed, err := r.List(ctx, river.NewJobListParams().States(rivertype.JobStateDiscarded))
		testkit.Must(t, err)
		if len(failed) != 1 || failed[0].ID != more[0] || failed[0].LastError != "boom on attempt 1" {
			t.Errorf("failed jobs %+v", failed)
		}
	})
}
