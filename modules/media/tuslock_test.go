package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/testkit"
)

// Short leases, so that renewal and expiry happen within a test.
const (
	testLease = 600 * time.Millisecond
	testPoll  = 20 * time.Millisecond
)

// instance is one process's locker on the shared database.
func instance(d *db.DB) *dbLocker {
	return newDBLocker(d, slog.New(slog.DiscardHandler), testLease, testPoll)
}

// lockOf takes the lock of id on l, counting the requests to release it.
func lockOf(t *testing.T, l *dbLocker, id string, timeout time.Duration) (tusd.Lock, *atomic.Int32, error) {
	t.Helper()
	lk, err := l.NewLock(id)
	testkit.Must(t, err)
	asked := &atomic.Int32{}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return lk, asked, lk.Lock(ctx, func() { asked.Add(1) })
}

func lockRows(t *testing.T, d *db.DB) int64 {
	t.Helper()
	n, err := d.R.NewSelect().Model((*tusLockRow)(nil)).Count(context.Background())
	testkit.Must(t, err)
	return n
}

func eventually(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
	}
}

// Two instances on one database: the second waits while the first holds
// the lock (whose lease its heartbeat renews past the lease time), asks it
// to let go through the table, and gets the lock as soon as it is
// released. A wait that outlasts its context is tusd's ErrLockTimeout.
func TestTusLockTwoInstances(t *testing.T) {
	t.Parallel()
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		a, b := instance(d), instance(d)
		const id = "0123456789abcdef0123456789abcdef"
		la, askedA, err := lockOf(t, a, id, time.Second)
		testkit.Must(t, err)

		// Held longer than a lease: still held (renewed), so b times out.
		start := time.Now()
		_, _, err = lockOf(t, b, id, 2*testLease)
		if !errors.Is(err, tusd.ErrLockTimeout) {
			t.Fatalf("second instance while the first holds: %v, want ErrLockTimeout", err)
		}
		if time.Since(start) < 2*testLease {
			t.Fatalf("gave up after %v", time.Since(start))
		}
		// b's wait asked a to release (a's heartbeat saw the flag).
		eventually(t, "release request seen by the holder", time.Second, func() bool { return askedA.Load() == 1 })

		testkit.Must(t, la.Unlock())

		// Now b waits while a holds the lock under a long lease, and a
		// unlocks meanwhile: b gets it long before the lease could have
		// run out, so through the release, not the expiry. (The bound is
		// generous: a loaded machine may take a while to poll.)
		const longLease = 60 * time.Second
		a = newDBLocker(d, slog.New(slog.DiscardHandler), longLease, testPoll)
		b = newDBLocker(d, slog.New(slog.DiscardHandler), longLease, testPoll)
		la, _, err = lockOf(t, a, id, time.Second)
		testkit.Must(t, err)
		got := make(chan error, 1)
		lb, err := b.NewLock(id)
		testkit.Must(t, err)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), longLease/2)
			defer cancel()
			got <- lb.Lock(ctx, func() {})
		}()
		select {
		case err := <-got:
			t.Fatalf("second instance got the lock while it was held: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		released := time.Now()
		testkit.Must(t, la.Unlock())
		testkit.Must(t, <-got)
		if wait := time.Since(released); wait > longLease/4 {
			t.Fatalf("took the released lock after %v", wait)
		}
		// Another upload is not locked by it.
		lo, _, err := lockOf(t, a, "fedcba9876543210fedcba9876543210", time.Second)
		testkit.Must(t, err)
		testkit.Must(t, lo.Unlock())

		testkit.Must(t, lb.Unlock())
		if n := lockRows(t, d); n != 0 {
			t.Fatalf("%d lock rows left after unlocking", n)
		}
	})
}

