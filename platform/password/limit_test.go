package password

import (
	"context"
	"errors"
	"math"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/weaverse/weaverse/platform/apperr"
)

// hold takes the whole budget of h, as a running hash would, until release.
func hold(t *testing.T, h *Hasher) (release func()) {
	t.Helper()
	release, err := h.lim.acquire(context.Background(), math.MaxUint32)
	if err != nil {
		t.Fatal(err)
	}
	return release
}

// A burst of verifies never runs more hashes at once than the memory budget
// holds, and everyone queued is served.
func TestHasherBoundsConcurrentHashes(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(fast, Limits{MemoryKiB: 2 * uint64(fast.Memory), Queue: 64, Wait: time.Minute})
	enc, err := h.Hash(ctx, "bounded password")
	testkitMust(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			if i%2 == 0 {
				errs <- h.DummyVerify(ctx, "wrong")
				return
			}
			ok, _, err := h.Verify(ctx, "bounded password", enc)
			if err == nil && !ok {
				err = errors.New("right password refused")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	st := h.Stats()
	if st.Peak < 1 || st.Peak > 2 || st.Running != 0 || st.Waiting != 0 || st.Refused != 0 {
		t.Fatalf("stats %+v: want at most 2 hashes at once, none left, none refused", st)
	}
}

// Over the queue, callers are refused at once; in the queue, they are
// refused when the wait ends; a client gone is refused too; a freed slot
// goes to the next caller.
func TestHasherQueue(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(fast, Limits{MemoryKiB: uint64(fast.Memory), Queue: 1, Wait: time.Minute})
	enc, err := h.Hash(ctx, "queued password")
	testkitMust(t, err)
	release := hold(t, h)

	// One caller waits in the queue…
	queued := make(chan struct{}, 4)
	h.lim.queued = func() { queued <- struct{}{} }
	done := make(chan error, 1)
	go func() {
		ok, _, err := h.Verify(ctx, "queued password", enc)
		if err == nil && !ok {
			err = errors.New("right password refused")
		}
		done <- err
	}()
	<-queued
	// …so the next is refused at once, with a 503 and Retry-After.
	start := time.Now()
	_, err = h.Hash(ctx, "refused")
	if !errors.Is(err, ErrBusy) || !errors.Is(err, apperr.Unavailable) {
		t.Fatalf("full queue: %v, want ErrBusy", err)
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != "password.busy" || ae.RetryAfter <= 0 {
		t.Fatalf("busy error %+v: want code password.busy with Retry-After", ae)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("refusal took %v: it must not wait", d)
	}
	if h.Stats().Refused != 1 || h.Stats().Waiting != 1 {
		t.Fatalf("stats %+v", h.Stats())
	}
	// The slot freed goes to the waiting caller.
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// A caller whose client is gone while it waits is refused, not hashed.
	release = hold(t, h)
	cctx, cancel := context.WithCancel(ctx)
	go func() { <-queued; cancel() }()
	err = h.DummyVerify(cctx, "gone")
	if !errors.Is(err, apperr.Unavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	release()

	// A caller that waits longer than Limits.Wait is refused.
	short := NewHasher(fast, Limits{MemoryKiB: uint64(fast.Memory), Queue: 4, Wait: 20 * time.Millisecond})
	release = hold(t, short)
	defer release()
	if _, _, err := short.Verify(ctx, "late", enc); !errors.Is(err, ErrBusy) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timed-out wait: %v, want a plain ErrBusy", err)
	}
	if st := short.Stats(); st.Refused != 1 || st.Waiting != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// A stored hash that needs more memory than the whole budget still runs
// (alone) instead of waiting forever.
func TestHasherOversizedHash(t *testing.T) {
	ctx := context.Background()
	big := Params{Memory: 4096, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}
	enc := mustHash(t, "big password", big)
	h := NewHasher(fast, Limits{MemoryKiB: uint64(fast.Memory), Queue: 1, Wait: time.Minute})
	ok, rehash, err := h.Verify(ctx, "big password", enc)
	if err != nil || !ok || !rehash {
		t.Fatalf("Verify = %v, %v, %v", ok, rehash, err)
	}
}

func TestAutoLimits(t *testing.T) {
	p := DefaultParams()
	l := AutoLimits(p)
	slots := l.MemoryKiB / uint64(p.Memory)
	if slots < 1 || slots > uint64(runtime.GOMAXPROCS(0)) || l.MemoryKiB%uint64(p.Memory) != 0 {
		t.Fatalf("AutoLimits = %+v: want 1..GOMAXPROCS hashes of %d KiB", l, p.Memory)
	}
	if l.Queue != max(int(slots)*queuePerSlot, minQueue) || l.Wait != defaultWait {
		t.Fatalf("AutoLimits = %+v", l)
	}
	// Under a small GOMEMLIMIT, one hash at a time.
	old := debug.SetMemoryLimit(64 << 20)
	defer debug.SetMemoryLimit(old)
	if l := AutoLimits(p); l.MemoryKiB != uint64(p.Memory) {
		t.Fatalf("AutoLimits under a 64 MiB limit = %+v, want one hash", l)
	}
}
