package accounts

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// auditRow is a row of accounts_audit (audit.go).
type auditRow struct {
	bun.BaseModel `bun:"table:accounts_audit,alias:au"`

	ID        int64     `bun:"id,pk,autoincrement"`
	ActorID   *int64    `bun:"actor_id"`
	Action    string    `bun:"action,notnull"`
	TargetID  *int64    `bun:"target_id"`
	Detail    string    `bun:"detail,notnull"`
	IP        string    `bun:"ip,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// insertAudit appends an entry.
func (s store) insertAudit(ctx context.Context, idb bun.IDB, r *auditRow) error {
	_, err := idb.NewInsert().Model(r).Exec(ctx)
	return err
}

// auditPage returns a page of the log, newest first, and its size.
func (s store) auditPage(ctx context.Context, idb bun.IDB, limit, offset int) ([]auditRow, int, error) {
	var rows []auditRow
	n, err := idb.NewSelect().Model(&rows).OrderExpr("au.id DESC").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	return rows, int(n), err
}