// Within one instance, a waiter asks the holder directly and wakes when it
// unlocks (tusd's lock hand-over: a resumed request interrupts the PATCH
// its client gave up on).
func TestTusLockSameInstance(t *testing.T) {
	t.Parallel()
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		// Under a long lease, the waiter can only get the lock through the
		// hand-over, never through the holder's lease running out; the
		// bound is generous (a loaded machine may take a while).
		const longLease = 60 * time.Second
		a := newDBLocker(d, slog.New(slog.DiscardHandler), longLease, testPoll)
		const id = "0123456789abcdef0123456789abcdef"
		lk, err := a.NewLock(id)
		testkit.Must(t, err)
		testkit.Must(t, lk.Lock(context.Background(), func() {
			// The holder stops when asked, as tusd's PATCH does.
			go func() { _ = lk.Unlock() }()
		}))
		start := time.Now()
		l2, _, err := lockOf(t, a, id, longLease/2)
		testkit.Must(t, err)
		if time.Since(start) > longLease/4 {
			t.Fatalf("hand-over took %v", time.Since(start))
		}
		// Housekeeping never interrupts a holder.
		if _, ok, err := a.tryLock(context.Background(), id); err != nil || ok {
			t.Fatalf("tryLock on a held lock: %v %v", ok, err)
		}
		testkit.Must(t, l2.Unlock())
		l3, ok, err := a.tryLock(context.Background(), id)
		if err != nil || !ok {
			t.Fatalf("tryLock on a free lock: %v %v", ok, err)
		}
		testkit.Must(t, l3.Unlock())
	})
}

// A holder that died (no heartbeat, no unlock) blocks the upload only until
// its lease ends; then another instance takes the lock over. A holder
// whose lease was taken (it could not renew in time) is asked to stop.
func TestTusLockExpiredLease(t *testing.T) {
	t.Parallel()
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		a, b := instance(d), instance(d)
		const id = "0123456789abcdef0123456789abcdef"
		la, _, err := lockOf(t, a, id, time.Second)
		testkit.Must(t, err)
		died := time.Now()
		la.(*dbLock).abandon() // the process dies: the row stays
		if n := lockRows(t, d); n != 1 {
			t.Fatalf("%d lock rows after the holder died", n)
		}
		// Not before the lease ends; a takeover that never comes fails
		// lockOf. The upper bound only catches one far too late: it is
		// generous, a loaded machine may take a while to poll.
		lb, askedB, err := lockOf(t, b, id, 30*time.Second)
		testkit.Must(t, err)
		if waited := time.Since(died); waited < testLease-100*time.Millisecond || waited > 10*time.Second {
			t.Fatalf("took over after %v (lease %v)", waited, testLease)
		}

		// b's lease is taken from it behind its back: b is asked to stop.
		_, err = d.W.NewUpdate().Model((*tusLockRow)(nil)).Set("holder = ?", "someone-else").
			Where("upload_id = ?", id).Exec(context.Background())
		testkit.Must(t, err)
		eventually(t, "the holder that lost its lease is asked to stop", 2*time.Second, func() bool { return askedB.Load() >= 1 })
		// Its unlock leaves the new holder's row alone.
		testkit.Must(t, lb.Unlock())
		if n := lockRows(t, d); n != 1 {
			t.Fatalf("%d lock rows after the old holder unlocked", n)
		}
	})
}

