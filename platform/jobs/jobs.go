// Package jobs runs background jobs (video transcoding, certificates,
// schedules) with River on the application's own database, so a job commits
// with the rows that asked for it and survives a restart.
//
// On SQLite, River uses the single writer connection (riversqlite): every
// River write, like every app write, takes its turn on that connection, which
// is what keeps SQLITE_BUSY away. River polls there instead of LISTEN/NOTIFY,
// so throughput is about MaxWorkers per FetchCooldown: right for jobs that
// take seconds or minutes, wrong for per-request work. On Postgres River uses
// the pgx-stdlib pool through riverdatabasesql (poll-only: that driver has no
// listener).
//
// Wiring: New (migrates River's tables) → modules call AddWorker (and
// AddPeriodic) → Start → … → Stop. Insert and Status work whether or not the
// runner is started, so a CLI command may enqueue without working jobs.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
)

// Defaults.
const (
	// DefaultQueue is the queue jobs go to unless their InsertOpts say otherwise.
	DefaultQueue = river.QueueDefault
	// DefaultMaxWorkers is the default queue's concurrency.
	DefaultMaxWorkers = 4
	// DefaultMaxAttempts bounds retries: with River's backoff (attempt⁴
	// seconds plus jitter) the fifth attempt comes about 6 minutes after the
	// first failure, long enough to ride out a restart or a full disk being
	// cleaned, short enough for the owner to see a failure the same session.
	DefaultMaxAttempts = 5
	// DefaultFetchCooldown is the least time between two fetches of a queue.
	// Each fetch is a write transaction; on SQLite it takes the single
	// writer, so fetching more often would slow the app's own writes.
	DefaultFetchCooldown = 100 * time.Millisecond
	// DefaultFetchPollInterval is how often an idle queue looks for work.
	// It bounds the pickup delay of jobs inserted inside a transaction on
	// Postgres (poll-only) and of jobs whose retry time has come.
	DefaultFetchPollInterval = 500 * time.Millisecond
	// DefaultJobTimeout is how long a job may run unless its worker was
	// added WithTimeout. Long jobs (transcoding) must say so explicitly.
	DefaultJobTimeout = time.Minute
)

// Options configures New.
type Options struct {
	DB     *db.DB
	Logger *slog.Logger
	// Queues maps a queue name to its maximum number of concurrent jobs;
	// nil means {"default": 4}.
	Queues map[string]int
	// FetchCooldown and FetchPollInterval: zero means the defaults above.
	FetchCooldown, FetchPollInterval time.Duration
	// MaxAttempts is the default for jobs whose args or InsertOpts do not
	// set one; zero means DefaultMaxAttempts.
	MaxAttempts int
	// JobTimeout is the default run time limit; zero means DefaultJobTimeout,
	// -1 means none. A worker added WithTimeout overrides it for its kind.
	JobTimeout time.Duration
	// RetryPolicy decides when a failed job runs again; nil means River's
	// exponential backoff. A worker's own NextRetry takes precedence.
	RetryPolicy river.ClientRetryPolicy
	// Periodic jobs are enqueued by whichever instance is River's leader.
	Periodic []*river.PeriodicJob

	// TestOnly starts River's maintenance services (periodic jobs, retry
	// scheduling) without their jitter of up to a second. Tests only.
	TestOnly bool
}

// TestOptions returns Options for tests of modules that enqueue jobs: fast
// polling, retries 20ms after a failure, no start-up jitter. Stop the runner
// in a t.Cleanup registered after the database's, so it stops first.
func TestOptions(d *db.DB) Options {
	return Options{
		DB:                d,
		FetchCooldown:     20 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		RetryPolicy:       FixedRetry(20 * time.Millisecond),
		TestOnly:          true,
	}
}

// FixedRetry is a retry policy that runs a failed job again after a fixed
// delay, instead of River's growing backoff.
type FixedRetry time.Duration

// NextRetry implements river.ClientRetryPolicy.
func (f FixedRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(time.Duration(f))
}

