package commerce

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// The times of an order the dashboards count by (internal names, never
// input): when it was paid, when it was refunded. Both are indexed
// (commerce_orders_paid_idx, commerce_orders_refunded_idx).
const (
	byPaidAt     = "paid_at"
	byRefundedAt = "refunded_at"
)

// dayTotal is a number of orders and their amount on a calendar day.
type dayTotal struct {
	Day    string `bun:"day"`
	N      int64  `bun:"n"`
	Amount int64  `bun:"amount"`
}

// courseDayTotal is, on a calendar day, the number of order items granting
// a course and the course's share of their prices.
type courseDayTotal struct {
	Day      string `bun:"day"`
	CourseID int64  `bun:"course_id"`
	N        int64  `bun:"n"`
	Amount   int64  `bun:"amount"`
}

// recentPayment is an order paid (or paid then refunded), with the
// provider of its payment.
type recentPayment struct {
	OrderID    int64      `bun:"order_id"`
	UserID     int64      `bun:"user_id"`
	Amount     int64      `bun:"amount"`
	Status     string     `bun:"status"`
	Provider   string     `bun:"provider"`
	PaidAt     time.Time  `bun:"paid_at"`
	RefundedAt *time.Time `bun:"refunded_at"`
}

// itemCourses is how each dialect turns an item's course_ids (a JSON array)
// into one row per course: the join, the course's id, whether it is the
// first of the array, and the array's length.
type itemCourses struct {
	join, courseID, first, length string
}

func (st store) itemCourses() itemCourses {
	if st.d.IsPostgres() {
		return itemCourses{
			join:     "CROSS JOIN LATERAL jsonb_array_elements_text(oi.course_ids) WITH ORDINALITY AS c(value, ord)",
			courseID: "CAST(c.value AS BIGINT)", first: "c.ord = 1", length: "jsonb_array_length(oi.course_ids)"}
	}
	return itemCourses{join: "CROSS JOIN json_each(oi.course_ids) AS c",
		courseID: "CAST(c.value AS INTEGER)", first: "c.key = 0", length: "json_array_length(oi.course_ids)"}
}

// orderRange restricts q to the orders whose time at (byPaidAt,
// byRefundedAt) is in [from, to): a range on the raw, indexed column.
func orderRange(q *bun.SelectQuery, at string, from, to time.Time) (*bun.SelectQuery, error) {
	if at != byPaidAt && at != byRefundedAt {
		return nil, fmt.Errorf("commerce: no order time %q", at)
	}
	col := bun.Ident("o." + at)
	return q.Where("? >= ?", col, from).Where("? < ?", col, to), nil
}

// ordersPerDay counts the orders whose time at is in [from, to) and sums
// their amounts, per calendar day at offset seconds east of UTC.
func (st store) ordersPerDay(ctx context.Context, idb bun.IDB, at string, from, to time.Time, offset int) ([]dayTotal, error) {
	day, err := st.d.DayOf("o."+at, offset)
	if err != nil {
		return nil, err
	}
	q, err := orderRange(idb.NewSelect().Model((*orderRow)(nil)), at, from, to)
	if err != nil {
		return nil, err
	}
	var rows []dayTotal
	err = q.ColumnExpr("? AS day", day).ColumnExpr("count(*) AS n").ColumnExpr("CAST(sum(o.amount) AS BIGINT) AS amount").
		GroupExpr("?", day).OrderExpr("day").Scan(ctx, &rows)
	return rows, err
}

// courseSharesPerDay is, per calendar day (of the orders' time at, in
// [from, to)) and course, the number of items granting the course and the
// course's share of their prices: a course item's price, a curriculum's
// split evenly over its courses with the remainder to the first of its
// list. One aggregate: each item's course_ids is expanded in SQL.
func (st store) courseSharesPerDay(ctx context.Context, idb bun.IDB, at string, from, to time.Time, offset int) ([]courseDayTotal, error) {
	day, err := st.d.DayOf("o."+at, offset)
	if err != nil {
		return nil, err
	}
	e := st.itemCourses()
	q, err := orderRange(idb.NewSelect().Model((*orderRow)(nil)), at, from, to)
	if err != nil {
		return nil, err
	}
	share := "oi.price / " + e.length + " + CASE WHEN " + e.first + " THEN oi.price % " + e.length + " ELSE 0 END"
	var rows []courseDayTotal
	err = q.Join("JOIN commerce_order_items AS oi ON oi.order_id = o.id").Join(e.join).
		ColumnExpr("? AS day", day).ColumnExpr(e.courseID+" AS course_id").
		ColumnExpr("count(DISTINCT oi.id) AS n").ColumnExpr("CAST(sum("+share+") AS BIGINT) AS amount").
		GroupExpr("?", day).GroupExpr(e.courseID).OrderExpr("day, course_id").Scan(ctx, &rows)
	return rows, err
}

// recentPayments returns up to limit orders paid or refunded, newest paid
// first (commerce_orders_paid_idx), with their payment's provider; with
// courseIDs, only those with an item granting one of them.
func (st store) recentPayments(ctx context.Context, idb bun.IDB, limit int, courseIDs []int64, until time.Time) ([]recentPayment, error) {
	q := idb.NewSelect().Model((*orderRow)(nil)).
		Join("LEFT JOIN commerce_payments AS pa ON pa.order_id = o.id AND pa.status IN (?)",
			bun.In([]string{payPaid, payRefundRequested, payRefunded})).
		ColumnExpr("o.id AS order_id, o.user_id, o.amount, o.status, COALESCE(pa.provider, '') AS provider").
		ColumnExpr("o.paid_at, o.refunded_at").
		Where("o.paid_at IS NOT NULL").Where("o.status IN (?)", bun.In([]string{orderPaid, orderRefunded}))
	if !until.IsZero() {
		q = q.Where("o.paid_at < ?", until)
	}
	if len(courseIDs) > 0 {
		e := st.itemCourses()
		granting := idb.NewSelect().TableExpr("commerce_order_items AS oi").Join(e.join).ColumnExpr("1").
			Where("oi.order_id = o.id").Where(e.courseID+" IN (?)", bun.In(courseIDs))
		q = q.Where("EXISTS (?)", granting)
	}
	var rows []recentPayment
	err := q.OrderExpr("o.paid_at DESC, o.id DESC").Limit(int64(limit)).Scan(ctx, &rows)
	return rows, err
}
