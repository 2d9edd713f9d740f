package media

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// store holds every query of the module (modules/README.md): each method
// takes the bun.IDB to run on, the reader pool or the caller's transaction.
type store struct{}

// ownerScope is the rows of a media table a query may return, as
// authz.Scope decided: every row (admins), or one owner's rows. The zero
// value is no owner's, which matches no row (ids start at 1).
type ownerScope struct {
	all   bool
	owner int64
}

func (sc ownerScope) apply(q *bun.SelectQuery) *bun.SelectQuery {
	if sc.all {
		return q
	}
	return q.Where("?TableAlias.owner_id = ?", sc.owner)
}

// live loads the live row id of a media table into dst (*imageRow or
// *videoRow), within sc; notFound when there is none.
func (store) live(ctx context.Context, idb bun.IDB, dst any, id int64, sc ownerScope, notFound error) error {
	q := idb.NewSelect().Model(dst).Where("?TableAlias.id = ?", id).Where("?TableAlias.deleted_at IS NULL")
	err := sc.apply(finished(q, dst)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound
	}
	return err
}

// finished hides the rows of dst's table (a row or a slice of rows) whose
// upload never finished. An image row is inserted before its variants are
// stored (storeImage); until they are recorded it is no image, and if the
// upload is cut it stays so until the sweep removes it. Videos show while
// they are processing or failed (their status says so).
func finished(q *bun.SelectQuery, dst any) *bun.SelectQuery {
	switch dst.(type) {
	case *imageRow, *[]imageRow:
		return q.Where("?TableAlias.variants <> ?", "[]")
	}
	return q
}

// livePage loads a page of the live rows of a media table into dst (a
// pointer to a slice of rows) within sc, newest first, and counts them all.
func (store) livePage(ctx context.Context, idb bun.IDB, dst any, sc ownerScope, limit, offset int) (int, error) {
	q := sc.apply(finished(idb.NewSelect().Model(dst).Where("?TableAlias.deleted_at IS NULL"), dst))
	n, err := q.OrderExpr("?TableAlias.created_at DESC, ?TableAlias.id DESC").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	return int(n), err
}

// markDeleted soft-deletes row id of model's table ((*imageRow)(nil), …).
func (store) markDeleted(ctx context.Context, idb bun.IDB, model any, id int64, now time.Time) error {
	_, err := idb.NewUpdate().Model(model).Set("deleted_at = ?", now).Where("id = ?", id).Where("deleted_at IS NULL").Exec(ctx)
	return err
}

// remove deletes row id of model's table for good.
func (store) remove(ctx context.Context, idb bun.IDB, model any, id int64) error {
	_, err := idb.NewDelete().Model(model).Where("id = ?", id).Exec(ctx)
	return err
}

// changed reports whether an update changed exactly one row.
func changed(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// liveVideos loads the live videos among ids.
func (store) liveVideos(ctx context.Context, idb bun.IDB, ids []int64) ([]videoRow, error) {
	var rows []videoRow
	err := idb.NewSelect().Model(&rows).Where("v.id IN (?) AND v.deleted_at IS NULL", bun.In(ids)).Scan(ctx)
	return rows, err
}

// liveImages loads the live, finished images among ids.
func (store) liveImages(ctx context.Context, idb bun.IDB, ids []int64) ([]imageRow, error) {
	var rows []imageRow
	err := finished(idb.NewSelect().Model(&rows).Where("?TableAlias.id IN (?) AND ?TableAlias.deleted_at IS NULL", bun.In(ids)), &rows).Scan(ctx)
	return rows, err
}
