package learning

import (
	"context"

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

// groupTx runs fn, a call of user uid, in a transaction shared with
// concurrent calls.
func (s *service) groupTx(ctx context.Context, uid int64, fn func(context.Context, bun.Tx) error) error {
	s.groupOnce.Do(func() {
		n := 1
		if s.db.IsPostgres() {
			n = groupShards
		}
		s.groups = make([]chan *groupJob, n)
		for i := range s.groups {
			s.groups[i] = make(chan *groupJob, 4*maxGroup)
			go s.committer(s.groups[i])
		}
	})
	j := &groupJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.groups[uint64(uid)%uint64(len(s.groups))] <- j:
	case <-ctx.Done():
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
