package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/testkit"
)

// --- test job kinds ----------------------------------------------------------

type countArgs struct{ N int }

func (countArgs) Kind() string { return "test_count" }

// countWorker counts the jobs it ran and, when write is set, writes an app
// row through the writer as a real job would (a transcode updating its video).
type countWorker struct {
	river.WorkerDefaults[countArgs]
	ran   *atomic.Int64
	write *db.DB
}

func (w *countWorker) Work(ctx context.Context, job *river.Job[countArgs]) error {
	if w.write != nil {
		if _, err := w.write.W.NewInsert().Model(&appRow{N: -job.Args.N}).Exec(ctx); err != nil {
			return err
		}
	}
	w.ran.Add(1)
	return nil
}

type flakyArgs struct{}

func (flakyArgs) Kind() string { return "test_flaky" }

// flakyWorker fails its first two attempts.
type flakyWorker struct {
	river.WorkerDefaults[flakyArgs]
}

func (flakyWorker) Work(_ context.Context, job *river.Job[flakyArgs]) error {
	if job.Attempt < 3 {
		return fmt.Errorf("flaky attempt %d", job.Attempt)
	}
	return nil
}

type failArgs struct{}

func (failArgs) Kind() string { return "test_fail" }

type failWorker struct{ river.WorkerDefaults[failArgs] }

func (failWorker) Work(_ context.Context, job *river.Job[failArgs]) error {
	return fmt.Errorf("boom on attempt %d", job.Attempt)
}

type blockArgs struct{}

func (blockArgs) Kind() string { return "test_block" }

// blockWorker, when block is set, blocks until its context ends on a job's
// first attempt (a long transcode interrupted by shutdown or its timeout);
// otherwise it succeeds at once.
type blockWorker struct {
	river.WorkerDefaults[blockArgs]
	block   bool
	started chan struct{}
}

func (w *blockWorker) Work(ctx context.Context, job *river.Job[blockArgs]) error {
	if !w.block || job.Attempt > 1 {
		return nil
	}
	close(w.started)
	<-ctx.Done()
	return ctx.Err()
}

type appRow struct {
	bun.BaseModel `bun:"table:jobs_test_rows"`
	N             int `bun:"n"`
}

// --- helpers -----------------------------------------------------------------

