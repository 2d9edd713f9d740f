package auth

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// throttleRow is a row of auth_throttle: the failed logins of one key in
// its current window.
type throttleRow struct {
	bun.BaseModel `bun:"table:auth_throttle,alias:t"`

	Key         string    `bun:"key,pk"`
	Failures    int       `bun:"failures,notnull"`
	WindowStart time.Time `bun:"window_start,notnull"`
}

// throttleRows returns the counters of keys.
func (s store) throttleRows(ctx context.Context, idb bun.IDB, keys []string) ([]throttleRow, error) {
	var rows []throttleRow
	err := idb.NewSelect().Model(&rows).Where("key IN (?)", bun.In(keys)).Scan(ctx)
	return rows, err
}

// countFailure adds one failure to key, atomically (concurrent attempts all
// count), starting a new window at now when the last one began before
// cutoff.
func (s store) countFailure(ctx context.Context, idb bun.IDB, key string, now, cutoff time.Time) error {
	_, err := idb.NewInsert().Model(&throttleRow{Key: key, Failures: 1, WindowStart: now}).
		On("CONFLICT (key) DO UPDATE").
		Set("failures = CASE WHEN t.window_start > ? THEN t.failures + 1 ELSE 1 END", cutoff).
		Set("window_start = CASE WHEN t.window_start > ? THEN t.window_start ELSE EXCLUDED.window_start END", cutoff).
		Exec(ctx)
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
