package learning

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/uptrace/bun"
)

// Group commit: the transactions of concurrent Record calls on one
// instance run one after the other in a single transaction, so a burst of
// heartbeats costs one BEGIN/COMMIT (and on Postgres one WAL flush) instead
// of one each. Each caller gets its result only after the commit. When the
// shared transaction fails, each of its calls runs again alone, so one bad
// call fails only itself. Calls are taken in arrival order, so a user's
// events in a video are folded in the order they came.
//
// SQLite has one writer: one committer. On Postgres, groupShards committers
// commit in parallel (leaving the shared pool room for readers), each for
// its own users, so two groups never wait for each other's rows.
const (
	maxGroup    = 64
	groupShards = 4
)

type groupJob struct {
	ctx  context.Context
	fn   func(context.Context, bun.Tx) error
	done chan error
}

// startGroups starts the committers (Module.Start).
func (s *service) startGroups() {
	s.groupMu.Lock()
	defer s.groupMu.Unlock()
	if s.groups != nil {
		return
	}
	n := 1
	if s.db.IsPostgres() {
		n = groupShards
	}
	s.groups = make([]chan *groupJob, n)
	for i := range s.groups {
		s.groups[i] = make(chan *groupJob, 4*maxGroup)
		s.groupWG.Add(1)
		go func(jobs chan *groupJob) {
			defer s.groupWG.Done()
			s.committer(jobs)
		}(s.groups[i])
	}
}

// stopGroups lets the committers finish the calls they were given and
// return (Module.Stop); calls after it run alone.
func (s *service) stopGroups(ctx context.Context) error {
	s.groupMu.Lock()
	for _, g := range s.groups {
		close(g)
	}
	s.groups = nil
	s.groupMu.Unlock()
	done := make(chan struct{})
	go func() { s.groupWG.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// groupTx runs fn, a call of user uid, in a transaction shared with
// concurrent calls; alone when the committers are not running (before
// Start, after Stop: commands, tests of the service).
func (s *service) groupTx(ctx context.Context, uid int64, fn func(context.Context, bun.Tx) error) error {
	j := &groupJob{ctx: ctx, fn: recovered(fn), done: make(chan error, 1)}
	s.groupMu.RLock()
	if s.groups == nil {
		s.groupMu.RUnlock()
		return s.db.RunInTx(ctx, fn)
	}
	select {
	case s.groups[uint64(uid)%uint64(len(s.groups))] <- j:
		s.groupMu.RUnlock()
	case <-ctx.Done():
		s.groupMu.RUnlock()
		return ctx.Err()
	}
	// Waited for even if ctx ends meanwhile: the call may be committing,
	// and its caller must not be told it failed if it did not.
	return <-j.done
}

// committer takes the calls waiting and commits them together.
func (s *service) committer(jobs chan *groupJob) {
	for j := range jobs {
		group := []*groupJob{j}
	more:
		for len(group) < maxGroup {
			select {
			case j := <-jobs:
				group = append(group, j)
			default:
				break more
			}
		}
		s.commitGroup(group)
	}
}

func (s *service) commitGroup(group []*groupJob) {
	live := group[:0]
	for _, j := range group {
		if err := j.ctx.Err(); err != nil {
			j.done <- err // its caller left before it started: nothing stored
			continue
		}
		live = append(live, j)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		live[0].done <- s.db.RunInTx(live[0].ctx, live[0].fn)
		return
	}
	err := s.db.RunInTx(context.WithoutCancel(live[0].ctx), func(ctx context.Context, tx bun.Tx) error {
		for _, j := range live {
			if err := j.fn(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, j := range live {
			j.done <- nil
		}
		return
	}
	// Alone, each call succeeds or fails on its own (fn starts over from
	// what it reads).
	for _, j := range live {
		j.done <- s.db.RunInTx(j.ctx, j.fn)
	}
}

// recovered turns a panic of fn into its error: a call runs on a committer
// goroutine, where a panic would take the server down instead of becoming
// that request's 500 (and would leave the group's other callers waiting).
func recovered(fn func(context.Context, bun.Tx) error) func(context.Context, bun.Tx) error {
	return func(ctx context.Context, tx bun.Tx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("learning: panic in a grouped call: %v\n%s", r, debug.Stack())
			}
		}()
		return fn(ctx, tx)
	}
}
