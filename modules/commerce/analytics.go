package commerce

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/weaverse/weaverse/platform/rollup"
)

// The metrics of Analytics.
const (
	metricOrders         = "commerce.orders"
	metricRevenue        = "commerce.revenue"
	metricCourseSales    = "commerce.course_sales"
	metricCourseRevenue  = "commerce.course_revenue"
	metricRefunds        = "commerce.refunds"
	metricRefunded       = "commerce.refunded"
	metricCourseRefunded = "commerce.course_refunded"
)

// maxRecentPayments bounds RecentPayments' limit (the dashboards' CSV of a
// range's payments asks for this many).
const maxRecentPayments = 5000

// analytics is the module's Analytics: aggregate reads on the reader pool.
type analytics struct{ s *service }

var _ Analytics = analytics{}

// maxOffset bounds a window's offset: no zone is further than 14 hours from
// UTC; a larger one is a caller's mistake.
const maxOffset = 14 * 3600

// Daily counts, by the day (at w's offset) an order was paid, in w:
//   - commerce.orders: orders paid (refunded since or not: they were paid
//     that day), commerce.revenue: the sum of their amounts;
//   - per course, commerce.course_sales: the items of those orders granting
//     the course, commerce.course_revenue: the course's share of their
//     prices (a course item's price; a curriculum's price split evenly over
//     its courses, the remainder to the first of its list);
//
// and by the day an order was refunded, in w: commerce.refunds (orders),
// commerce.refunded (their amounts) and commerce.course_refunded (the
// courses' shares, as above). Pending and cancelled orders count nowhere.
// Four aggregate queries, whatever the window holds.
func (a analytics) Daily(ctx context.Context, w rollup.Window) ([]rollup.Point, error) {
	if w.Offset < -maxOffset || w.Offset > maxOffset {
		return nil, fmt.Errorf("commerce: window offset %d s is out of range", w.Offset)
	}
	if !w.From.Before(w.To) {
		return nil, nil
	}
	from, to := w.From.UTC(), w.To.UTC()
	var points []rollup.Point
	for _, by := range []struct {
		at                     string
		count, amount, courses string
	}{
		{byPaidAt, metricOrders, metricRevenue, metricCourseRevenue},
		{byRefundedAt, metricRefunds, metricRefunded, metricCourseRefunded},
	} {
		days, err := a.s.st.ordersPerDay(ctx, a.s.db.R, by.at, from, to, w.Offset)
		if err != nil {
			return nil, err
		}
		for _, d := range days {
			points = append(points, rollup.Point{Metric: by.count, Day: d.Day, Value: d.N},
				rollup.Point{Metric: by.amount, Day: d.Day, Value: d.Amount})
		}
		shares, err := a.s.st.courseSharesPerDay(ctx, a.s.db.R, by.at, from, to, w.Offset)
		if err != nil {
			return nil, err
		}
		for _, c := range shares {
			if by.at == byPaidAt {
				points = append(points, rollup.Point{Metric: metricCourseSales, Day: c.Day, Course: c.CourseID, Value: c.N})
			}
			points = append(points, rollup.Point{Metric: by.courses, Day: c.Day, Course: c.CourseID, Value: c.Amount})
		}
	}
	return points, nil
}

// Snapshot: commerce counts only what happened (Daily); it has no state to
// report.
func (a analytics) Snapshot(context.Context) ([]rollup.Point, error) {
	return []rollup.Point{}, nil
}

// RecentPayments are the latest orders paid (refunded since or not), newest
// paid first, paid before until (zero: any time), at most limit (capped at
// maxRecentPayments; none for limit ≤ 0); with courseIDs, only orders with
// an item granting one of them, each shown as far as it concerns them: the
// items granting them, and their share of the amount (as
// commerce.course_revenue splits it). nil courseIDs is every course; an
// empty, non-nil list is none (a tutor without courses sees no payment,
// not everyone's). Three reads: the orders with their provider, their
// items, their buyers.
func (a analytics) RecentPayments(ctx context.Context, limit int, courseIDs []int64, until time.Time) ([]PaymentRow, error) {
	if limit <= 0 || (courseIDs != nil && len(courseIDs) == 0) {
		return []PaymentRow{}, nil
	}
	limit = min(limit, maxRecentPayments)
	rows, err := a.s.st.recentPayments(ctx, a.s.db.R, limit, courseIDs, until)
	if err != nil {
		return nil, err
	}
	out := make([]PaymentRow, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	orderIDs := make([]int64, 0, len(rows))
	userIDs := make([]int64, 0, len(rows))
	seen := map[int64]bool{}
	for _, r := range rows {
		orderIDs = append(orderIDs, r.OrderID)
		if !seen[r.UserID] {
			seen[r.UserID] = true
			userIDs = append(userIDs, r.UserID)
		}
	}
	items, err := a.s.st.orderItems(ctx, a.s.db.R, orderIDs)
	if err != nil {
		return nil, err
	}
	users, err := a.s.users.UsersByIDs(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	mine := map[int64]bool{}
	for _, id := range courseIDs {
		mine[id] = true
	}
	for _, r := range rows {
		titles := make([]string, 0, len(items[r.OrderID]))
		amount := r.Amount
		if courseIDs != nil {
			amount = 0
		}
		for _, it := range items[r.OrderID] {
			if courseIDs == nil {
				titles = append(titles, it.Title)
				continue
			}
			if share, ok := shareOf(it, mine); ok {
				titles = append(titles, it.Title)
				amount += share
			}
		}
		row := PaymentRow{OrderID: r.OrderID, UserID: r.UserID, Buyer: users[r.UserID].Nickname,
			Items: strings.Join(titles, ", "), Amount: amount, Status: r.Status, Provider: r.Provider,
			PaidAt: r.PaidAt.UTC()}
		if r.RefundedAt != nil {
			t := r.RefundedAt.UTC()
			row.RefundedAt = &t
		}
		out = append(out, row)
	}
	return out, nil
}

// shareOf is the part of an item's price that goes to the courses of
// mine, split as commerce.course_revenue splits it (evenly over the item's
// courses, the remainder to the first), and whether it grants any of them.
func shareOf(it orderItemRow, mine map[int64]bool) (int64, bool) {
	ids := it.CourseIDs.V
	if len(ids) == 0 {
		return 0, false
	}
	each, rest := it.Price/int64(len(ids)), it.Price%int64(len(ids))
	var share int64
	found := false
	for i, id := range ids {
		if !mine[id] {
			continue
		}
		found = true
		share += each
		if i == 0 {
			share += rest
		}
	}
	return share, found
}
