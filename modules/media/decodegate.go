package media

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/sysmem"
)

// decodeGate admits image decodes so that one user's large images cannot
// hold up everyone else's, nor exhaust memory:
//
//   - memory: each decode takes its estimated cost (imaging.Header.Cost:
//     pixels × bytes per pixel of the decoded frame, plus working copies)
//     from a weighted semaphore sized from the memory available at start;
//   - lanes: decodes costing at most smallMax take it from a small lane of
//     their own, so a 64×48 avatar never queues behind 6300×6300 16-bit
//     PNGs (a weighted semaphore is FIFO: a large waiter blocks every
//     smaller one behind it);
//   - one decode per user at a time: the user's other uploads wait for it;
//   - a bounded wait: whoever waits longer than wait gets 503 media.busy
//     with Retry-After, and a request whose context ends (the client went
//     away, the server stops) stops waiting at once.
type decodeGate struct {
	large, small       *semaphore.Weighted
	largeCap, smallMax int64
	wait               time.Duration

	mu    sync.Mutex
	turns map[int64]*userTurn
	// active counts the decodes admitted and not yet released; requested,
	// the calls to admit so far.
	active, requested atomic.Int64
	// queued, when set (by tests), is called when a decode has to wait for
	// memory: it is behind the decodes that hold it.
	queued func()
}

// userTurn is one user's decode slot, shared by their waiting uploads.
type userTurn struct {
	slot chan struct{}
	refs int
}

// Lane sizes: the small lane is an eighth of the budget (at least 64 MiB)
// and takes decodes of up to a quarter of itself.
const (
	minSmallLane = 64 << 20
	smallLanes   = 8
)

// newDecodeGate shares budget bytes between the two lanes.
func newDecodeGate(budget int64, wait time.Duration) *decodeGate {
	small := max(budget/smallLanes, minSmallLane)
	large := max(budget-small, small)
	return &decodeGate{large: semaphore.NewWeighted(large), small: semaphore.NewWeighted(small),
		largeCap: large, smallMax: small / 4, wait: wait, turns: map[int64]*userTurn{}}
}

// busyRetry is the Retry-After of media.busy.
const busyRetry = 10 * time.Second

var (
	errBusy = &apperr.Error{Kind: apperr.Unavailable, Code: "media.busy", Msg: "media.busy", RetryAfter: busyRetry}
	// errTooCostly: the image would need more memory than this server ever
	// gives one decode.
	errTooCostly = apperr.New(apperr.TooLarge, "media.image_too_large", "media.image_too_large")
)

// admit waits for owner's turn and cost bytes of decode memory; release
// gives both back. It fails with errBusy after g.wait, with ctx's error when
// ctx ends first, and with errTooCostly when cost can never fit.
func (g *decodeGate) admit(ctx context.Context, owner, cost int64) (release func(), err error) {
	g.requested.Add(1)
	if cost > g.largeCap {
		return nil, errTooCostly
	}
	wctx, cancel := context.WithTimeout(ctx, g.wait)
	defer cancel()
	turn := g.join(owner)
	select {
	case turn.slot <- struct{}{}:
	case <-wctx.Done():
		g.leave(owner, turn)
		return nil, waitErr(ctx)
	}
	sem := g.large
	if cost <= g.smallMax {
		sem = g.small
	}
	if !sem.TryAcquire(cost) {
		if g.queued != nil {
			g.queued()
		}
		if err := sem.Acquire(wctx, cost); err != nil {
			<-turn.slot
			g.leave(owner, turn)
			return nil, waitErr(ctx)
		}
	}
	g.active.Add(1)
	return func() {
		g.active.Add(-1)
		sem.Release(cost)
		<-turn.slot
		g.leave(owner, turn)
	}, nil
}

// waitErr is why a wait ended: the caller's context, or the gate's bound.
func waitErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return errBusy
}

func (g *decodeGate) join(owner int64) *userTurn {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.turns[owner]
	if t == nil {
		t = &userTurn{slot: make(chan struct{}, 1)}
		g.turns[owner] = t
	}
	t.refs++
	return t
}

func (g *decodeGate) leave(owner int64, t *userTurn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.refs--; t.refs == 0 {
		delete(g.turns, owner)
	}
}

func (l Limits) decodeBudget() int64 {
	if l.ImageDecodeBytes > 0 {
		return l.ImageDecodeBytes
	}
	return sysmem.Limit() / 2
}

func (l Limits) queueWait() time.Duration {
	if l.ImageQueueWait > 0 {
		return l.ImageQueueWait
	}
	return 30 * time.Second
}