// A refusal is stored so that the same problem comes back: kind, code,
// message id, template data, field errors, Retry-After; an unexpected error
// comes back as an unexpected error (a 500), its text not kept.
func TestTusOutcomeRoundTrip(t *testing.T) {
	t.Parallel()
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var owner int64
		now := time.Now()
		testkit.Must(t, d.W.NewRaw(`INSERT INTO accounts_users (email, email_key, nickname, nickname_key, role, created_at, updated_at)
			VALUES ('o@example.com', 'o@example.com', 'o', 'o', 'tutor', ?, ?) RETURNING id`, now, now).Scan(ctx, &owner))
		refusal := apperr.New(apperr.TooLarge, "media.video_too_large", "media.video_too_large").
			With(map[string]any{"MiB": int64(64)}).Because(errors.New("internal detail"))
		refusal.Fields = []apperr.FieldError{{Location: "body.file", Message: "too big"}}
		refusal.RetryAfter = 3 * time.Second
		cases := map[string]tusOutcome{
			"00000000000000000000000000000001": {owner: owner, size: 10, videoID: 42},
			"00000000000000000000000000000002": {owner: owner, size: 11, err: refusal},
			"00000000000000000000000000000003": {owner: owner, size: 12, err: errNoTranscoding},
			"00000000000000000000000000000004": {owner: owner, size: 13, err: errors.New("disk full at /secret")},
			"00000000000000000000000000000005": {owner: owner, size: 14, err: context.DeadlineExceeded},
		}
		for id, o := range cases {
			row, err := outcomeRow(id, o, time.Now())
			testkit.Must(t, err)
			_, err = d.W.NewInsert().Model(row).Exec(ctx)
			testkit.Must(t, err)
			var back tusUploadRow
			testkit.Must(t, d.R.NewSelect().Model(&back).Where("upload_id = ?", id).Scan(ctx))
			got, err := back.outcome()
			testkit.Must(t, err)
			if got.owner != o.owner || got.size != o.size || got.videoID != o.videoID {
				t.Fatalf("%s: %+v, want %+v", id, got, o)
			}
			var want, have *apperr.Error
			switch {
			case o.err == nil:
				if got.err != nil {
					t.Fatalf("%s: error %v", id, got.err)
				}
			case errors.As(o.err, &want):
				if !errors.As(got.err, &have) || apperr.KindOf(have) != apperr.KindOf(want) || have.Code != want.Code ||
					have.Msg != want.Msg || have.RetryAfter != want.RetryAfter || len(have.Fields) != len(want.Fields) ||
					(len(want.Data) > 0 && have.Data["MiB"].(interface{ String() string }).String() != "64") {
					t.Fatalf("%s: %#v, want %#v", id, got.err, want)
				}
				if have.Cause != nil {
					t.Fatalf("%s: the cause came back: %v", id, have.Cause)
				}
			case errors.Is(o.err, context.DeadlineExceeded):
				if !errors.Is(got.err, apperr.Timeout) {
					t.Fatalf("%s: %v, want a timeout", id, got.err)
				}
			default:
				if apperr.KindOf(got.err) != nil || strings.Contains(got.err.Error(), "secret") {
					t.Fatalf("%s: %v, want an unexpected error without the original text", id, got.err)
				}
			}
		}
	})
}

// Taking a lock is one atomic statement: of instances racing for a free or
// expired lock exactly one wins, and a live lease is never taken.
func TestTusLockAcquireRace(t *testing.T) {
	t.Parallel()
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const id = "0123456789abcdef0123456789abcdef"
		race := func(now time.Time) int32 {
			var won atomic.Int32
			done := make(chan error, 8)
			for i := range 8 {
				l := instance(d)
				go func() {
					ok, err := l.acquire(ctx, id, fmt.Sprintf("racer-%d", i), now)
					if ok {
						won.Add(1)
					}
					done <- err
				}()
			}
			for range 8 {
				testkit.Must(t, <-done)
			}
			return won.Load()
		}
		now := time.Now().UTC()
		if n := race(now); n != 1 {
			t.Fatalf("free lock: %d winners", n)
		}
		// The lease is live: nobody takes it.
		if n := race(now); n != 0 {
			t.Fatalf("live lease: %d winners", n)
		}
		// Its lease ran out: one takes it over.
		if n := race(now.Add(testLease + time.Millisecond)); n != 1 {
			t.Fatalf("expired lease: %d winners", n)
		}
	})
}

// A holder in this process is never overtaken, even when its lease ran out
// in the table (it could not renew while the SQLite writer was busy): a
// second request asks it to let go and waits.
func TestTusLockLocalHolderOutlivesItsLease(t *testing.T) {
	t.Parallel()
	testkit.EachDB(t, func(t *testing.T, d *db.DB) {
		l := instance(d)
		const id = "fedcba9876543210fedcba9876543210"
		la, asked, err := lockOf(t, l, id, time.Second)
		testkit.Must(t, err)
		// The lease runs out in the table while the holder lives on.
		_, err = d.W.NewUpdate().Model((*tusLockRow)(nil)).Set("expires_at = ?", time.Now().UTC().Add(-time.Minute)).
			Where("upload_id = ?", id).Exec(context.Background())
		testkit.Must(t, err)
		_, _, err = lockOf(t, l, id, 3*testPoll)
		if !errors.Is(err, tusd.ErrLockTimeout) || asked.Load() != 1 {
			t.Fatalf("second request: %v after asking the holder %d times; want a timeout after asking once", err, asked.Load())
		}
		testkit.Must(t, la.Unlock())
		lb, _, err := lockOf(t, l, id, time.Second)
		testkit.Must(t, err)
		testkit.Must(t, lb.Unlock())
	})
}
