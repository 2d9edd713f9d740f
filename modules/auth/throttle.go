package auth

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
	"github.com/weaverse/weaverse/platform/password"
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
//
// Attempts still being checked count against the limit too, so a limit can
// be reached by attempts that will turn out right (a class signing in at
// once behind one address). When this instance's own attempts in flight
// are what reach it, the refusal is "busy, retry in a moment"
// (password.ErrBusy), not the rest of the window: those attempts are no
// failures yet. Attempts in flight on other instances are not known here and
// count as failures — the limit itself is exact either way.
type throttle struct {
	db     *db.DB
	st     store
	clock  clock.Clock
	window time.Duration

	mu       sync.Mutex
	inFlight map[string]int // this instance's unsettled attempts per key
}

// track adds d to the attempts in flight of keys.
func (t *throttle) track(keys []string, d int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inFlight == nil {
		t.inFlight = map[string]int{}
	}
	for _, k := range keys {
		if t.inFlight[k] += d; t.inFlight[k] <= 0 {
			delete(t.inFlight, k)
		}
	}
}

func (t *throttle) flying(key string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.inFlight[key]
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
	// tracked are the keys the attempt is in flight on; done settles it once.
	tracked []string
	done    *sync.Once
}

// settled marks the attempt as no longer in flight: decided (a failure
// stays counted) or taken back (after the taking back has committed).
func (r reservation) settled() {
	if r.done != nil {
		r.done.Do(func() { r.t.track(r.tracked, -1) })
	}
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
//
// With inFlight, the attempt is known to be in flight until settled, so that
// a limit reached only by this instance's attempts still being checked
// answers password.ErrBusy (retry in a moment) instead of a wait.
func (t *throttle) reserve(ctx context.Context, limits []limit, inFlight bool) (r reservation, wait time.Duration, err error) {
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
	keys := make([]string, len(limits))
	for i, l := range limits {
		keys[i] = l.key
	}
	r = reservation{t: t}
	defer func() {
		if err != nil || wait > 0 {
			r.settled() // counted nothing
		}
	}()
	var busy bool
	err = t.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		r.keys, wait, busy = r.keys[:0], 0, false
		for _, l := range limits {
			row, err := t.st.countAttempt(ctx, tx, l.key, now, cutoff)
			if err != nil {
				return err
			}
			// Failures settled (or in flight on other instances), this
			// attempt aside: with them alone at the limit, no attempt in
			// flight here can make room, and the refusal lasts the rest
			// of the window.
			if settled := row.Failures - 1 - t.flying(l.key); settled >= l.max {
				wait = max(wait, row.WindowStart.Add(t.window).Sub(now))
			} else if row.Failures > l.max {
				busy = true // only attempts still being checked here reach it
			}
			r.keys = append(r.keys, reserved{key: l.key, start: row.WindowStart})
		}
		if wait > 0 || busy {
			return errSpent
		}
		// In flight from before the count commits, so that another reserve
		// never sees it counted and not in flight (a refusal for the whole
		// window); an uncommitted count seen in flight only makes a refusal
		// "busy". Once per reservation (the callback may run again).
		if inFlight && r.done == nil {
			r.tracked, r.done = keys, &sync.Once{}
			t.track(keys, 1)
		}
		// Forget windows that ended long ago.
		return t.st.forgetWindows(ctx, tx, now.Add(-2*t.window))
	})
	switch {
	case errors.Is(err, errSpent) && wait == 0:
		return r, 0, password.ErrBusy
	case errors.Is(err, errSpent):
		return r, max(wait, time.Second), nil
	case err != nil:
		return r, 0, err
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
