package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// settingRow is a row of platform_settings: instance-wide markers such as
// "the default content was imported".
type settingRow struct {
	bun.BaseModel `bun:"table:platform_settings"`

	Key       string    `bun:"key,pk"`
	Value     string    `bun:"value,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

// Setting returns the value of key and whether it is set.
func (d *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	var r settingRow
	err := d.R.NewSelect().Model(&r).Where("key = ?", key).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return r.Value, err == nil, err
}

// SetSetting stores value under key (insert or replace) through idb, so it
// can join a transaction.
func (d *DB) SetSetting(ctx context.Context, idb bun.IDB, key, value string, now time.Time) error {
	_, err := idb.NewInsert().Model(&settingRow{Key: key, Value: value, UpdatedAt: now}).
		On("CONFLICT (key) DO UPDATE").Set("value = EXCLUDED.value").Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	return err
}
