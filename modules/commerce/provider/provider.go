// Package provider is the payment services commerce charges through —
// KakaoPay, Toss Payments and the local demo provider — behind one
// interface. A provider only talks to its service: it never touches the
// database, and commerce never calls it inside a transaction that holds
// locks.
//
// The flow every provider follows:
//
//	Ready   → the payment is registered (KakaoPay's ready; nothing for Toss,
//	          whose browser SDK starts it) and the browser is sent on;
//	Approve → the browser came back authorised: the provider charges, and
//	          says how much it charged (commerce compares with the order);
//	Lookup  → where a payment stands, for the reconciler (a crash between
//	          the provider's approval and our commit);
//	Cancel  → the whole approved amount is refunded.
package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Provider is one payment service.
type Provider interface {
	// Name is the provider's name in the API: "kakaopay", "tosspayments",
	// "demo".
	Name() string
	// Ready starts a payment.
	Ready(ctx context.Context, in ReadyInput) (*Ready, error)
	// Approve completes a payment the payer authorised.
	Approve(ctx context.Context, in ApproveInput) (*Result, error)
	// Lookup asks where a payment stands.
	Lookup(ctx context.Context, in LookupInput) (*Result, error)
	// Cancel refunds an approved payment in full.
	Cancel(ctx context.Context, in CancelInput) (*Result, error)
}

// ReadyInput starts a payment.
type ReadyInput struct {
	// OrderID is our id of this payment at the provider (KakaoPay's
	// partner_order_id, Toss's orderId): unique per payment, 6–64 of
	// [A-Za-z0-9_-], e.g. "wv-o12-p34".
	OrderID  string
	UserID   string // our user id (KakaoPay's partner_user_id)
	ItemName string // what is bought, ≤ 100 characters
	Quantity int
	Amount   int64 // KRW, tax included
	// TaxFree is the tax-free part of Amount (KRW).
	TaxFree int64
	// ApprovalURL, CancelURL and FailURL are where the provider returns the
	// browser (KakaoPay's approval_url…, Toss's successUrl/failUrl).
	ApprovalURL, CancelURL, FailURL string
	// Mobile asks for the mobile page where the provider has one.
	Mobile bool
	// IdempotencyKey is sent where the provider honours one (Toss).
	IdempotencyKey string
}

// Ready is a started payment.
type Ready struct {
	// TID is the provider's id of the payment when it gives one at this
	// point (KakaoPay's tid, the demo's); "" for Toss, whose paymentKey
	// arrives with the browser.
	TID string
	// RedirectURL is where to send the browser; "" when our own page starts
	// the provider's browser SDK (Toss).
	RedirectURL string
	Raw         json.RawMessage // the provider's response, kept as it was
}

// ApproveInput completes a payment.
type ApproveInput struct {
	TID     string // KakaoPay's tid, Toss's paymentKey, the demo's tid
	OrderID string // the ReadyInput's OrderID
	UserID  string // the ReadyInput's UserID
	Token   string // KakaoPay's pg_token from the approval URL
	// Amount is what we expect to be charged: sent where the provider
	// checks it (Toss, KakaoPay's total_amount), and compared by commerce
	// with Result.Amount in any case.
	Amount         int64
	IdempotencyKey string
}

// LookupInput names a payment to look up.
type LookupInput struct {
	TID     string // "" when unknown (a Toss payment whose browser never came back)
	OrderID string
}

// CancelInput refunds a payment.
type CancelInput struct {
	TID            string
	Amount         int64 // KRW, the whole approved amount
	TaxFree        int64
	Reason         string
	IdempotencyKey string
}

// Status is where a payment stands at its provider.
type Status string

// Statuses.
const (
	StatusPending   Status = "pending"   // started or authorising, not charged
	StatusPaid      Status = "paid"      // charged
	StatusCancelled Status = "cancelled" // refunded after the charge, or abandoned before it
	StatusFailed    Status = "failed"    // refused, expired
)

// Result is a payment as the provider reports it.
type Result struct {
	TID             string
	OrderID         string
	Status          Status
	Amount          int64  // the total charged (KRW)
	CancelledAmount int64  // the total refunded (KRW)
	Method          string // "CARD", "MONEY", "카드", "demo"
	ApprovedAt      time.Time
	CancelledAt     time.Time
	Raw             json.RawMessage // the provider's response, kept as it was
}

// Error is a provider's refusal: an answer that says no.
type Error struct {
	Provider   string
	HTTPStatus int
	Code       string // "-702" (KakaoPay), "ALREADY_PROCESSED_PAYMENT" (Toss)
	Message    string
	// AlreadyDone says the refusal means the operation was already done
	// (errors.Is(err, ErrAlreadyDone)).
	AlreadyDone bool
	Raw         json.RawMessage
}

// Is makes errors.Is(err, ErrAlreadyDone) hold for an AlreadyDone refusal.
func (e *Error) Is(target error) bool { return target == ErrAlreadyDone && e.AlreadyDone }

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %d %s: %s", e.Provider, e.HTTPStatus, e.Code, e.Message)
}

// ErrUnavailable wraps failures whose outcome is unknown: a timeout, a
// refused connection, a 5xx after the retries. The payment may or may not
// have gone through: commerce leaves it for the reconciler (Lookup).
var ErrUnavailable = errors.New("payment provider unavailable")

// ErrAlreadyDone is matched (errors.Is) by a refusal that says the
// operation was already done (KakaoPay -702/-785, Toss
// ALREADY_PROCESSED_PAYMENT): commerce then looks the payment up.
var ErrAlreadyDone = errors.New("payment already processed at the provider")
