package commerce

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/db"
)

// Order statuses.
const (
	orderPending   = "pending"
	orderPaid      = "paid"
	orderCancelled = "cancelled"
	orderRefunded  = "refunded"
)

// Payment statuses.
const (
	payReady           = "ready"
	payApproving       = "approving"
	payPaid            = "paid"
	payFailed          = "failed"
	payCancelled       = "cancelled"
	payRefundRequested = "refund_requested"
	payRefunded        = "refunded"
)

type orderRow struct {
	bun.BaseModel `bun:"table:commerce_orders,alias:o"`

	ID          int64      `bun:"id,pk,autoincrement"`
	UserID      int64      `bun:"user_id,notnull"`
	Status      string     `bun:"status,notnull"`
	Amount      int64      `bun:"amount,notnull"`
	CreatedAt   time.Time  `bun:"created_at,notnull"`
	UpdatedAt   time.Time  `bun:"updated_at,notnull"`
	PaidAt      *time.Time `bun:"paid_at"`
	CancelledAt *time.Time `bun:"cancelled_at"`
	RefundedAt  *time.Time `bun:"refunded_at"`
}

type orderItemRow struct {
	bun.BaseModel `bun:"table:commerce_order_items,alias:oi"`

	ID         int64            `bun:"id,pk,autoincrement"`
	OrderID    int64            `bun:"order_id,notnull"`
	Kind       string           `bun:"kind,notnull"`
	ProductID  int64            `bun:"product_id,notnull"`
	Title      string           `bun:"title,notnull"`
	Price      int64            `bun:"price,notnull"`
	AccessDays int              `bun:"access_days,notnull"`
	CourseIDs  db.JSON[[]int64] `bun:"course_ids,notnull"`
}

type paymentRow struct {
	bun.BaseModel `bun:"table:commerce_payments,alias:pa"`

	ID                  int64                    `bun:"id,pk,autoincrement"`
	UserID              int64                    `bun:"user_id,notnull"`
	OrderID             int64                    `bun:"order_id,notnull"`
	Provider            string                   `bun:"provider,notnull"`
	Status              string                   `bun:"status,notnull"`
	Amount              int64                    `bun:"amount,notnull"`
	ProviderOrderID     string                   `bun:"provider_order_id,notnull"`
	TID                 *string                  `bun:"tid"`
	RedirectURL         string                   `bun:"redirect_url,notnull"`
	Method              string                   `bun:"method,notnull"`
	ApprovedAmount      *int64                   `bun:"approved_amount"`
	FailureCode         string                   `bun:"failure_code,notnull"`
	FailureMessage      string                   `bun:"failure_message,notnull"`
	BillingSealed       *string                  `bun:"billing_sealed"`
	RawReady            db.JSON[json.RawMessage] `bun:"raw_ready"`
	RawApprove          db.JSON[json.RawMessage] `bun:"raw_approve"`
	RawCancel           db.JSON[json.RawMessage] `bun:"raw_cancel"`
	CreatedAt           time.Time                `bun:"created_at,notnull"`
	UpdatedAt           time.Time                `bun:"updated_at,notnull"`
	ClaimedAt           *time.Time               `bun:"claimed_at"`
	PaidAt              *time.Time               `bun:"paid_at"`
	FailedAt            *time.Time               `bun:"failed_at"`
	CancelledAt         *time.Time               `bun:"cancelled_at"`
	RefundedAt          *time.Time               `bun:"refunded_at"`
	ProviderCancelledAt *time.Time               `bun:"provider_cancelled_at"`
}

func (p *paymentRow) tid() string {
	if p.TID == nil {
		return ""
	}
	return *p.TID
}

// ---- orders ---------------------------------------------------------------------

