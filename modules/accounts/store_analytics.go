package accounts

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// dayCount is a number of rows on a calendar day.
type dayCount struct {
	Day string `bun:"day"`
	N   int64  `bun:"n"`
}

// roleCount is a number of accounts of a role.
type roleCount struct {
	Role string `bun:"role"`
	N    int64  `bun:"n"`
}

// signupsPerDay counts the accounts created in [from, to), deleted ones
// included, per calendar day at offset seconds east of UTC: one aggregate
// over accounts_users_created_idx.
func (s store) signupsPerDay(ctx context.Context, idb bun.IDB, from, to time.Time, offset int) ([]dayCount, error) {
	day, err := s.d.DayOf("u.created_at", offset)
	if err != nil {
		return nil, err
	}
	var rows []dayCount
	err = idb.NewSelect().Model((*userRow)(nil)).ColumnExpr("? AS day", day).ColumnExpr("count(*) AS n").
		Where("u.created_at >= ?", from).Where("u.created_at < ?", to).
		GroupExpr("?", day).OrderExpr("day").Scan(ctx, &rows)
	return rows, err
}

// liveRoleCounts counts the accounts not deleted (suspended ones included)
// per role: accounts_users_live_role_idx.
func (s store) liveRoleCounts(ctx context.Context, idb bun.IDB) ([]roleCount, error) {
	var rows []roleCount
	err := idb.NewSelect().Model((*userRow)(nil)).ColumnExpr("u.role AS role").ColumnExpr("count(*) AS n").
		Where("u.deleted_at IS NULL").GroupExpr("u.role").OrderExpr("u.role").Scan(ctx, &rows)
	return rows, err
}