// Runner owns the River client of the application's database.
type Runner struct {
	log     *slog.Logger
	workers *river.Workers
	client  *river.Client[*sql.Tx]
	// reader reads job rows through the read-only pool on SQLite, so a
	// status page never waits behind the single writer; on Postgres it is
	// client.
	reader *river.Client[*sql.Tx]

	mu      sync.Mutex
	nworker int
	started bool
}

// New creates the runner and applies River's own migrations (idempotent,
// safe on every start and, on Postgres, for several instances at once).
func New(ctx context.Context, o Options) (*Runner, error) {
	if o.DB == nil {
		return nil, errors.New("jobs: Options.DB is nil")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if err := Migrate(ctx, o.DB, o.Logger); err != nil {
		return nil, err
	}
	queues := make(map[string]river.QueueConfig, len(o.Queues))
	for name, n := range o.Queues {
		queues[name] = river.QueueConfig{MaxWorkers: n}
	}
	if len(queues) == 0 {
		queues[DefaultQueue] = river.QueueConfig{MaxWorkers: DefaultMaxWorkers}
	}
	r := &Runner{log: o.Logger, workers: river.NewWorkers()}
	cfg := &river.Config{
		FetchCooldown:     orDefault(o.FetchCooldown, DefaultFetchCooldown),
		FetchPollInterval: orDefault(o.FetchPollInterval, DefaultFetchPollInterval),
		JobTimeout:        orDefault(o.JobTimeout, DefaultJobTimeout),
		Logger:            quiet(o.Logger),
		MaxAttempts:       orDefault(o.MaxAttempts, DefaultMaxAttempts),
		PeriodicJobs:      o.Periodic,
		Queues:            queues,
		RetryPolicy:       o.RetryPolicy,
		TestOnly:          o.TestOnly,
		// The bundle is shared by pointer: River looks workers up when it
		// inserts and works jobs, so modules may add theirs after New.
		Workers: r.workers,
	}
	if cfg.FetchPollInterval < cfg.FetchCooldown {
		cfg.FetchPollInterval = cfg.FetchCooldown
	}
	var err error
	r.client, err = river.NewClient(writerDriver(o.DB), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	r.reader = r.client
	if o.DB.R != o.DB.W {
		// An insert-only client (no queues) that is never started: only its
		// JobGet is used.
		r.reader, err = river.NewClient(riversqlite.New(o.DB.R.DB), &river.Config{Logger: quiet(o.Logger)})
		if err != nil {
			return nil, fmt.Errorf("jobs: %w", err)
		}
	}
	return r, nil
}

// writerDriver returns the River driver over the database's write pool. Both
// drivers take a *sql.Tx, so one client type serves both dialects and a bun
// transaction (which embeds *sql.Tx) can carry an insert.
func writerDriver(d *db.DB) riverdriver.Driver[*sql.Tx] {
	if d.IsSQLite() {
		return riversqlite.New(d.W.DB)
	}
	return riverdatabasesql.New(d.W.DB)
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// kindRE is the job kind format River accepts (it checks only the workers
// present when the client is built, and ours are added later).
var kindRE = regexp.MustCompile(`\A[\w][\w\-\[\]<>\/.·:+]+\z`)

// WorkerOption adjusts how AddWorker registers a worker.
type WorkerOption func(*workerOptions)

type workerOptions struct{ timeout time.Duration }

// WithTimeout sets the run time limit of every job of the worker's kind
// (-1: none), overriding Options.JobTimeout. River's stuck-job rescuer reads
// it too, so a long transcode is not re-run while it is still working.
func WithTimeout(d time.Duration) WorkerOption {
	return func(o *workerOptions) { o.timeout = d }
}

// timeoutWorker overrides the Timeout of the worker it wraps; Work,
// NextRetry and Middleware are the wrapped worker's.
type timeoutWorker[T river.JobArgs] struct {
	river.Worker[T]
	timeout time.Duration
}

func (w timeoutWorker[T]) Timeout(*river.Job[T]) time.Duration { return w.timeout }

// AddWorker registers the worker of one job kind. Modules call it while the
// app is wired, before Start; it panics on a programming error (after Start,
// a kind registered twice, a malformed kind), like river.AddWorker.
func AddWorker[T river.JobArgs](r *Runner, w river.Worker[T], opts ...WorkerOption) {
	var o workerOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.timeout != 0 {
		w = timeoutWorker[T]{Worker: w, timeout: o.timeout}
	}
	var args T
	if !kindRE.MatchString(args.Kind()) {
		panic(fmt.Sprintf("jobs: job kind %q should match %s", args.Kind(), kindRE))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		// River reads the bundle while it works jobs: adding to it now would
		// race.
		panic(fmt.Sprintf("jobs: AddWorker(%q) after Start", args.Kind()))
	}
	if err := river.AddWorkerSafely(r.workers, w); err != nil {
		panic("jobs: " + err.Error())
	}
	r.nworker++
}

// AddQueue adds a queue that works up to maxWorkers jobs at once (a module's
// own queue, so its long jobs never hold up others). Modules declare their
// queues and the app adds them before Start.
func (r *Runner) AddQueue(name string, maxWorkers int) error {
	if maxWorkers < 1 {
		return fmt.Errorf("jobs: queue %q needs at least one worker", name)
	}
	if err := r.client.Queues().Add(name, river.QueueConfig{MaxWorkers: maxWorkers}); err != nil {
		return fmt.Errorf("jobs: queue %q: %w", name, err)
	}
	return nil
}

// AddPeriodic schedules a periodic job (besides Options.Periodic); its
// worker must be added too. It may be called before or after Start.
func (r *Runner) AddPeriodic(j *river.PeriodicJob) {
	r.client.PeriodicJobs().Add(j)
}

// Start starts working jobs until Stop or until ctx is cancelled (which
// cancels running jobs): pass the process's lifetime context, not a
// request's. With no worker registered there is nothing to work and Start
// does nothing, so the app can wire the runner before any module uses it.
func (r *Runner) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return nil
	}
	if r.nworker == 0 {
		r.log.Info("jobs: no worker registered; not working jobs")
		return nil
	}
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	r.started = true
	return nil
}

// Stop stops fetching jobs and waits for the running ones to finish for half
// of the time ctx leaves, then cancels them and waits the other half (at
// least 5 s) for them to return, so a long transcode never holds a shutdown
// much past ctx's deadline. River puts a job cancelled by shutdown
// back in the queue without counting the attempt, so it runs again after the
// restart (or on another instance).
func (r *Runner) Stop(ctx context.Context) error {
	soft, cancelSoft := ctx, context.CancelFunc(func() {})
	hardFor := 10 * time.Second
	if deadline, ok := ctx.Deadline(); ok {
		left := time.Until(deadline)
		soft, cancelSoft = context.WithTimeout(ctx, left/2)
		hardFor = max(left-left/2, 5*time.Second)
	}
	defer cancelSoft()
	err := r.client.Stop(soft)
	if err == nil || soft.Err() == nil {
		return err
	}
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardFor)
	defer cancel()
	if err := r.client.StopAndCancel(hard); err != nil {
		return fmt.Errorf("jobs: stop: running jobs did not return after cancellation: %w", err)
	}
	return nil
}

// Insert enqueues a job and returns its id. With a transaction, the job is
// written on the transaction's own connection and exists only if it commits
// (on SQLite it must be so: the writer has one connection, and an insert
// through it from inside the transaction would wait for itself). Without one,
// Insert commits at once; never call it with a nil tx from inside a
// W.RunInTx callback.
func (r *Runner) Insert(ctx context.Context, tx *bun.Tx, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	var (
		res *rivertype.JobInsertResult
		err error
	)
	if tx != nil {
		res, err = r.client.InsertTx(ctx, tx.Tx, args, opts)
	} else {
		res, err = r.client.Insert(ctx, args, opts)
	}
	if err != nil {
		return 0, fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
	}
	return res.Job.ID, nil
}
