package auth

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/clock"
	"github.com/weaverse/weaverse/platform/db"
)

// throttle counts failed logins per key in fixed windows kept in the
// database, so the limit holds across instances and restarts.
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

// blocked returns how long to wait before another attempt, or 0.
func (t *throttle) blocked(ctx context.Context, limits []limit) (time.Duration, error) {
	keys := make([]string, len(limits))
	for i, l := range limits {
		keys[i] = l.key
	}
	rows, err := t.st.throttleRows(ctx, t.db.R, keys)
	if err != nil {
		return 0, err
	}
	now := t.clock.Now()
	var wait time.Duration
	for _, r := range rows {
		end := r.WindowStart.Add(t.window)
		if !now.Before(end) {
			continue
		}
		for _, l := range limits {
			if l.key == r.Key && r.Failures >= l.max {
				wait = max(wait, end.Sub(now))
			}
		}
	}
	return wait, nil
}

// fail counts one failure for each key.
func (t *throttle) fail(ctx context.Context, limits []limit) error {
	now := t.clock.Now()
	cutoff := now.Add(-t.window)
	return t.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, l := range limits {
			if err := t.st.countFailure(ctx, tx, l.key, now, cutoff); err != nil {
				return err
			}
		}
		// Forget windows that ended long ago.
		return t.st.forgetWindows(ctx, tx, now.Add(-2*t.window))
	})
}

// reset clears a key after a successful login, in the login's transaction.
func (t *throttle) reset(ctx context.Context, tx bun.IDB, key string) error {
	return t.st.clearThrottle(ctx, tx, key)
}
