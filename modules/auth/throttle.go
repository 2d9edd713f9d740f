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
	clock  clock.Clock
	window time.Duration
}

// limit is one throttled key and its allowance.
type limit struct {
	key string
	max int
}

type throttleRow struct {
	bun.BaseModel `bun:"table:auth_throttle,alias:t"`

	Key         string    `bun:"key,pk"`
	Failures    int       `bun:"failures,notnull"`
	WindowStart time.Time `bun:"window_start,notnull"`
}

// blocked returns how long to wait before another attempt, or 0.
func (t *throttle) blocked(ctx context.Context, limits []limit) (time.Duration, error) {
	keys := make([]string, len(limits))
	for i, l := range limits {
		keys[i] = l.key
	}
	var rows []throttleRow
	if err := t.db.R.NewSelect().Model(&rows).Where("key IN (?)", bun.In(keys)).Scan(ctx); err != nil {
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

// fail counts one failure for each key: atomically, so concurrent attempts
// all count.
func (t *throttle) fail(ctx context.Context, limits []limit) error {
	now := t.clock.Now()
	cutoff := now.Add(-t.window)
	return t.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, l := range limits {
			_, err := tx.NewInsert().Model(&throttleRow{Key: l.key, Failures: 1, WindowStart: now}).
				On("CONFLICT (key) DO UPDATE").
				Set("failures = CASE WHEN t.window_start > ? THEN t.failures + 1 ELSE 1 END", cutoff).
				Set("window_start = CASE WHEN t.window_start > ? THEN t.window_start ELSE EXCLUDED.window_start END", cutoff).
				Exec(ctx)
			if err != nil {
				return err
			}
		}
		// Forget windows that ended long ago (bounded by the index).
		_, err := tx.NewDelete().Model((*throttleRow)(nil)).Where("window_start < ?", now.Add(-2*t.window)).Exec(ctx)
		return err
	})
}

// reset clears a key after a successful login.
func (t *throttle) reset(ctx context.Context, tx bun.IDB, key string) error {
	_, err := tx.NewDelete().Model((*throttleRow)(nil)).Where("key = ?", key).Exec(ctx)
	return err
}
