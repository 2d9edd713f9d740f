package commerce

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/apperr"
	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/db"
)

// OrderInput orders explicit items; none orders the cart.
type OrderInput struct {
	Items []ProductRef `json:"items,omitempty" maxItems:"50" doc:"The products to order; empty or absent: the cart's."`
}

// OrderItem is a product of an order as it was when ordered.
type OrderItem struct {
	Kind       string  `json:"kind" enum:"course,curriculum"`
	ProductID  int64   `json:"product_id"`
	Title      string  `json:"title"`
	Price      int64   `json:"price" doc:"KRW, when ordered."`
	AccessDays int     `json:"access_days"`
	CourseIDs  []int64 `json:"course_ids"`
}

// Order is an order.
type Order struct {
	ID          int64       `json:"id"`
	UserID      int64       `json:"user_id"`
	Status      string      `json:"status" enum:"pending,paid,cancelled,refunded"`
	Amount      int64       `json:"amount" doc:"KRW."`
	Items       []OrderItem `json:"items"`
	CreatedAt   time.Time   `json:"created_at"`
	PaidAt      *time.Time  `json:"paid_at"`
	CancelledAt *time.Time  `json:"cancelled_at"`
	RefundedAt  *time.Time  `json:"refunded_at"`
}

func orderOf(r *orderRow, items []orderItemRow) *Order {
	o := &Order{ID: r.ID, UserID: r.UserID, Status: r.Status, Amount: r.Amount, Items: []OrderItem{},
		CreatedAt: r.CreatedAt.UTC(), PaidAt: r.PaidAt, CancelledAt: r.CancelledAt, RefundedAt: r.RefundedAt}
	for _, it := range items {
		o.Items = append(o.Items, OrderItem{Kind: it.Kind, ProductID: it.ProductID, Title: it.Title, Price: it.Price,
			AccessDays: it.AccessDays, CourseIDs: nonNil(it.CourseIDs.V)})
	}
	return o
}

func nonNil(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// CreateOrder orders explicit products, or the cart's (in.Items empty),
// for p. The order's items snapshot the products' titles and prices. A
// user has one pending order at a time: the same products again return it,
// others replace it (cancelled, with its payments not yet started) unless
// one of its payments is being approved (409).
func (s *service) CreateOrder(ctx context.Context, p *authz.Principal, in OrderInput) (*Order, error) {
	if err := s.authz.Check(p, objOrder, "create"); err != nil {
		return nil, err
	}
	type ref struct {
		kind string
		id   int64
	}
	var refs []ref
	fromCart := len(in.Items) == 0
	if fromCart {
		rows, err := s.st.cartItems(ctx, s.db.R, p.UserID)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			refs = append(refs, ref{r.Kind, r.ProductID})
		}
		if len(refs) == 0 {
			return nil, errCartEmpty
		}
	}
	for i, it := range in.Items {
		kind, id, err := it.ref("body.items[" + itoa(int64(i)) + "]")
		if err != nil {
			return nil, err
		}
		if !slices.Contains(refs, ref{kind, id}) {
			refs = append(refs, ref{kind, id})
		}
	}
	now := s.clock.Now()
	order := &orderRow{UserID: p.UserID, Status: orderPending, CreatedAt: now, UpdatedAt: now}
	var items []orderItemRow
	for _, r := range refs {
		prod, owned, err := s.ProductFor(ctx, p, r.kind, r.id)
		if fromCart && errors.Is(err, errProductNotFound) {
			continue // no longer on sale: it stays in the cart, shown unavailable
		}
		if err != nil {
			return nil, err
		}
		if owned {
			return nil, errAlreadyOwned.With(map[string]any{"Title": prod.Title})
		}
		for _, it := range items { // a course of the curriculum ordered with it: bought twice
			for _, id := range prod.CourseIDs {
				if slices.Contains(it.CourseIDs.V, id) {
					return nil, errOverlappingItems.With(map[string]any{"Title": prod.Title, "Other": it.Title})
				}
			}
		}
		items = append(items, orderItemRow{Kind: prod.Kind, ProductID: prod.ID, Title: prod.Title, Price: prod.Price,
			AccessDays: prod.AccessDays, CourseIDs: db.JSON[[]int64]{V: prod.CourseIDs}})
		order.Amount += prod.Price
	}
	if len(items) == 0 {
		return nil, errCartEmpty
	}
	var reused *orderRow
	var reusedItems []orderItemRow
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur, err := s.st.pendingOrder(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		if cur != nil {
			busy, err := s.st.orderPaymentsIn(ctx, tx, cur.ID, payApproving)
			if err != nil {
				return err
			}
			if busy {
				return errPaymentInProgress
			}
			curItems, err := s.st.orderItems(ctx, tx, []int64{cur.ID})
			if err != nil {
				return err
			}
			if sameItems(curItems[cur.ID], items) && cur.Amount == order.Amount {
				reused, reusedItems = cur, curItems[cur.ID]
				return nil
			}
			if _, err := s.st.setOrderStatus(ctx, tx, cur.ID, orderPending, orderCancelled, now); err != nil {
				return err
			}
			if err := s.st.cancelReadyPayments(ctx, tx, cur.ID, now); err != nil {
				return err
			}
		}
		return s.st.insertOrder(ctx, tx, order, items)
	})
	if db.IsUniqueViolation(err) { // another request made the pending order meanwhile
		return nil, apperr.New(apperr.Conflict, "commerce.order_busy", "commerce.order_busy")
	}
	if err != nil {
		return nil, err
	}
	if reused != nil {
		return orderOf(reused, reusedItems), nil
	}
	return orderOf(order, items), nil
}

// sameItems reports whether two orders' items name the same products at
// the same prices.
func sameItems(a, b []orderItemRow) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y orderItemRow) bool {
			return x.Kind == y.Kind && x.ProductID == y.ProductID && x.Price == y.Price
		}) {
			return false
		}
	}
	return true
}

// Order returns one of p's orders (admins: anyone's).
func (s *service) Order(ctx context.Context, p *authz.Principal, id int64) (*Order, error) {
	uid, err := s.ownerScope(p, objOrder, "read", errOrderNotFound)
	if err != nil {
		return nil, err
	}
	r, err := s.st.order(ctx, s.db.R, uid, id, false)
	if err != nil {
		return nil, err
	}
	items, err := s.st.orderItems(ctx, s.db.R, []int64{r.ID})
	if err != nil {
		return nil, err
	}
	return orderOf(r, items[r.ID]), nil
}

// MyOrders lists p's orders, newest first.
func (s *service) MyOrders(ctx context.Context, p *authz.Principal, limit, offset int) ([]Order, int, error) {
	if err := s.authz.Check(p, objOrder, "read", authz.Owner); err != nil {
		return nil, 0, err
	}
	rows, n, err := s.st.orders(ctx, s.db.R, p.UserID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	items, err := s.st.orderItems(ctx, s.db.R, ids)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Order, len(rows))
	for i := range rows {
		out[i] = *orderOf(&rows[i], items[rows[i].ID])
	}
	return out, n, nil
}
