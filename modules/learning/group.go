package learning

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
)

// Group commit: concurrent calls on one instance are written together, by
// one batch function, in a single transaction. A burst of heartbeats then
// costs one BEGIN/COMMIT (on Postgres one WAL flush) and one statement per
// kind of write — read and lock the progress rows, append the events,
// update the rows — instead of all of them for each call. Each caller gets
// its result only after the commit. When the shared transaction fails, each
// of its calls runs again alone, so one bad call fails only itself. Calls
// are taken in arrival order, so a user's events in a video are folded in
// the order they came.
//
// SQLite has one writer: one committer. On Postgres, groupShards committers
// commit in parallel (leaving the shared pool room for readers), each for
// its own users (the key), so two groups never wait for each other's rows.
// Two, measured with 50 learners heartbeating on the 2-core machine: with
// four, groups averaged 5 calls; with two, 11 and ~20% more heartbeats a
// second; with one, commits queue behind each other.
const (
	maxGroup    = 64
	groupShards = 2
)

// grouper runs calls of type J through group commits: run writes a group
// (one or more calls, in order) through tx, and sets each call's results.
// It must start from what it reads: after a failed group it runs again for
// each call alone.
type grouper[J any] struct {
	db     *db.DB
	logger *slog.Logger
	run    func(ctx context.Context, tx bun.Tx, jobs []J) error
	// failed counts the groups that failed (their calls then ran alone):
	// a batch that keeps failing would go unseen otherwise, each call
	// still succeeding in a transaction of its own.
	failed atomic.Int64

	mu     sync.RWMutex // senders hold it shared; starting and stopping, exclusively
	queues []chan *groupCall[J]
	wg     sync.WaitGroup
}

type groupCall[J any] struct {
	ctx  context.Context
	job  J
	done chan error
}

func newGrouper[J any](d *db.DB, logger *slog.Logger, run func(ctx context.Context, tx bun.Tx, jobs []J) error) *grouper[J] {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &grouper[J]{db: d, logger: logger, run: run}
}

// start starts the committers (Module.Start).
func (g *grouper[J]) start() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.queues != nil {
		return
	}
	n := 1
	if g.db.IsPostgres() {
		n = groupShards
	}
	g.queues = make([]chan *groupCall[J], n)
	for i := range g.queues {
		g.queues[i] = make(chan *groupCall[J], 4*maxGroup)
		g.wg.Add(1)
		go func(q chan *groupCall[J]) {
			defer g.wg.Done()
			g.committer(q)
		}(g.queues[i])
	}
}

// stop lets the committers finish the calls they were given and return
// (Module.Stop); calls after it run alone.
func (g *grouper[J]) stop(ctx context.Context) error {
	g.mu.Lock()
	for _, q := range g.queues {
		close(q)
	}
	g.queues = nil
	g.mu.Unlock()
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// do writes job, a call for key (a user), in a transaction shared with
// concurrent calls; alone when the committers are not running (before
// Start, after Stop: commands, tests of the service).
func (g *grouper[J]) do(ctx context.Context, key int64, job J) error {
	c := &groupCall[J]{ctx: ctx, job: job, done: make(chan error, 1)}
	g.mu.RLock()
	if g.queues == nil {
		g.mu.RUnlock()
		return g.alone(c)
	}
	select {
	case g.queues[uint64(key)%uint64(len(g.queues))] <- c:
		g.mu.RUnlock()
	case <-ctx.Done():
		g.mu.RUnlock()
		return ctx.Err()
	}
	// Waited for even if ctx ends meanwhile: the call may be committing,
	// and its caller must not be told it failed if it did not.
	return <-c.done
}

// committer takes the calls waiting and commits them together.
func (g *grouper[J]) committer(q chan *groupCall[J]) {
	for c := range q {
		group := []*groupCall[J]{c}
	more:
		for len(group) < maxGroup {
			select {
			case c := <-q:
				group = append(group, c)
			default:
				break more
			}
		}
		g.commit(group)
	}
}

func (g *grouper[J]) commit(group []*groupCall[J]) {
	live := group[:0]
	for _, c := range group {
		if err := c.ctx.Err(); err != nil {
			c.done <- err // its caller left before it started: nothing stored
			continue
		}
		live = append(live, c)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		live[0].done <- g.alone(live[0])
		return
	}
	jobs := make([]J, len(live))
	for i, c := range live {
		jobs[i] = c.job
	}
	err := g.db.RunInTx(context.WithoutCancel(live[0].ctx), func(ctx context.Context, tx bun.Tx) error {
		return g.safeRun(ctx, tx, jobs)
	})
	if err == nil {
		for _, c := range live {
			c.done <- nil
		}
		return
	}
	g.failed.Add(1)
	g.logger.Warn("learning: a group commit failed; its calls run alone", "calls", len(live), "err", err)
	// Alone, each call succeeds or fails on its own.
	for _, c := range live {
		c.done <- g.alone(c)
	}
}

// alone writes one call in a transaction of its own.
func (g *grouper[J]) alone(c *groupCall[J]) error {
	return g.db.RunInTx(c.ctx, func(ctx context.Context, tx bun.Tx) error {
		return g.safeRun(ctx, tx, []J{c.job})
	})
}

// safeRun turns a panic of run into its error: a group runs on a
// committer goroutine, where a panic would take the server down instead of
// becoming a 500 (and would leave the group's callers waiting). Alone, the
// call that panics fails by itself.
func (g *grouper[J]) safeRun(ctx context.Context, tx bun.Tx, jobs []J) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("learning: panic in a grouped write: %v\n%s", r, debug.Stack())
		}
	}()
	return g.run(ctx, tx, jobs)
}
