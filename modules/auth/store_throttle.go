package auth

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// throttleRow is a row of auth_throttle: the attempts of one key counted
// in its current window.
type throttleRow struct {
	bun.BaseModel `bun:"table:auth_throttle,alias:t"`

	Key         string    `bun:"key,pk"`
	Failures    int       `bun:"failures,notnull"`
	WindowStart time.Time `bun:"window_start,notnull"`
}

// countAttempt adds one attempt to key in one statement, starting a new
// window at now when the last one began before cutoff, and returns the
// counter as it is after the addition. The upsert locks the row until the
// transaction ends (Postgres; SQLite has a single writer), so concurrent
// attempts on a key are counted one after another and each sees the others.
func (s store) countAttempt(ctx context.Context, idb bun.IDB, key string, now, cutoff time.Time) (throttleRow, error) {
	row := throttleRow{Key: key, Failures: 1, WindowStart: now}
	_, err := idb.NewInsert().Model(&row).
		On("CONFLICT (key) DO UPDATE").
		Set("failures = CASE WHEN t.window_start > ? THEN t.failures + 1 ELSE 1 END", cutoff).
		Set("window_start = CASE WHEN t.window_start > ? THEN t.window_start ELSE EXCLUDED.window_start END", cutoff).
		Returning("failures, window_start").
		Exec(ctx)
	return row, err
}

// uncountAttempt takes back one attempt of key counted in the window that
// began at start (an attempt that turned out not to be a failure). A window
// begun since then is left alone.
func (s store) uncountAttempt(ctx context.Context, idb bun.IDB, key string, start time.Time) error {
	_, err := idb.NewUpdate().Model((*throttleRow)(nil)).Set("failures = failures - 1").
		Where("key = ?", key).Where("window_start = ?", start).Where("failures > 0").Exec(ctx)
	return err
}

// forgetWindows drops the counters of windows that began before a moment
// (bounded by the index on window_start).
func (s store) forgetWindows(ctx context.Context, idb bun.IDB, before time.Time) error {
	_, err := idb.NewDelete().Model((*throttleRow)(nil)).Where("window_start < ?", before).Exec(ctx)
	return err
}

// clearThrottle drops the counter of key.
func (s store) clearThrottle(ctx context.Context, idb bun.IDB, key string) error {
	_, err := idb.NewDelete().Model((*throttleRow)(nil)).Where("key = ?", key).Exec(ctx)
	return err
}
