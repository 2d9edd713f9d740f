package accounts

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// resetRow is a row of accounts_password_resets.
type resetRow struct {
	bun.BaseModel `bun:"table:accounts_password_resets,alias:pr"`

	ID        int64      `bun:"id,pk,autoincrement"`
	UserID    int64      `bun:"user_id,notnull"`
	TokenHash string     `bun:"token_hash,notnull"`
	IP        string     `bun:"ip,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
}

// resetsSince counts the reset links mailed to userID since a moment.
func (s store) resetsSince(ctx context.Context, idb bun.IDB, userID int64, since time.Time) (int, error) {
	n, err := idb.NewSelect().Model((*resetRow)(nil)).Where("user_id = ?", userID).
		Where("created_at > ?", since).Count(ctx)
	return int(n), err
}

func (s store) insertReset(ctx context.Context, idb bun.IDB, r *resetRow) error {
	_, err := idb.NewInsert().Model(r).Exec(ctx)
	return err
}

// resetByHash finds a reset by its token's hash (sql.ErrNoRows when none).
func (s store) resetByHash(ctx context.Context, idb bun.IDB, hash string) (*resetRow, error) {
	var r resetRow
	if err := idb.NewSelect().Model(&r).Where("token_hash = ?", hash).Scan(ctx); err != nil {
		return nil, err
	}
	return &r, nil
}

// spendReset marks reset id used unless it was already: of two concurrent
// uses, one wins. It reports whether this one did.
func (s store) spendReset(ctx context.Context, idb bun.IDB, id int64, at time.Time) (bool, error) {
	res, err := idb.NewUpdate().Model((*resetRow)(nil)).Set("used_at = ?", at).
		Where("id = ?", id).Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// spendUserResets marks every outstanding reset of userID used.
func (s store) spendUserResets(ctx context.Context, idb bun.IDB, userID int64, at time.Time) error {
	_, err := idb.NewUpdate().Model((*resetRow)(nil)).Set("used_at = ?", at).
		Where("user_id = ?", userID).Where("used_at IS NULL").Exec(ctx)
	return err
}