// testLogger sends River's warnings and errors to the test log (failing jobs
// are logged on purpose here) and drops its info lines.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// newRunner builds a runner with TestOptions; it is stopped at the end of
// the test.
func newRunner(t *testing.T, d *db.DB, edit func(*Options)) *Runner {
	t.Helper()
	o := TestOptions(d)
	o.Logger = testLogger(t)
	if edit != nil {
		edit(&o)
	}
	r, err := New(context.Background(), o)
	testkit.Must(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return r
}

func start(t *testing.T, r *Runner) {
	t.Helper()
	testkit.Must(t, r.Start(context.Background()))
}

func wait(t *testing.T, r *Runner, id int64, states ...string) Status {
	t.Helper()
	// The deadline only bounds a failure: generous for a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := r.WaitFor(ctx, id, states...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func createAppTable(t *testing.T, d *db.DB) {
	t.Helper()
	_, err := d.W.ExecContext(context.Background(), "CREATE TABLE jobs_test_rows (n INTEGER NOT NULL)")
	testkit.Must(t, err)
}

func countAppRows(t *testing.T, d *db.DB) int64 {
	t.Helper()
	n, err := d.R.NewSelect().Model((*appRow)(nil)).Count(context.Background())
	testkit.Must(t, err)
	return n
}

// --- tests -------------------------------------------------------------------

func TestRunRetryDiscard(t *testing.T) {
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.NewDB(t, dialect)
		r := newRunner(t, d, nil)
		var ran atomic.Int64
		AddWorker(r, &countWorker{ran: &ran})
		AddWorker(r, flakyWorker{})
		AddWorker(r, failWorker{})
		start(t, r)
		ctx := context.Background()

		okID, err := r.Insert(ctx, nil, countArgs{N: 1}, nil)
		testkit.Must(t, err)
		flakyID, err := r.Insert(ctx, nil, flakyArgs{}, nil)
		testkit.Must(t, err)
		failID, err := r.Insert(ctx, nil, failArgs{}, nil)
		testkit.Must(t, err)

		s := wait(t, r, okID, StateCompleted)
		if s.Kind != "test_count" || s.Attempt != 1 || s.LastError != "" || s.FinishedAt == nil || s.CreatedAt.IsZero() {
			t.Errorf("ok job: %+v", s)
		}
		if ran.Load() != 1 {
			t.Errorf("worker ran %d times, want 1", ran.Load())
		}

		s = wait(t, r, flakyID, StateCompleted)
		if s.Attempt != 3 || s.LastError != "flaky attempt 2" {
			t.Errorf("flaky job: %+v", s)
		}

		s = wait(t, r, failID, StateFailed)
		if s.Attempt != DefaultMaxAttempts || s.MaxAttempts != DefaultMaxAttempts ||
			s.LastError != fmt.Sprintf("boom on attempt %d", DefaultMaxAttempts) || s.FinishedAt == nil {
			t.Errorf("failing job: %+v", s)
		}

		// Statuses reads them in one query and leaves unknown ids out.
		all, err := r.Statuses(ctx, []int64{okID, failID, 1 << 40})
		testkit.Must(t, err)
		if len(all) != 2 || all[okID].State != StateCompleted || all[failID].State != StateFailed {
			t.Errorf("Statuses: %+v", all)
		}
		if none, err := r.Statuses(ctx, nil); err != nil || len(none) != 0 {
			t.Errorf("Statuses(nil) = %v, %v", none, err)
		}
		if _, err := r.Status(ctx, 1<<40); !errors.Is(err, ErrNotFound) {
			t.Errorf("status of an unknown job: %v, want ErrNotFound", err)
		}
		// WaitFor gives up as soon as the job ends in an unwanted state.
		if _, err := r.WaitFor(ctx, failID, StateCompleted); err == nil || !strings.Contains(err.Error(), "boom on attempt") {
			t.Errorf("WaitFor(completed) on a failed job: %v", err)
		}
	})
}

func TestInsertInTransaction(t *testing.T) {
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.NewDB(t, dialect)
		createAppTable(t, d)
		r := newRunner(t, d, nil)
		var ran atomic.Int64
		AddWorker(r, &countWorker{ran: &ran})
		ctx := context.Background()

		// Rolled back: neither the app row nor the job exists.
		errRollback := errors.New("rollback")
		var rolledBack int64
		err := d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewInsert().Model(&appRow{N: 1}).Exec(ctx); err != nil {
				return err
			}
			id, err := r.Insert(ctx, &tx, countArgs{N: 1}, nil)
			rolledBack = id
			if err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("RunInTx: %v", err)
		}
		if _, err := r.Status(ctx, rolledBack); !errors.Is(err, ErrNotFound) {
			t.Errorf("job of a rolled-back transaction: %v, want ErrNotFound", err)
		}

		// Committed: the job commits with the row and runs.
		var committed int64
		testkit.Must(t, d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.NewInsert().Model(&appRow{N: 2}).Exec(ctx); err != nil {
				return err
			}
			var err error
			committed, err = r.Insert(ctx, &tx, countArgs{N: 2}, nil)
			return err
		}))
		start(t, r)
		wait(t, r, committed, StateCompleted)
		if n := countAppRows(t, d); n != 1 {
			t.Errorf("%d app rows, want 1", n)
		}
		// Nothing else shows up: a job enqueued after them all runs, and
		// by then the worker has run for the committed job and it alone.
		sentinel, err := r.Insert(ctx, nil, countArgs{N: 3}, nil)
		testkit.Must(t, err)
		wait(t, r, sentinel, StateCompleted)
		if ran.Load() != 2 {
			t.Errorf("worker ran %d times, want 2 (the committed job and the sentinel)", ran.Load())
		}
	})
}

