package media

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// tusUploadRow is what a finished upload became: a video, or the error
// that refused it, stored so that the same problem can be rebuilt.
type tusUploadRow struct {
	bun.BaseModel `bun:"table:media_tus_uploads,alias:tu"`
	UploadID      string    `bun:"upload_id,pk"`
	OwnerID       int64     `bun:"owner_id"`
	Size          int64     `bun:"size"`
	VideoID       *int64    `bun:"video_id"`
	ErrorKind     string    `bun:"error_kind"`
	ErrorCode     string    `bun:"error_code"`
	ErrorMsg      string    `bun:"error_msg"`
	ErrorData     string    `bun:"error_data,nullzero"` // JSON: tusErrorData
	CreatedAt     time.Time `bun:"created_at"`
}

// saveOutcome stores what a finished upload became. An id is used once;
// should a retried completion come twice, the last word stands.
func (store) saveOutcome(ctx context.Context, idb bun.IDB, row *tusUploadRow) error {
	_, err := idb.NewInsert().Model(row).
		On("CONFLICT (upload_id) DO UPDATE").
		Set("owner_id = EXCLUDED.owner_id").Set("size = EXCLUDED.size").Set("video_id = EXCLUDED.video_id").
		Set("error_kind = EXCLUDED.error_kind").Set("error_code = EXCLUDED.error_code").
		Set("error_msg = EXCLUDED.error_msg").Set("error_data = EXCLUDED.error_data").
		Set("created_at = EXCLUDED.created_at").
		Exec(ctx)
	return err
}

// outcome loads what owner's upload id became, if it finished after since;
// nil otherwise.
func (store) outcome(ctx context.Context, idb bun.IDB, id string, owner int64, since time.Time) (*tusUploadRow, error) {
	var row tusUploadRow
	err := idb.NewSelect().Model(&row).Where("upload_id = ?", id).Where("owner_id = ?", owner).
		Where("created_at > ?", since).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &row, err
}

// pruneOutcomes forgets uploads finished at or before the time.
func (store) pruneOutcomes(ctx context.Context, idb bun.IDB, before time.Time) error {
	_, err := idb.NewDelete().Model((*tusUploadRow)(nil)).Where("created_at <= ?", before).Exec(ctx)
	return err
}

// tusLockRow is the lease on one upload (tuslock.go).
type tusLockRow struct {
	bun.BaseModel    `bun:"table:media_tus_locks,alias:tl"`
	UploadID         string    `bun:"upload_id,pk"`
	Holder           string    `bun:"holder"`
	ExpiresAt        time.Time `bun:"expires_at"`
	ReleaseRequested bool      `bun:"release_requested"`
}

// lock reads the lease of an upload; false when there is none.
func (store) lock(ctx context.Context, idb bun.IDB, id string) (tusLockRow, bool, error) {
	var row tusLockRow
	err := idb.NewSelect().Model(&row).Where("upload_id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return tusLockRow{}, false, nil
	}
	return row, err == nil, err
}

// takeLock inserts row's lease if the upload has none, or takes over one
// that expired before now, in one statement that works on both dialects;
// false when a live lease is another's.
func (store) takeLock(ctx context.Context, idb bun.IDB, row *tusLockRow, now time.Time) (bool, error) {
	return changed(idb.NewInsert().Model(row).
		On("CONFLICT (upload_id) DO UPDATE").
		Set("holder = EXCLUDED.holder").
		Set("expires_at = EXCLUDED.expires_at").
		Set("release_requested = EXCLUDED.release_requested").
		Where("tl.expires_at < ?", now).
		Exec(ctx))
}

// extendLock moves holder's lease on upload id to until; false when the
// lease is no longer holder's.
func (store) extendLock(ctx context.Context, idb bun.IDB, id, holder string, until time.Time) (bool, error) {
	return changed(idb.NewUpdate().Model((*tusLockRow)(nil)).Set("expires_at = ?", until).
		Where("upload_id = ?", id).Where("holder = ?", holder).Exec(ctx))
}

// askRelease flags holder's lease on upload id: another instance wants it.
func (store) askRelease(ctx context.Context, idb bun.IDB, id, holder string) error {
	_, err := idb.NewUpdate().Model((*tusLockRow)(nil)).Set("release_requested = ?", true).
		Where("upload_id = ?", id).Where("holder = ?", holder).Exec(ctx)
	return err
}

// dropLock deletes holder's lease on upload id.
func (store) dropLock(ctx context.Context, idb bun.IDB, id, holder string) error {
	_, err := idb.NewDelete().Model((*tusLockRow)(nil)).Where("upload_id = ?", id).Where("holder = ?", holder).Exec(ctx)
	return err
}

// pruneLocks deletes the leases that expired before the time.
func (store) pruneLocks(ctx context.Context, idb bun.IDB, before time.Time) error {
	_, err := idb.NewDelete().Model((*tusLockRow)(nil)).Where("expires_at < ?", before).Exec(ctx)
	return err
}
