package commerce

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/weaverse/weaverse/platform/authz"
	"github.com/weaverse/weaverse/platform/db"
)

// receiptData is what a receipt says, fixed when it is issued.
type receiptData struct {
	Provider  string        `json:"provider"`
	Method    string        `json:"method"`
	OrderID   int64         `json:"order_id"`
	Items     []ReceiptItem `json:"items"`
	Buyer     string        `json:"buyer"`
	Email     string        `json:"email"`
	PaidAt    *time.Time    `json:"paid_at"`
	Reference string        `json:"reference" doc:"The provider's id of the payment."`
}

// ReceiptItem is a line of a receipt.
type ReceiptItem struct {
	Title string `json:"title"`
	Kind  string `json:"kind" enum:"course,curriculum"`
	Price int64  `json:"price" doc:"KRW."`
}

// Receipt is an immutable record of a payment or of its refund.
type Receipt struct {
	ID        int64         `json:"id"`
	Number    string        `json:"number"`
	Kind      string        `json:"kind" enum:"payment,refund" doc:"A payment's receipt, or its refund's (the amount refunded)."`
	PaymentID int64         `json:"payment_id"`
	OrderID   int64         `json:"order_id"`
	UserID    int64         `json:"user_id"`
	Amount    int64         `json:"amount" doc:"KRW: charged, or refunded."`
	Provider  string        `json:"provider"`
	Method    string        `json:"method"`
	Reference string        `json:"reference"`
	Items     []ReceiptItem `json:"items"`
	Buyer     string        `json:"buyer"`
	Email     string        `json:"email"`
	PaidAt    *time.Time    `json:"paid_at"`
	IssuedAt  time.Time     `json:"issued_at"`
	Billing   *Billing      `json:"billing,omitempty" doc:"The payment's billing address, as it was when paid."`
	// Refunded is set on a payment's receipt once it was refunded: the
	// refund's receipt.
	RefundReceiptID *int64 `json:"refund_receipt_id,omitempty"`
}

// receiptNumber is a receipt's number: the payment and the kind, dated.
func receiptNumber(kind string, paymentID int64, at time.Time) string {
	k := "P"
	if kind == "refund" {
		k = "R"
	}
	return fmt.Sprintf("WV-%s-%s%06d", at.UTC().Format("20060102"), k, paymentID)
}

// buyer is who a receipt names.
type buyer struct{ name, email string }

func (s *service) buyerOf(ctx context.Context, userID int64) buyer {
	u, err := s.users.UserByID(ctx, userID)
	if err != nil {
		return buyer{}
	}
	return buyer{u.Nickname, u.Email}
}

// insertReceipt issues a receipt for a payment (kind "payment") or its
// refund, once.
func (s *service) insertReceipt(ctx context.Context, tx bun.Tx, pay *paymentRow, kind string, items []orderItemRow, b buyer, now time.Time) error {
	d := receiptData{Provider: pay.Provider, Method: pay.Method, OrderID: pay.OrderID, Items: []ReceiptItem{},
		Buyer: b.name, Email: b.email, PaidAt: pay.PaidAt, Reference: pay.tid()}
	for _, it := range items {
		d.Items = append(d.Items, ReceiptItem{Title: it.Title, Kind: it.Kind, Price: it.Price})
	}
	return s.st.insertReceipt(ctx, tx, &receiptRow{UserID: pay.UserID, PaymentID: pay.ID, Kind: kind,
		Number: receiptNumber(kind, pay.ID, now), Amount: pay.Amount, Data: db.JSON[receiptData]{V: d}, CreatedAt: now})
}

func (s *service) receiptOf(ctx context.Context, r *receiptRow) (*Receipt, error) {
	d := r.Data.V
	out := &Receipt{ID: r.ID, Number: r.Number, Kind: r.Kind, PaymentID: r.PaymentID, OrderID: d.OrderID, UserID: r.UserID,
		Amount: r.Amount, Provider: d.Provider, Method: d.Method, Reference: d.Reference, Items: d.Items, Buyer: d.Buyer,
		Email: d.Email, PaidAt: d.PaidAt, IssuedAt: r.CreatedAt.UTC()}
	if out.Items == nil {
		out.Items = []ReceiptItem{}
	}
	pay, err := s.st.payment(ctx, s.db.R, 0, r.PaymentID)
	if err != nil {
		return nil, err
	}
	out.Billing = s.paymentOf(pay).Billing
	if r.Kind == "payment" {
		rs, _, err := s.st.receipts(ctx, s.db.R, 0, r.PaymentID, 2, 0)
		if err != nil {
			return nil, err
		}
		for _, x := range rs {
			if x.Kind == "refund" {
				out.RefundReceiptID = &x.ID
			}
		}
	}
	return out, nil
}

// Receipt returns one of p's receipts (admins: anyone's).
func (s *service) Receipt(ctx context.Context, p *authz.Principal, id int64) (*Receipt, error) {
	uid, err := s.ownerScope(p, objReceipt, "read", errReceiptNotFound)
	if err != nil {
		return nil, err
	}
	r, err := s.st.receipt(ctx, s.db.R, uid, id)
	if err != nil {
		return nil, err
	}
	return s.receiptOf(ctx, r)
}

// Receipts lists p's receipts, newest first.
func (s *service) Receipts(ctx context.Context, p *authz.Principal, limit, offset int) ([]Receipt, int, error) {
	if err := s.authz.Check(p, objReceipt, "read", authz.Owner); err != nil {
		return nil, 0, err
	}
	rows, n, err := s.st.receipts(ctx, s.db.R, p.UserID, 0, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Receipt, 0, len(rows))
	for i := range rows {
		r, err := s.receiptOf(ctx, &rows[i])
		if err != nil {
			return nil, 0, err
		}
		out = append(out, *r)
	}
	return out, n, nil
}
