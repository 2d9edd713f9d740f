package tosspayments

import (
	"encoding/json"
	"time"

	"github.com/weaverse/weaverse/modules/commerce/provider"
	"github.com/weaverse/weaverse/modules/commerce/provider/internal/httpcall"
)

// payment is Toss's Payment object (the fields we use).
type payment struct {
	PaymentKey  string  `json:"paymentKey"`
	OrderID     string  `json:"orderId"`
	Status      string  `json:"status"`
	Method      *string `json:"method"`
	TotalAmount int64   `json:"totalAmount"`
	ApprovedAt  *string `json:"approvedAt"`
	Cancels     []struct {
		CancelAmount int64  `json:"cancelAmount"`
		CanceledAt   string `json:"canceledAt"`
		CancelStatus string `json:"cancelStatus"`
	} `json:"cancels"`
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// decodePayment reads a Payment.
func decodePayment(body []byte) (*provider.Result, error) {
	var p payment
	if err := json.Unmarshal(body, &p); err != nil || p.PaymentKey == "" {
		return nil, httpcall.Unreadable("tosspayments", body, err)
	}
	r := &provider.Result{
		TID:     p.PaymentKey,
		OrderID: p.OrderID,
		Status:  statusOf(p.Status),
		Amount:  p.TotalAmount,
		Raw:     json.RawMessage(body),
	}
	if p.Method != nil {
		r.Method = *p.Method
	}
	if p.ApprovedAt != nil {
		r.ApprovedAt = parseTime(*p.ApprovedAt)
	}
	for _, c := range p.Cancels {
		if c.CancelStatus != "" && c.CancelStatus != "DONE" {
			continue // a cancel that has not gone through refunds nothing
		}
		r.CancelledAmount += c.CancelAmount
		if t := parseTime(c.CanceledAt); t.After(r.CancelledAt) {
			r.CancelledAt = t
		}
	}
	return r, nil
}

// statusOf maps a Payment's status to ours.
func statusOf(s string) provider.Status {
	switch s {
	case "DONE":
		return provider.StatusPaid
	case "CANCELED", "PARTIAL_CANCELED":
		return provider.StatusCancelled
	case "ABORTED", "EXPIRED":
		return provider.StatusFailed
	}
	return provider.StatusPending // READY, IN_PROGRESS, WAITING_FOR_DEPOSIT
}

// decodeError reads a refusal {code, message}. A body without a code is no
// answer of Toss's (a proxy's page): its outcome is unknown.
func decodeError(status int, body []byte) error {
	var e apiError
	if err := json.Unmarshal(body, &e); err != nil || e.Code == "" {
		return httpcall.NotARefusal("tosspayments", status, body)
	}
	return &provider.Error{
		Provider:   "tosspayments",
		HTTPStatus: status,
		Code:       e.Code,
		Message:    e.Message,
		// ALREADY_PROCESSED_PAYMENT: confirmed already;
		// ALREADY_CANCELED_PAYMENT: cancelled already.
		AlreadyDone: e.Code == "ALREADY_PROCESSED_PAYMENT" || e.Code == "ALREADY_CANCELED_PAYMENT",
		Raw:         json.RawMessage(body),
	}
}

// parseTime reads ISO 8601 with an offset ("2024-02-13T12:18:14+09:00")
// as UTC; a time it cannot read is left zero.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
