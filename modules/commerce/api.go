// Package commerce sells access: carts, orders with price snapshots,
// billing addresses (encrypted), payments through KakaoPay, Toss Payments
// and the local demo provider (modules/commerce/provider), refunds and
// immutable receipts. A paid order publishes OrderPaid, on which access is
// granted (learning.Grants); a refund publishes OrderRefunded and takes it
// back.
//
// This file is the module's whole surface for other modules.
package commerce

import (
	"context"
	"time"

	"github.com/weaverse/weaverse/platform/rollup"
)

// Product kinds.
const (
	KindCourse     = "course"
	KindCurriculum = "curriculum"
)

// PaidItem is one product of a paid order and the courses it grants.
type PaidItem struct {
	Kind       string  `json:"kind"`
	ProductID  int64   `json:"product_id"`
	Title      string  `json:"title"`
	Price      int64   `json:"price"`
	AccessDays int     `json:"access_days"`
	CourseIDs  []int64 `json:"course_ids"`
}

// OrderPaid is published when an order's payment is paid, in the
// transaction that records it.
type OrderPaid struct {
	OrderID   int64      `json:"order_id"`
	PaymentID int64      `json:"payment_id"`
	UserID    int64      `json:"user_id"`
	Amount    int64      `json:"amount"`
	Items     []PaidItem `json:"items"`
	PaidAt    time.Time  `json:"paid_at"`
}

// EventName names the event.
func (OrderPaid) EventName() string { return "commerce.order_paid" }

// OrderRefunded is published when a paid order is refunded: the access it
// gave (and what was earned with it, such as certificates) goes.
type OrderRefunded struct {
	OrderID    int64     `json:"order_id"`
	PaymentID  int64     `json:"payment_id"`
	UserID     int64     `json:"user_id"`
	Amount     int64     `json:"amount"`
	CourseIDs  []int64   `json:"course_ids"`
	RefundedAt time.Time `json:"refunded_at"`
}

// EventName names the event.
func (OrderRefunded) EventName() string { return "commerce.order_refunded" }

// GrantRef is how the grants of an order are named in learning
// ("order:12").
func GrantRef(orderID int64) string { return "order:" + itoa(orderID) }

// Analytics is commerce's numbers for the dashboards (rollup.Source) and
// its recent payments.
//
// Daily metrics, by the day an order was paid: commerce.orders (course 0:
// orders paid), commerce.revenue (course 0: their amount, KRW); per course
// commerce.course_sales (paid items granting the course) and
// commerce.course_revenue (its share of them: a course item's price, a
// curriculum's price split evenly over its courses, the remainder to the
// first). By the day an order was refunded: commerce.refunds (course 0:
// orders refunded), commerce.refunded (course 0: their amount) and
// commerce.course_refunded per course (the share refunded).
type Analytics interface {
	rollup.Source
	// RecentPayments are the latest paid or refunded orders paid before
	// until (zero: any time), newest first (by paid_at), at most limit.
	// With courseIDs, only orders with an item granting one of them, and
	// of those only what concerns the courses: the items granting them and
	// their share of the amount (a tutor never sees another's sale).
	RecentPayments(ctx context.Context, limit int, courseIDs []int64, until time.Time) ([]PaymentRow, error)
}

// PaymentRow is one order in the dashboards' recent payments.
type PaymentRow struct {
	OrderID    int64      `json:"order_id"`
	UserID     int64      `json:"user_id"`
	Buyer      string     `json:"buyer" doc:"The buyer's nickname."`
	Items      string     `json:"items" doc:"The items' titles, joined."`
	Amount     int64      `json:"amount"`
	Status     string     `json:"status" enum:"paid,refunded"`
	Provider   string     `json:"provider"`
	PaidAt     time.Time  `json:"paid_at"`
	RefundedAt *time.Time `json:"refunded_at,omitempty"`
}
