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

// store holds every query of the module (orders and payments: store_payments.go).
type store struct{ d *db.DB }

type cartItemRow struct {
	bun.BaseModel `bun:"table:commerce_cart_items,alias:ci"`

	ID        int64     `bun:"id,pk,autoincrement"`
	UserID    int64     `bun:"user_id,notnull"`
	Kind      string    `bun:"kind,notnull"`
	ProductID int64     `bun:"product_id,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

type addressRow struct {
	bun.BaseModel `bun:"table:commerce_billing_addresses,alias:ba"`

	ID        int64     `bun:"id,pk,autoincrement"`
	UserID    int64     `bun:"user_id,notnull"`
	Sealed    string    `bun:"sealed,notnull"`
	IsDefault bool      `bun:"is_default,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
	UpdatedAt time.Time `bun:"updated_at,notnull"`
}

type idemRow struct {
	bun.BaseModel `bun:"table:commerce_idempotency_keys,alias:ik"`

	UserID      int64     `bun:"user_id,pk"`
	Key         string    `bun:"idem_key,pk"`
	RequestHash string    `bun:"request_hash,notnull"`
	Status      string    `bun:"status,notnull"`
	HTTPStatus  int       `bun:"http_status,notnull"`
	Body        string    `bun:"body,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
}

type receiptRow struct {
	bun.BaseModel `bun:"table:commerce_receipts,alias:rc"`

	ID        int64                `bun:"id,pk,autoincrement"`
	UserID    int64                `bun:"user_id,notnull"`
	PaymentID int64                `bun:"payment_id,notnull"`
	Kind      string               `bun:"kind,notnull"`
	Number    string               `bun:"number,notnull"`
	Amount    int64                `bun:"amount,notnull"`
	Data      db.JSON[receiptData] `bun:"data,notnull"`
	CreatedAt time.Time            `bun:"created_at,notnull"`
}

// ---- cart -------------------------------------------------------------------

func (st store) cartItems(ctx context.Context, idb bun.IDB, userID int64) ([]cartItemRow, error) {
	var rows []cartItemRow
	err := idb.NewSelect().Model(&rows).Where("ci.user_id = ?", userID).OrderExpr("ci.id").Scan(ctx)
	return rows, err
}

func (st store) cartItem(ctx context.Context, idb bun.IDB, userID, id int64) (*cartItemRow, error) {
	var r cartItemRow
	err := idb.NewSelect().Model(&r).Where("ci.user_id = ? AND ci.id = ?", userID, id).Scan(ctx)
	return &r, notFound(err, errCartItemNotFound)
}

// insertCartItem adds a product; one already there is refused by the
// unique key (db.IsUniqueViolation).
func (st store) insertCartItem(ctx context.Context, idb bun.IDB, r *cartItemRow) error {
	_, err := idb.NewInsert().Model(r).Returning("id").Exec(ctx)
	return err
}

func (st store) deleteCartItem(ctx context.Context, idb bun.IDB, userID, id int64) (bool, error) {
	res, err := idb.NewDelete().Model((*cartItemRow)(nil)).Where("user_id = ? AND id = ?", userID, id).Exec(ctx)
	return affected(res, err)
}

// deleteCartProducts removes products from a user's cart (bought).
func (st store) deleteCartProducts(ctx context.Context, idb bun.IDB, userID int64, kind string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := idb.NewDelete().Model((*cartItemRow)(nil)).
		Where("user_id = ? AND kind = ? AND product_id IN (?)", userID, kind, bun.In(ids)).Exec(ctx)
	return err
}

// ---- billing addresses --------------------------------------------------------

func (st store) addresses(ctx context.Context, idb bun.IDB, userID int64) ([]addressRow, error) {
	var rows []addressRow
	err := idb.NewSelect().Model(&rows).Where("ba.user_id = ?", userID).OrderExpr("ba.is_default DESC, ba.id DESC").Scan(ctx)
	return rows, err
}

func (st store) address(ctx context.Context, idb bun.IDB, userID, id int64) (*addressRow, error) {
	var r addressRow
	err := idb.NewSelect().Model(&r).Where("ba.user_id = ? AND ba.id = ?", userID, id).Scan(ctx)
	return &r, notFound(err, errAddressNotFound)
}

// defaultAddress returns the user's default address, nil when none.
func (st store) defaultAddress(ctx context.Context, idb bun.IDB, userID int64) (*addressRow, error) {
	var r addressRow
	err := idb.NewSelect().Model(&r).Where("ba.user_id = ? AND ba.is_default", userID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// lockAddresses serialises changes of one user's addresses (the default
// moves between rows).
func (st store) lockAddresses(ctx context.Context, tx bun.Tx, userID int64) error {
	return st.d.LockKey(ctx, tx, "commerce.addresses:"+itoa(userID))
}

func (st store) insertAddress(ctx context.Context, idb bun.IDB, r *addressRow) error {
	_, err := idb.NewInsert().Model(r).Returning("id").Exec(ctx)
	return err
}

func (st store) updateAddress(ctx context.Context, idb bun.IDB, r *addressRow) error {
	_, err := idb.NewUpdate().Model(r).Column("sealed", "is_default", "updated_at").WherePK().Exec(ctx)
	return err
}

// clearDefault makes none of the user's addresses the default.
func (st store) clearDefault(ctx context.Context, idb bun.IDB, userID int64) error {
	_, err := idb.NewUpdate().Model((*addressRow)(nil)).Set("is_default = FALSE").
		Where("user_id = ? AND is_default", userID).Exec(ctx)
	return err
}

func (st store) deleteAddress(ctx context.Context, idb bun.IDB, userID, id int64) (bool, error) {
	res, err := idb.NewDelete().Model((*addressRow)(nil)).Where("user_id = ? AND id = ?", userID, id).Exec(ctx)
	return affected(res, err)
}

// promoteNewest makes the user's newest address the default.
func (st store) promoteNewest(ctx context.Context, idb bun.IDB, userID int64) error {
	var id int64
	err := idb.NewSelect().Model((*addressRow)(nil)).Column("id").Where("user_id = ?", userID).
		OrderExpr("id DESC").Limit(int64(1)).Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = idb.NewUpdate().Model((*addressRow)(nil)).Set("is_default = TRUE").Where("id = ?", id).Exec(ctx)
	return err
}

// ---- idempotency keys -----------------------------------------------------------

// claimKey inserts an in-progress key; false when the key exists (row is
// then the stored one).
func (st store) claimKey(ctx context.Context, idb bun.IDB, r *idemRow) (bool, *idemRow, error) {
	res, err := idb.NewInsert().Model(r).On("CONFLICT (user_id, idem_key) DO NOTHING").Exec(ctx)
	ok, err := affected(res, err)
	if err != nil || ok {
		return ok, nil, err
	}
	var cur idemRow
	err = idb.NewSelect().Model(&cur).Where("ik.user_id = ? AND ik.idem_key = ?", r.UserID, r.Key).Scan(ctx)
	return false, &cur, err
}

// key reads a stored key, nil when there is none.
func (st store) key(ctx context.Context, idb bun.IDB, userID int64, key string) (*idemRow, error) {
	var r idemRow
	err := idb.NewSelect().Model(&r).Where("ik.user_id = ? AND ik.idem_key = ?", userID, key).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

func (st store) finishKey(ctx context.Context, idb bun.IDB, userID int64, key string, status int, body string) error {
	_, err := idb.NewUpdate().Model((*idemRow)(nil)).Set("status = 'done'").Set("http_status = ?", status).
		Set("body = ?", body).Where("user_id = ? AND idem_key = ?", userID, key).Exec(ctx)
	return err
}

func (st store) dropKey(ctx context.Context, idb bun.IDB, userID int64, key string) error {
	_, err := idb.NewDelete().Model((*idemRow)(nil)).Where("user_id = ? AND idem_key = ?", userID, key).Exec(ctx)
	return err
}

// pruneKeys deletes keys created before cutoff.
func (st store) pruneKeys(ctx context.Context, idb bun.IDB, cutoff time.Time) error {
	_, err := idb.NewDelete().Model((*idemRow)(nil)).Where("created_at < ?", cutoff).Exec(ctx)
	return err
}

// ---- receipts -------------------------------------------------------------------

// insertReceipt stores a receipt once per (payment, kind).
func (st store) insertReceipt(ctx context.Context, idb bun.IDB, r *receiptRow) error {
	_, err := idb.NewInsert().Model(r).On("CONFLICT (payment_id, kind) DO NOTHING").Exec(ctx)
	return err
}

// receipt loads a receipt: the user's own (userID not 0) or any.
func (st store) receipt(ctx context.Context, idb bun.IDB, userID, id int64) (*receiptRow, error) {
	var r receiptRow
	q := idb.NewSelect().Model(&r).Where("rc.id = ?", id)
	if userID != 0 {
		q = q.Where("rc.user_id = ?", userID)
	}
	return &r, notFound(q.Scan(ctx), errReceiptNotFound)
}

// receipts lists receipts, newest first: the user's (userID not 0) or
// every one; of one payment when paymentID is not 0.
func (st store) receipts(ctx context.Context, idb bun.IDB, userID, paymentID int64, limit, offset int) ([]receiptRow, int, error) {
	var rows []receiptRow
	q := idb.NewSelect().Model(&rows)
	if userID != 0 {
		q = q.Where("rc.user_id = ?", userID)
	}
	if paymentID != 0 {
		q = q.Where("rc.payment_id = ?", paymentID)
	}
	n, err := q.OrderExpr("rc.created_at DESC, rc.id DESC").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	return rows, int(n), err
}

// notFound turns "no rows" into the module's not-found error.
func notFound(err, nf error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nf
	}
	return err
}

func affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// rawJSON keeps a provider's response as JSON (null when there is none or
// it is not JSON).
func rawJSON(b []byte) db.JSON[json.RawMessage] {
	if len(b) == 0 || !json.Valid(b) {
		return db.JSON[json.RawMessage]{V: json.RawMessage("null")}
	}
	return db.JSON[json.RawMessage]{V: json.RawMessage(b)}
}

// sealedValue is a sealed column of one row, for key rotation.
type sealedValue struct {
	ID     int64  `bun:"id"`
	UserID int64  `bun:"user_id"`
	Token  string `bun:"token"`
}

// sealedAddresses returns addresses after id, in id order.
func (st store) sealedAddresses(ctx context.Context, idb bun.IDB, after int64, limit int) ([]sealedValue, error) {
	var out []sealedValue
	err := idb.NewSelect().Model((*addressRow)(nil)).ColumnExpr("ba.id, ba.user_id, ba.sealed AS token").
		Where("ba.id > ?", after).OrderExpr("ba.id").Limit(int64(limit)).Scan(ctx, &out)
	return out, err
}

// resealAddress replaces an address's sealed value, unless it changed since.
func (st store) resealAddress(ctx context.Context, tx bun.IDB, id int64, old, token string) error {
	_, err := tx.NewUpdate().Model((*addressRow)(nil)).Set("sealed = ?", token).Where("id = ? AND sealed = ?", id, old).Exec(ctx)
	return err
}

// sealedBillings returns the billing snapshots of payments after id, in id order.
func (st store) sealedBillings(ctx context.Context, idb bun.IDB, after int64, limit int) ([]sealedValue, error) {
	var out []sealedValue
	err := idb.NewSelect().Model((*paymentRow)(nil)).ColumnExpr("pa.id, pa.user_id, pa.billing_sealed AS token").
		Where("pa.id > ? AND pa.billing_sealed IS NOT NULL", after).OrderExpr("pa.id").Limit(int64(limit)).Scan(ctx, &out)
	return out, err
}

// resealBilling replaces a payment's billing snapshot, unless it changed since.
func (st store) resealBilling(ctx context.Context, tx bun.IDB, id int64, old, token string) error {
	_, err := tx.NewUpdate().Model((*paymentRow)(nil)).Set("billing_sealed = ?", token).
		Where("id = ? AND billing_sealed = ?", id, old).Exec(ctx)
	return err
}