func TestJobsSurviveRestart(t *testing.T) {
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.NewDB(t, dialect)
		ctx := context.Background()

		// First process: enqueues while not working, and is interrupted in
		// the middle of a long job.
		first := newRunner(t, d, nil)
		var ran atomic.Int64
		AddWorker(first, &countWorker{ran: &ran})
		block := &blockWorker{block: true, started: make(chan struct{})}
		AddWorker(first, block)
		queued, err := first.Insert(ctx, nil, countArgs{N: 1}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
		testkit.Must(t, err)
		start(t, first)
		blocked, err := first.Insert(ctx, nil, blockArgs{}, nil)
		testkit.Must(t, err)
		select {
		case <-block.started:
		case <-time.After(10 * time.Second):
			t.Fatal("the blocking job never started")
		}
		stopCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		testkit.Must(t, first.Stop(stopCtx)) // deadline: the running job is cancelled
		cancel()
		// River puts a job cancelled by shutdown back in the queue without
		// counting the attempt.
		s, err := first.Status(ctx, blocked)
		testkit.Must(t, err)
		if s.State != StateQueued || s.Attempt != 0 {
			t.Errorf("interrupted job: %+v", s)
		}
		// Make the scheduled job due now, behind the stopped runner's back.
		_, err = d.W.NewUpdate().Table("river_job").Set("scheduled_at = ?", time.Now().Add(-time.Second)).
			Where("id = ?", queued).Exec(ctx)
		testkit.Must(t, err)

		// Second process on the same database: migrating again is a no-op,
		// and both jobs run.
		second := newRunner(t, d, nil)
		AddWorker(second, &countWorker{ran: &ran})
		AddWorker(second, &blockWorker{})
		start(t, second)
		wait(t, second, queued, StateCompleted)
		if s := wait(t, second, blocked, StateCompleted); s.Attempt != 1 {
			t.Errorf("interrupted job after restart: %+v", s)
		}
		if ran.Load() != 1 {
			t.Errorf("count worker ran %d times, want 1", ran.Load())
		}
	})
}

// TestConcurrentWriters shares SQLite's single writer between River (its
// fetches, completions and notifications), jobs that write app rows, and 8
// goroutines inserting jobs and app rows, in and out of transactions.
func TestConcurrentWriters(t *testing.T) {
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.NewDB(t, dialect)
		createAppTable(t, d)
		r := newRunner(t, d, func(o *Options) { o.Queues = map[string]int{DefaultQueue: 8} })
		var ran atomic.Int64
		AddWorker(r, &countWorker{ran: &ran, write: d})
		start(t, r)

		const goroutines, perG = 8, 25
		began := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
			ids  []int64
		)
		for g := range goroutines {
			wg.Go(func() {
				for i := range perG {
					n := g*perG + i + 1
					var id int64
					var err error
					if i%2 == 0 {
						err = d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
							if _, err := tx.NewInsert().Model(&appRow{N: n}).Exec(ctx); err != nil {
								return err
							}
							id, err = r.Insert(ctx, &tx, countArgs{N: n}, nil)
							return err
						})
					} else {
						if _, err = d.W.NewInsert().Model(&appRow{N: n}).Exec(ctx); err == nil {
							id, err = r.Insert(ctx, nil, countArgs{N: n}, nil)
						}
					}
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					} else {
						ids = append(ids, id)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		inserted := time.Since(began)
		for _, err := range errs {
			t.Error(err)
		}
		for _, id := range ids {
			if _, err := r.WaitFor(ctx, id, StateCompleted); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%s: %d jobs inserted in %v, all completed in %v", dialect, len(ids), inserted.Round(time.Millisecond),
			time.Since(began).Round(time.Millisecond))
		if got := ran.Load(); got != goroutines*perG {
			t.Errorf("worker ran %d times, want %d", got, goroutines*perG)
		}
		if n := countAppRows(t, d); n != 2*goroutines*perG {
			t.Errorf("%d app rows, want %d", n, 2*goroutines*perG)
		}
	})
}

type tickArgs struct{}

func (tickArgs) Kind() string { return "test_tick" }

type tickWorker struct {
	river.WorkerDefaults[tickArgs]
	ran chan struct{} // one value per run (buffered: the worker never waits)
}

func (w *tickWorker) Work(context.Context, *river.Job[tickArgs]) error {
	select {
	case w.ran <- struct{}{}:
	default:
	}
	return nil
}

