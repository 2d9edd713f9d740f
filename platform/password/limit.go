package password

import (
	"context"
	"math"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/sysmem"
)

// Limits bound the argon2 work a Hasher runs at once. Each hash holds the
// memory its parameters name (19 MiB by default) for its whole run, and a
// login is open to anyone: without a bound, 150 concurrent logins took a
// server from 128 MiB to 2.7 GiB. Callers over the bound wait in a short
// queue, then are refused with ErrBusy (503 with Retry-After).
type Limits struct {
	// MemoryKiB is the argon2 memory the running hashes may hold together.
	// A hash needing more than all of it runs alone.
	MemoryKiB uint64
	// Queue is how many callers may wait for memory; more are refused at
	// once, so that a burst fails fast instead of piling up.
	Queue int
	// Wait is how long a caller waits for memory before it is refused.
	Wait time.Duration
}

// Sizing of AutoLimits.
const (
	// memoryShare: password hashing may hold at most 1/memoryShare of the
	// memory the process may use; the rest is the application's.
	memoryShare = 8
	// queuePerSlot callers may wait per hash running, and at least
	// minQueue: enough to absorb an ordinary peak (a class signing in at
	// once) without refusing anyone, on a one-core machine too.
	queuePerSlot = 32
	minQueue     = 64
	// defaultWait is short: a sign-in that waits longer is better told to
	// retry, and the queue empties in about that time at normal cost.
	defaultWait = 2 * time.Second
	// retryAfter is what a refused caller is told to wait.
	retryAfter = 2 * time.Second
)

// ErrBusy is returned when the hasher has no memory for a hash within
// Limits.Wait (or its queue is full): 503 with Retry-After.
var ErrBusy = &apperr.Error{Kind: apperr.Unavailable, Code: "password.busy", Msg: "password.busy", RetryAfter: retryAfter}

// AutoLimits sizes the bound for hashes of p on this machine: as many at
// once as there are cores to run them (argon2 with one lane is CPU-bound:
// more would only hold more memory, not finish sooner), and no more than
// fits in 1/memoryShare of the memory the process may use — the smallest of
// GOMEMLIMIT, the cgroup's limit and the machine's memory.
func AutoLimits(p Params) Limits {
	per := uint64(max(p.Memory, 1))
	slots := uint64(runtime.GOMAXPROCS(0))
	slots = min(slots, uint64(sysmem.Limit())/1024/memoryShare/per)
	slots = max(slots, 1)
	return Limits{MemoryKiB: slots * per, Queue: max(int(slots)*queuePerSlot, minQueue), Wait: defaultWait}
}

// Stats describe a hasher's load.
type Stats struct {
	Running int64 // hashes running now
	Waiting int64 // callers waiting for memory now
	Peak    int64 // most hashes ever running at once
	Refused int64 // callers refused with ErrBusy
}

// limiter is a weighted semaphore over argon2 memory (KiB) with a bounded,
// timed queue in front of it.
type limiter struct {
	sem      *semaphore.Weighted
	capacity int64
	queue    int64
	wait     time.Duration

	running, waiting, peak, refused atomic.Int64

	// queued, when set (by tests), is called when a caller starts waiting.
	queued func()
}

func newLimiter(l Limits) *limiter {
	capacity := int64(min(max(l.MemoryKiB, 1), math.MaxInt64/2))
	wait := l.Wait
	if wait <= 0 {
		wait = defaultWait
	}
	return &limiter{sem: semaphore.NewWeighted(capacity), capacity: capacity, queue: int64(max(l.Queue, 0)), wait: wait}
}

// acquire holds memKiB of the budget (all of it at most) until the returned
// release is called.
func (l *limiter) acquire(ctx context.Context, memKiB uint32) (release func(), err error) {
	w := min(max(int64(memKiB), 1), l.capacity)
	// TryAcquire fails while others wait: the queue stays first come, first served.
	if !l.sem.TryAcquire(w) {
		if l.waiting.Add(1) > l.queue {
			l.waiting.Add(-1)
			l.refused.Add(1)
			return nil, ErrBusy
		}
		if l.queued != nil {
			l.queued()
		}
		wctx, cancel := context.WithTimeout(ctx, l.wait)
		err := l.sem.Acquire(wctx, w)
		cancel()
		l.waiting.Add(-1)
		if err != nil {
			l.refused.Add(1)
			if ctx.Err() != nil {
				// The client went away (or the request timed out): no hash.
				return nil, ErrBusy.Because(ctx.Err())
			}
			return nil, ErrBusy
		}
	}
	n := l.running.Add(1)
	for p := l.peak.Load(); n > p && !l.peak.CompareAndSwap(p, n); p = l.peak.Load() {
	}
	return func() {
		l.running.Add(-1)
		l.sem.Release(w)
	}, nil
}

func (l *limiter) stats() Stats {
	return Stats{Running: l.running.Load(), Waiting: l.waiting.Load(), Peak: l.peak.Load(), Refused: l.refused.Load()}
}
