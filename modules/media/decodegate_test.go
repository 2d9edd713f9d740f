package media

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/imaging"
)

const mib = 1 << 20

// admitWithin fails the test when admit does not return within d (it
// would otherwise hang the test).
func admitWithin(t *testing.T, g *decodeGate, ctx context.Context, owner, cost int64, d time.Duration) (func(), error) {
	t.Helper()
	type res struct {
		release func()
		err     error
	}
	ch := make(chan res, 1)
	go func() {
		r, err := g.admit(ctx, owner, cost)
		ch <- res{r, err}
	}()
	select {
	case r := <-ch:
		return r.release, r.err
	case <-time.After(d):
		t.Fatalf("admit(owner %d, %d MiB) still waiting after %v", owner, cost/mib, d)
		return nil, nil
	}
}

// Four maximal images (6300×6300 16-bit RGBA PNG, 8 bytes a pixel) fill
// the memory budget and a fifth waits; another user's 64×48 image is
// admitted at once all the same.
func TestDecodeGateSmallImageNotBehindLargeOnes(t *testing.T) {
	maximal := imaging.Header{Width: 6300, Height: 6300, BytesPerPixel: 8}.Cost()
	if maximal < 6300*6300*8 {
		t.Fatalf("a 6300×6300 RGBA64 image costs %d MiB: its 8 bytes a pixel are not counted", maximal/mib)
	}
	small := imaging.Header{Width: 64, Height: 48, BytesPerPixel: 4}.Cost()
	g := newDecodeGate(4*maximal+4*maximal/7, time.Hour) // the large lane holds exactly four
	queued := make(chan struct{}, 1)
	g.queued = func() { queued <- struct{}{} }
	var releases []func()
	for u := int64(1); u <= 4; u++ {
		r, err := admitWithin(t, g, context.Background(), u, maximal, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, r)
	}
	// A fifth maximal image queues (FIFO: anything large behind it too).
	fifth := make(chan error, 1)
	go func() {
		r, err := g.admit(context.Background(), 5, maximal)
		if err == nil {
			r()
		}
		fifth <- err
	}()
	select {
	case <-queued: // the fifth waits for memory
	case err := <-fifth:
		t.Fatalf("the fifth maximal image was admitted while four decode: %v", err)
	}
	r, err := admitWithin(t, g, context.Background(), 6, small, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r()
	select {
	case err := <-fifth:
		t.Fatalf("the fifth maximal image was admitted while four decode: %v", err)
	default:
	}
	for _, r := range releases {
		r()
	}
	if err := <-fifth; err != nil {
		t.Fatalf("fifth image after the others: %v", err)
	}
	if n := g.active.Load(); n != 0 {
		t.Fatalf("%d decodes still counted", n)
	}
}

// One decode per user: the same user's second image waits for the first,
// and gives up with 503 media.busy (with Retry-After) after the bound.
func TestDecodeGateOnePerUserAndBoundedWait(t *testing.T) {
	g := newDecodeGate(1<<30, 50*time.Millisecond)
	r, err := admitWithin(t, g, context.Background(), 1, mib, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, err = admitWithin(t, g, context.Background(), 1, mib, 5*time.Second)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != "media.busy" || !errors.Is(err, apperr.Unavailable) || ae.RetryAfter <= 0 {
		t.Fatalf("second decode of the same user: %v, want media.busy with Retry-After", err)
	}
	// Another user is not held up by user 1.
	r2, err := admitWithin(t, g, context.Background(), 2, mib, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r2()
	r()
	r, err = admitWithin(t, g, context.Background(), 1, mib, 5*time.Second)
	if err != nil {
		t.Fatalf("user 1 after their first decode ended: %v", err)
	}
	r()

	// The memory bound waits the same way.
	g = newDecodeGate(1<<30, 50*time.Millisecond)
	r, err = admitWithin(t, g, context.Background(), 1, g.largeCap, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admitWithin(t, g, context.Background(), 2, g.smallMax+1, 5*time.Second); !errors.Is(err, errBusy) {
		t.Fatalf("large decode with no memory left: %v, want media.busy", err)
	}
	r()
	if _, err := admitWithin(t, g, context.Background(), 3, g.largeCap+1, 5*time.Second); !errors.Is(err, errTooCostly) {
		t.Fatalf("decode larger than the budget: %v, want media.image_too_large", err)
	}
	if len(g.turns) != 0 || g.active.Load() != 0 {
		t.Fatalf("gate not back to idle: %d turns, %d active", len(g.turns), g.active.Load())
	}
}

// A client that goes away stops waiting at once, and leaves nothing held.
func TestDecodeGateCancelledWait(t *testing.T) {
	g := newDecodeGate(1<<30, time.Hour)
	r, err := admitWithin(t, g, context.Background(), 1, mib, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := g.admit(ctx, 1, mib)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled wait: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled wait goes on")
	}
	r()
	if len(g.turns) != 0 || g.active.Load() != 0 {
		t.Fatalf("gate not back to idle: %d turns, %d active", len(g.turns), g.active.Load())
	}
}