// pendingOrder returns the user's pending order, locked for tx (Postgres;
// SQLite's writer is already alone), nil when there is none.
func (st store) pendingOrder(ctx context.Context, tx bun.IDB, userID int64) (*orderRow, error) {
	var r orderRow
	q := tx.NewSelect().Model(&r).Where("o.user_id = ? AND o.status = ?", userID, orderPending)
	err := st.d.ForUpdate(q).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

func (st store) insertOrder(ctx context.Context, tx bun.IDB, o *orderRow, items []orderItemRow) error {
	if _, err := tx.NewInsert().Model(o).Returning("id").Exec(ctx); err != nil {
		return err
	}
	for i := range items {
		items[i].OrderID = o.ID
	}
	_, err := tx.NewInsert().Model(&items).Returning("id").Exec(ctx)
	return err
}

// order loads an order: the user's own (userID not 0) or any.
func (st store) order(ctx context.Context, idb bun.IDB, userID, id int64, lock bool) (*orderRow, error) {
	var r orderRow
	q := idb.NewSelect().Model(&r).Where("o.id = ?", id)
	if userID != 0 {
		q = q.Where("o.user_id = ?", userID)
	}
	if lock {
		q = st.d.ForUpdate(q)
	}
	return &r, notFound(q.Scan(ctx), errOrderNotFound)
}

// orders lists orders, newest first: the user's (userID not 0) or every one.
func (st store) orders(ctx context.Context, idb bun.IDB, userID int64, limit, offset int) ([]orderRow, int, error) {
	var rows []orderRow
	q := idb.NewSelect().Model(&rows)
	if userID != 0 {
		q = q.Where("o.user_id = ?", userID)
	}
	n, err := q.OrderExpr("o.created_at DESC, o.id DESC").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	return rows, int(n), err
}

// orderItems returns the items of orders, by order.
func (st store) orderItems(ctx context.Context, idb bun.IDB, orderIDs []int64) (map[int64][]orderItemRow, error) {
	out := map[int64][]orderItemRow{}
	if len(orderIDs) == 0 {
		return out, nil
	}
	var rows []orderItemRow
	if err := idb.NewSelect().Model(&rows).Where("oi.order_id IN (?)", bun.In(orderIDs)).OrderExpr("oi.id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.OrderID] = append(out[r.OrderID], r)
	}
	return out, nil
}

// setOrderStatus moves an order from one status to another; false when it
// was not in from.
func (st store) setOrderStatus(ctx context.Context, idb bun.IDB, id int64, from, to string, now time.Time) (bool, error) {
	q := idb.NewUpdate().Model((*orderRow)(nil)).Set("status = ?", to).Set("updated_at = ?", now).
		Where("id = ? AND status = ?", id, from)
	switch to {
	case orderPaid:
		q = q.Set("paid_at = ?", now)
	case orderCancelled:
		q = q.Set("cancelled_at = ?", now)
	case orderRefunded:
		q = q.Set("refunded_at = ?", now)
	}
	return affected(q.Exec(ctx))
}

// lockOrder serialises, until tx ends, the grants and the revocation of an
// order's access (their deliveries may run at once).
func (st store) lockOrder(ctx context.Context, tx bun.Tx, id int64) error {
	return st.d.LockKey(ctx, tx, "commerce.order:"+itoa(id))
}

// ---- payments -------------------------------------------------------------------

func (st store) insertPayment(ctx context.Context, tx bun.IDB, p *paymentRow) error {
	_, err := tx.NewInsert().Model(p).Returning("id").Exec(ctx)
	return err
}

// setProviderOrderID names a new payment at the provider (it needs the id).
func (st store) setProviderOrderID(ctx context.Context, tx bun.IDB, id int64, poid string) error {
	_, err := tx.NewUpdate().Model((*paymentRow)(nil)).Set("provider_order_id = ?", poid).Where("id = ?", id).Exec(ctx)
	return err
}

// payment loads a payment: the user's own (userID not 0) or any.
func (st store) payment(ctx context.Context, idb bun.IDB, userID, id int64) (*paymentRow, error) {
	var r paymentRow
	q := idb.NewSelect().Model(&r).Where("pa.id = ?", id)
	if userID != 0 {
		q = q.Where("pa.user_id = ?", userID)
	}
	return &r, notFound(q.Scan(ctx), errPaymentNotFound)
}

// paymentByProviderOrder loads a payment by our id of it at its provider.
func (st store) paymentByProviderOrder(ctx context.Context, idb bun.IDB, userID int64, poid string) (*paymentRow, error) {
	var r paymentRow
	q := idb.NewSelect().Model(&r).Where("pa.provider_order_id = ?", poid)
	if userID != 0 {
		q = q.Where("pa.user_id = ?", userID)
	}
	return &r, notFound(q.Scan(ctx), errPaymentNotFound)
}

// payments lists payments, newest first: the user's (userID not 0) or
// every one; of one order when orderID is not 0.
func (st store) payments(ctx context.Context, idb bun.IDB, userID, orderID int64, limit, offset int) ([]paymentRow, int, error) {
	var rows []paymentRow
	q := idb.NewSelect().Model(&rows)
	if userID != 0 {
		q = q.Where("pa.user_id = ?", userID)
	}
	if orderID != 0 {
		q = q.Where("pa.order_id = ?", orderID)
	}
	n, err := q.OrderExpr("pa.created_at DESC, pa.id DESC").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	return rows, int(n), err
}

// orderPaymentsIn returns whether an order has a payment in one of statuses.
func (st store) orderPaymentsIn(ctx context.Context, idb bun.IDB, orderID int64, statuses ...string) (bool, error) {
	return idb.NewSelect().Model((*paymentRow)(nil)).Where("order_id = ? AND status IN (?)", orderID, bun.In(statuses)).Exists(ctx)
}

// cancelReadyPayments cancels an order's payments still ready (locally: no
// provider charged them).
func (st store) cancelReadyPayments(ctx context.Context, idb bun.IDB, orderID int64, now time.Time) error {
	_, err := idb.NewUpdate().Model((*paymentRow)(nil)).Set("status = ?", payCancelled).Set("cancelled_at = ?", now).
		Set("updated_at = ?", now).Where("order_id = ? AND status = ?", orderID, payReady).Exec(ctx)
	return err
}

// movePayment changes a payment's status from one to another with the
// columns set; false when it was not in from (someone else moved it).
func (st store) movePayment(ctx context.Context, idb bun.IDB, p *paymentRow, from string, cols ...string) (bool, error) {
	cols = append(cols, "status", "updated_at")
	return affected(idb.NewUpdate().Model(p).Column(cols...).WherePK().Where("status = ?", from).Exec(ctx))
}

// savePayment writes columns of a payment whatever its status.
func (st store) savePayment(ctx context.Context, idb bun.IDB, p *paymentRow, cols ...string) error {
	_, err := idb.NewUpdate().Model(p).Column(append(cols, "updated_at")...).WherePK().Exec(ctx)
	return err
}

// stalePayments returns payments in status claimed before cutoff, oldest
// first (the reconciler's work).
func (st store) stalePayments(ctx context.Context, idb bun.IDB, status string, cutoff time.Time, limit int) ([]paymentRow, error) {
	var rows []paymentRow
	err := idb.NewSelect().Model(&rows).Where("pa.status = ? AND pa.claimed_at < ?", status, cutoff).
		OrderExpr("pa.claimed_at").Limit(int64(limit)).Scan(ctx)
	return rows, err
}

// abandonReady cancels payments left ready since before cutoff (the payer
// never came back; nothing was charged).
func (st store) abandonReady(ctx context.Context, idb bun.IDB, cutoff, now time.Time) error {
	_, err := idb.NewUpdate().Model((*paymentRow)(nil)).Set("status = ?", payCancelled).Set("cancelled_at = ?", now).
		Set("updated_at = ?", now).Where("status = ? AND created_at < ?", payReady, cutoff).Exec(ctx)
	return err
}

// boughtItem is an item of one of a user's paid orders, with the payment's
// time: its courses are the buyer's from then for its access days.
type boughtItem struct {
	CourseIDs  db.JSON[[]int64] `bun:"course_ids"`
	AccessDays int              `bun:"access_days"`
	PaidAt     time.Time        `bun:"paid_at"`
}

// boughtItems returns the items of a user's paid (not refunded) orders
// (commerce_orders_user_idx).
func (st store) boughtItems(ctx context.Context, idb bun.IDB, userID int64) ([]boughtItem, error) {
	var out []boughtItem
	err := idb.NewSelect().TableExpr("commerce_order_items AS oi").
		Join("JOIN commerce_orders AS o ON o.id = oi.order_id").
		ColumnExpr("oi.course_ids, oi.access_days, o.paid_at").
		Where("o.user_id = ? AND o.status = ?", userID, orderPaid).Scan(ctx, &out)
	return out, err
}
