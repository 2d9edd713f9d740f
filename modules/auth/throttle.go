package auth

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
)

// throttle counts password attempts per key in fixed windows kept in the
// database, so the limit holds across instances and restarts.
//
// An attempt is counted before its password is checked, in one transaction
// with the check of every limit (reserve): checking first and counting after
// the (slow) password check let concurrent attempts all pass a limit that
// none of them had counted yet. An attempt that turns out not to be a
// failure — the right password, or a server too busy to check — is taken
// back afterwards (reservation.succeed, reservation.undo).
type throttle struct {
	db     *db.DB
	st     store
	clock  clock.Clock
	window time.Duration
}

// limit is one throttled key and its allowance.
type limit struct {
	key string
	max int
}

// reservation is an attempt counted against each of its keys.
type reservation struct {
	t    *throttle
	keys []reserved
}

type reserved struct {
	key   string
	start time.Time // the window the attempt was counted in
}

// errSpent rolls back the reservation of an attempt over a limit.
var errSpent = errors.New("throttle: limit spent")

// reserve counts one attempt against every limit, atomically. When any
// limit is spent it counts nothing and returns how long until that window
// ends (wait > 0).
func (t *throttle) reserve(ctx context.Context, limits []limit) (r reservation, wait time.Duration, err error) {
	now := t.clock.Now()
	cutoff := now.Add(-t.window)
	// Keys in one order: two transactions never wait for each other's rows
	// in opposite orders (a deadlock on Postgres).
	limits = slices.SortedFunc(slices.Values(limits), func(a, b limit) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	r = reservation{t: t}
	err = t.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r.keys = r.keys[:0]
		for _, l := range limits {
			row, err := t.st.countAttempt(ctx, tx, l.key, now, cutoff)
			if err != nil {
				return err
			}
			if row.Failures > l.max {
				wait = max(wait, row.WindowStart.Add(t.window).Sub(now))
			}
			r.keys = append(r.keys, reserved{key: l.key, start: row.WindowStart})
		}
		if wait > 0 {
			return errSpent
		}
		// Forget windows that ended long ago.
		return t.st.forgetWindows(ctx, tx, now.Add(-2*t.window))
	})
	switch {
	case errors.Is(err, errSpent):
		return reservation{}, max(wait, time.Second), nil
	case err != nil:
		return reservation{}, 0, err
	}
	return r, 0, nil
}

// succeed records, in the caller's transaction, that the attempt was not a
// failure: the counters of clear are dropped (the account's, after a
// successful sign-in), and the attempt is taken back from the others.
func (r reservation) succeed(ctx context.Context, tx bun.IDB, clear ...string) error {
	for _, k := range r.keys {
		var err error
		if slices.Contains(clear, k.key) {
			err = r.t.st.clearThrottle(ctx, tx, k.key)
		} else {
			err = r.t.st.uncountAttempt(ctx, tx, k.key, k.start)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// undo takes the attempt back from every key, in its own transaction: the
// password was never checked (the server was busy), so it was no guess.
func (r reservation) undo(ctx context.Context) error {
	if len(r.keys) == 0 {
		return nil
	}
	return r.t.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error { return r.succeed(ctx, tx) })
}