func TestPeriodic(t *testing.T) {
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.NewDB(t, dialect)
		r := newRunner(t, d, func(o *Options) {
			o.Periodic = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(200*time.Millisecond),
				func() (river.JobArgs, *river.InsertOpts) { return tickArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true})}
		})
		ran := make(chan struct{}, 3)
		AddWorker(r, &tickWorker{ran: ran})
		start(t, r)
		timeout := time.After(10 * time.Second)
		for n := 0; n < 3; n++ {
			select {
			case <-ran:
			case <-timeout:
				t.Fatalf("periodic job ran %d times in 10s, want 3", n)
			}
		}
	})
}

func TestWorkerTimeout(t *testing.T) {
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		d := testkit.NewDB(t, dialect)
		r := newRunner(t, d, nil)
		block := &blockWorker{block: true, started: make(chan struct{})}
		AddWorker(r, block, WithTimeout(50*time.Millisecond))
		start(t, r)
		id, err := r.Insert(context.Background(), nil, blockArgs{}, nil)
		testkit.Must(t, err)
		// The first attempt times out; the second succeeds.
		s := wait(t, r, id, StateCompleted)
		if s.Attempt != 2 || !strings.Contains(s.LastError, "deadline exceeded") {
			t.Errorf("timed-out job: %+v", s)
		}
	})
}

func TestWiring(t *testing.T) {
	d := testkit.NewDB(t, db.SQLite)
	r := newRunner(t, d, nil)
	// No worker: Start does nothing (the app wires the runner before any
	// module needs it), and Stop is harmless.
	testkit.Must(t, r.Start(context.Background()))
	var ran atomic.Int64
	AddWorker(r, &countWorker{ran: &ran})
	mustPanic(t, "duplicate kind", func() { AddWorker(r, &countWorker{ran: &ran}) })
	start(t, r)
	mustPanic(t, "after Start", func() { AddWorker(r, flakyWorker{}) })
	// A kind without a worker is refused at insert.
	if _, err := r.Insert(context.Background(), nil, failArgs{}, nil); err == nil {
		t.Error("insert of a kind without a worker succeeded")
	}
}

func mustPanic(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	fn()
}

// TestMigrateConcurrently starts several instances' migrations at once, as
// several app processes booting together on Postgres would.
func TestMigrateConcurrently(t *testing.T) {
	testkit.EachDialect(t, func(t *testing.T, dialect string) {
		url := testkit.DatabaseURL(t, dialect)
		dbs := make([]*db.DB, 3)
		for i := range dbs {
			var err error
			dbs[i], err = db.Open(context.Background(), db.Options{URL: url, MaxOpenConns: 4})
			testkit.Must(t, err)
			t.Cleanup(func() { _ = dbs[i].Close() })
		}
		d := dbs[0]
		var wg sync.WaitGroup
		errs := make([]error, len(dbs))
		for i := range errs {
			wg.Go(func() { errs[i] = Migrate(context.Background(), dbs[i], testLogger(t)) })
		}
		wg.Wait()
		for _, err := range errs {
			testkit.Must(t, err)
		}
		exists, err := d.TableExists(context.Background(), "river_job")
		testkit.Must(t, err)
		if !exists {
			t.Error("river_job was not created")
		}
	})
}

// A queue a module declares after New works its jobs once started; a queue
// without workers or added twice is refused.
func TestAddQueue(t *testing.T) {
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		r := newRunner(t, d, nil)
		AddWorker(r, &countWorker{ran: &atomic.Int64{}})
		testkit.Must(t, r.AddQueue("module_queue", 1))
		if err := r.AddQueue("module_queue", 1); err == nil {
			t.Error("a queue added twice")
		}
		if err := r.AddQueue("empty_queue", 0); err == nil {
			t.Error("a queue without workers")
		}
		id, err := r.Insert(context.Background(), nil, countArgs{N: 1}, &river.InsertOpts{Queue: "module_queue"})
		testkit.Must(t, err)
		start(t, r)
		if s := wait(t, r, id, StateCompleted); s.Queue != "module_queue" {
			t.Errorf("worked in queue %q", s.Queue)
		}
	})
}
